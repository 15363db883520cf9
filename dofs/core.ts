// The state and internal helpers DOFS (dofs.ts) is built on: its storage, the mount table,
// path lookup with Node-style errors, transactions, and the multi-step operations behind the
// public methods (mkdir -p, appends, linking a finished write stream, rename across a mount).
import { insertChunk, readAll } from './chunks';
import type { DofsErrorCode } from './errors';
import { DofsError, hasCode } from './errors';
import { assertSyncWrites, mountAppend, mountRead, mountStat, mountWrite } from './mount-ops';
import { MountTable } from './mounts';
import { appendChunks, createNode, linkInode, removeNode, storeFile } from './nodes';
import { dirname, normalizePath } from './paths';
import type { Fail, Target } from './resolve';
import { resolve } from './resolve';
import type { NodeRow } from './schema';
import { DEFAULT_CHUNK_SIZE, MAX_VALUE_BYTES, S_IFDIR, SCHEMA_SQL } from './schema';
import { DofsStats } from './stats';

/** The part of DurableObjectStorage DOFS uses (ctx.storage satisfies it). */
export interface DofsStorage {
  sql: SqlStorage;
  transactionSync<T>(fn: () => T): T;
}

export interface DofsOptions {
  /** Bytes per stored chunk; default 1 MiB, at most DOFS.MAX_VALUE_BYTES. */
  chunkSize?: number;
}

export abstract class DofsCore {
  readonly chunkSize: number;
  protected readonly storage: DofsStorage;
  protected readonly sql: SqlStorage;
  protected readonly mounts = new MountTable();

  constructor(storage: DofsStorage, options: DofsOptions = {}) {
    const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    // Checked before anything touches storage: a chunk size over the value limit
    // would make large writes fail in production only.
    if (!Number.isSafeInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_VALUE_BYTES) {
      throw new DofsError('EINVAL', 'DOFS', undefined, undefined,
        `chunkSize must be an integer from 1 to ${MAX_VALUE_BYTES} (DOFS.MAX_VALUE_BYTES), got ${String(chunkSize)}`);
    }
    this.chunkSize = chunkSize;
    this.storage = storage;
    this.sql = storage.sql;
    this.sql.exec(SCHEMA_SQL);
  }


  protected failer(syscall: string, shownPath: string): Fail {
    return (code: DofsErrorCode, reason?: string) =>
      new DofsError(code, syscall, shownPath, undefined, reason === undefined ? undefined : `${syscall} '${shownPath}': ${reason}`);
  }

  /** Canonicalise and resolve a caller's path; errors carry the caller's spelling. */
  protected lookup(path: string, syscall: string, follow: boolean): { t: Target; fail: Fail } {
    const canonical = normalizePath(path, syscall);
    const fail = this.failer(syscall, path);
    return { t: resolve(this.sql, this.mounts, canonical, follow, fail), fail };
  }

  protected tx<T>(fn: () => T): T {
    return this.storage.transactionSync(fn);
  }

  protected statImpl(path: string, syscall: string, follow: boolean): DofsStats {
    const { t, fail } = this.lookup(path, syscall, follow);
    if (t.at === 'mount') return mountStat(t.mount, fail);
    if (t.at === 'absent') throw fail('ENOENT');
    const n = t.node;
    return new DofsStats(n.kind, n.mode, n.size, n.ino, n.mtime, n.ctime);
  }

  /** The node of a regular file, or the error Node would give. */
  protected fileNode(t: Target, fail: Fail): NodeRow {
    if (t.at === 'absent') throw fail('ENOENT');
    if (t.at === 'mount') throw fail('EXDEV');
    if (t.node.kind === 'dir') throw fail('EISDIR');
    return t.node;
  }

  protected readWhole(t: Target, fail: Fail, shownPath: string): Uint8Array {
    if (t.at === 'mount') return mountRead(t.mount, fail);
    const node = this.fileNode(t, fail);
    return readAll(this.sql, node.ino, node.size, node.csize, shownPath);
  }

  protected appendTo(t: Target, fail: Fail, bytes: Uint8Array, perm: number | undefined, shownPath: string): void {
    if (t.at === 'mount') return mountAppend(t.mount, fail, bytes);
    if (t.at === 'absent') return this.tx(() => storeFile(this.sql, t.path, null, bytes, this.chunkSize, perm, shownPath));
    if (t.node.kind === 'dir') throw fail('EISDIR');
    const node = t.node;
    this.tx(() => appendChunks(this.sql, node, bytes, this.chunkSize, shownPath));
  }

  /** StreamHost.commit: link a finished write stream's inode at `path` in one transaction. */
  protected commitStream(ino: number, size: number, csize: number, path: string, shownPath: string, finalChunk: Uint8Array, finalIdx: number): void {
    const fail = this.failer('open', shownPath);
    this.tx(() => {
      if (!this.sql.exec('SELECT 1 FROM dofs_pending WHERE ino = ?', ino).toArray().length) {
        throw new DofsError('EBADF', 'close', shownPath, undefined, `close '${shownPath}': the stream's data was swept or wiped`);
      }
      if (finalChunk.byteLength) insertChunk(this.sql, ino, finalIdx, finalChunk, 'write', shownPath);
      // Re-resolve: the tree may have changed while the stream was open.
      const t = resolve(this.sql, this.mounts, path, true, fail);
      if (t.at === 'mount') throw fail('EXDEV');
      if (t.at === 'node' && t.node.kind === 'dir') throw fail('EISDIR');
      linkInode(this.sql, t.path, t.at === 'node' ? t.node : null, ino, size, csize);
      this.sql.exec('DELETE FROM dofs_pending WHERE ino = ?', ino);
    });
  }

  protected mkdirp(path: string, perm: number, fail: Fail): void {
    let t: Target;
    try {
      t = resolve(this.sql, this.mounts, path, true, fail);
    } catch (err) {
      if (!hasCode(err, 'ENOENT')) throw err;
      this.mkdirp(dirname(path), perm, fail); // a leading directory is missing: make it, then retry
      t = resolve(this.sql, this.mounts, path, true, fail);
    }
    if (t.at === 'mount') return;
    if (t.at === 'node') {
      if (t.node.kind !== 'dir') throw fail('EEXIST');
      return;
    }
    this.tx(() => createNode(this.sql, t.path, 'dir', S_IFDIR | perm, 0, 0, null));
  }

  /**
   * Rename where either end is served by a mount: providers have no rename, so
   * a file is copied then its source deleted. Not atomic across the boundary
   * (two storage systems); directories and symlinks are refused with EXDEV.
   */
  protected renameViaCopy(s: Target, d: Target, fail: Fail): void {
    if (s.at === 'absent') throw fail('ENOENT');
    if (s.path === d.path) return;
    if (s.at === 'mount') assertSyncWrites(s.mount, fail);
    if (d.at === 'mount') assertSyncWrites(d.mount, fail);
    let data: Uint8Array;
    if (s.at === 'mount') {
      const got = s.mount.provider.readFile(s.mount.rel);
      if (!got) throw fail(s.mount.provider.stat(s.mount.rel) ? 'EXDEV' : 'ENOENT');
      if (!s.mount.provider.unlink) throw fail('EPERM'); // refuse before writing the copy
      data = got;
    } else {
      if (s.node.kind !== 'file') throw fail('EXDEV');
      data = readAll(this.sql, s.node.ino, s.node.size, s.node.csize, s.path);
    }
    if (d.at === 'mount') mountWrite(d.mount, fail, data);
    else if (d.at === 'node' && d.node.kind === 'dir') throw fail('EISDIR');
    else this.tx(() => storeFile(this.sql, d.path, d.at === 'node' ? d.node : null, data, this.chunkSize, undefined, d.path));
    if (s.at === 'mount') s.mount.provider.unlink!(s.mount.rel);
    else this.tx(() => removeNode(this.sql, s.node));
  }
}
