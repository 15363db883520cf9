// RegistryObject: a sorted index of names in one SQLite table, so listings never touch the
// repositories' own Durable Objects. One instance per namespace (its repositories) and one for
// the list of namespaces (see registryFor / namespaceIndex in src/service/registry.ts).
// Keyset pagination on the primary key: O(limit) per page whatever the table size, and the
// order (bytewise by name) is stable while entries come and go.
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';

export interface RegistryEntry {
  name: string;
  createdAt: string;
}

export interface RegistryPage {
  entries: RegistryEntry[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  cursor: string | null;
}

export const REGISTRY_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS entries (name TEXT PRIMARY KEY, created_at INTEGER NOT NULL) WITHOUT ROWID`,
  // The entry count, kept in step with `entries` (count(*) would scan 100,000 rows per call).
  `CREATE TABLE IF NOT EXISTS stats (key TEXT PRIMARY KEY, n INTEGER NOT NULL)`,
  `INSERT OR IGNORE INTO stats (key, n) VALUES ('entries', 0)`,
];

export class RegistryObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    for (const s of REGISTRY_SCHEMA) this.sql.exec(s);
  }

  /** Adds a name (idempotent). Returns the entry count afterwards and whether it was new. */
  async add(name: string, createdAt = Date.now()): Promise<{ added: boolean; count: number }> {
    const added = this.ctx.storage.transactionSync(() => {
      const n = this.sql.exec(`INSERT OR IGNORE INTO entries (name, created_at) VALUES (?, ?)`, name, createdAt).rowsWritten;
      this.bump(n);
      return n > 0;
    });
    return { added, count: this.count() };
  }

  /** Adds many names in one transaction (bulk seeding; at most 100 bound parameters per statement). */
  async addMany(names: string[], createdAt = Date.now()): Promise<number> {
    let added = 0;
    this.ctx.storage.transactionSync(() => {
      for (let i = 0; i < names.length; i += 45) {
        const chunk = names.slice(i, i + 45);
        const sql = `INSERT OR IGNORE INTO entries (name, created_at) VALUES ${chunk.map(() => '(?, ?)').join(', ')}`;
        added += this.sql.exec(sql, ...chunk.flatMap((n) => [n, createdAt])).rowsWritten;
      }
      this.bump(added);
    });
    return added;
  }

  /** Removes a name. Returns the entry count afterwards and whether it was there. */
  async remove(name: string): Promise<{ removed: boolean; count: number }> {
    const removed = this.ctx.storage.transactionSync(() => {
      const n = this.sql.exec(`DELETE FROM entries WHERE name = ?`, name).rowsWritten;
      this.bump(-n);
      return n > 0;
    });
    return { removed, count: this.count() };
  }

  async has(name: string): Promise<boolean> {
    return this.sql.exec(`SELECT 1 FROM entries WHERE name = ?`, name).toArray().length > 0;
  }

  /** One page in name order, strictly after `cursor`. */
  async list(limit: number, cursor: string | null): Promise<RegistryPage> {
    const rows = this.sql
      .exec<{ name: string; created_at: number }>(
        `SELECT name, created_at FROM entries WHERE name > ? ORDER BY name LIMIT ?`,
        cursor ?? '',
        limit + 1,
      )
      .toArray();
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    return {
      entries: page.map((r) => ({ name: r.name, createdAt: new Date(r.created_at).toISOString() })),
      cursor: more ? page[page.length - 1].name : null,
    };
  }

  async size(): Promise<number> {
    return this.count();
  }

  private count(): number {
    return this.sql.exec<{ n: number }>(`SELECT n FROM stats WHERE key = 'entries'`).one().n;
  }

  private bump(delta: number): void {
    if (delta !== 0) this.sql.exec(`UPDATE stats SET n = n + ? WHERE key = 'entries'`, delta);
  }
}
