// Differential tests for wasmDeflate (zig/deflate.zig) against its platform
// twin, deflate() in src/codec/inflate.ts (node:zlib). The streams differ byte
// for byte (different match finders), so "the same" means: both inflaters —
// node:zlib and ours (wasmInflateAt, zig/inflate.zig) — give back exactly the
// input, report the whole stream as consumed, and the size stays close to
// zlib's at the same level.
import * as zlib from 'node:zlib';
import { afterEach, describe as suite, expect, it } from 'vitest';
import { deflate, inflateAt } from '../../../../src/codec/inflate';
import { encodeEntryHeader, PackWriter } from '../../../../src/pack/writer';
import { accel, setAccelerator, wasmDeflate, wasmInflateAt } from '../../../../src/codec';
import { concat, describe, randomBytes, repeatBytes, rng, sameBytes, textBytes } from './helpers';

const rand = rng(4242);

afterEach(() => setAccelerator('auto'));

/** Checks one compressed stream with both inflaters; returns a description of any problem. */
function check(data: Uint8Array, z: Uint8Array): string | null {
  const viaZlib = new Uint8Array(zlib.inflateSync(z));
  if (!sameBytes(viaZlib, data)) return `node:zlib inflates ${describe(data)} to ${describe(viaZlib)}`;
  // As a pack entry: the stream is followed by other bytes; both inflaters must stop at its end.
  const packed = concat(z, randomBytes(40, rand));
  const ours = wasmInflateAt(packed, 0, data.length);
  if (!sameBytes(ours.data, data)) return `wasmInflateAt gives ${describe(ours.data)} for ${describe(data)}`;
  if (ours.consumed !== z.length) return `wasmInflateAt consumed ${ours.consumed} of ${z.length}`;
  const ts = inflateAt(packed, 0, data.length);
  if (ts.consumed !== z.length) return `inflateAt consumed ${ts.consumed} of ${z.length}`;
  return null;
}

const inputs: Array<[string, Uint8Array]> = [
  ['empty', new Uint8Array(0)],
  ['1 byte', new Uint8Array([0x41])],
  ['2 bytes', new Uint8Array([0, 0])],
  ['3 equal bytes', new Uint8Array([7, 7, 7])],
  ['text 200 B', textBytes(200, rand)],
  ['text 4 KiB', textBytes(4096, rand)],
  ['random 3 KiB', randomBytes(3000, rand)],
  ['repetitive 100 KiB', repeatBytes(100_000, rand)],
  ['text 64 KiB + 1', textBytes(65537, rand)],
  ['all-zero 1 MiB', new Uint8Array(1 << 20)],
  ['incompressible 200 KiB', randomBytes(200_000, rand)],
  ['random over 16 symbols 300 KiB', randomBytes(300_000, rand, 0x0f)],
];

suite('wasmDeflate', () => {
  it('round-trips through node:zlib and our inflater at every level', () => {
    const failures: string[] = [];
    for (const [name, data] of inputs) {
      for (const level of [undefined, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) {
        if (data.length > 70_000 && level !== undefined && ![0, 1, 4, 9].includes(level)) continue; // keep it quick
        const problem = check(data, wasmDeflate(data, level));
        if (problem) failures.push(`${name} level ${level}: ${problem}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('round-trips 5 MiB of text and 5 MiB of random bytes (several blocks, stored pieces)', () => {
    for (const data of [textBytes(5 << 20, rand), randomBytes(5 << 20, rand)]) {
      for (const level of [1, 6]) expect(check(data, wasmDeflate(data, level))).toBeNull();
    }
  });

  it('round-trips inputs around the block and stored-piece boundaries', () => {
    const failures: string[] = [];
    // 16384 symbols per block; stored pieces of at most 65535 bytes.
    for (const n of [16383, 16384, 16385, 32768, 32769, 65534, 65535, 65536, 131071, 131072]) {
      for (const data of [randomBytes(n, rand), repeatBytes(n, rand), randomBytes(n, rand, 0x03)]) {
        for (const level of [0, 1, 6]) {
          const problem = check(data, wasmDeflate(data, level));
          if (problem) failures.push(`${n} bytes level ${level}: ${problem}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('gives the same stream for the same input whatever the arena held before', () => {
    const data = textBytes(5000, rand);
    const first = wasmDeflate(data, 1);
    wasmDeflate(randomBytes(200_000, rand), 1); // leaves random bytes all over the arena
    expect(sameBytes(wasmDeflate(data, 1), first)).toBe(true);
    // The last 3 bytes repeat the first 3; whether the match finder sees it
    // must not depend on the byte after the input ('d' left by the first call).
    const enc = (t: string) => new TextEncoder().encode(t);
    const tail = enc('abcd0123456789abc');
    wasmDeflate(enc('abcd0123456789abcd'), 6);
    const a = wasmDeflate(tail, 6);
    wasmDeflate(new Uint8Array(64), 6);
    expect(sameBytes(wasmDeflate(tail, 6), a)).toBe(true);
  });

  it('writes the same zlib header as zlib for each level', () => {
    const data = textBytes(1000, rand);
    for (const level of [0, 1, 2, 5, 6, 7, 9]) {
      const ours = wasmDeflate(data, level);
      const theirs = new Uint8Array(zlib.deflateSync(data, { level }));
      expect([...ours.subarray(0, 2)], `level ${level}`).toEqual([...theirs.subarray(0, 2)]);
    }
  });

  it('stays within 10% of zlib on text and source-like data at levels 1 and 6', () => {
    const sizes: string[] = [];
    for (const n of [300, 2000, 20_000, 200_000]) {
      const data = textBytes(n, rand);
      for (const level of [1, 6]) {
        const ours = wasmDeflate(data, level).length;
        const theirs = zlib.deflateSync(data, { level }).length;
        if (ours > theirs * 1.1) sizes.push(`${n} bytes level ${level}: ${ours} vs zlib ${theirs}`);
      }
    }
    expect(sizes).toEqual([]);
  });

  it('does not expand incompressible input beyond stored blocks (as zlib)', () => {
    for (const n of [1, 100, 70_000, 1 << 20]) {
      const data = randomBytes(n, rand);
      const z = wasmDeflate(data, 6);
      // 2-byte header, 4-byte trailer, 5 bytes per stored piece: one per
      // block of 16 Ki symbols (as zlib) and per 65535 bytes.
      expect(z.length).toBeLessThanOrEqual(n + 6 + 5 * (Math.ceil(n / 16382) + Math.ceil(n / 65535) + 1));
      expect(z.length).toBeLessThanOrEqual(zlib.deflateSync(data, { level: 6 }).length + 16);
    }
  });

  it('rejects the levels zlib rejects, with zlib’s error', () => {
    const data = textBytes(100, rand);
    let rejected = 0;
    for (const level of [10, -2, 1.5, NaN, 100]) {
      let theirs = '';
      let ours = '';
      try {
        deflate(data, level);
      } catch (e) {
        theirs = `${(e as Error).name}: ${(e as Error).message}`;
      }
      try {
        wasmDeflate(data, level);
      } catch (e) {
        ours = `${(e as Error).name}: ${(e as Error).message}`;
      }
      if (theirs) rejected++;
      expect(ours, `level ${level}`).toBe(theirs);
    }
    expect(rejected).toBeGreaterThanOrEqual(3);
  });

  it('accel.deflate gives inflatable output in every mode, and PackWriter entries inflate back', () => {
    const data = textBytes(10_000, rand);
    for (const mode of ['wasm', 'ts', 'auto'] as const) {
      setAccelerator(mode);
      expect(sameBytes(new Uint8Array(zlib.inflateSync(accel.deflate(data, 1))), data)).toBe(true);
      const w = new PackWriter(1, { level: 1 });
      w.header();
      const entry = w.object(3, data);
      const at = encodeEntryHeader(3, data.length).length;
      expect(sameBytes(inflateAt(entry, at, data.length).data, data)).toBe(true);
    }
  });
});
