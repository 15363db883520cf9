// Differential tests for the hashing and checksum functions: SHA-1 (one-shot
// and streaming), git object ids, CRC-32 and Adler-32, Wasm against the
// TS/platform twins, on every size around the block boundaries and on large
// inputs.
import { createHash } from 'node:crypto';
import * as zlib from 'node:zlib';
import { describe as suite, expect, it } from 'vitest';
import { crc32, crc32Js } from '../../../../src/codec/crc32';
import { hashObject, type ObjectType } from '../../../../src/pack/object';
import {
  adler32Ts,
  createSha1Ts,
  createWasmSha1,
  sha1Ts,
  wasmAdler32,
  wasmCrc32,
  wasmHashObject,
  wasmSha1,
} from '../../../../src/codec';
import { randomBytes, rng, textBytes } from './helpers';

const rand = rng(5);
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** Every size 0..300 (all SHA-1 padding cases twice over), then larger ones. */
const SIZES = [...Array.from({ length: 301 }, (_, i) => i), 511, 512, 513, 4095, 4096, 65_535, 65_536, 1_048_575, 1_048_576, 1_048_577, 3_000_001];

suite('SHA-1', () => {
  it('one-shot matches node:crypto at every size', () => {
    for (const n of SIZES) {
      const data = randomBytes(n, rand);
      expect(wasmSha1(data), `size ${n}`).toBe(sha1Ts(data));
    }
    // Known answers (FIPS 180 examples).
    expect(wasmSha1(new TextEncoder().encode('abc'))).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(wasmSha1(new Uint8Array(0))).toBe('da39a3ee5e6b4b0d3255bfef95601890afd80709');
  });

  it('streaming in random pieces matches node:crypto', () => {
    for (const n of [0, 1, 63, 64, 65, 1000, 200_000, 2_500_000]) {
      const data = textBytes(n, rand);
      const w = createWasmSha1();
      const t = createSha1Ts();
      for (let at = 0; at < n; ) {
        const len = Math.min(n - at, rand() % 3 === 0 ? rand() % 5 : rand() % 70_000);
        w.update(data.subarray(at, at + len));
        t.update(data.subarray(at, at + len));
        at += len;
      }
      expect(w.digest('hex'), `size ${n}`).toBe(t.digest('hex'));
    }
    const a = createWasmSha1().update(new TextEncoder().encode('ab')).update(new TextEncoder().encode('c'));
    const bytes = a.digest();
    expect(bytes.constructor).toBe(Uint8Array);
    expect(hex(bytes)).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(() => a.digest()).toThrow();
  });

  it('interleaved streams do not share state', () => {
    const streams = Array.from({ length: 5 }, () => ({ w: createWasmSha1(), h: createHash('sha1') }));
    for (let i = 0; i < 200; i++) {
      const s = streams[rand() % streams.length];
      const piece = randomBytes(rand() % 300, rand);
      s.w.update(piece);
      s.h.update(piece);
    }
    for (const s of streams) expect(s.w.digest('hex')).toBe(s.h.digest('hex'));
  });
});

suite('git object ids', () => {
  it('match hashObject for every type and many sizes', () => {
    const types: ObjectType[] = ['commit', 'tree', 'blob', 'tag'];
    for (const n of SIZES) {
      const data = randomBytes(n, rand);
      for (const t of types) expect(wasmHashObject(t, data), `${t} ${n}`).toBe(hashObject(t, data));
    }
    // The empty blob and tree everyone knows.
    expect(wasmHashObject('blob', new Uint8Array(0))).toBe('e69de29bb2d1d6434b8b29ae775ad8c2e48c5391');
    expect(wasmHashObject('tree', new Uint8Array(0))).toBe('4b825dc642cb6eb9a060e54bf8d69288fbee4904');
  });

  it('an unknown type name is hashed as hashObject does (by the TS path)', () => {
    const data = randomBytes(10, rand);
    expect(wasmHashObject('weird' as ObjectType, data)).toBe(hashObject('weird' as ObjectType, data));
  });
});

suite('CRC-32', () => {
  it('matches crc32 and crc32Js at every size, and continues from prev', () => {
    for (const n of SIZES) {
      const data = randomBytes(n, rand);
      const want = crc32(data);
      expect(wasmCrc32(data), `size ${n}`).toBe(want);
      if (n < 70_000) expect(crc32Js(data)).toBe(want);
      const cut = rand() % (n + 1);
      expect(wasmCrc32(data.subarray(cut), wasmCrc32(data.subarray(0, cut)))).toBe(want);
    }
    expect(wasmCrc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
});

suite('Adler-32', () => {
  it('matches adler32Ts and the zlib trailer at every size, and continues from prev', () => {
    for (const n of SIZES) {
      const data = n % 3 === 0 ? new Uint8Array(n).fill(0xff) : randomBytes(n, rand);
      const want = adler32Ts(data);
      expect(wasmAdler32(data), `size ${n}`).toBe(want);
      const z = zlib.deflateSync(data, { level: 1 });
      const trailer = ((z[z.length - 4] << 24) | (z[z.length - 3] << 16) | (z[z.length - 2] << 8) | z[z.length - 1]) >>> 0;
      expect(want).toBe(trailer);
      const cut = rand() % (n + 1);
      expect(wasmAdler32(data.subarray(cut), wasmAdler32(data.subarray(0, cut)))).toBe(want);
    }
  });
});
