// SQL schema of one repository's Durable Object (next to the dofs_* tables DOFS owns).
// Object bytes live in pack files on DOFS; these tables index them.
export const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS repo_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  // Symbolic refs (HEAD) have target set and oid NULL.
  `CREATE TABLE IF NOT EXISTS refs (name TEXT PRIMARY KEY, oid TEXT, target TEXT)`,
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
  `CREATE INDEX IF NOT EXISTS objects_by_location ON objects (pack_id, offset)`,
  `CREATE TABLE IF NOT EXISTS tokens (
     id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, scope TEXT NOT NULL,
     expires_at INTEGER NOT NULL, created_at INTEGER NOT NULL)`,
  // Ref-change log (push, commit API, ref deletion): one row per ref that moved.
  `CREATE TABLE IF NOT EXISTS events (
     seq INTEGER PRIMARY KEY AUTOINCREMENT, ref TEXT NOT NULL, old_oid TEXT NOT NULL,
     new_oid TEXT NOT NULL, actor TEXT, time INTEGER NOT NULL)`,
  // Shallow boundary (a shallow import): commits whose parents this repository does not have.
  // Per repository (the key `ns/name`): repositories of one fork network will share objects.
  `CREATE TABLE IF NOT EXISTS shallow (repo TEXT NOT NULL, oid TEXT NOT NULL, PRIMARY KEY (repo, oid)) WITHOUT ROWID`,
];

export function migrate(sql: SqlStorage): void {
  for (const stmt of SCHEMA) sql.exec(stmt);
}
