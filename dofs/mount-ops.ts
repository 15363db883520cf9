// fs operations on paths served by a mount provider. Providers only know
// whole files, file/dir types and listings, so these map the richer fs calls
// onto that and raise the errors Node would.

import type { MountHit } from './mounts';
import type { Fail } from './resolve';
import { DofsStats } from './stats';

export function mountRead(m: MountHit, fail: Fail): Uint8Array {
  const data = m.provider.readFile(m.rel);
  if (!data) throw fail('ENOENT');
  return data;
}

export function mountStat(m: MountHit, fail: Fail): DofsStats {
  const st = m.provider.stat(m.rel);
  if (!st) throw fail('ENOENT');
  return DofsStats.forMount(st.type, st.size);
}

export function mountWrite(m: MountHit, fail: Fail, bytes: Uint8Array): void {
  if (m.rel === '') throw fail('EISDIR'); // the mount point is a directory
  m.provider.writeFile(m.rel, bytes);
}

/** Read-modify-write: providers have no append. */
export function mountAppend(m: MountHit, fail: Fail, bytes: Uint8Array): void {
  const old = m.provider.readFile(m.rel) ?? new Uint8Array(0);
  const all = new Uint8Array(old.byteLength + bytes.byteLength);
  all.set(old);
  all.set(bytes, old.byteLength);
  mountWrite(m, fail, all);
}

export function mountReaddir(m: MountHit, fail: Fail): string[] {
  const names = m.provider.readdir(m.rel);
  if (!names) throw fail(m.provider.stat(m.rel)?.type === 'file' ? 'ENOTDIR' : 'ENOENT');
  return [...names].sort();
}

export function mountUnlink(m: MountHit, fail: Fail): void {
  const st = m.provider.stat(m.rel);
  if (!st) throw fail('ENOENT');
  if (st.type === 'dir') throw fail('EISDIR');
  if (!m.provider.unlink) throw fail('EPERM');
  m.provider.unlink(m.rel);
}

/**
 * rmdir: the provider decides which directories exist, so removing one only
 * means checking it is an empty directory (or, recursively, unlinking the
 * files below it). The mount point itself is busy.
 */
export function mountRmdir(m: MountHit, fail: Fail, recursive: boolean): void {
  if (m.rel === '') throw fail('EBUSY');
  const st = m.provider.stat(m.rel);
  if (!st) throw fail('ENOENT');
  if (st.type !== 'dir') throw fail('ENOTDIR');
  if (recursive) return mountRemoveTree(m, fail);
  if ((m.provider.readdir(m.rel) ?? []).length) throw fail('ENOTEMPTY');
}

/** Unlink every file at or below the provider path (absent is fine, as in rm -rf). */
export function mountRemoveTree(m: MountHit, fail: Fail): void {
  const walk = (rel: string): void => {
    const st = m.provider.stat(rel);
    if (!st) return;
    if (st.type === 'file') {
      if (!m.provider.unlink) throw fail('EPERM');
      m.provider.unlink(rel);
      return;
    }
    for (const name of m.provider.readdir(rel) ?? []) walk(rel === '' ? name : `${rel}/${name}`);
  };
  walk(m.rel);
}
