// A tree sent as a delta against a STORED tree (what the commit API now writes, and what git's
// thin packs carry): entries copied whole from the stored tree were checked when it came in and
// name stored objects, so only the others are checked again; those are checked as strictly as
// in a whole tree (names, modes, order, connectivity).
import { describe, expect, it } from 'vitest';
import { IngestError } from '../../../src/storage/repo-store';
import { blob, buildPack, commit, ingestPack, pushPack, sameBytes, storageSnapshot, tree, withStore, type TreeEntrySpec } from './helpers';

const T0 = 1_700_000_000;

describe('thin tree deltas against stored trees', () => {
  it('accepts a valid one; refuses a missing object, a bad name and a bad order in what it changes', async () => {
    await withStore('thin-tree', async (store, state) => {
      const blobs = Array.from({ length: 300 }, (_, i) => blob(`file ${i}\n`));
      const entries: TreeEntrySpec[] = blobs.map((b, i) => ({ mode: '100644', name: `f${String(i).padStart(4, '0')}`, oid: b.oid }));
      const t1 = tree(entries);
      const c1 = commit({ tree: t1.oid, time: T0 });
      await pushPack(store, buildPack([c1, t1, ...blobs]), { 'refs/heads/main': c1.oid });

      // valid: one entry added, its blob in the pack, the tree a ref-delta on the stored t1
      const added = blob('added\n');
      const t2 = tree([...entries, { mode: '100644', name: 'g-added', oid: added.oid }]);
      const c2 = commit({ tree: t2.oid, parents: [c1.oid], time: T0 + 1 });
      await pushPack(store, buildPack([c2, { obj: t2, refDelta: t1 }, added]), { 'refs/heads/main': c2.oid });
      expect(sameBytes(store.objects.read(t2.oid).data, t2.data)).toBe(true);

      const reject = async (t: ReturnType<typeof tree>, extra: ReturnType<typeof blob>[], pattern: RegExp) => {
        const c = commit({ tree: t.oid, parents: [c2.oid], time: T0 + 2 });
        const before = storageSnapshot(store, state);
        await expect(ingestPack(store, buildPack([c, { obj: t, refDelta: t2 }, ...extra]))).rejects.toThrow(IngestError);
        await expect(ingestPack(store, buildPack([c, { obj: t, refDelta: t2 }, ...extra]))).rejects.toThrow(pattern);
        expect(storageSnapshot(store, state)).toEqual(before);
      };
      const ghost = blob('never stored\n');
      await reject(tree([...entries, { mode: '100644', name: 'g-added', oid: added.oid }, { mode: '100644', name: 'h', oid: ghost.oid }]), [], /missing object/);
      await reject(tree([...entries, { mode: '100644', name: '.git', oid: added.oid }]), [], /\.git/);
      // copied entries keep their checks of order: t2's entries copied in another order
      const swapped = tree([...entries.slice(0, 150).reverse(), ...entries.slice(150)], { sort: false });
      await reject(swapped, [], /not properly sorted/);
      // a copied entry's object is not re-checked, but one that changes mode is (a blob named as a tree)
      await reject(tree([{ mode: '40000', name: 'f0000', oid: blobs[0].oid }, ...entries.slice(1)]), [], /referenced as a tree|is a blob/);
    });
  });
});
