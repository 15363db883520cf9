// Shared helpers for the pack tests (they run inside workerd: no fs, fixtures are base64).
import { Buffer } from 'node:buffer';
import { fixtures, type PackFixture } from '../../fixtures/pack/fixtures';
import { PackError } from '../../../src/pack';

export { fixtures, type PackFixture };

export function b64(s: string): Uint8Array {
  const b = Buffer.from(s, 'base64');
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

export function fixturePack(name: string): Uint8Array {
  return b64(fixtures[name].pack);
}

export function fixtureIdx(name: string): Uint8Array {
  return b64(fixtures[name].idx);
}

export const enc = (s: string) => new TextEncoder().encode(s);
export const dec = (b: Uint8Array) => new TextDecoder().decode(b);

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Deterministic PRNG (xorshift32) so failures reproduce. */
export function rng(seed = 12345): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

export function randomBytes(n: number, rand: () => number, mask = 0xff): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rand() & mask;
  return out;
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** Runs fn, asserts it throws a PackError, returns the message. */
export function packErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof PackError) return e.message;
    throw new Error(`expected PackError, got ${(e as Error)?.name}: ${(e as Error)?.message}`);
  }
  throw new Error('expected a PackError, nothing was thrown');
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A git delta header's size: little-endian base-128. */
export function deltaVarint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}
