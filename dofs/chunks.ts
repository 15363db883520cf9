// File data in dofs_chunks. A file of `size` bytes written with chunk size
// `csize` has chunks idx = 0 .. ceil(size / csize) - 1; every chunk but the last
// is exactly `csize` bytes. That invariant is what lets read() fetch only the
// chunks a byte range touches.

import { DofsError } from './errors';
import { MAX_VALUE_BYTES } from './schema';

/**
 * Local workerd accepts bigger values than production does, so the limit is
 * enforced here, before the statement runs, rather than discovered in prod.
 */
export function assertValueSize(bytes: number, syscall: string, path: string): void {
  if (bytes > MAX_VALUE_BYTES) {
    throw new DofsError('EFBIG', syscall, path, undefined,
      `${syscall} '${path}': a ${bytes}-byte value exceeds the ${MAX_VALUE_BYTES}-byte SQLite value limit`);
  }
}

export function insertChunk(sql: SqlStorage, ino: number, idx: number, data: Uint8Array, syscall: string, path: string): void {
  assertValueSize(data.byteLength, syscall, path);
  sql.exec('INSERT INTO dofs_chunks (ino, idx, data) VALUES (?, ?, ?)', ino, idx, data);
}

/** Store `data` as chunks firstIdx, firstIdx+1, … of `ino`. */
export function writeChunks(sql: SqlStorage, ino: number, data: Uint8Array, csize: number, firstIdx: number, syscall: string, path: string): void {
  for (let off = 0, idx = firstIdx; off < data.byteLength; off += csize, idx++) {
    insertChunk(sql, ino, idx, data.subarray(off, off + csize), syscall, path);
  }
}

export function deleteChunks(sql: SqlStorage, ino: number): void {
  sql.exec('DELETE FROM dofs_chunks WHERE ino = ?', ino);
}

function corrupt(path: string, why: string): DofsError {
  return new DofsError('EIO', 'read', path, undefined, `read '${path}': ${why}`);
}

/** The whole file, copied chunk by chunk into one buffer (the cursor streams rows). */
export function readAll(sql: SqlStorage, ino: number, size: number, csize: number, path: string): Uint8Array {
  const out = new Uint8Array(size);
  if (size === 0) return out;
  let total = 0;
  for (const row of sql.exec<{ idx: number; data: ArrayBuffer }>('SELECT idx, data FROM dofs_chunks WHERE ino = ? ORDER BY idx', ino)) {
    const bytes = new Uint8Array(row.data);
    const at = row.idx * csize;
    if (at + bytes.byteLength > size) throw corrupt(path, `chunk ${row.idx} runs past the file size ${size}`);
    out.set(bytes, at);
    total += bytes.byteLength;
  }
  if (total !== size) throw corrupt(path, `chunks hold ${total} bytes, expected ${size}`);
  return out;
}

/**
 * Bytes [offset, offset + length) of a file, clamped to its size. Each touched
 * chunk is sliced inside SQLite with substr(), so a small read of a large chunk
 * does not copy the whole chunk into JavaScript.
 */
export function readRange(sql: SqlStorage, ino: number, size: number, csize: number, offset: number, length: number, path: string): Uint8Array {
  const end = Math.min(size, offset + length);
  if (end <= offset) return new Uint8Array(0);
  const out = new Uint8Array(end - offset);
  for (let idx = Math.floor(offset / csize); idx * csize < end; idx++) {
    const chunkStart = idx * csize;
    const from = Math.max(offset, chunkStart);
    const to = Math.min(end, chunkStart + csize);
    const rows = sql.exec<{ d: ArrayBuffer | null }>(
      'SELECT substr(data, ?, ?) AS d FROM dofs_chunks WHERE ino = ? AND idx = ?',
      from - chunkStart + 1, to - from, ino, idx, // substr() is 1-based
    ).toArray();
    const bytes = rows.length && rows[0].d ? new Uint8Array(rows[0].d) : null;
    if (!bytes || bytes.byteLength !== to - from) throw corrupt(path, `chunk ${idx} is missing or short`);
    out.set(bytes, from - offset);
  }
  return out;
}

/** The bytes of one chunk (used to top up a partial last chunk on append). */
export function readChunk(sql: SqlStorage, ino: number, idx: number, path: string): Uint8Array {
  const rows = sql.exec<{ data: ArrayBuffer }>('SELECT data FROM dofs_chunks WHERE ino = ? AND idx = ?', ino, idx).toArray();
  if (!rows.length) throw corrupt(path, `chunk ${idx} is missing`);
  return new Uint8Array(rows[0].data);
}
