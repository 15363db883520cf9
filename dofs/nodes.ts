// Row-level mutations of the tree: create, overwrite, append, move and delete
// nodes together with their chunks. Each function issues several statements
// and assumes the caller wraps it in storage.transactionSync(), so it is
// all-or-nothing; none of them checks POSIX rules (dofs.ts does that first).

import { assertValueSize, deleteChunks, readChunk, writeChunks } from './chunks';
import { DofsError } from './errors';
import { descendantRange, dirname } from './paths';
import type { NodeKind, NodeRow } from './schema';
import { allocIno, DEFAULT_PERM, insertNode, S_IFREG } from './schema';

/** Create a new node (with a fresh inode) at canonical `path`; its parent must exist. */
export function createNode(sql: SqlStorage, path: string, kind: NodeKind, mode: number, size: number, csize: number, target: string | null): number {
  const now = Date.now();
  const ino = allocIno(sql);
  insertNode(sql, { path, kind, mode, size, ino, csize, mtime: now, ctime: now, target }, dirname(path));
  return ino;
}

/**
 * Make `bytes` the whole content of the file at `path`: overwrite `existing`
 * in place (keeping its inode, like O_TRUNC) or create a new file.
 */
export function storeFile(sql: SqlStorage, path: string, existing: NodeRow | null, bytes: Uint8Array, chunkSize: number, perm: number | undefined, shownPath: string): void {
  if (existing) {
    deleteChunks(sql, existing.ino); // first, so the new chunks can reuse the keys
    writeChunks(sql, existing.ino, bytes, chunkSize, 0, 'write', shownPath);
    const now = Date.now();
    sql.exec('UPDATE dofs_nodes SET size = ?, csize = ?, mtime = ?, ctime = ? WHERE path = ?',
      bytes.byteLength, chunkSize, now, now, path);
    return;
  }
  const ino = createNode(sql, path, 'file', S_IFREG | (perm ?? DEFAULT_PERM.file), bytes.byteLength, chunkSize, null);
  writeChunks(sql, ino, bytes, chunkSize, 0, 'write', shownPath);
}

/**
 * Append to an existing file in its own chunk size, topping up the short last
 * chunk first so that every chunk but the last stays full. An empty file has
 * no chunks and adopts `chunkSize`.
 */
export function appendChunks(sql: SqlStorage, node: NodeRow, bytes: Uint8Array, chunkSize: number, shownPath: string): void {
  const { ino, size } = node;
  const csize = size === 0 ? chunkSize : node.csize;
  let idx = Math.floor(size / csize);
  let used = 0;
  const partial = size % csize;
  if (partial > 0 && bytes.byteLength > 0) {
    const head = readChunk(sql, ino, idx, shownPath);
    if (head.byteLength !== partial) {
      throw new DofsError('EIO', 'write', shownPath, undefined,
        `write '${shownPath}': last chunk has ${head.byteLength} bytes, expected ${partial}`);
    }
    used = Math.min(csize - partial, bytes.byteLength);
    const merged = new Uint8Array(partial + used);
    merged.set(head);
    merged.set(bytes.subarray(0, used), partial);
    assertValueSize(merged.byteLength, 'write', shownPath);
    sql.exec('UPDATE dofs_chunks SET data = ? WHERE ino = ? AND idx = ?', merged, ino, idx);
    idx++;
  }
  writeChunks(sql, ino, bytes.subarray(used), csize, idx, 'write', shownPath);
  const now = Date.now();
  sql.exec('UPDATE dofs_nodes SET size = ?, csize = ?, mtime = ?, ctime = ? WHERE path = ?',
    size + bytes.byteLength, csize, now, now, node.path);
}

/**
 * Cut the file to `len` bytes (len < its size): chunks past the new end go, the new last chunk
 * is cut inside SQLite with substr(). Several calls with falling lengths free a big file a few
 * chunks at a time instead of in one statement (housekeeping deletes old packs that way).
 */
export function shrinkChunks(sql: SqlStorage, node: NodeRow, len: number): void {
  const { ino, csize } = node;
  const keep = Math.ceil(len / csize);
  sql.exec('DELETE FROM dofs_chunks WHERE ino = ? AND idx >= ?', ino, keep);
  if (len % csize !== 0) sql.exec('UPDATE dofs_chunks SET data = substr(data, 1, ?) WHERE ino = ? AND idx = ?', len % csize, ino, keep - 1);
  const now = Date.now();
  sql.exec('UPDATE dofs_nodes SET size = ?, mtime = ?, ctime = ? WHERE path = ?', len, now, now, node.path);
}

/**
 * Point the file at `path` to a write stream's inode, whose chunks are already
 * stored: replaces `existing` (its old data is freed) or creates the file.
 */
export function linkInode(sql: SqlStorage, path: string, existing: NodeRow | null, ino: number, size: number, csize: number): void {
  const now = Date.now();
  if (existing) {
    deleteChunks(sql, existing.ino);
    sql.exec('UPDATE dofs_nodes SET ino = ?, size = ?, csize = ?, mtime = ?, ctime = ? WHERE path = ?', ino, size, csize, now, now, path);
  } else {
    insertNode(sql, { path, kind: 'file', mode: S_IFREG | DEFAULT_PERM.file, size, ino, csize, mtime: now, ctime: now, target: null }, dirname(path));
  }
}

/** Delete one node (a file's chunks too). */
export function removeNode(sql: SqlStorage, node: NodeRow): void {
  if (node.kind === 'file') deleteChunks(sql, node.ino);
  sql.exec('DELETE FROM dofs_nodes WHERE path = ?', node.path);
}

/** Delete a directory and its whole subtree with range scans on the primary key (the root itself stays). */
export function removeTree(sql: SqlStorage, dir: string): void {
  const [lo, hi] = descendantRange(dir);
  sql.exec(
    `DELETE FROM dofs_chunks WHERE ino IN
       (SELECT ino FROM dofs_nodes WHERE path >= ? AND path < ? AND kind = 'file')`, lo, hi);
  sql.exec('DELETE FROM dofs_nodes WHERE path >= ? AND path < ?', lo, hi);
  if (dir !== '/') sql.exec('DELETE FROM dofs_nodes WHERE path = ?', dir);
}

export function hasChildren(sql: SqlStorage, dir: string): boolean {
  return sql.exec('SELECT 1 FROM dofs_nodes WHERE parent = ? LIMIT 1', dir).toArray().length > 0;
}

/**
 * Re-key `node` (and, for a directory, its whole subtree) from its path to
 * `to`; the destination must already be free. Chunks are keyed by inode, so
 * no file data moves.
 */
export function moveNode(sql: SqlStorage, node: NodeRow, to: string): void {
  sql.exec('UPDATE dofs_nodes SET path = ?, parent = ?, ctime = ? WHERE path = ?', to, dirname(to), Date.now(), node.path);
  if (node.kind !== 'dir') return;
  // One statement swaps the old prefix for the new one in path and parent.
  // length() counts characters, as substr() does, so non-ASCII names are safe.
  const [lo, hi] = descendantRange(node.path);
  sql.exec(
    `UPDATE dofs_nodes
        SET path = ? || substr(path, length(?) + 1), parent = ? || substr(parent, length(?) + 1)
      WHERE path >= ? AND path < ?`,
    to, node.path, to, node.path, lo, hi,
  );
}
