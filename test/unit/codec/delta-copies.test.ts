// deltaCopies (what a delta copies from its base) and tree validation that trusts entries
// copied whole from a checked base: on random tree edits sent as deltas, exactly the verdicts
// and messages of validating from scratch; crafted deltas that copy a misaligned piece of a
// base entry (or a piece of its object id) are checked in full.
import { describe, expect, it } from 'vitest';
import { createDelta, deltaCopies, validateObject, walkTree, type ValidateOptions } from '../../../src/pack';
import { concat, enc, rng } from '../pack/helpers';

function baseStarts(t: Uint8Array): Int32Array {
  const s: number[] = [];
  walkTree(t, (_mode, modeStart) => void s.push(modeStart));
  return Int32Array.from(s);
}

/** A delta by hand: [base size][result size] then ['copy', off, len] / ['insert', bytes]. */
function delta(baseLen: number, resultLen: number, ops: (['copy', number, number] | ['insert', Uint8Array])[]): Uint8Array {
  const out: number[] = [];
  const varint = (n: number) => {
    while (n >= 0x80) (out.push((n & 0x7f) | 0x80), (n = Math.floor(n / 128)));
    out.push(n);
  };
  varint(baseLen);
  varint(resultLen);
  for (const op of ops) {
    if (op[0] === 'insert') out.push(op[1].length, ...op[1]);
    else {
      const [, off, len] = op;
      out.push(0x80 | 0x0f | 0x30, off & 255, (off >> 8) & 255, (off >> 16) & 255, (off >>> 24) & 255, len & 255, (len >> 8) & 255);
    }
  }
  return Uint8Array.from(out);
}

const oidBytes = (r: () => number) => Uint8Array.from({ length: 20 }, () => r() & 255);
const entry = (mode: string, name: string, oid: Uint8Array) => concat(enc(`${mode} ${name}\0`), oid);

function randomValidTree(r: () => number, n: number): { name: string; mode: string; oid: Uint8Array }[] {
  const names = new Set<string>();
  while (names.size < n) names.add(`f${r() % 1000}${r() % 3 === 0 ? '.c' : ''}`);
  return [...names].map((name) => ({ name, mode: ['100644', '100755', '40000', '120000', '160000'][r() % 5], oid: oidBytes(r) }));
}

function serialize(es: { name: string; mode: string; oid: Uint8Array }[], sort = true): Uint8Array {
  const key = (e: { name: string; mode: string }) => (e.mode === '40000' ? e.name + '/' : e.name);
  const list = sort ? [...es].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)) : es;
  return concat(...list.map((e) => entry(e.mode, e.name, e.oid)));
}

describe('deltaCopies', () => {
  it('maps every copied range of random deltas back to the same base bytes, in result order', () => {
    const r = rng(5);
    for (let i = 0; i < 300; i++) {
      const base = Uint8Array.from({ length: 200 + (r() % 5000) }, () => 97 + (r() % 6));
      const target = base.slice();
      for (let k = 0; k < 1 + (r() % 6); k++) target[r() % target.length] = 48 + (r() % 10);
      const d = createDelta(base, target);
      const runs = deltaCopies(d);
      let prevEnd = 0;
      let copied = 0;
      for (let j = 0; j < runs.length; j += 3) {
        const [s, e, b] = [runs[j], runs[j + 1], runs[j + 2]];
        expect(s).toBeGreaterThanOrEqual(prevEnd);
        expect(e).toBeGreaterThan(s);
        expect(target.subarray(s, e)).toEqual(base.subarray(b, b + e - s));
        prevEnd = e;
        copied += e - s;
      }
      expect(copied).toBeGreaterThan(target.length / 2);
    }
  });

  it('merges copies that continue each other (long copies come split)', () => {
    const d = delta(0x30000, 0x20005, [['copy', 0, 0x10000], ['copy', 0x10000, 0x10000], ['insert', enc('xyzzy')]]);
    expect([...deltaCopies(d)]).toEqual([0, 0x20000, 0]);
    const d2 = delta(0x30000, 0x20000, [['copy', 0, 0x10000], ['copy', 0x20000, 0x10000]]);
    expect([...deltaCopies(d2)]).toEqual([0, 0x10000, 0, 0x10000, 0x20000, 0x20000]);
  });

  it('gives the same runs in a lent buffer, and keeps the buffer it grew', () => {
    const r = rng(9);
    const lent = { runs: new Int32Array(3) }; // room for one run: most deltas below grow it
    const first = lent.runs;
    let grew = false;
    for (let i = 0; i < 100; i++) {
      const base = Uint8Array.from({ length: 200 + (r() % 3000) }, () => 97 + (r() % 6));
      const target = base.slice();
      for (let k = 0; k < 1 + (r() % 8); k++) target[r() % target.length] = 48 + (r() % 10);
      const d = createDelta(base, target);
      const before = lent.runs;
      const got = deltaCopies(d, lent);
      expect([...got]).toEqual([...deltaCopies(d)]);
      expect(got.buffer).toBe(lent.runs.buffer); // a view of the lent (or grown and kept) buffer
      if (lent.runs !== before) grew = true;
    }
    expect(grew).toBe(true);
    expect(lent.runs).not.toBe(first);
  });
});

describe('tree validation with entries copied from a checked base', () => {
  it('gives the verdicts and messages of a full check on random edits sent as deltas', () => {
    const r = rng(99);
    let invalid = 0;
    let skipped = 0;
    for (let i = 0; i < 3000; i++) {
      const es = randomValidTree(r, 1 + (r() % 40));
      const base = serialize(es);
      expect(validateObject('tree', base)).toBeNull();
      const edited = es.map((e) => ({ ...e }));
      for (let k = 0; k < 1 + (r() % 4); k++) {
        if (edited.length === 0) edited.push({ name: 'only', mode: '100644', oid: oidBytes(r) });
        const e = edited[r() % edited.length];
        switch (r() % 7) {
          case 0: e.oid = oidBytes(r); break;
          case 1: e.mode = ['100644', '40000', '100600', '040000'][r() % 4]; break;
          case 2: e.name = ['.git', '..', 'a/b', '', 'GIT~1', e.name + 'x', 'f1'][r() % 7]; break;
          case 3: edited.push({ name: `n${r() % 50}`, mode: '100644', oid: oidBytes(r) }); break;
          case 4: edited.splice(edited.indexOf(e), 1); break;
          case 5: edited.push({ ...e }); break; // a duplicate
          default: edited.reverse(); // unsorted, when serialized as is below
        }
      }
      let target = serialize(edited, r() % 5 !== 0);
      if (r() % 6 === 0 && target.length > 0) {
        target = target.slice();
        target[r() % target.length] = [0, 0x20, 0x2f, 0x2e, 0x67][r() % 5];
      }
      const d = createDelta(base, target);
      const copiedFrom = { runs: deltaCopies(d), baseStarts: baseStarts(base) };
      const full: number[] = [];
      const fresh: number[] = [];
      const want = validateObject('tree', target, { onTreeEntry: (_d, mode, oidAt) => void full.push(mode, oidAt) });
      const entryStarts = { offsets: new Int32Array(0), count: 0 };
      const got = validateObject('tree', target, {
        copiedFrom,
        entryStarts,
        onTreeEntry: (_d, mode, oidAt) => void fresh.push(mode, oidAt),
      } as ValidateOptions);
      if (want === null) {
        // entries not reported fresh were copied: byte for byte whole entries of the base
        const all: number[] = [];
        walkTree(target, (mode, modeStart, _n, _e, oidAt) => void all.push(mode, oidAt, modeStart));
        expect([...entryStarts.offsets.subarray(0, entryStarts.count)]).toEqual(all.filter((_, j) => j % 3 === 2));
        const baseEntries = new Set<string>();
        walkTree(base, (_mode, modeStart, _n, _e, oidAt) => void baseEntries.add(base.subarray(modeStart, oidAt + 20).join(',')));
        for (let j = 0; j < all.length; j += 3) {
          const isFresh = fresh.some((v, k) => k % 2 === 1 && v === all[j + 1]);
          if (!isFresh) {
            skipped++;
            expect(baseEntries.has(target.subarray(all[j + 2], all[j + 1] + 20).join(','))).toBe(true);
          }
        }
        expect(full.length).toBe(all.length / 3 * 2);
      }
      expect(got, `case ${i}`).toBe(want);
      if (want !== null) invalid++;
    }
    expect(invalid).toBeGreaterThan(500);
    expect(skipped).toBeGreaterThan(10_000);
  });

  it('checks in full an entry copied from the middle of a base entry', () => {
    const r = rng(3);
    const oid = oidBytes(r);
    // base entry "100644 x40000 .git\0<oid>": its name is harmless; from byte 8 on it reads as a directory named .git
    const base = entry('100644', 'x40000 .git', oid);
    expect(validateObject('tree', base)).toBeNull();
    const target = base.subarray(8);
    const d = delta(base.length, target.length, [['copy', 8, target.length]]);
    const copiedFrom = { runs: deltaCopies(d), baseStarts: baseStarts(base) };
    expect(validateObject('tree', target, { copiedFrom })).toMatch(/\(\.git\)/);
    // and an entry assembled from a base entry's object id bytes
    const hidden = entry('40000', '.git', oidBytes(r));
    const carrier = entry('100644', 'a', concat(hidden.subarray(0, 20)));
    const tail = hidden.subarray(20);
    const t2 = concat(hidden.subarray(0, 20), tail);
    const d2 = delta(carrier.length, t2.length, [['copy', carrier.length - 20, 20], ['insert', tail]]);
    expect(validateObject('tree', carrier)).toBeNull();
    expect(validateObject('tree', t2, { copiedFrom: { runs: deltaCopies(d2), baseStarts: baseStarts(carrier) } })).toMatch(/\(\.git\)/);
  });
});
