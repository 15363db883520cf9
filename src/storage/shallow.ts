// The shallow boundary of one repository (git's .git/shallow): commits whose parents are not
// stored. Walks treat them as parentless and tell fetching clients about them. Keyed by the
// repository key `ns/name`.
export class ShallowStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly repo: string,
  ) {}

  list(): string[] {
    return this.sql.exec<{ oid: string }>(`SELECT oid FROM shallow WHERE repo = ? ORDER BY oid`, this.repo).toArray().map((r) => r.oid);
  }

  /** Replaces the boundary (call inside the transaction that stores the objects). */
  set(oids: Iterable<string>): void {
    this.sql.exec(`DELETE FROM shallow WHERE repo = ?`, this.repo);
    for (const oid of oids) this.sql.exec(`INSERT OR IGNORE INTO shallow (repo, oid) VALUES (?, ?)`, this.repo, oid);
  }
}
