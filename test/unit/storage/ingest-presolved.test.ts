// The commit API hands the ingest the trees it already put together and hashed (presolved), so
// the ingest neither applies their deltas nor hashes them again. The hint saves work only: the
// tree is still validated (a bad name is refused), and a hint that does not match the delta
// (another size, another base) is ignored and the delta applied as for any pack.
import { describe, expect, it } from 'vitest';
import { hexToBytes, treeEntryOffsets } from '../../../src/pack';
import type { Presolved } from '../../../src/storage/ingest-resolve';
import type { RepoStore } from '../../../src/storage/repo-store';
import { blob, buildPack, commit, sameBytes, tree, withStore, ZERO, type Obj, type TreeEntrySpec } from './helpers';

const T0 = 1_700_000_000;

async function push(store: RepoStore, pack: Uint8Array, hint: Map<number, Presolved>, ref: string, newOid: string) {
  const ing = store.beginPack();
  ing.presolved = (i) => hint.get(i);
  ing.write(pack);
  const p = await ing.finish();
  const res = store.commitPush(p, [{ name: ref, oldOid: store.refs.get(ref) ?? ZERO, newOid }], true);
  if (!res.every((r) => r.ok)) throw new Error(`push failed: ${JSON.stringify(res)}`);
}

const hintFor = (t: Obj, base: Obj, data = t.data): Presolved => ({ base: base.oid, data, oid: hexToBytes(t.oid), baseStarts: treeEntryOffsets(base.data) });

describe('presolved trees in an ingest', () => {
  it('uses a matching hint, still validates it, and ignores one that does not match', async () => {
    await withStore('presolved', async (store) => {
      const blobs = Array.from({ length: 200 }, (_, i) => blob(`file ${i}\n`));
      const entries: TreeEntrySpec[] = blobs.map((b, i) => ({ mode: '100644', name: `f${String(i).padStart(4, '0')}`, oid: b.oid }));
      const t1 = tree(entries);
      const c1 = commit({ tree: t1.oid, time: T0 });
      await push(store, buildPack([c1, t1, ...blobs]), new Map(), 'refs/heads/main', c1.oid);

      // a matching hint: entry 1 of the pack is the tree, a ref-delta on the stored t1
      const added = blob('added\n');
      const t2 = tree([...entries, { mode: '100644', name: 'g-added', oid: added.oid }]);
      const c2 = commit({ tree: t2.oid, parents: [c1.oid], time: T0 + 1 });
      await push(store, buildPack([c2, { obj: t2, refDelta: t1 }, added]), new Map([[1, hintFor(t2, t1)]]), 'refs/heads/main', c2.oid);
      expect(sameBytes(store.objects.read(t2.oid).data, t2.data)).toBe(true);

      // the hinted tree is validated like any other
      const bad = tree([...entries, { mode: '100644', name: '.git', oid: added.oid }]);
      const c3 = commit({ tree: bad.oid, parents: [c2.oid], time: T0 + 2 });
      await expect(push(store, buildPack([c3, { obj: bad, refDelta: t1 }]), new Map([[1, hintFor(bad, t1)]]), 'refs/heads/main', c3.oid)).rejects.toThrow(/\.git/);
      expect(store.refs.get('refs/heads/main')).toBe(c2.oid);

      // hints that do not match the delta: other content of another size, another base
      const t4 = tree([...entries, { mode: '100644', name: 'g-added', oid: added.oid }, { mode: '100644', name: 'h', oid: added.oid }]);
      const c4 = commit({ tree: t4.oid, parents: [c2.oid], time: T0 + 3 });
      const wrongSize = { ...hintFor(t4, t2), data: t1.data, oid: hexToBytes(t1.oid) };
      await push(store, buildPack([c4, { obj: t4, refDelta: t2 }]), new Map([[1, wrongSize]]), 'refs/heads/main', c4.oid);
      expect(sameBytes(store.objects.read(t4.oid).data, t4.data)).toBe(true);
      const t5 = tree([...entries, { mode: '100644', name: 'i', oid: added.oid }]);
      const c5 = commit({ tree: t5.oid, parents: [c4.oid], time: T0 + 4 });
      const wrongBase = { ...hintFor(t5, t1), base: t1.oid, data: new Uint8Array(t5.data.length), oid: hexToBytes(t2.oid) };
      await push(store, buildPack([c5, { obj: t5, refDelta: t4 }]), new Map([[1, wrongBase]]), 'refs/heads/main', c5.oid);
      expect(sameBytes(store.objects.read(t5.oid).data, t5.data)).toBe(true);
    });
  });
});
