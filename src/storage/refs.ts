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
 * git check-ref-format rules (refs.c: check_refname_component), plus what receive-pack adds:
 * under refs/ and at least two levels below it (`refs/foo` is a "funny refname").
 */
export function isValidRefName(name: string): boolean {
  if (!name.startsWith('refs/') || name.length > 1024 || !name.includes('/', 5)) return false;
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

  /** Names of the direct refs under `dir` + '/', sorted (one index range scan). */
  namesUnder(dir: string): string[] {
    return this.sql
      .exec<{ name: string }>(`SELECT name FROM repo_refs WHERE repo = ? AND name >= ? AND name < ? AND oid IS NOT NULL ORDER BY name`, this.repo, dir + '/', dir + '0')
      .toArray()
      .map((r) => r.name);
  }

  /** Whether any direct ref lies under `dir` + '/'. */
  hasUnder(dir: string): boolean {
    return this.sql.exec(`SELECT 1 FROM repo_refs WHERE repo = ? AND name >= ? AND name < ? AND oid IS NOT NULL LIMIT 1`, this.repo, dir + '/', dir + '0').toArray().length > 0;
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
   * update stands alone, in order. A new ref must not be a directory of refs, nor sit below a
   * ref (git's files layout cannot hold both: every clone would fail), counting the batch's own
   * earlier updates; atomic batches see all their deletions first, as git's transactions do.
   * Returns one result per update, in order.
   */
  update(updates: RefUpdate[], atomic: boolean): RefUpdateResult[] {
    return this.transactionSync(() => {
      const names = new BatchNames(this, atomic);
      if (atomic) for (const u of updates) if (u.newOid === ZERO_OID && this.get(u.name) === u.oldOid) names.delete(u.name);
      const results: RefUpdateResult[] = updates.map((u) => {
        const current = this.get(u.name) ?? ZERO_OID;
        if (current !== u.oldOid) {
          return { name: u.name, ok: false, error: current === ZERO_OID ? 'stale info (ref is gone)' : 'fetch first' };
        }
        if (u.newOid === ZERO_OID) names.delete(u.name);
        else if (current === ZERO_OID) {
          const conflict = names.conflict(u.name);
          if (conflict) return { name: u.name, ok: false, error: `cannot lock ref '${u.name}': ${conflict}` };
          names.create(u.name);
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

  /** Names of refs among `names` that exist (at most 90 asked per statement). */
  existing(names: string[]): string[] {
    const out: string[] = [];
    for (let i = 0; i < names.length; i += 90) {
      const part = names.slice(i, i + 90);
      const rows = this.sql.exec<{ name: string }>(
        `SELECT name FROM repo_refs WHERE repo = ? AND oid IS NOT NULL AND name IN (${part.map(() => '?').join(',')})`,
        this.repo,
        ...part,
      );
      for (const r of rows) out.push(r.name);
    }
    return out;
  }

  /** Up to `limit` refs below `dir/` (in name order). */
  below(dir: string, limit: number): string[] {
    // Names below `dir/` sort between `dir/` and `dir0` ('0' follows '/').
    return this.sql
      .exec<{ name: string }>(`SELECT name FROM repo_refs WHERE repo = ? AND oid IS NOT NULL AND name >= ? AND name < ? ORDER BY name LIMIT ?`, this.repo, `${dir}/`, `${dir}0`, limit)
      .toArray()
      .map((r) => r.name);
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

  /** Writes refs as given (a fork made in its own DO: its origin's refs, inside its creating transaction). */
  load(refs: { name: string; oid: string }[]): void {
    for (const r of refs) {
      this.sql.exec(`INSERT OR REPLACE INTO repo_refs (repo, name, oid, target) VALUES (?, ?, ?, NULL)`, this.repo, r.name, r.oid);
    }
  }

  /** Removes every ref of this repository. */
  clear(): void {
    this.sql.exec(`DELETE FROM repo_refs WHERE repo = ?`, this.repo);
  }
}

/** The ref names as a batch of updates changes them: the table, plus creations and deletions so far. */
class BatchNames {
  private readonly created = new Set<string>();
  private readonly deleted = new Set<string>();
  /** Atomic: the batch is one transaction (git: "cannot process a and a/b at the same time");
   *  otherwise an earlier creation of the batch simply exists by the time of the next. */
  constructor(
    private readonly refs: RefStore,
    private readonly atomic: boolean,
  ) {}

  create(name: string): void {
    this.created.add(name);
    this.deleted.delete(name);
  }

  delete(name: string): void {
    this.deleted.add(name);
    this.created.delete(name);
  }

  /** Why `name` cannot be created (git's wording), or null. */
  conflict(name: string): string | null {
    const parts = name.split('/');
    const dirs: string[] = [];
    for (let i = 2; i < parts.length; i++) dirs.push(parts.slice(0, i).join('/'));
    for (const d of dirs) if (this.created.has(d)) return this.together(d, name);
    const stored = this.refs.existing(dirs).filter((d) => !this.deleted.has(d));
    if (stored.length > 0) return `'${stored[0]}' exists; cannot create '${name}'`;
    for (const c of this.created) if (c.startsWith(name + '/')) return this.together(c, name);
    const below = this.refs.below(name, this.deleted.size + 1).find((d) => !this.deleted.has(d));
    return below ? `'${below}' exists; cannot create '${name}'` : null;
  }

  /** `name` cannot be created: `earlier`, created before it in this batch, is its directory or
   *  inside it. */
  private together(earlier: string, name: string): string {
    if (!this.atomic) return `'${earlier}' exists; cannot create '${name}'`;
    const [dir, inside] = earlier.length < name.length ? [earlier, name] : [name, earlier];
    return `cannot process '${dir}' and '${inside}' at the same time`;
  }
}

/** Whether a ref update failed on a file/directory name conflict (see RefStore.update). */
export function isNameConflict(error: string | undefined): boolean {
  return !!error && /^cannot lock ref /.test(error);
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
