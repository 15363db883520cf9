import { describe, expect, it } from 'vitest';
import { deflate, inflateAt, NeedMoreInput, PackError } from '../../../src/pack';
import { concat, enc, randomBytes, rng, sameBytes } from '../pack/helpers';

describe('inflateAt', () => {
  const rand = rng(99);
  // Sizes on both sides of the fast-path threshold, compressible and not.
  const samples = [0, 1, 15, 200, 4095, 8192, 8193, 70_000, 300_000].flatMap((n) => [
    randomBytes(n, rand),
    randomBytes(n, rand, 0x03),
  ]);

  it('inflates at an offset, ignores trailing bytes and reports the compressed length', () => {
    for (const data of samples) {
      for (const level of [0, 1, 9]) {
        const z = deflate(data, level);
        const buf = concat(randomBytes(7, rand), z, randomBytes(50, rand));
        const r = inflateAt(buf, 7, data.length);
        expect(r.consumed).toBe(z.length);
        expect(sameBytes(r.data, data)).toBe(true);
        expect(r.data.constructor).toBe(Uint8Array);
      }
    }
  });

  it('finds the real end when the Adler-32 bytes also occur earlier in the stream', () => {
    // A stored (level 0) stream holds the data verbatim, so build data that
    // contains its own Adler-32: 20 random bytes, the 4 checksum bytes P, and 2
    // free bytes x, y solved so that adler32(data) == P.
    const M = 65521;
    const mod = (v: number) => ((v % M) + M) % M;
    const n = 26;
    const data = new Uint8Array(n);
    for (let tries = 0; ; tries++) {
      expect(tries).toBeLessThan(5_000_000);
      for (let i = 0; i < 24; i++) data[i] = rand() & 0xff;
      let a0 = 1;
      let b0 = n;
      for (let i = 0; i < 24; i++) {
        a0 += data[i];
        b0 += (n - i) * data[i];
      }
      const A = (data[22] << 8) | data[23];
      const B = (data[20] << 8) | data[21];
      const x = mod(B - b0 - (A - a0));
      const y = mod(A - a0 - x);
      if (x < 256 && y < 256 && A < M && B < M) {
        data[24] = x;
        data[25] = y;
        break;
      }
    }
    const z = deflate(data, 0);
    const trailer = [...z.subarray(z.length - 4)];
    expect(trailer).toEqual([...data.subarray(20, 24)]); // the checksum really occurs inside the data
    const buf = concat(z, z);
    const r = inflateAt(buf, 0, n);
    expect(r.consumed).toBe(z.length);
    expect(sameBytes(r.data, data)).toBe(true);
  });

  it('throws NeedMoreInput for a truncated stream at every cut', () => {
    for (const data of [samples[6], samples[13]]) {
      const z = deflate(data);
      for (let cut = 0; cut < z.length; cut += Math.max(1, z.length >> 6)) {
        expect(() => inflateAt(z.subarray(0, cut), 0, data.length)).toThrow(NeedMoreInput);
      }
      expect(() => inflateAt(z.subarray(0, z.length - 1), 0, data.length)).toThrow(NeedMoreInput);
    }
  });

  it('throws PackError for corrupt data and size mismatches', () => {
    const data = enc('hello hello hello hello hello hello');
    const z = deflate(data);
    const bad = z.slice();
    bad[z.length - 1] ^= 1; // Adler-32 mismatch
    expect(() => inflateAt(bad, 0, data.length)).toThrow(/corrupt zlib stream at offset 0/);
    const badHead = z.slice();
    badHead[0] = 0x79;
    expect(() => inflateAt(badHead, 0, data.length)).toThrow(PackError);
    expect(() => inflateAt(z, 0, data.length + 1)).toThrow(/inflated to 35 bytes, header says 36/);
    expect(() => inflateAt(z, 0, 5)).toThrow(/more than the declared 5 bytes/);
    const big = randomBytes(50_000, rand, 1);
    expect(() => inflateAt(deflate(big), 0, 40_000)).toThrow(/more than the declared 40000 bytes/);
    expect(() => inflateAt(deflate(big), 0, 60_000)).toThrow(/inflated to 50000 bytes, header says 60000/);
  });

  it('caps a zip bomb at the declared size', () => {
    const bomb = deflate(new Uint8Array(100 << 20));
    expect(bomb.length).toBeLessThan(200_000);
    expect(() => inflateAt(bomb, 0, 1000)).toThrow(/more than the declared 1000 bytes/);
    expect(() => inflateAt(bomb, 0, 1 << 20)).toThrow(/more than the declared 1048576 bytes/);
  });

  it('inflates a large (24 MiB) object in one output buffer', () => {
    const data = new Uint8Array(24 << 20);
    for (let i = 0; i < data.length; i += 4096) data[i] = i >>> 12;
    const z = deflate(data, 1);
    const r = inflateAt(concat(z, new Uint8Array(10)), 0, data.length);
    expect(r.consumed).toBe(z.length);
    expect(r.data.length).toBe(data.length);
    expect(r.data[4096 * 300]).toBe(300 & 0xff);
  });
});
