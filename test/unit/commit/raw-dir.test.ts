// The commit editor's directory (raw-dir.ts): lookups by binary search over the stored tree and
// the new tree spliced from the old bytes must give exactly what parsing every entry and
// writing them all back in git's order gives (serializeDir), whatever the edits.
import { describe, expect, it } from 'vitest';
import { Dir } from '../../../src/commit/raw-dir';
import { applyDelta, deltaCopies, treeEntryOffsets } from '../../../src/pack';
import { serializeDir, type Entry } from '../../../src/commit/tree-edit';
import { rng } from '../pack/helpers';

const NAMES = ['a', 'a.b', 'a-b', 'a0', 'ab', 'b', 'c.txt', 'c', 'c/', 'z', 'a.', '\u00e9t\u00e9', 'x y', 'A', '0'];

function randomModel(r: () => number, n: number): Map<string, Entry> {
  const m = new Map<string, Entry>();
  for (let i = 0; i < n; i++) {
    const base = NAMES[r() % NAMES.length].replace('/', '');
    const name = r() % 3 === 0 ? base : `${base}${r() % 50}`;
    m.set(name, randomEntry(r));
  }
  return m;
}

function randomEntry(r: () => number): Entry {
  const mode = ['100644', '100755', '40000', '120000', '160000'][r() % 5];
  return { mode, oid: Array.from({ length: 5 }, () => (r() >>> 0).toString(16).padStart(8, '0')).join('') };
}

describe('raw-backed directory', () => {
  it('edits give the bytes a full rewrite gives (randomised)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed);
      const model = randomModel(r, r() % 40);
      const raw = model.size ? serializeDir(model) : null;
      const dir = new Dir(raw);
      const names = [...model.keys()];
      for (let k = r() % 12; k > 0; k--) {
        const op = r() % 3;
        const name = r() % 2 && names.length ? names[r() % names.length] : `n${r() % 60}`;
        if (op === 0) {
          expect(dir.get(name)?.oid, `seed ${seed} get ${name}`).toBe(model.get(name)?.oid);
        } else if (op === 1) {
          const e = randomEntry(r);
          dir.set(name, e);
          model.set(name, { ...e });
        } else {
          expect(dir.delete(name), `seed ${seed} delete ${name}`).toBe(model.delete(name));
        }
      }
      expect(dir.size, `seed ${seed}`).toBe(model.size);
      expect(Buffer.from(dir.serialize()).toString('hex'), `seed ${seed}`).toBe(Buffer.from(serializeDir(model)).toString('hex'));
      // The delta made while putting the tree together applies back, copying whole entries only.
      const { data, delta } = dir.serializeWithDelta();
      expect(Buffer.from(data).equals(Buffer.from(serializeDir(model))), `seed ${seed}`).toBe(true);
      if (!raw) {
        expect(delta).toBeNull();
        continue;
      }
      expect(Buffer.from(applyDelta(raw, delta!)).equals(Buffer.from(data)), `seed ${seed} delta`).toBe(true);
      const rawStarts = new Set([...treeEntryOffsets(raw), raw.length]);
      const runs = deltaCopies(delta!);
      for (let i = 0; i < runs.length; i += 3) {
        expect(rawStarts.has(runs[i + 2]) && rawStarts.has(runs[i + 2] + runs[i + 1] - runs[i]), `seed ${seed} run`).toBe(true);
      }
    }
  });

  it('an entry that turns from a file into a directory moves to its directory place', () => {
    const model = new Map<string, Entry>([
      ['a', { mode: '100644', oid: '1'.repeat(40) }],
      ['a.txt', { mode: '100644', oid: '2'.repeat(40) }],
      ['a0', { mode: '100644', oid: '3'.repeat(40) }],
    ]);
    const dir = new Dir(serializeDir(model));
    dir.set('a', { mode: '40000', oid: '4'.repeat(40) });
    model.set('a', { mode: '40000', oid: '4'.repeat(40) });
    expect(Buffer.from(dir.serialize()).equals(Buffer.from(serializeDir(model)))).toBe(true);
    expect(dir.hasUntouched()).toBe(true);
  });
});
