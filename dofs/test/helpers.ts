// Shared test helpers: a fresh Durable Object per test, deterministic bytes,
// fast byte comparison and error-code assertions.
import { env } from 'cloudflare:workers';
import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { expect } from 'vitest';
import { DOFS } from '../index';
import type { DofsMount, DofsStorage } from '../index';

export const MiB = 1024 * 1024;

// Typed locally: the module must not depend on how src/ declares its Env.
const REPO = (env as unknown as { REPO: DurableObjectNamespace }).REPO;

export function freshStub(label: string): DurableObjectStub {
  return REPO.get(REPO.idFromName(`dofs-${label}-${crypto.randomUUID()}`));
}

/** Run `fn` inside the Durable Object `stub` with a DOFS on its storage. */
export function inDO<R>(stub: DurableObjectStub, fn: (fs: DOFS, state: DurableObjectState) => R | Promise<R>, options?: { chunkSize?: number }): Promise<R> {
  return runInDurableObject(stub, (_instance: unknown, state: DurableObjectState) => fn(new DOFS(state.storage, options), state));
}

/** A fresh Durable Object, for tests that need only one run. */
export function withFs<R>(label: string, fn: (fs: DOFS, state: DurableObjectState) => R | Promise<R>, options?: { chunkSize?: number }): Promise<R> {
  return inDO(freshStub(label), fn, options);
}

export { evictDurableObject };

/** Deterministic pseudo-random bytes (xorshift32), fast enough for tens of MiB. */
export function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  const words = new Uint32Array(out.buffer, 0, Math.floor(n / 4));
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    words[i] = x;
  }
  for (let i = words.length * 4; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

/** Byte-for-byte equality without vitest diffing megabytes on failure. */
export function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.byteLength, 'length').toBe(expected.byteLength);
  let firstDiff = -1;
  for (let i = 0; i < expected.byteLength; i++) {
    if (actual[i] !== expected[i]) { firstDiff = i; break; }
  }
  expect(firstDiff, 'first differing byte').toBe(-1);
}

export function text(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** Assert `fn` throws a Node-style error with `code` (and syscall/path if given). */
export function expectCode(fn: () => unknown, code: string, syscall?: string, path?: string): Error & Record<string, unknown> {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected ${code}`).toBeInstanceOf(Error);
  const e = caught as Error & Record<string, unknown>;
  expect(e.code).toBe(code);
  expect(typeof e.errno).toBe('number');
  expect(e.errno as number).toBeLessThan(0);
  if (syscall !== undefined) expect(e.syscall).toBe(syscall);
  if (path !== undefined) expect(e.path).toBe(path);
  expect(e.message.startsWith(`${code}: `)).toBe(true);
  return e;
}

export async function expectRejectCode(p: Promise<unknown>, code: string): Promise<void> {
  await expect(p).rejects.toMatchObject({ code });
}

/** Largest value stored in dofs_chunks, by SQL. */
export function maxStoredChunk(state: DurableObjectState): number {
  return state.storage.sql.exec<{ m: number | null }>('SELECT max(length(data)) AS m FROM dofs_chunks').one().m ?? 0;
}

export function countRows(state: DurableObjectState, table: string): number {
  return state.storage.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM ${table}`).one().n;
}

/** A small in-memory mount provider: files keyed by relative path, directories implied. */
export class MemoryMount implements DofsMount {
  files = new Map<string, Uint8Array>();
  calls: string[] = [];

  readFile(rel: string): Uint8Array | null {
    this.calls.push(`readFile ${rel}`);
    return this.files.get(rel) ?? null;
  }
  writeFile(rel: string, data: Uint8Array): void {
    this.calls.push(`writeFile ${rel}`);
    this.files.set(rel, data.slice());
  }
  stat(rel: string): { type: 'file' | 'dir'; size: number } | null {
    const f = this.files.get(rel);
    if (f) return { type: 'file', size: f.byteLength };
    if (rel === '' || [...this.files.keys()].some((k) => k.startsWith(rel + '/'))) return { type: 'dir', size: 0 };
    return null;
  }
  readdir(rel: string): string[] | null {
    const st = this.stat(rel);
    if (!st || st.type !== 'dir') return null;
    const prefix = rel === '' ? '' : rel + '/';
    const names = new Set<string>();
    for (const k of this.files.keys()) if (k.startsWith(prefix)) names.add(k.slice(prefix.length).split('/')[0]);
    return [...names];
  }
  unlink(rel: string): void {
    this.calls.push(`unlink ${rel}`);
    this.files.delete(rel);
  }
}

/**
 * Storage whose SQL throws on the (n+1)-th chunk insert or update: simulates a
 * failure in the middle of a multi-statement write.
 */
export function failingStorage(storage: DofsStorage, okChunkWrites: number): DofsStorage & { armed: boolean } {
  let seen = 0;
  const wrapped = {
    armed: true,
    transactionSync: <T>(fn: () => T): T => storage.transactionSync(fn),
    sql: {
      exec(query: string, ...bindings: unknown[]) {
        if (wrapped.armed && /(INSERT INTO|UPDATE) dofs_chunks/.test(query) && ++seen > okChunkWrites) {
          throw new Error('injected failure');
        }
        return storage.sql.exec(query, ...bindings);
      },
    } as unknown as SqlStorage,
  };
  return wrapped;
}
