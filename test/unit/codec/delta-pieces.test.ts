// A delta applied a piece at a time (delta-pieces.ts) makes exactly what applyDelta makes, in any
// piece size, and refuses what applyDelta refuses.
import { describe, expect, it } from 'vitest';
import { applyDelta, createDelta } from '../../../src/codec/delta';
import { DeltaPieces } from '../../../src/codec/delta-pieces';

function rand(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) out[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return out;
}

function whole(p: DeltaPieces, piece: number): Uint8Array {
  let steps = 0;
  while (!p.step(piece)) if (++steps > 1e7) throw new Error('no end');
  return p.out;
}

describe('DeltaPieces', () => {
  const base = rand(300_000, 7);
  const target = new Uint8Array(320_000);
  target.set(base.subarray(1000, 200_000), 0);
  target.set(rand(20_000, 9), 199_000);
  target.set(base.subarray(0, 100_000), 219_000);
  target.set(base.subarray(250_000, 251_000), 319_000);
  const delta = createDelta(base, target, 1 << 30)!;

  for (const piece of [1, 7, 4096, 65_536, 1 << 20]) {
    it(`pieces of ${piece} bytes make what applyDelta makes`, () => {
      expect(whole(new DeltaPieces(base, delta, 1 << 30), piece)).toEqual(applyDelta(base, delta));
    });
  }

  it('a big copy (over 64 KiB, 3 size bytes) and offsets past 2^24 are decoded like applyDelta', () => {
    const big = rand(20 << 20, 3);
    const t = big.slice(17 << 20);
    const d = createDelta(big, t, 1 << 30)!;
    expect(whole(new DeltaPieces(big, d, 1 << 30), 1 << 20)).toEqual(applyDelta(big, d));
  });

  it('refuses what applyDelta refuses', () => {
    const bad: Uint8Array[] = [
      delta.slice(0, delta.length - 3), // truncated
      Uint8Array.of(...delta.slice(0, 6), 0x00), // reserved opcode (after a header)
    ];
    for (const d of bad) {
      let theirs = '';
      try {
        applyDelta(base, d);
      } catch (e) {
        theirs = (e as Error).name;
      }
      expect(theirs).not.toBe('');
      expect(() => whole(new DeltaPieces(base, d, 1 << 30), 4096)).toThrow();
    }
    expect(() => new DeltaPieces(base.subarray(1), delta, 1 << 30)).toThrow(); // base size differs
  });
});
