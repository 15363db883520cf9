// inflateStored (the copy-out path for zlib streams of stored blocks only) against inflateAt,
// its oracle: the same bytes and compressed length whenever it answers, null for any stream
// that is not a well-formed stored-only one of the declared size (inflateAt then decides).
import { afterEach, describe, expect, it } from 'vitest';
import { accel, adler32Ts, inflateAt, inflateStored, setAccelerator } from '../../../src/codec';
import { deflate } from '../../../src/pack';
import { concat, randomBytes, rng, sameBytes } from '../pack/helpers';

afterEach(() => setAccelerator('auto'));

/** inflateAt's answer, or the error's name (NeedMoreInput, PackError). */
function oracle(buf: Uint8Array, offset: number, size: number): { data: Uint8Array; consumed: number } | string {
  try {
    return inflateAt(buf, offset, size);
  } catch (e) {
    return (e as Error).name;
  }
}

describe('inflateStored', () => {
  const rand = rng(7);
  const sizes = [0, 1, 100, 13_000, 65_535, 65_536, 70_000, 200_000];

  it('copies out stored-only streams at an offset, before trailing bytes, with the compressed length', () => {
    for (const n of sizes) {
      const data = randomBytes(n, rand);
      // level 0 always stores; level 6 mostly stores incompressible data (git's packs hold their
      // binaries so), but may code a block (the empty stream, a last empty block) in Huffman codes
      for (const level of [0, 6]) {
        const z = deflate(data, level);
        const buf = concat(randomBytes(5, rand), z, randomBytes(30, rand));
        const got = inflateStored(buf, 5, n, adler32Ts);
        if (level === 6 && got === null) continue;
        expect(got, `size ${n} level ${level}`).not.toBeNull();
        expect(got!.consumed).toBe(z.length);
        expect(sameBytes(got!.data, data)).toBe(true);
        const ref = oracle(buf, 5, n);
        expect(typeof ref === 'string' ? ref : ref.consumed).toBe(z.length);
      }
    }
  });

  it('answers for a stored stream as git writes a 13,000-byte binary (one final stored block)', () => {
    const data = randomBytes(13_000, rand);
    const z = deflate(data, 6);
    expect([...z.subarray(0, 5)]).toEqual([0x78, 0x9c, 0x01, 13_000 & 255, 13_000 >> 8]);
    expect(inflateStored(z, 0, data.length, adler32Ts)?.consumed).toBe(z.length);
  });

  it('answers null for compressed streams, wrong sizes and every truncation', () => {
    const text = new TextEncoder().encode('abc '.repeat(5000));
    expect(inflateStored(deflate(text, 6), 0, text.length, adler32Ts)).toBeNull();
    const data = randomBytes(70_000, rand);
    const z = deflate(data, 0);
    expect(inflateStored(z, 0, data.length - 1, adler32Ts)).toBeNull();
    expect(inflateStored(z, 0, data.length + 1, adler32Ts)).toBeNull();
    for (let cut = 0; cut < z.length; cut += 1 + (rand() % 997)) {
      expect(inflateStored(z.subarray(0, cut), 0, data.length, adler32Ts), `cut at ${cut}`).toBeNull();
    }
    for (const cut of [z.length - 4, z.length - 1]) expect(inflateStored(z.subarray(0, cut), 0, data.length, adler32Ts)).toBeNull();
  });

  it('never answers differently from inflateAt on corrupted streams', () => {
    const data = randomBytes(20_000, rand);
    const z = deflate(data, 0);
    let answered = 0;
    for (let k = 0; k < 600; k++) {
      const bad = z.slice();
      // the headers and trailer are where a flip matters most: aim there half the time
      const spots = [0, 1, 2, 3, 4, 5, 6, bad.length - 4, bad.length - 3, bad.length - 2, bad.length - 1];
      const at = k % 2 === 0 ? spots[rand() % spots.length] : rand() % bad.length;
      bad[at] ^= 1 << (rand() % 8);
      const got = inflateStored(bad, 0, data.length, adler32Ts);
      if (got === null) continue;
      answered++;
      const ref = oracle(bad, 0, data.length);
      expect(typeof ref, `flip at ${at}`).not.toBe('string');
      if (typeof ref === 'string') continue;
      expect(got.consumed, `flip at ${at}`).toBe(ref.consumed);
      expect(sameBytes(got.data, ref.data), `flip at ${at}`).toBe(true);
    }
    expect(answered).toBeGreaterThan(0); // flips zlib ignores (padding bits of a block header)
  });

  it('is what accel.inflateAt takes above the Wasm size in auto mode, with the TS path answers', () => {
    for (const n of [9000, 13_000, 100_000]) {
      const data = randomBytes(n, rand);
      const buf = concat(deflate(data, 6), randomBytes(10, rand));
      const auto = accel.inflateAt(buf, 0, n);
      setAccelerator('ts');
      const ts = accel.inflateAt(buf, 0, n);
      setAccelerator('auto');
      expect(auto.consumed).toBe(ts.consumed);
      expect(sameBytes(auto.data, ts.data)).toBe(true);
    }
  });
});
