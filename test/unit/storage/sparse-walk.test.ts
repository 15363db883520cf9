// The incremental fetch's tree walk (storage/sparse-walk.ts through planFetch): it reads the
// client's trees only along the paths a sent tree takes, and still sends everything the client
// lacks. A wide unchanged directory is the case it is for: its trees must not be read at all.
import { describe, expect, it } from 'vitest';
import type { ObjectSource } from '../../../src/storage/commit-graph';
import { planFetch } from '../../../src/storage/walk';
import { blob, buildPack, commit, pushPack, tree, withStore, type Obj } from './helpers';

const T0 = 1_600_000_000;
const sorted = (xs: Iterable<string>) => [...xs].sort();

/** A reader that records which objects were read whole. */
function counting(src: ObjectSource): { src: ObjectSource; reads: Set<string> } {
  const reads = new Set<string>();
  return {
    reads,
    src: { read: (o) => (reads.add(o), src.read(o)), has: (o) => src.has(o), typeOf: (o) => src.typeOf(o) },
  };
}

describe('sparse incremental fetch walk', () => {
  // wide/ holds 40 files in 4 directories; small/ one file that each commit changes.
  const wideFiles = Array.from({ length: 40 }, (_, i) => blob(`wide file ${i}\n`));
  const wideDirs = [0, 1, 2, 3].map((d) =>
    tree(wideFiles.slice(d * 10, d * 10 + 10).map((b, i) => ({ mode: '100644', name: `f${i}.txt`, oid: b.oid }))),
  );
  const wide = tree(wideDirs.map((t, d) => ({ mode: '40000', name: `d${d}`, oid: t.oid })));
  const f1 = blob('version 1\n');
  const f2 = blob('version 2\n');
  const small1 = tree([{ mode: '100644', name: 'f.txt', oid: f1.oid }]);
  const small2 = tree([{ mode: '100644', name: 'f.txt', oid: f2.oid }]);
  const root = (small: Obj, extra: { mode: string; name: string; oid: string }[] = []) =>
    tree([{ mode: '40000', name: 'wide', oid: wide.oid }, { mode: '40000', name: 'small', oid: small.oid }, ...extra]);
  const root1 = root(small1);
  const c1 = commit({ tree: root1.oid, time: T0 + 1 });
  const root2 = root(small2);
  const c2 = commit({ tree: root2.oid, parents: [c1.oid], time: T0 + 2 });
  // c3: back to version 1 of small/ (the client has that tree at that path), plus a new file
  // at the top whose content the client has elsewhere (wide/d0/f0.txt): sent again, as git does.
  const root3 = root(small1, [{ mode: '100644', name: 'copy.txt', oid: wideFiles[0].oid }]);
  const c3 = commit({ tree: root3.oid, parents: [c2.oid], time: T0 + 3 });
  const all = [...wideFiles, ...wideDirs, wide, f1, f2, small1, small2, root1, root2, root3, c1, c2, c3];

  it('sends exactly the changed path and reads none of the unchanged wide directory', async () => {
    await withStore('sparse-walk-1', async (store) => {
      await pushPack(store, buildPack(all), { 'refs/heads/main': c2.oid });
      const { src, reads } = counting(store.objects);
      const p = planFetch(src, { wants: [c2.oid], haves: [c1.oid], deepen: false, includeTag: false });
      expect(p.objects).toEqual([c2.oid, root2.oid, small2.oid, f2.oid]);
      for (const t of [wide, ...wideDirs]) expect(reads.has(t.oid)).toBe(false);
      // the client's copy at the same path is known (thin-pack and fresh-delta base)
      expect(p.clientHas.has(f1.oid)).toBe(true);
      expect(p.deltaBases?.get(f2.oid)).toBe(f1.oid);
    });
  });

  it('a tree the client has at the same path is not sent; a blob it has elsewhere is', async () => {
    await withStore('sparse-walk-2', async (store) => {
      await pushPack(store, buildPack(all), { 'refs/heads/main': c3.oid });
      const p = planFetch(store.objects, { wants: [c3.oid], haves: [c2.oid], deepen: false, includeTag: false });
      // small1 is not at small/ in c2 (the have) but c1's tree is not an edge: sent again.
      expect(sorted(p.objects)).toEqual(sorted([c3.oid, root3.oid, small1.oid, f1.oid, wideFiles[0].oid]));
      // with c1 also had, small1 and f1 are the client's at that path: only the new root and the copy
      const q = planFetch(store.objects, { wants: [c3.oid], haves: [c2.oid, c1.oid], deepen: false, includeTag: false });
      expect(sorted(q.objects)).toEqual(sorted([c3.oid, root3.oid, wideFiles[0].oid]));
    });
  });

  it('two commits fetched at once: each object once, nothing the client has', async () => {
    await withStore('sparse-walk-3', async (store) => {
      await pushPack(store, buildPack(all), { 'refs/heads/main': c3.oid });
      const p = planFetch(store.objects, { wants: [c3.oid], haves: [c1.oid], deepen: false, includeTag: false });
      expect(new Set(p.objects).size).toBe(p.objects.length);
      expect(sorted(p.objects)).toEqual(sorted([c2.oid, c3.oid, root2.oid, root3.oid, small2.oid, f2.oid, wideFiles[0].oid]));
    });
  });
});
