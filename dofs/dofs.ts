// DOFS: a filesystem on a Durable Object's SQLite storage.
//
// The core is synchronous because Durable Object SQL is: each method runs to
// completion without yielding, so no other request can interleave with it.
// Every mutation that touches more than one row runs inside
// storage.transactionSync(), so a reader never sees half a file and a failure
// (including a thrown limit check) rolls back to the old state.
// `promises` wraps the same methods for callers (isomorphic-git) that expect
// Node's fs.promises.

import { assertValueSize, deleteChunks, readRange } from './chunks';
import type { EncodingOption, FileData, WriteFileOptions } from './encoding';
import { decode, encodingOf, parseMode, parseWriteOptions, toBytes, utf8Length } from './encoding';
import { argError, DofsError, hasCode } from './errors';
import {
  assertSyncWrites, mountRead, mountReaddir, mountRemoveTree, mountRmdir, mountStat, mountUnlink, mountUnlinkAsync, mountWrite, mountWriteAsync,
} from './mount-ops';
import type { DofsMount } from './mounts';
import { createNode, hasChildren, moveNode, removeNode, removeTree, shrinkChunks, storeFile } from './nodes';
import { isAtOrUnder, normalizePath } from './paths';
import type { DofsPromises } from './promises';
import { createPromises } from './promises';
import type { Fail, Target } from './resolve';
import { resolve } from './resolve';
import { allocIno, DEFAULT_CHUNK_SIZE, DEFAULT_PERM, MAX_VALUE_BYTES, S_IFDIR, S_IFLNK, TABLES } from './schema';
import { DofsStats } from './stats';
import type { DofsWriteStream, StreamHost } from './write-stream';
import { ChunkedWriteStream, liveStreams, MountWriteStream } from './write-stream';
import { DofsCore, type DofsOptions, type DofsStorage } from './core';

export type { DofsOptions, DofsStorage } from './core';

export interface MkdirOptions { recursive?: boolean; mode?: number | string }
export interface RmdirOptions { recursive?: boolean }

export class DOFS extends DofsCore {
  /** No SQLite value DOFS writes exceeds this (the production Durable Object limit). */
  static readonly MAX_VALUE_BYTES = MAX_VALUE_BYTES;
  static readonly DEFAULT_CHUNK_SIZE = DEFAULT_CHUNK_SIZE;

  /**
   * Node fs.promises-compatible API. An own enumerable property on purpose:
   * isomorphic-git only uses `fs.promises` when it is one.
   */
  readonly promises: DofsPromises;

  private readonly streamHost: StreamHost;

  constructor(storage: DofsStorage, options: DofsOptions = {}) {
    super(storage, options);
    this.streamHost = { sql: this.sql, commit: (...args) => this.commitStream(...args) };
    this.promises = createPromises(this);
  }

  // ---------------------------------------------------------------- mounts

  /** Serve every path at or under `prefix` from `provider` (see DofsMount). */
  mount(prefix: string, provider: DofsMount): void {
    this.mounts.add(prefix, provider);
  }

  /** Remove a mount; returns whether one was there. */
  unmount(prefix: string): boolean {
    return this.mounts.remove(prefix);
  }

  // ------------------------------------------------------------- reading

  /** Whole file (following symlinks): bytes, or a string for 'utf8' / { encoding: 'utf8' }. */
  readFileSync(path: string, options: 'utf8' | 'utf-8' | { encoding: 'utf8' | 'utf-8' }): string;
  readFileSync(path: string, options?: 'buffer' | null | { encoding?: 'buffer' | null }): Uint8Array;
  readFileSync(path: string, options?: EncodingOption): Uint8Array | string;
  readFileSync(path: string, options?: EncodingOption): Uint8Array | string {
    const encoding = encodingOf(options);
    const { t, fail } = this.lookup(path, 'open', true);
    return decode(this.readWhole(t, fail, path), encoding);
  }

  /**
   * Bytes [offset, offset + length) of a file, reading only the chunks that
   * range touches. Shorter than `length` at end of file; empty past it.
   */
  read(path: string, offset: number, length: number): Uint8Array {
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
      throw new DofsError('EINVAL', 'read', path, undefined, `read '${path}': offset and length must be non-negative integers`);
    }
    const { t, fail } = this.lookup(path, 'read', true);
    if (t.at === 'mount') return mountRead(t.mount, fail).slice(offset, offset + length);
    const node = this.fileNode(t, fail);
    return readRange(this.sql, node.ino, node.size, node.csize, offset, length, path);
  }

  /** Size in bytes of a file (following symlinks); EISDIR for a directory. */
  size(path: string): number {
    const { t, fail } = this.lookup(path, 'stat', true);
    if (t.at === 'mount') {
      const st = mountStat(t.mount, fail);
      if (st.isDirectory()) throw fail('EISDIR');
      return st.size;
    }
    return this.fileNode(t, fail).size;
  }

  /** Stats of `path`, following symlinks. */
  statSync(path: string): DofsStats {
    return this.statImpl(path, 'stat', true);
  }

  /** Stats of `path` itself (a symlink is reported as one). */
  lstatSync(path: string): DofsStats {
    return this.statImpl(path, 'lstat', false);
  }

  /** Whether `path` exists (following symlinks). Never throws, like Node's existsSync. */
  existsSync(path: string): boolean {
    try {
      this.statImpl(path, 'access', true);
      return true;
    } catch {
      return false;
    }
  }

  /** Entry names of a directory, sorted (UTF-16 code unit order, as JS sorts). */
  readdirSync(path: string): string[] {
    const { t, fail } = this.lookup(path, 'scandir', true);
    if (t.at === 'mount') return mountReaddir(t.mount, fail);
    if (t.at === 'absent') throw fail('ENOENT');
    if (t.node.kind !== 'dir') throw fail('ENOTDIR');
    const names = new Set<string>();
    const skip = t.path === '/' ? 1 : t.path.length + 1;
    for (const row of this.sql.exec<{ path: string }>('SELECT path FROM dofs_nodes WHERE parent = ?', t.path)) {
      names.add(row.path.slice(skip));
    }
    for (const name of this.mounts.childNames(t.path)) names.add(name);
    return [...names].sort();
  }

  /** A symlink's target as stored: a string, or bytes with { encoding: 'buffer' } (isomorphic-git asks for bytes). */
  readlinkSync(path: string, options?: 'utf8' | 'utf-8' | { encoding?: 'utf8' | 'utf-8' }): string;
  readlinkSync(path: string, options: 'buffer' | { encoding: 'buffer' | null }): Uint8Array;
  readlinkSync(path: string, options?: EncodingOption): string | Uint8Array;
  readlinkSync(path: string, options?: EncodingOption): string | Uint8Array {
    const asBytes = encodingOf(options ?? 'utf8') === null;
    const { t, fail } = this.lookup(path, 'readlink', false);
    if (t.at === 'mount') throw fail(t.mount.provider.stat(t.mount.rel) ? 'EINVAL' : 'ENOENT');
    if (t.at === 'absent') throw fail('ENOENT');
    if (t.node.kind !== 'symlink') throw fail('EINVAL');
    const target = t.node.target ?? '';
    return asBytes ? toBytes(target) : target;
  }

  // ------------------------------------------------------------- writing

  /**
   * Create or replace a file in one transaction. Follows a symlink at `path`.
   * ENOENT when the parent directory is missing (as Node; isomorphic-git then
   * creates the parents and retries). options.flag: 'w' (default), 'wx'
   * (EEXIST if present), 'a'/'ax' (append). options.mode applies on creation.
   */
  writeFileSync(path: string, data: FileData, options?: WriteFileOptions): void {
    const { mode, flag } = parseWriteOptions(options);
    const bytes = toBytes(data);
    const { t, fail } = this.lookup(path, 'open', true);
    if (flag.endsWith('x') && (t.at === 'node' || (t.at === 'mount' && t.mount.provider.stat(t.mount.rel)))) throw fail('EEXIST');
    if (flag.startsWith('a')) return this.appendTo(t, fail, bytes, mode, path);
    if (t.at === 'mount') return mountWrite(t.mount, fail, bytes);
    if (t.at === 'node' && t.node.kind === 'dir') throw fail('EISDIR');
    const existing = t.at === 'node' ? t.node : null;
    this.tx(() => storeFile(this.sql, t.path, existing, bytes, this.chunkSize, mode, path));
  }

  /**
   * writeFileSync for fs.promises: the same, except that under a mount whose
   * provider writes asynchronously (DofsMount.asyncWrites) the provider's
   * promise is awaited instead of the call being refused.
   */
  async writeFileAsync(path: string, data: FileData, options?: WriteFileOptions): Promise<void> {
    const { flag } = parseWriteOptions(options);
    const { t, fail } = this.lookup(path, 'open', true);
    if (t.at !== 'mount' || !t.mount.provider.asyncWrites || flag.startsWith('a')) return this.writeFileSync(path, data, options);
    if (flag.endsWith('x') && t.mount.provider.stat(t.mount.rel)) throw fail('EEXIST');
    return mountWriteAsync(t.mount, fail, toBytes(data));
  }

  /** Node's truncateSync (follows symlinks): cut to `len` bytes, or extend with zeros. */
  truncateSync(path: string, len = 0): void {
    const { t, fail } = this.lookup(path, 'open', true);
    if (!Number.isSafeInteger(len) || len < 0) throw fail('EINVAL');
    if (t.at === 'mount') {
      const out = new Uint8Array(len);
      out.set(this.readWhole(t, fail, path).subarray(0, len));
      return mountWrite(t.mount, fail, out);
    }
    const node = this.fileNode(t, fail);
    if (len < node.size) return this.tx(() => shrinkChunks(this.sql, node, len));
    if (len > node.size) this.appendTo(t, fail, new Uint8Array(len - node.size), undefined, path);
  }

  /** Append atomically (creating the file if needed): all of `data` or nothing. */
  appendFile(path: string, data: FileData, options?: WriteFileOptions): void {
    const { mode } = parseWriteOptions(options);
    const bytes = toBytes(data);
    const { t, fail } = this.lookup(path, 'open', true);
    this.appendTo(t, fail, bytes, mode, path);
  }

  /**
   * A write stream for `path` (see DofsWriteStream): chunks are stored as they
   * fill, the file appears (replacing any old one) only on close(). Fails
   * early, like Node's open(), if the parent is missing or `path` is a directory.
   */
  createWriteStream(path: string): DofsWriteStream {
    const { t, fail } = this.lookup(path, 'open', true);
    if (t.at === 'mount') {
      const mount = t.mount;
      assertSyncWrites(mount, fail);
      return new MountWriteStream((data) => mountWrite(mount, fail, data), path);
    }
    if (t.at === 'node' && t.node.kind === 'dir') throw fail('EISDIR');
    const ino = this.tx(() => {
      const ino = allocIno(this.sql);
      this.sql.exec('INSERT INTO dofs_pending (ino, path, started) VALUES (?, ?, ?)', ino, t.path, Date.now());
      return ino;
    });
    return new ChunkedWriteStream(this.streamHost, liveStreams(this.storage), ino, this.chunkSize, t.path, path);
  }

  /**
   * Create a directory: EEXIST if anything is there, ENOENT if the parent is
   * missing. { recursive: true } creates missing parents and accepts an
   * existing directory. Under a mount it is accepted and ignored.
   */
  mkdirSync(path: string, options?: MkdirOptions | number | string): void {
    const o = typeof options === 'object' && options !== null ? options : { mode: options };
    const perm = parseMode(o.mode, DEFAULT_PERM.dir);
    const canonical = normalizePath(path, 'mkdir');
    const fail = this.failer('mkdir', path);
    if (o.recursive) return this.mkdirp(canonical, perm, fail);
    const t = resolve(this.sql, this.mounts, canonical, false, fail);
    if (t.at === 'mount') return; // the provider decides which directories exist
    if (t.at === 'node') throw fail('EEXIST');
    this.tx(() => createNode(this.sql, t.path, 'dir', S_IFDIR | perm, 0, 0, null));
  }

  /**
   * Remove an empty directory; with { recursive: true } remove it and
   * everything below (what isomorphic-git's rmdir(..., { recursive }) expects).
   */
  rmdirSync(path: string, options?: RmdirOptions): void {
    const { t, fail } = this.lookup(path, 'rmdir', false);
    if (t.path === '/') throw fail('EBUSY');
    if (t.at === 'mount') return mountRmdir(t.mount, fail, !!options?.recursive);
    if (t.at === 'absent') throw fail('ENOENT');
    if (t.node.kind !== 'dir') throw fail('ENOTDIR');
    if (this.mounts.hasMountAtOrUnder(t.path)) throw fail('EBUSY');
    if (options?.recursive) return this.tx(() => removeTree(this.sql, t.path));
    if (hasChildren(this.sql, t.path)) throw fail('ENOTEMPTY');
    this.sql.exec('DELETE FROM dofs_nodes WHERE path = ?', t.path);
  }

  /** Remove a file or symlink (not followed). EISDIR for a directory, as on Linux. */
  unlinkSync(path: string): void {
    const { t, fail } = this.lookup(path, 'unlink', false);
    if (t.at === 'mount') return mountUnlink(t.mount, fail);
    if (t.at === 'absent') throw fail('ENOENT');
    if (t.node.kind === 'dir') throw fail('EISDIR');
    const node = t.node;
    this.tx(() => removeNode(this.sql, node));
  }

  /** unlinkSync for fs.promises: an asynchronous provider (DofsMount.asyncWrites) is awaited. */
  async unlinkAsync(path: string): Promise<void> {
    const { t, fail } = this.lookup(path, 'unlink', false);
    if (t.at === 'mount' && t.mount.provider.asyncWrites) return mountUnlinkAsync(t.mount, fail);
    return this.unlinkSync(path);
  }

  /** Create a symlink at `path` pointing to `target` (stored verbatim, resolved on use). */
  symlinkSync(target: string, path: string): void {
    if (typeof target !== 'string') {
      throw argError('ERR_INVALID_ARG_TYPE', 'The "target" argument must be of type string');
    }
    const canonical = normalizePath(path, 'symlink');
    // Node labels symlink errors "symlink 'target' -> 'path'".
    const fail: Fail = (code) => new DofsError(code, 'symlink', target, path);
    if (target === '' || target.includes('\0')) throw fail(target === '' ? 'ENOENT' : 'EINVAL');
    assertValueSize(utf8Length(target), 'symlink', path);
    const t = resolve(this.sql, this.mounts, canonical, false, fail);
    if (t.at === 'mount') throw fail('EPERM');
    if (t.at === 'node') throw fail('EEXIST');
    this.tx(() => createNode(this.sql, t.path, 'symlink', S_IFLNK | DEFAULT_PERM.symlink, utf8Length(target), 0, target));
  }

  /** Set permission bits (follows symlinks); the file type bits are kept. */
  chmodSync(path: string, mode: number | string): void {
    const perm = parseMode(mode, NaN);
    const { t, fail } = this.lookup(path, 'chmod', true);
    if (t.at === 'mount') {
      mountStat(t.mount, fail); // ENOENT if absent; otherwise accepted: providers have no modes
      return;
    }
    if (t.at === 'absent') throw fail('ENOENT');
    if (t.path === '/') return; // the root is virtual and always 0755
    this.sql.exec('UPDATE dofs_nodes SET mode = ?, ctime = ? WHERE path = ?', (t.node.mode & ~0o7777) | perm, Date.now(), t.path);
  }

  /**
   * Rename a file, symlink or directory (a whole subtree moves in one
   * transaction), atomically replacing a file, or an empty directory, at the
   * destination. Neither end's last component is followed, as in POSIX.
   */
  renameSync(oldPath: string, newPath: string): void {
    const from = normalizePath(oldPath, 'rename');
    const to = normalizePath(newPath, 'rename');
    const fail: Fail = (code) => new DofsError(code, 'rename', oldPath, newPath);
    const s = resolve(this.sql, this.mounts, from, false, fail);
    const d = resolve(this.sql, this.mounts, to, false, fail);
    if (s.path === '/' || d.path === '/') throw fail('EBUSY');
    if (s.at === 'mount' || d.at === 'mount') return this.renameViaCopy(s, d, fail);
    if (s.at === 'absent') throw fail('ENOENT');
    if (s.path === d.path) return;
    const src = s.node;
    if (src.kind === 'dir') {
      if (isAtOrUnder(d.path, s.path)) throw fail('EINVAL'); // into its own subtree
      if (this.mounts.hasMountAtOrUnder(s.path)) throw fail('EBUSY');
      if (d.at === 'node') {
        if (d.node.kind !== 'dir') throw fail('ENOTDIR');
        if (hasChildren(this.sql, d.path)) throw fail('ENOTEMPTY');
      }
    } else if (d.at === 'node' && d.node.kind === 'dir') {
      throw fail('EISDIR');
    }
    const replaced = d.at === 'node' ? d.node : null;
    this.tx(() => {
      if (replaced) removeNode(this.sql, replaced);
      moveNode(this.sql, src, d.path);
    });
  }

  // ------------------------------------------------------ whole-tree ops

  /** Remove a file or a whole tree; silently does nothing if `path` is absent (rm -rf). */
  rmrf(path: string): void {
    let t: Target;
    try {
      t = this.lookup(path, 'rm', false).t;
    } catch (err) {
      if (hasCode(err, 'ENOENT', 'ENOTDIR')) return;
      throw err;
    }
    if (t.at === 'mount') return mountRemoveTree(t.mount, this.failer('rm', path));
    if (t.at === 'absent') return;
    const node = t.node;
    this.tx(() => (node.kind === 'dir' ? removeTree(this.sql, node.path) : removeNode(this.sql, node)));
  }

  /**
   * Delete every row DOFS owns in this database (all files, directories,
   * pending streams and counters), e.g. when the repository is deleted. Mount
   * providers' data is not touched. Open write streams on this storage become
   * unusable (EBADF).
   */
  wipe(): void {
    const live = liveStreams(this.storage);
    for (const stream of live.values()) stream.kill();
    live.clear();
    this.tx(() => {
      for (const table of TABLES) this.sql.exec(`DELETE FROM ${table}`);
    });
  }

  /**
   * Delete the chunks of write streams that were never closed (abandoned by an
   * earlier instance, or forgotten). Streams still open in this isolate are
   * kept. With { deep: true } also scans all chunks for ones no file or stream
   * owns (a full scan; the normal mode only reads dofs_pending). Returns the
   * number of inodes whose data was deleted.
   */
  sweepOrphans(options: { deep?: boolean } = {}): number {
    const live = liveStreams(this.storage);
    const dead = this.sql.exec<{ ino: number }>('SELECT ino FROM dofs_pending').toArray()
      .map((r) => r.ino).filter((ino) => !live.has(ino));
    if (options.deep) {
      for (const r of this.sql.exec<{ ino: number }>(
        `SELECT DISTINCT ino FROM dofs_chunks
          WHERE ino NOT IN (SELECT ino FROM dofs_nodes) AND ino NOT IN (SELECT ino FROM dofs_pending)`,
      )) dead.push(r.ino);
    }
    for (const ino of dead) {
      this.tx(() => {
        deleteChunks(this.sql, ino);
        this.sql.exec('DELETE FROM dofs_pending WHERE ino = ?', ino);
      });
    }
    return dead.length;
  }
}
