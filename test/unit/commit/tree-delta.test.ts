// treeDelta (src/commit/tree-delta.ts): the entry-by-entry delta between two trees. Every delta
// must apply back to the target exactly, copy only whole entries (what the ingest's copiedFrom
// relies on), and insert exactly the entries the base does not hold byte for byte; its order of
// entries must be git's (a wrong order still applies back, but inserts entries it could copy).
import { describe, expect, it } from 'vitest';
import { applyDelta, deltaCopies, treeEntryOffsets } from '../../../src/pack';
import { serializeDir, type Entry } from '../../../src/commit/tree-edit';
import { compareEntries, treeDelta } from '../../../src/commit/tree-delta';
import { byteString } from '../../../src/commit/bytes';
import { rng } from '../pack/helpers';

const NAMES = ['a', 'a.b', 'a-b', 'a0', 'ab', 'b', 'c.txt', 'c', 'z', 'a.', '\u00e9t\u00e9', 'x y', 'A', '0', 'b/', 'b.'];

const randomEntry = (r: () => number): Entry => ({
  mode: ['100644', '100755', '40000', '120000', '160000'][r() % 5],
  oid: Array.from({ length: 5 }, () => (r() >>> 0).toString(16).padStart(8, '0')).join(''),
});

function randomModel(r: () => number, n: number): Map<string, Entry> {
  const m = new Map<string, Entry>();
  for (let i = 0; i < n; i++) {
    const base = byteString(new TextEncoder().encode(NAMES[r() % NAMES.length].replace('/', '')), 0, undefined);
    m.set(r() % 3 === 0 ? base : `${base}${r() % 50}`, randomEntry(r));
  }
  return m;
}

/** The entries of a tree as their raw bytes (mode, name and id), in order. */
function entries(tree: Uint8Array): string[] {
  const starts = treeEntryOffsets(tree);
  return [...starts].map((s, i) => Buffer.from(tree.subarray(s, i + 1 < starts.length ? starts[i + 1] : tree.length)).toString('hex'));
}

describe('treeDelta', () => {
  it('applies back exactly, copies whole entries, inserts exactly the new ones (randomised)', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const r = rng(seed);
      const model = randomModel(r, 1 + (r() % 60));
      const base = serializeDir(model);
      const names = [...model.keys()];
      for (let k = r() % 15; k > 0; k--) {
        const op = r() % 3;
        const name = r() % 2 ? names[r() % names.length] : `n${r() % 60}`;
        if (op === 2) model.delete(name);
        else model.set(name, op === 0 && model.has(name) ? { ...model.get(name)!, mode: r() % 2 ? '100755' : '40000' } : randomEntry(r));
      }
      if (model.size === 0) continue;
      const target = serializeDir(model);
      const delta = treeDelta(base, target, Number.MAX_SAFE_INTEGER)!;
      expect(Buffer.from(applyDelta(base, delta)).equals(Buffer.from(target)), `seed ${seed}`).toBe(true);
      const bStarts = new Set(treeEntryOffsets(base));
      bStarts.add(base.length);
      const tStarts = new Set(treeEntryOffsets(target));
      tStarts.add(target.length);
      const runs = deltaCopies(delta);
      let copied = 0;
      for (let i = 0; i < runs.length; i += 3) {
        const [ts, te, bs] = [runs[i], runs[i + 1], runs[i + 2]];
        expect(tStarts.has(ts) && tStarts.has(te) && bStarts.has(bs) && bStarts.has(bs + te - ts), `seed ${seed} run ${i / 3}`).toBe(true);
        copied += te - ts;
      }
      const old = new Set(entries(base));
      const fresh = entries(target).filter((e) => !old.has(e)).reduce((a, e) => a + e.length / 2, 0);
      expect(target.length - copied, `seed ${seed}`).toBe(fresh);
    }
  });

  it("orders entries as git does: a directory as if its name ended in '/'", () => {
    const tree = (...es: [string, string][]) => serializeDir(new Map(es.map(([mode, name]) => [name, { mode, oid: '1'.repeat(40) }])));
    const cmp = (a: [string, string], b: [string, string]) => {
      const t = Buffer.concat([Buffer.from(tree(a)), Buffer.from(tree(b))]);
      return Math.sign(compareEntries(t, 0, t, tree(a).length));
    };
    expect(cmp(['100644', 'a'], ['100644', 'a.b'])).toBe(-1);
    expect(cmp(['40000', 'a'], ['100644', 'a.b'])).toBe(1); // "a/" after "a.b"
    expect(cmp(['40000', 'a'], ['100644', 'a0'])).toBe(-1); // "a/" before "a0"
    expect(cmp(['100644', 'a'], ['40000', 'a'])).toBe(-1);
    expect(cmp(['100644', 'b'], ['100755', 'b'])).toBe(0);
    expect(cmp(['100644', 'Z'], ['100644', 'a'])).toBe(-1);
  });

  it('declines when it would insert more than allowed', () => {
    const a = serializeDir(new Map([['a', { mode: '100644', oid: '1'.repeat(40) }], ['b', { mode: '100644', oid: '2'.repeat(40) }]]));
    const b = serializeDir(new Map([['a', { mode: '100644', oid: '1'.repeat(40) }], ['c', { mode: '100644', oid: '3'.repeat(40) }]]));
    expect(treeDelta(a, b, 10)).toBeNull();
    expect(applyDelta(a, treeDelta(a, b, 100)!)).toEqual(b);
  });
});
