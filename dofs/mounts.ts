// Mount table: lets another layer serve a subtree (e.g. the git object store
// serving `objects/xx/yyyy…`) while DOFS keeps the rest. Mounts live in memory
// only; whoever constructs the DOFS re-mounts on every wake-up.

import { DofsError } from './errors';
import { basename, dirname, isAtOrUnder, normalizePath } from './paths';

/**
 * A provider for the subtree under a mount prefix. `rel` is the path relative
 * to the prefix without a leading slash ('' is the prefix directory itself).
 * null means "does not exist" (ENOENT). The provider alone decides which
 * directories exist: mkdir under a mount is accepted and ignored. A provider
 * refuses a call by throwing MountRefusal (a Node-style code and a reason).
 *
 * With `asyncWrites: true`, writeFile and unlink return promises (a provider
 * whose writes must await something, e.g. an ingest): only fs.promises can
 * write there, and every synchronous path that would write (writeFileSync,
 * appendFile, unlinkSync, streams, rename, rmrf) fails with ENOTSUP before the
 * provider is called. Reads stay synchronous.
 */
export interface DofsMount {
  readFile(rel: string): Uint8Array | null;
  writeFile(rel: string, data: Uint8Array): void | Promise<void>;
  stat(rel: string): { type: 'file' | 'dir'; size: number } | null;
  readdir(rel: string): string[] | null;
  unlink?(rel: string): void | Promise<void>;
  readonly asyncWrites?: boolean;
}

export interface MountHit {
  prefix: string;
  provider: DofsMount;
  rel: string;
}

export class MountTable {
  // Longest prefix first, so nested mounts resolve to the innermost one.
  private list: { prefix: string; provider: DofsMount }[] = [];

  get size(): number { return this.list.length; }

  add(prefix: string, provider: DofsMount): void {
    const p = normalizePath(prefix, 'mount');
    if (p === '/') throw new DofsError('EINVAL', 'mount', prefix, undefined, "cannot mount over '/'");
    this.list = this.list.filter((m) => m.prefix !== p);
    this.list.push({ prefix: p, provider });
    this.list.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  remove(prefix: string): boolean {
    const p = normalizePath(prefix, 'umount');
    const before = this.list.length;
    this.list = this.list.filter((m) => m.prefix !== p);
    return this.list.length !== before;
  }

  /** The mount serving a canonical path, if any. */
  find(path: string): MountHit | null {
    for (const m of this.list) {
      if (isAtOrUnder(path, m.prefix)) {
        return { prefix: m.prefix, provider: m.provider, rel: path === m.prefix ? '' : path.slice(m.prefix.length + 1) };
      }
    }
    return null;
  }

  /** Names of mount points directly inside `dir`, so readdir(dir) lists them. */
  childNames(dir: string): string[] {
    return this.list.filter((m) => dirname(m.prefix) === dir).map((m) => basename(m.prefix));
  }

  /** True when a mount point lies at or below `path` (such a directory is busy). */
  hasMountAtOrUnder(path: string): boolean {
    return this.list.some((m) => isAtOrUnder(m.prefix, path));
  }
}
