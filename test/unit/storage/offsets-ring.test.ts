// OffsetsRing (tree entry offsets of an ingesting pack): answers the offsets last set for a key,
// as aligned Int32Array views, through wraps and growth of the ring under it.
import { describe, expect, it } from 'vitest';
import { OffsetsRing } from '../../../src/storage/offsets-ring';
import { rng } from './helpers';

describe('OffsetsRing', () => {
  it('answers what was set for each key (or nothing), through many wraps', () => {
    const next = rng(11);
    const ring = new OffsetsRing(1 << 12); // 4096 offsets: 16 KiB, wrapped many times over
    const model = new Map<number, Int32Array>();
    let hits = 0;
    for (let step = 0; step < 20000; step++) {
      const key = next() % 500;
      if (next() % 2 === 0) {
        const n = next() % 300;
        const v = new Int32Array(n + 3).map(() => next() | 0).subarray(3); // a view at an offset, as the validator's buffer
        ring.set(key, v);
        model.set(key, v.slice());
      } else {
        const got = ring.get(key);
        if (got === undefined) continue;
        hits++;
        expect(got.byteOffset % 4).toBe(0);
        expect(got).toEqual(model.get(key));
      }
    }
    expect(hits).toBeGreaterThan(300);
  });

  it('keeps an empty run, and not one over a quarter of its capacity', () => {
    const ring = new OffsetsRing(64);
    ring.set(1, new Int32Array(0));
    expect(ring.get(1)).toEqual(new Int32Array(0));
    ring.set(2, new Int32Array(17));
    expect(ring.get(2)).toBeUndefined();
  });
});
