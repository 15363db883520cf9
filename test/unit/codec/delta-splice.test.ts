// spliceDelta: the prefix/suffix delta of a commit's edited tree or file. Every delta it makes
// must apply back to the target exactly (with git's own decoder rules: copies of at most 64 KiB,
// inserts of at most 127 bytes), and it must decline edits in many places.
import { describe, expect, it } from 'vitest';
import { applyDelta, deltaCopies, spliceDelta } from '../../../src/codec';

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const splice = (base: Uint8Array, at: number, remove: number, insert: Uint8Array) =>
  Uint8Array.from([...base.subarray(0, at), ...insert, ...base.subarray(at + remove)]);

describe('spliceDelta', () => {
  it('an insertion, a replacement, a removal, at the start, middle and end: applies back exactly', () => {
    const base = bytes(300_000, 7); // longer than several 64 KiB copies
    const cases: [number, number, number][] = [[0, 0, 40], [150_000, 0, 40], [150_000, 20, 300], [150_000, 500, 0], [base.length, 0, 90], [base.length - 10, 10, 0], [65_536, 1, 1]];
    for (const [at, remove, add] of cases) {
      const target = splice(base, at, remove, bytes(add, at + 1));
      const delta = spliceDelta(base, target, 1024)!;
      expect(delta, `${at}/${remove}/${add}`).not.toBeNull();
      expect(applyDelta(base, delta)).toEqual(target);
      expect(delta.length).toBeLessThan(add + 64);
      // the copies (what the ingest skips validating) cover all but the edited middle
      const runs = deltaCopies(delta);
      let copied = 0;
      for (let i = 0; i < runs.length; i += 3) copied += runs[i + 1] - runs[i];
      expect(copied).toBeGreaterThanOrEqual(target.length - add - 1);
    }
  });

  it('identical objects, and copies of exactly 64 KiB', () => {
    const base = bytes(0x20000, 3);
    expect(applyDelta(base, spliceDelta(base, base.slice(), 0)!)).toEqual(base);
    const t = splice(base, 0x10000, 0, new Uint8Array([1, 2, 3]));
    expect(applyDelta(base, spliceDelta(base, t, 16)!)).toEqual(t);
  });

  it('declines an edit in many places, or one with too little in common', () => {
    const base = bytes(10_000, 11);
    const t = base.slice();
    t[100] ^= 1;
    t[9_900] ^= 1;
    expect(spliceDelta(base, t, 1000)).toBeNull(); // the middle would be 9,801 bytes
    expect(spliceDelta(base, bytes(10_000, 12), 20_000)).toBeNull();
    expect(spliceDelta(new Uint8Array(10), new Uint8Array(12), 100)).toBeNull();
  });
});
