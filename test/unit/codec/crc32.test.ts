import { describe, expect, it } from 'vitest';
import { crc32, crc32Js } from '../../../src/pack';
import { enc, randomBytes, rng } from '../pack/helpers';

describe('crc32', () => {
  it('matches the standard check values', () => {
    expect(crc32(enc('123456789'))).toBe(0xcbf43926);
    expect(crc32Js(enc('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32Js(enc('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
  });

  it('is incremental and the JS tables agree with the native path', () => {
    const rand = rng(5);
    for (const n of [1, 7, 8, 9, 31, 32, 33, 1000, 65_537]) {
      const d = randomBytes(n, rand);
      const whole = crc32Js(d);
      expect(crc32(d)).toBe(whole);
      for (const cut of [0, 1, n >> 1, n - 1, n]) {
        expect(crc32Js(d.subarray(cut), crc32Js(d.subarray(0, cut)))).toBe(whole);
        expect(crc32(d.subarray(cut), crc32(d.subarray(0, cut)))).toBe(whole);
      }
    }
  });
});
