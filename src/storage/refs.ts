// Ref store: the refs table, with compare-and-swap updates inside one transaction.
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

export class RefStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly transactionSync: <T>(fn: () => T) => T,
  ) {}

  /** All direct refs, sorted by name (as git advertises them). */
  list(prefixes?: string[]): RefRow[] {
    const rows = this.sql
      .exec<{ name: string; oid: string }>(`SELECT name, oid FROM refs WHERE oid IS NOT NULL ORDER BY name`)
      .toArray();
    if (!prefixes || prefixes.length === 0) return rows.map((r) => ({ name: r.name, oid: r.oid }));
    return rows.filter((r) => prefixes.some((p) => r.name.startsWith(p))).map((r) => ({ name: r.name, oid: r.oid }));
  }

  get(name: string): string | null {
    const row = this.sql.exec<{ oid: string | null }>(`SELECT oid FROM refs WHERE name = ?`, name).toArray()[0];
    return row?.oid ?? null;
  }

  /** HEAD's target ref name (e.g. refs/heads/main) and the oid it resolves to, if born. */
  head(): { target: string; oid: string | null } {
    const row = this.sql.exec<{ target: string | null }>(`SELECT target FROM refs WHERE name = 'HEAD'`).toArray()[0];
    const target = row?.target ?? 'refs/heads/main';
    return { target, oid: this.get(target) };
  }

  setHead(target: string): void {
    this.sql.exec(
      `INSERT INTO refs (name, oid, target) VALUES ('HEAD', NULL, ?)
       ON CONFLICT(name) DO UPDATE SET oid = NULL, target = excluded.target`,
      target,
    );
  }

  count(): number {
    return this.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM refs WHERE oid IS NOT NULL`).one().n;
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
      if (atomic && results.some((r) => !r.ok)) {
        return results.map((r) => (r.ok ? { name: r.name, ok: false, error: 'atomic transaction failed' } : r));
      }
      for (let i = 0; i < updates.length; i++) {
        if (!results[i].ok) continue;
        const u = updates[i];
        if (u.newOid === ZERO_OID) this.sql.exec(`DELETE FROM refs WHERE name = ?`, u.name);
        else
          this.sql.exec(
            `INSERT INTO refs (name, oid, target) VALUES (?, ?, NULL)
             ON CONFLICT(name) DO UPDATE SET oid = excluded.oid, target = NULL`,
            u.name,
            u.newOid,
          );
      }
      return results;
    });
  }
}
