// Tree validation with copiedFrom (the entries a delta copied whole from an already-checked base
// are only placed among their neighbours, not parsed and checked again): on random trees made of
// pieces of a valid base, cut at any byte, reordered, and mixed with new entries good and bad,
// the verdict and message must be those of checking the whole tree.
import { describe, expect, it } from 'vitest';
import { treeEntryOffsets, validateObject, type ValidateOptions } from '../../../src/pack';
import { concat, enc, rng } from './helpers';

const NAMES = ['a', 'b', 'foo', 'foo.c', 'foo-bar', 'foo0', '.git', '.GIT', 'Git~1', '.gitmodules', 'g', 'git', 'x/y', '',
  'caf\u00e9', 'zz', 'Z', '~', 'a\\.git', 'entry-000', 'entry-001', 'entry-002', 'entry-0020', 'entry-003'];
const MODES = ['100644', '100755', '120000', '40000', '160000', '100664', '040000', '777'];

function entry(r: () => number, good: boolean): Uint8Array {
  const mode = good ? MODES[r() % 5] : MODES[r() % MODES.length];
  const name = NAMES[r() % NAMES.length] + (r() % 3 === 0 ? String(r() % 40) : '');
  const oid = new Uint8Array(20);
  for (let i = 0; i < 20; i++) oid[i] = r() & 255;
  return concat(enc(`${mode} ${name}\0`), oid);
}

/** A valid tree under `opts` with a few dozen entries (sorted, no duplicates, good names). */
function validBase(r: () => number, opts: ValidateOptions): Uint8Array {
  for (;;) {
    // entries that pass alone (good mode and name), then sorted and deduplicated
    const es = Array.from({ length: 5 + (r() % 40) }, () => entry(r, true)).filter((e) => validateObject('tree', e, opts) === null);
    const key = (e: Uint8Array) => {
      const s = new TextDecoder().decode(e.subarray(0, e.indexOf(0)));
      const [mode, name] = [s.slice(0, s.indexOf(' ')), s.slice(s.indexOf(' ') + 1)];
      return mode === '40000' ? name + '/' : name;
    };
    const seen = new Set<string>();
    const sorted = es.filter((e) => !seen.has(key(e)) && (seen.add(key(e)), true)).sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
    const t = concat(...sorted);
    if (validateObject('tree', t, opts) === null) return t;
  }
}

describe('tree validation with copied runs', () => {
  it('agrees with checking every entry', () => {
    const r = rng(77);
    let valid = 0;
    let copiedCases = 0;
    for (let i = 0; i < 4000; i++) {
      const opts = ([{}, { strictModes: true }, { allowZeroPaddedModes: true }] as ValidateOptions[])[i % 3];
      const base = validBase(r, opts);
      const starts = treeEntryOffsets(base);
      const parts: Uint8Array[] = [];
      const runs: number[] = [];
      let at = 0;
      for (let k = r() % 8; k >= 0; k--) {
        if (r() % 3 === 0) {
          parts.push(entry(r, r() % 2 === 0)); // a new entry, maybe a bad one
        } else {
          // a piece of the base: mostly whole entries in order, sometimes cut anywhere
          let from: number;
          let to: number;
          if (r() % 4 === 0) {
            from = r() % base.length;
            to = Math.min(base.length, from + 1 + (r() % 200));
          } else {
            const a = r() % starts.length;
            const b = Math.min(starts.length, a + 1 + (r() % 12));
            from = starts[a];
            to = b < starts.length ? starts[b] : base.length;
          }
          runs.push(at, at + to - from, from);
          parts.push(base.subarray(from, to));
        }
        at += parts[parts.length - 1].length;
      }
      const t = concat(...parts);
      const gotStarts = { offsets: new Int32Array(4), count: 0 };
      const wantStarts = { offsets: new Int32Array(4), count: 0 };
      const got = validateObject('tree', t, { ...opts, copiedFrom: { runs: Int32Array.from(runs), baseStarts: starts }, entryStarts: gotStarts });
      const want = validateObject('tree', t, { ...opts, entryStarts: wantStarts });
      expect(got, `case ${i}`).toBe(want);
      // the entry offsets handed to the next delta against this tree are the same too
      if (want === null) expect([...gotStarts.offsets.subarray(0, gotStarts.count)], `case ${i}`).toEqual([...wantStarts.offsets.subarray(0, wantStarts.count)]);
      if (want === null) valid++;
      if (runs.length > 0) copiedCases++;
    }
    expect(valid).toBeGreaterThan(400);
    expect(copiedCases).toBeGreaterThan(3000);
  });
});
