// Ref store: the refs table, with compare-and-swap updates inside one transaction.
import { MAX_REFS_PER_REPO, TOO_MANY_REFS, refCountAfter } from './ref-limits';

export const ZERO_OID = '0000000000000000000000000000000000000000';

export interface RefRow {
  name: string;
  oid: string;
}

export interface RefUpdate {
  name: string;
  oldOid: string; // ZERO_OID: the ref must not exist
  newOid: string; // ZERO_OID: delete the ref
}

export interface RefUpdateResult {
  name: string;
  ok: boolean;
  error?: string; // git-style reason for `ng <ref> <reason>`
}

/**
 * git check-ref-format rules (refs.c: check_refname_component), plus "must start with refs/".
 */
export function isValidRefName(name: string): boolean {
  if (!name.startsWith('refs/') || name.length > 1024) return false;
  if (name.endsWith('/') || name.endsWith('.') || name.includes('//') || name.includes('..')) return false;
  if (name.includes('@{') || name === '@') return false;
  for (const comp of name.split('/')) {
    if (comp.length === 0 || comp.startsWith('.') || comp.endsWith('.lock')) return false;
  }
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return false;
    if (' ~^:?*[\\'.includes(name[i])) return false;
  }
  return true;
}

/** The refs of one repository (`repo` = its key `ns/name`; a DO may host a fork network). */
export class RefStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly transactionSync: <T>(fn: () => T) => T,
    readonly repo: string,
  ) {}

  /** All direct refs, sorted by name (as git advertises them). */
  list(prefixes?: string[]): RefRow[] {
    const rows = this.sql
      .exec<{ name: string; oid: string }>(`SELECT name, oid FROM repo_refs WHERE repo = ? AND oid IS NOT NULL ORDER BY name`, this.repo)
      .toArray();
    if (!prefixes || prefixes.length === 0) return rows.map((r) => ({ name: r.name, oid: r.oid }));
    return rows.filter((r) => prefixes.some((p) => r.name.startsWith(p))).map((r) => ({ name: r.name, oid: r.oid }));
  }

  get(name: string): string | null {
    const row = this.sql.exec<{ oid: string | null }>(`SELECT oid FROM repo_refs WHERE repo = ? AND name = ?`, this.repo, name).toArray()[0];
    return row?.oid ?? null;
  }

  /** HEAD's target ref name (e.g. refs/heads/main) and the oid it resolves to, if born. */
  head(): { target: string; oid: string | null } {
    const row = this.sql.exec<{ target: string | null }>(`SELECT target FROM repo_refs WHERE repo = ? AND name = 'HEAD'`, this.repo).toArray()[0];
    const target = row?.target ?? 'refs/heads/main';
    return { target, oid: this.get(target) };
  }

  setHead(target: string): void {
    this.sql.exec(
      `INSERT INTO repo_refs (repo, name, oid, target) VALUES (?, 'HEAD', NULL, ?)
       ON CONFLICT(repo, name) DO UPDATE SET oid = NULL, target = excluded.target`,
      this.repo,
      target,
    );
  }

  count(): number {
    return this.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM repo_refs WHERE repo = ? AND oid IS NOT NULL`, this.repo).one().n;
  }

  /**
   * Applies updates with compare-and-swap on each old value. Atomic: all or none. Otherwise each
   * update stands alone. `check` lets the caller veto an update (e.g. missing objects) inside the
   * same transaction. Returns one result per update, in order.
   */
  update(updates: RefUpdate[], atomic: boolean): RefUpdateResult[] {
    return this.transactionSync(() => {
      const results: RefUpdateResult[] = updates.map((u) => {
        const current = this.get(u.name) ?? ZERO_OID;
        if (current !== u.oldOid) {
          return { name: u.name, ok: false, error: current === ZERO_OID ? 'stale info (ref is gone)' : 'fetch first' };
        }
        return { name: u.name, ok: true };
      });
      refuseOverLimit(updates, results, () => this.count());
      if (atomic && results.some((r) => !r.ok)) {
        return results.map((r) => (r.ok ? { name: r.name, ok: false, error: 'atomic transaction failed' } : r));
      }
      for (let i = 0; i < updates.length; i++) {
        if (!results[i].ok) continue;
        const u = updates[i];
        if (u.newOid === ZERO_OID) this.sql.exec(`DELETE FROM repo_refs WHERE repo = ? AND name = ?`, this.repo, u.name);
        else
          this.sql.exec(
            `INSERT INTO repo_refs (repo, name, oid, target) VALUES (?, ?, ?, NULL)
             ON CONFLICT(repo, name) DO UPDATE SET oid = excluded.oid, target = NULL`,
            this.repo,
            u.name,
            u.newOid,
          );
      }
      return results;
    });
  }

  /** Copies refs of another repository of this network into this one (a fork being made). */
  copyFrom(source: string, only?: string[]): void {
    if (only) {
      for (const name of only) {
        this.sql.exec(`INSERT OR REPLACE INTO repo_refs (repo, name, oid, target) SELECT ?, name, oid, target FROM repo_refs WHERE repo = ? AND name = ?`, this.repo, source, name);
      }
    } else {
      this.sql.exec(`INSERT OR REPLACE INTO repo_refs (repo, name, oid, target) SELECT ?, name, oid, target FROM repo_refs WHERE repo = ?`, this.repo, source);
    }
  }

  /** Removes every ref of this repository. */
  clear(): void {
    this.sql.exec(`DELETE FROM repo_refs WHERE repo = ?`, this.repo);
  }
}

/** Fails the creations among the updates that passed if they would take the repository past its ref limit. */
function refuseOverLimit(updates: RefUpdate[], results: RefUpdateResult[], count: () => number): void {
  const passing = updates.filter((_, i) => results[i].ok);
  if (!passing.some((u) => u.oldOid === ZERO_OID && u.newOid !== ZERO_OID)) return;
  if (refCountAfter(count(), passing) <= MAX_REFS_PER_REPO) return;
  updates.forEach((u, i) => {
    if (results[i].ok && u.oldOid === ZERO_OID && u.newOid !== ZERO_OID) results[i] = { name: u.name, ok: false, error: TOO_MANY_REFS };
  });
}
