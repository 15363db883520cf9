// SQL schema of one repository Durable Object (next to the dofs_* tables DOFS owns).
//
// A DO hosts one repository; every fork is a DO of its own that reads its origin's packs from
// R2 (`snapshot_packs`, storage/snapshot.ts; `published_packs` on the origin's side). Stores of
// earlier versions may host a *fork network* (a repository and its forks sharing this object
// store): so everything that belongs to one repository (refs, meta, tokens, events) carries
// `repo`, the key `ns/name`.
import { LOCATION_INDEX_DDL } from './object-store';
import { DYING_SCHEMA } from './dying';
import { TAG_PEEL_DDL } from './peel-cache';

export const SCHEMA = [
  // Store-wide settings (next pack id, schema version).
  `CREATE TABLE IF NOT EXISTS repo_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  // The repositories this DO hosts.
  `CREATE TABLE IF NOT EXISTS repos (key TEXT PRIMARY KEY, created INTEGER NOT NULL)`,
  // Per-repository settings: namespace, name, default branch, times, read_only, forked_from...
  `CREATE TABLE IF NOT EXISTS repo_info (
     repo TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (repo, key)) WITHOUT ROWID`,
  // This DO's own name when it is a fork whose network lives in another DO (hex DO id there;
  // '' while the fork is being made).
  `CREATE TABLE IF NOT EXISTS links (repo TEXT PRIMARY KEY, network TEXT NOT NULL)`,
  // Symbolic refs (HEAD) have target set and oid NULL.
  `CREATE TABLE IF NOT EXISTS repo_refs (
     repo TEXT NOT NULL, name TEXT NOT NULL, oid TEXT, target TEXT, PRIMARY KEY (repo, name)) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS packs (
     id INTEGER PRIMARY KEY, path TEXT NOT NULL, size INTEGER NOT NULL,
     checksum TEXT NOT NULL, objects INTEGER NOT NULL, created INTEGER NOT NULL)`,
  // One row per object. raw_type/raw_size/data_offset/end describe the stored pack entry so a
  // clone can copy it verbatim (pack reuse); type/size describe the object itself.
  `CREATE TABLE IF NOT EXISTS objects (
     oid TEXT PRIMARY KEY, pack_id INTEGER NOT NULL, offset INTEGER NOT NULL,
     data_offset INTEGER NOT NULL, end_offset INTEGER NOT NULL,
     type INTEGER NOT NULL, size INTEGER NOT NULL,
     raw_type INTEGER NOT NULL, raw_size INTEGER NOT NULL,
     base_oid TEXT, depth INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID`,
  // Storage order, for full clones (ObjectStore.insert drops and rebuilds it around big inserts).
  LOCATION_INDEX_DDL,
  // Packs a gc pruned whose rows are still being deleted: their rows read as absent (dying.ts).
  DYING_SCHEMA,
  // Repo tokens (src/repo/token-store.ts): name and last_used_at came later (see TOKEN_COLUMNS).
  `CREATE TABLE IF NOT EXISTS tokens (
     id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, scope TEXT NOT NULL,
     expires_at INTEGER NOT NULL, created_at INTEGER NOT NULL, repo TEXT NOT NULL DEFAULT '',
     name TEXT, last_used_at INTEGER)`,
  // Ref-change log (push, commit API, ref deletion): one row per ref that moved.
  `CREATE TABLE IF NOT EXISTS events (
     seq INTEGER PRIMARY KEY AUTOINCREMENT, ref TEXT NOT NULL, old_oid TEXT NOT NULL,
     new_oid TEXT NOT NULL, actor TEXT, time INTEGER NOT NULL, repo TEXT NOT NULL DEFAULT '')`,
  `CREATE INDEX IF NOT EXISTS events_by_repo ON events (repo, seq)`,
  // Webhooks (src/repo/webhook-store.ts). The secret is kept as given: it signs deliveries.
  `CREATE TABLE IF NOT EXISTS webhooks (
     id TEXT PRIMARY KEY, repo TEXT NOT NULL, url TEXT NOT NULL, secret TEXT NOT NULL,
     events TEXT NOT NULL, created_at INTEGER NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS webhooks_by_repo ON webhooks (repo)`,
  // The delivery queue and its recent history: one row per (webhook, payload); seq keeps order.
  `CREATE TABLE IF NOT EXISTS webhook_deliveries (
     seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, repo TEXT NOT NULL,
     webhook_id TEXT NOT NULL, event TEXT NOT NULL, body TEXT NOT NULL, state TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER, last_status INTEGER, last_error TEXT,
     created_at INTEGER NOT NULL, done_at INTEGER)`,
  `CREATE INDEX IF NOT EXISTS webhook_deliveries_queue ON webhook_deliveries (state, webhook_id, seq)`,
  `CREATE INDEX IF NOT EXISTS webhook_deliveries_by_hook ON webhook_deliveries (webhook_id, seq)`,
  // When each alarm-driven job of this Durable Object is next due (one alarm serves them all).
  `CREATE TABLE IF NOT EXISTS scheduled_jobs (job TEXT PRIMARY KEY, due INTEGER NOT NULL)`,
  // Branch protection (src/storage/rules.ts): per repository, one row per ref pattern.
  `CREATE TABLE IF NOT EXISTS branch_rules (
     repo TEXT NOT NULL, pattern TEXT NOT NULL, allow_force_push INTEGER NOT NULL,
     allow_deletion INTEGER NOT NULL, merge_only INTEGER NOT NULL, PRIMARY KEY (repo, pattern)) WITHOUT ROWID`,
  // Shallow boundary (a shallow import): commits whose parents this repository does not have.
  // Per repository (the key `ns/name`): repositories of one fork network will share objects.
  `CREATE TABLE IF NOT EXISTS shallow (repo TEXT NOT NULL, oid TEXT NOT NULL, PRIMARY KEY (repo, oid)) WITHOUT ROWID`,
  // What annotated tags finally point at, by tag id (storage/peel-cache.ts).
  TAG_PEEL_DDL,
  // A fork made in its own DO (storage/snapshot.ts): the published packs (R2 keys) of its origin
  // at fork time; its rows use pack id -seq.
  `CREATE TABLE IF NOT EXISTS snapshot_packs (
     seq INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, size INTEGER NOT NULL, objects INTEGER NOT NULL)`,
  // Packs of this DO published to R2 for forks (storage/publish.ts), with how many forks refer to
  // each; kept when the DO's repositories are deleted, until the last fork lets go.
  `CREATE TABLE IF NOT EXISTS published_packs (
     key TEXT PRIMARY KEY, pack_id INTEGER, size INTEGER NOT NULL, objects INTEGER NOT NULL,
     refs INTEGER NOT NULL DEFAULT 0)`,
];

/** Per-repository keys that lived in repo_meta before fork networks (schema 1). */
const REPO_KEYS = ['namespace', 'name', 'default_branch', 'created_at', 'updated_at', 'read_only', 'forked_from', 'all_reachable'];

export function migrate(sql: SqlStorage): void {
  const tables = new Set(sql.exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table'`).toArray().map((r) => r.name));
  const legacy = tables.has('refs'); // schema 1: one repository per DO, unkeyed tables
  if (legacy) {
    for (const t of ['tokens', 'events']) {
      const cols = sql.exec<{ name: string }>(`PRAGMA table_info(${t})`).toArray();
      if (tables.has(t) && !cols.some((c) => c.name === 'repo')) sql.exec(`ALTER TABLE ${t} ADD COLUMN repo TEXT NOT NULL DEFAULT ''`);
    }
  }
  for (const stmt of SCHEMA) sql.exec(stmt);
  if (legacy) migrateLegacy(sql);
  // Columns added to a table that may predate them.
  const tokenCols = new Set(sql.exec<{ name: string }>(`PRAGMA table_info(tokens)`).toArray().map((c) => c.name));
  for (const [col, type] of TOKEN_COLUMNS) if (!tokenCols.has(col)) sql.exec(`ALTER TABLE tokens ADD COLUMN ${col} ${type}`);
}

const TOKEN_COLUMNS: [string, string][] = [['name', 'TEXT'], ['last_used_at', 'INTEGER']];

/** Moves a schema-1 repository (unkeyed refs and meta) under its key `ns/name`. */
function migrateLegacy(sql: SqlStorage): void {
  const get = (k: string) => sql.exec<{ value: string }>(`SELECT value FROM repo_meta WHERE key = ?`, k).toArray()[0]?.value ?? null;
  const ns = get('namespace');
  const name = get('name');
  if (ns !== null && name !== null) {
    const key = `${ns}/${name}`;
    sql.exec(`INSERT OR IGNORE INTO repos (key, created) VALUES (?, ?)`, key, Date.parse(get('created_at') ?? '') || Date.now());
    for (const k of REPO_KEYS) {
      const v = get(k);
      if (v !== null) sql.exec(`INSERT OR REPLACE INTO repo_info (repo, key, value) VALUES (?, ?, ?)`, key, k, v);
    }
    sql.exec(`INSERT OR IGNORE INTO repo_refs (repo, name, oid, target) SELECT ?, name, oid, target FROM refs`, key);
    sql.exec(`UPDATE tokens SET repo = ? WHERE repo = ''`, key);
    sql.exec(`UPDATE events SET repo = ? WHERE repo = ''`, key);
  }
  for (const k of REPO_KEYS) sql.exec(`DELETE FROM repo_meta WHERE key = ?`, k);
  sql.exec(`DROP TABLE refs`);
}
