// Tables, row types and the few SQL helpers shared by the other files.
//
// Every statement here is static text with a handful of bound parameters, far
// inside the Durable Object limits (100 KB of SQL, 100 parameters).

/** Largest SQLite value (and row) a Durable Object accepts in production: 2 MiB. */
export const MAX_VALUE_BYTES = 2 * 1024 * 1024;

export const DEFAULT_CHUNK_SIZE = 1024 * 1024;

/**
 * `CREATE ... IF NOT EXISTS` only, so running it on every Durable Object
 * wake-up is cheap and safe when several DOFS instances (or other code) share
 * the database.
 *
 * dofs_nodes   one row per file, directory or symlink, keyed by canonical path.
 *              `parent` is indexed so readdir is a range scan; WITHOUT ROWID
 *              because rows are small and always looked up by path.
 *              `csize` is the chunk size the file's data was written with, so a
 *              file stays readable if a later DOFS uses another chunkSize.
 * dofs_chunks  file data in chunks of `csize` bytes (the last one may be
 *              shorter). A rowid table on purpose: large rows do not belong in a
 *              WITHOUT ROWID b-tree.
 * dofs_pending inodes of write streams that are open (or were abandoned); their
 *              chunks are invisible to readers until close() links them.
 * dofs_meta    counters ('next_ino').
 */
export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS dofs_nodes (
  path   TEXT PRIMARY KEY,
  parent TEXT NOT NULL,
  kind   TEXT NOT NULL,
  mode   INTEGER NOT NULL,
  size   INTEGER NOT NULL,
  ino    INTEGER NOT NULL,
  csize  INTEGER NOT NULL,
  mtime  INTEGER NOT NULL,
  ctime  INTEGER NOT NULL,
  target TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS dofs_nodes_parent ON dofs_nodes(parent);
CREATE TABLE IF NOT EXISTS dofs_chunks (
  ino  INTEGER NOT NULL,
  idx  INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (ino, idx)
);
CREATE TABLE IF NOT EXISTS dofs_pending (
  ino     INTEGER PRIMARY KEY,
  path    TEXT NOT NULL,
  started INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS dofs_meta (
  key   TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
`;

export const TABLES = ['dofs_nodes', 'dofs_chunks', 'dofs_pending', 'dofs_meta'] as const;

export type NodeKind = 'file' | 'dir' | 'symlink';

export interface NodeRow {
  path: string;
  kind: NodeKind;
  mode: number;
  size: number;
  ino: number;
  csize: number;
  mtime: number;
  ctime: number;
  target: string | null;
}

export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;
export const TYPE_BITS: Record<NodeKind, number> = { file: S_IFREG, dir: S_IFDIR, symlink: S_IFLNK };
export const DEFAULT_PERM: Record<NodeKind, number> = { file: 0o644, dir: 0o755, symlink: 0o777 };

/** The root is virtual: it always exists, is never stored, and cannot be removed. */
export const ROOT: NodeRow = Object.freeze({
  path: '/', kind: 'dir', mode: S_IFDIR | 0o755, size: 0, ino: 1, csize: 0, mtime: 0, ctime: 0, target: null,
});

const NODE_COLUMNS = 'path, kind, mode, size, ino, csize, mtime, ctime, target';

export function getNode(sql: SqlStorage, path: string): NodeRow | null {
  if (path === '/') return ROOT;
  const rows = sql.exec<Record<string, SqlStorageValue>>(`SELECT ${NODE_COLUMNS} FROM dofs_nodes WHERE path = ?`, path).toArray();
  return rows.length ? (rows[0] as unknown as NodeRow) : null;
}

/** Nodes for many paths at once, batched to stay under the 100-parameter limit. */
export function getNodes(sql: SqlStorage, paths: string[]): Map<string, NodeRow> {
  const found = new Map<string, NodeRow>();
  for (let i = 0; i < paths.length; i += 90) {
    const batch = paths.slice(i, i + 90);
    const marks = batch.map(() => '?').join(',');
    for (const row of sql.exec(`SELECT ${NODE_COLUMNS} FROM dofs_nodes WHERE path IN (${marks})`, ...batch)) {
      found.set(row.path as string, row as unknown as NodeRow);
    }
  }
  return found;
}

export function insertNode(sql: SqlStorage, n: NodeRow, parent: string): void {
  sql.exec(
    `INSERT INTO dofs_nodes (path, parent, kind, mode, size, ino, csize, mtime, ctime, target)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    n.path, parent, n.kind, n.mode, n.size, n.ino, n.csize, n.mtime, n.ctime, n.target,
  );
}

/**
 * A fresh inode number (the root is 1). An upsert, so it needs no seeding and
 * keeps working after wipe() deleted the counter. Inodes are never reused while
 * the counter row lives, so chunks of an abandoned write stream can never be
 * mistaken for (or collide with) a later file's.
 */
export function allocIno(sql: SqlStorage): number {
  return sql.exec<{ value: number }>(
    `INSERT INTO dofs_meta (key, value) VALUES ('next_ino', 2)
     ON CONFLICT (key) DO UPDATE SET value = value + 1 RETURNING value`,
  ).one().value;
}
