// Differential tests: wasmApplyDelta (zig/delta.zig) against applyDelta
// (src/codec/delta.ts) on generated and hostile deltas: same bytes out, or the
// same error class with the same message.
import { describe as suite, expect, it } from 'vitest';
import { applyDelta, createDelta } from '../../../../src/codec/delta';
import { PackError } from '../../../../src/codec/errors';
import { wasmApplyDelta, wasmCreateDelta } from '../../../../src/codec';
import { concat, describe, outcome, randomBytes, repeatBytes, rng, sameBytes, textBytes } from './helpers';
import { deltaVarint } from '../../pack/helpers';

function diff(base: Uint8Array, delta: Uint8Array, max?: number): string | null {
  const t = outcome(() => (max === undefined ? applyDelta(base, delta) : applyDelta(base, delta, max)));
  const w = outcome(() => (max === undefined ? wasmApplyDelta(base, delta) : wasmApplyDelta(base, delta, max)));
  if (t.ok && w.ok) {
    if (!sameBytes(t.value, w.value)) return 'different bytes';
    if (w.value.constructor !== Uint8Array) return 'not a plain Uint8Array';
    return null;
  }
  if (!t.ok && !w.ok) return t.error === w.error && t.message === w.message ? null : `wasm ${w.error}: ${w.message} | ts ${t.error}: ${t.message}`;
  return `wasm ${w.ok ? 'ok' : `${w.error}: ${w.message}`} | ts ${t.ok ? 'ok' : `${t.error}: ${t.message}`}`;
}

class Diffs {
  readonly found: string[] = [];
  count = 0;
  check(label: string, base: Uint8Array, delta: Uint8Array, max?: number): void {
    this.count++;
    const d = diff(base, delta, max);
    if (d !== null) this.found.push(`${label} [base ${base.length}, delta ${describe(delta)}]: ${d}`);
  }
  assert(): void {
    expect(this.found.slice(0, 8), `${this.found.length} of ${this.count} cases differ`).toEqual([]);
  }
}

const varint = deltaVarint;

/** A copy instruction with every offset/size byte present (even zero ones). */
function copyOp(off: number, size: number): number[] {
  return [0xff, off & 0xff, (off >>> 8) & 0xff, (off >>> 16) & 0xff, (off >>> 24) & 0xff, size & 0xff, (size >>> 8) & 0xff, (size >>> 16) & 0xff];
}

const rand = rng(31);

function mutate(b: Uint8Array): Uint8Array {
  const out = b.slice();
  const n = 1 + (rand() % 4);
  for (let i = 0; i < n; i++) {
    const at = rand() % out.length;
    const len = Math.min(out.length - at, 1 + (rand() % 64));
    if (rand() % 2) for (let k = 0; k < len; k++) out[at + k] = rand() & 0xff;
    else out.copyWithin(at, rand() % out.length, Math.min(out.length, at + len));
  }
  return out;
}

suite('wasmApplyDelta matches applyDelta', () => {
  it('deltas made by createDelta, 0 bytes to several MB', () => {
    const d = new Diffs();
    for (const n of [0, 1, 15, 16, 17, 100, 1000, 4096, 65_535, 65_536, 70_000, 300_000]) {
      for (const gen of [randomBytes, textBytes, repeatBytes] as const) {
        const base = gen(n, rand);
        for (const target of [base, mutate(base.length ? base : new Uint8Array(1)), gen(n + (rand() % 100), rand), concat(base, base), new Uint8Array(0)]) {
          d.check(`${gen.name} ${n}`, base, createDelta(base, target));
        }
      }
    }
    const big = randomBytes(4 << 20, rand);
    const bigTarget = mutate(big);
    bigTarget.copyWithin(1000, 2_000_000, 2_500_000);
    d.check('4 MiB', big, createDelta(big, bigTarget));
    d.check('4 MiB to 8 MiB', big, createDelta(big, concat(bigTarget, big)));
    d.assert();
  });

  it('hand-made deltas: long copies, size 0 = 0x10000, 4-byte offsets, inserts of 1..127', () => {
    const d = new Diffs();
    const base = randomBytes(200_000, rand);
    const ops: number[][] = [
      copyOp(0, 0), // size 0 means 0x10000
      copyOp(100_000, 0xffff),
      copyOp(1, 1),
      [0x80], // copy offset 0 size 0x10000, no argument bytes
      [0x91, 0x10, 0x20], // offset byte 0 and size byte 0 only
      [0x7f, ...randomBytes(127, rand)],
      [0x01, 0x41],
    ];
    let size = 0;
    for (const op of ops) {
      if (op[0] & 0x80) {
        const o = op.slice(1);
        let k = 0;
        let s = 0;
        for (let bit = 0; bit < 7; bit++) {
          if (!(op[0] & (1 << bit))) continue;
          const v = o[k++];
          if (bit >= 4) s |= v << (8 * (bit - 4));
        }
        size += s === 0 ? 0x10000 : s;
      } else {
        size += op[0];
      }
    }
    const delta = new Uint8Array([...varint(base.length), ...varint(size), ...ops.flat()]);
    d.check('hand-made', base, delta);
    expect(wasmApplyDelta(base, delta).length).toBe(size);
    d.assert();
  });

  it('hostile deltas: every truncation, bit flips, random garbage', () => {
    const d = new Diffs();
    for (const n of [10, 300, 5000]) {
      const base = textBytes(n, rand);
      const delta = createDelta(base, mutate(base));
      for (let cut = 0; cut <= delta.length; cut++) d.check(`cut ${cut}`, base, delta.subarray(0, cut));
      for (let bit = 0; bit < Math.min(delta.length * 8, 4000); bit++) {
        const bad = delta.slice();
        bad[bit >> 3] ^= 1 << (bit & 7);
        d.check(`flip ${bit}`, base, bad);
      }
      for (let i = 0; i < 3000; i++) {
        const junk = randomBytes(1 + (rand() % 40), rand);
        d.check('junk', base, junk);
        d.check('junk after a valid header', base, concat(new Uint8Array([...varint(n), ...varint(rand() % (2 * n))]), junk));
      }
    }
    d.assert();
  });

  it('each error: copy out of base range, size mismatch, zero opcode, huge declared sizes', () => {
    const d = new Diffs();
    const base = randomBytes(1000, rand);
    const hdr = (b: number, r: number) => [...varint(b), ...varint(r)];
    const cases: [string, number[], number?][] = [
      ['empty delta', []],
      ['truncated base size', [0x80]],
      ['truncated result size', [...varint(1000), 0x81]],
      ['base size header too long', [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]],
      ['result size header too long', [...varint(1000), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]],
      ['longest base size header', [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]],
      ['base size 2^53 + 1', [...varint(2 ** 53), 0]],
      ['wrong base size', [...hdr(999, 0)]],
      ['result above the limit', [...hdr(1000, 2 ** 31)]],
      ['result above a custom limit', [...hdr(1000, 101)], 100],
      ['result at a custom limit', [...hdr(1000, 100), 0x64, ...new Array(100).fill(7)], 100],
      ['huge result, nothing to fill it', [...hdr(1000, 2 ** 27)]],
      ['huge result, a few copies', [...hdr(1000, 2 ** 27), ...copyOp(0, 1000), ...copyOp(0, 1000)]],
      ['copy past the base end', [...hdr(1000, 10), ...copyOp(995, 10)]],
      ['copy at 4-byte offset', [...hdr(1000, 10), ...copyOp(0x01000000, 10)]],
      ['copy of 0x10000 from a small base', [...hdr(1000, 0x10000), 0x80]],
      ['copy writes past result', [...hdr(1000, 10), ...copyOp(0, 11)]],
      ['insert writes past result', [...hdr(1000, 2), 0x03, 1, 2, 3]],
      ['insert runs past delta', [...hdr(1000, 5), 0x05, 1, 2]],
      ['copy truncated', [...hdr(1000, 5), 0xff, 1, 2]],
      ['zero opcode', [...hdr(1000, 5), 0x02, 1, 2, 0x00, 0x01, 3]],
      ['result shorter than declared', [...hdr(1000, 5), 0x02, 1, 2]],
      ['result longer than declared', [...hdr(1000, 1), 0x02, 1, 2]],
      ['empty result', [...hdr(1000, 0)]],
    ];
    for (const [name, bytes, max] of cases) {
      d.check(name, base, new Uint8Array(bytes), max);
      d.check(`${name} (empty base)`, new Uint8Array(0), new Uint8Array(bytes), max);
    }
    d.assert();
    expect(() => wasmApplyDelta(base, new Uint8Array([...hdr(1000, 10), ...copyOp(995, 10)]))).toThrow(PackError);
    expect(() => wasmApplyDelta(base, new Uint8Array([...hdr(1000, 10), ...copyOp(995, 10)]))).toThrow(
      'delta copies bytes 995..1005 from a base of 1000 bytes',
    );
  });
});

suite('wasmCreateDelta matches createDelta byte for byte', () => {
  const same = (a: Uint8Array | null, b: Uint8Array | null) => (a === null || b === null ? a === b : sameBytes(a, b));

  it('on random, text, repetitive and edited inputs of many sizes, with and without a size limit', () => {
    const found: string[] = [];
    let count = 0;
    for (const n of [0, 1, 15, 16, 17, 31, 32, 100, 1000, 4096, 65_536, 70_000, 300_000]) {
      for (const gen of [randomBytes, textBytes, repeatBytes] as const) {
        const base = gen(n, rand);
        const targets = [base, mutate(base.length ? base : new Uint8Array(1)), gen(n + (rand() % 100), rand), concat(base, base), new Uint8Array(0), new Uint8Array(n).fill(7), concat(base.subarray(n >> 1), base.subarray(0, n >> 1))];
        for (const target of targets) {
          count++;
          const t = createDelta(base, target);
          const w = wasmCreateDelta(base, target);
          if (!same(t, w)) found.push(`${gen.name} ${n} -> ${target.length}`);
          const limit = Math.floor(t.length * [0, 0.5, 0.99, 1, 1.01][count % 5]);
          if (!same(createDelta(base, target, limit), wasmCreateDelta(base, target, limit))) found.push(`${gen.name} ${n} limit ${limit}`);
        }
      }
    }
    // Runs of identical blocks (the index keeps only the first of a run).
    const zeros = concat(new Uint8Array(5000), randomBytes(100, rand), new Uint8Array(5000));
    for (const target of [zeros, mutate(zeros), concat(zeros, zeros)]) {
      count++;
      if (!same(createDelta(zeros, target), wasmCreateDelta(zeros, target))) found.push('zero runs');
    }
    const big = randomBytes(4 << 20, rand);
    const bigTarget = mutate(big);
    bigTarget.copyWithin(1000, 2_000_000, 2_500_000);
    count++;
    if (!same(createDelta(big, bigTarget), wasmCreateDelta(big, bigTarget))) found.push('4 MiB');
    expect(found.slice(0, 8), `${found.length} of ${count} differ`).toEqual([]);
    // And what it makes applies.
    expect(sameBytes(applyDelta(big, wasmCreateDelta(big, bigTarget)), bigTarget)).toBe(true);
  });
});
