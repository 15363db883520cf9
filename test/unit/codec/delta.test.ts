import { describe, expect, it } from 'vitest';
import { applyDelta, createDelta, deltaBaseSize, deltaResultSize, DeltaIndex, PackError } from '../../../src/pack';
import { concat, enc, packErrorOf, randomBytes, rng, sameBytes } from '../pack/helpers';

/** Delta header: base size and result size varints. */
function header(baseSize: number, resultSize: number): Uint8Array {
  const out: number[] = [];
  for (let v of [baseSize, resultSize]) {
    while (v >= 0x80) {
      out.push((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    out.push(v);
  }
  return new Uint8Array(out);
}

describe('applyDelta', () => {
  const base = enc('0123456789abcdefghij');

  it('applies copy and insert instructions', () => {
    // copy 10 bytes from offset 10, insert "XY", copy 3 bytes from offset 0
    const d = concat(header(20, 15), new Uint8Array([0x91, 10, 10, 2, 0x58, 0x59, 0x90, 3]));
    expect(new TextDecoder().decode(applyDelta(base, d))).toBe('abcdefghijXY012');
    expect(deltaBaseSize(d)).toBe(20);
    expect(deltaResultSize(d)).toBe(15);
  });

  it('treats a copy size of 0 as 0x10000', () => {
    const big = randomBytes(0x10000 + 5, rng(1));
    const d = concat(header(big.length, 0x10000), new Uint8Array([0x80]));
    expect(sameBytes(applyDelta(big, d), big.subarray(0, 0x10000))).toBe(true);
  });

  it('rejects malformed deltas with clear messages', () => {
    const msg = (d: Uint8Array) => packErrorOf(() => applyDelta(base, d));
    expect(msg(concat(header(21, 1), new Uint8Array([1, 0x41])))).toMatch(/expects a base of 21 bytes but the base has 20/);
    expect(msg(concat(header(20, 5), new Uint8Array([0x91, 18, 5])))).toMatch(/copies bytes 18\.\.23 from a base of 20 bytes/);
    expect(msg(concat(header(20, 5), new Uint8Array([0x80 | 0x08 | 0x10, 1, 5])))).toMatch(/copies bytes 16777216/);
    expect(msg(concat(header(20, 5), new Uint8Array([5, 0x41, 0x42])))).toMatch(/insert instruction runs past the end/);
    expect(msg(concat(header(20, 3), new Uint8Array([0x90, 4])))).toMatch(/writes past its declared result size of 3/);
    expect(msg(concat(header(20, 3), new Uint8Array([4, 1, 2, 3, 4])))).toMatch(/writes past its declared result size/);
    expect(msg(concat(header(20, 6), new Uint8Array([0x90, 4])))).toMatch(/produced 4 bytes but declares a result of 6/);
    expect(msg(concat(header(20, 2), new Uint8Array([0, 1, 0x41])))).toMatch(/reserved opcode 0/);
    expect(msg(concat(header(20, 2), new Uint8Array([0x93, 1])))).toMatch(/truncated inside a copy instruction/);
    expect(msg(new Uint8Array([0x94]))).toMatch(/truncated in its base size header/);
    expect(msg(concat(header(20, 0)).subarray(0, 1))).toMatch(/truncated in its result size header/);
    expect(packErrorOf(() => applyDelta(base, header(20, 1e9), 1e6))).toMatch(/exceeds the limit/);
  });
});

describe('createDelta', () => {
  const rand = rng(2024);

  function roundTrip(a: Uint8Array, b: Uint8Array): Uint8Array {
    const d = createDelta(a, b);
    expect(sameBytes(applyDelta(a, d), b)).toBe(true);
    return d;
  }

  it('round-trips random inputs of many sizes, including empty ones', () => {
    for (const [n, m] of [[0, 0], [0, 10], [10, 0], [15, 16], [16, 16], [17, 300], [1000, 999], [70_000, 70_001]]) {
      roundTrip(randomBytes(n, rand), randomBytes(m, rand));
      roundTrip(randomBytes(n, rand, 1), randomBytes(m, rand, 1)); // low entropy: many spurious matches
    }
  });

  it('produces small deltas for similar inputs', () => {
    const a = randomBytes(200_000, rand);
    const b = a.slice();
    for (let i = 0; i < 20; i++) b[rand() % b.length] ^= 0x55; // point edits
    const inserted = concat(b.subarray(0, 50_000), randomBytes(1000, rand), b.subarray(50_000));
    const moved = concat(inserted.subarray(120_000), inserted.subarray(0, 120_000));
    const d = roundTrip(a, moved);
    expect(d.length).toBeLessThan(2500);
    const same = roundTrip(a, a);
    expect(same.length).toBeLessThan(40); // a handful of 64 KiB copies
  });

  it('handles text edits and repetitive data', () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `line ${i} ${'x'.repeat(i % 50)}\n`);
    const a = enc(lines.join(''));
    lines.splice(500, 3, 'changed\n');
    lines.splice(1500, 0, 'added\n', 'added again\n');
    const b = enc(lines.join(''));
    expect(roundTrip(a, b).length).toBeLessThan(200);
    const zeros = new Uint8Array(100_000);
    const z2 = zeros.slice();
    z2[50_000] = 1;
    expect(roundTrip(zeros, z2).length).toBeLessThan(60);
    roundTrip(zeros, new Uint8Array(300_000));
  });

  it('round-trips many random edit scripts', () => {
    for (let round = 0; round < 200; round++) {
      const a = randomBytes(rand() % 5000, rand, round % 2 ? 0xff : 0x07);
      let b: Uint8Array = a.slice();
      for (let k = rand() % 6; k > 0; k--) {
        const at = b.length ? rand() % b.length : 0;
        const op = rand() % 3;
        if (op === 0) b = concat(b.subarray(0, at), randomBytes(rand() % 300, rand), b.subarray(at));
        else if (op === 1) b = concat(b.subarray(0, at), b.subarray(Math.min(b.length, at + (rand() % 300))));
        else b = concat(b, a.subarray(rand() % (a.length + 1)));
      }
      roundTrip(a, b);
    }
  });

  it('reuses one index for many targets and honours maxSize', () => {
    const a = randomBytes(10_000, rand);
    const idx = new DeltaIndex(a);
    for (let i = 0; i < 5; i++) {
      const b = concat(a.subarray(i * 100), randomBytes(i * 10, rand));
      expect(sameBytes(applyDelta(a, idx.delta(b)), b)).toBe(true);
    }
    const unrelated = randomBytes(10_000, rand);
    expect(idx.delta(unrelated, 1000)).toBeNull();
    expect(createDelta(a, a, 100)).not.toBeNull();
  });

  it('emits only valid instructions (no opcode 0, copies <= 0x10000)', () => {
    const a = randomBytes(300_000, rand);
    const d = createDelta(a, concat(a, a));
    let p = 0;
    while (d[p++] & 0x80);
    while (d[p++] & 0x80);
    while (p < d.length) {
      const op = d[p++];
      expect(op).not.toBe(0);
      if (op & 0x80) {
        for (let bit = 0; bit < 7; bit++) if (op & (1 << bit)) p++;
      } else {
        p += op;
      }
    }
    expect(p).toBe(d.length);
    expect(() => applyDelta(a.subarray(1), d)).toThrow(PackError);
  });
});
