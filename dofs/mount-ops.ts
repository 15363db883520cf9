// fs operations on paths served by a mount provider. Providers only know
// whole files, file/dir types and listings, so these map the richer fs calls
// onto that and raise the errors Node would. A MountRefusal thrown by a
// provider becomes the caller's DofsError (its syscall and path, the
// provider's code and reason).

import { MountRefusal } from './errors';
import type { MountHit } from './mounts';
import type { Fail } from './resolve';
import { DofsStats } from './stats';

/** Runs a provider call, turning a MountRefusal into the caller's error. */
export function guard<T>(fail: Fail, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof MountRefusal) throw fail(e.code, e.reason);
    throw e;
  }
}

/** Like guard() for a provider call that may return a promise. */
export async function guardAsync<T>(fail: Fail, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof MountRefusal) throw fail(e.code, e.reason);
    throw e;
  }
}

/** Synchronous writes are refused (before the provider is called) when the provider writes asynchronously. */
export function assertSyncWrites(m: MountHit, fail: Fail): void {
  if (m.provider.asyncWrites) throw fail('ENOTSUP', 'this mount writes asynchronously: use fs.promises');
}

export function mountRead(m: MountHit, fail: Fail): Uint8Array {
  const data = guard(fail, () => m.provider.readFile(m.rel));
  if (!data) throw fail('ENOENT');
  return data;
}

export function mountStat(m: MountHit, fail: Fail): DofsStats {
  const st = guard(fail, () => m.provider.stat(m.rel));
  if (!st) throw fail('ENOENT');
  return DofsStats.forMount(st.type, st.size);
}

export function mountWrite(m: MountHit, fail: Fail, bytes: Uint8Array): void {
  if (m.rel === '') throw fail('EISDIR'); // the mount point is a directory
  assertSyncWrites(m, fail);
  guard(fail, () => m.provider.writeFile(m.rel, bytes));
}

/** writeFile through fs.promises: an asynchronous provider is awaited. */
export function mountWriteAsync(m: MountHit, fail: Fail, bytes: Uint8Array): Promise<void> {
  if (m.rel === '') throw fail('EISDIR');
  return guardAsync(fail, () => m.provider.writeFile(m.rel, bytes));
}

/** Read-modify-write: providers have no append. */
export function mountAppend(m: MountHit, fail: Fail, bytes: Uint8Array): void {
  assertSyncWrites(m, fail);
  const old = guard(fail, () => m.provider.readFile(m.rel)) ?? new Uint8Array(0);
  const all = new Uint8Array(old.byteLength + bytes.byteLength);
  all.set(old);
  all.set(bytes, old.byteLength);
  mountWrite(m, fail, all);
}

export function mountReaddir(m: MountHit, fail: Fail): string[] {
  const names = guard(fail, () => m.provider.readdir(m.rel));
  if (!names) throw fail(guard(fail, () => m.provider.stat(m.rel))?.type === 'file' ? 'ENOTDIR' : 'ENOENT');
  return [...names].sort();
}

/** The checks unlink makes before calling the provider. */
function unlinkable(m: MountHit, fail: Fail): (rel: string) => void | Promise<void> {
  const st = guard(fail, () => m.provider.stat(m.rel));
  if (!st) throw fail('ENOENT');
  if (st.type === 'dir') throw fail('EISDIR');
  if (!m.provider.unlink) throw fail('EPERM');
  return m.provider.unlink.bind(m.provider);
}

export function mountUnlink(m: MountHit, fail: Fail): void {
  assertSyncWrites(m, fail);
  const unlink = unlinkable(m, fail);
  guard(fail, () => unlink(m.rel));
}

/** unlink through fs.promises: an asynchronous provider is awaited. */
export function mountUnlinkAsync(m: MountHit, fail: Fail): Promise<void> {
  const unlink = unlinkable(m, fail);
  return guardAsync(fail, () => unlink(m.rel));
}

/**
 * rmdir: the provider decides which directories exist, so removing one only
 * means checking it is an empty directory (or, recursively, unlinking the
 * files below it). The mount point itself is busy.
 */
export function mountRmdir(m: MountHit, fail: Fail, recursive: boolean): void {
  if (m.rel === '') throw fail('EBUSY');
  const st = guard(fail, () => m.provider.stat(m.rel));
  if (!st) throw fail('ENOENT');
  if (st.type !== 'dir') throw fail('ENOTDIR');
  if (recursive) return mountRemoveTree(m, fail);
  if ((guard(fail, () => m.provider.readdir(m.rel)) ?? []).length) throw fail('ENOTEMPTY');
}

/** Unlink every file at or below the provider path (absent is fine, as in rm -rf). */
export function mountRemoveTree(m: MountHit, fail: Fail): void {
  assertSyncWrites(m, fail);
  const walk = (rel: string): void => {
    const st = guard(fail, () => m.provider.stat(rel));
    if (!st) return;
    if (st.type === 'file') {
      if (!m.provider.unlink) throw fail('EPERM');
      guard(fail, () => m.provider.unlink!(rel));
      return;
    }
    for (const name of guard(fail, () => m.provider.readdir(rel)) ?? []) walk(rel === '' ? name : `${rel}/${name}`);
  };
  walk(m.rel);
}
