// Stats objects shaped like Node's fs.Stats (plus a `type` field as in
// lightning-fs). isomorphic-git reads ctimeMs/mtimeMs, dev, ino, mode, uid, gid
// and size to decide whether a working-tree file changed, and calls the is*()
// methods.

import type { NodeKind } from './schema';
import { DEFAULT_PERM, TYPE_BITS } from './schema';

export type DofsFileType = NodeKind;

export class DofsStats {
  readonly type: DofsFileType;
  readonly mode: number;
  readonly size: number;
  readonly ino: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly atimeMs: number;
  readonly birthtimeMs: number;
  readonly mtime: Date;
  readonly ctime: Date;
  readonly atime: Date;
  readonly birthtime: Date;
  readonly uid = 0;
  readonly gid = 0;
  readonly dev = 1;
  readonly rdev = 0;
  readonly nlink = 1;
  readonly blksize = 4096;
  readonly blocks: number;

  constructor(type: DofsFileType, mode: number, size: number, ino: number, mtimeMs: number, ctimeMs: number) {
    this.type = type;
    this.mode = mode;
    this.size = size;
    this.ino = ino;
    this.mtimeMs = mtimeMs;
    this.ctimeMs = ctimeMs;
    this.atimeMs = mtimeMs; // access times are not tracked (it would turn every read into a write)
    this.birthtimeMs = ctimeMs;
    this.mtime = new Date(mtimeMs);
    this.ctime = new Date(ctimeMs);
    this.atime = this.mtime;
    this.birthtime = this.ctime;
    this.blocks = Math.ceil(size / 512);
  }

  /** Stats for an entry served by a mount provider, which only knows type and size. */
  static forMount(type: 'file' | 'dir', size: number): DofsStats {
    return new DofsStats(type, TYPE_BITS[type] | DEFAULT_PERM[type], size, 0, 0, 0);
  }

  isFile(): boolean { return this.type === 'file'; }
  isDirectory(): boolean { return this.type === 'dir'; }
  isSymbolicLink(): boolean { return this.type === 'symlink'; }
  isBlockDevice(): boolean { return false; }
  isCharacterDevice(): boolean { return false; }
  isFIFO(): boolean { return false; }
  isSocket(): boolean { return false; }
}
