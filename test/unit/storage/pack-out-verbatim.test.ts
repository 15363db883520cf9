// A full clone of a repository whose objects are exactly one stored pack sends that pack's file
// as it is (OutgoingPack.whole, git's pack reuse); anything else is re-framed entry by entry.
import { describe, expect, it } from 'vitest';
import { resolvePackInMemory } from '../../../src/pack';
import { OutgoingPack } from '../../../src/storage/pack-out';
import type { RepoStore } from '../../../src/storage/repo-store';
import { blob, buildPack, commit, concat, pushPack, sameBytes, tree, withStore, type Obj } from './helpers';

const T0 = 1_600_000_000;

function history() {
  const base = blob('line\n'.repeat(400));
  const v2 = blob('line\n'.repeat(400) + 'more\n');
  const v3 = blob('line\n'.repeat(399) + 'changed\nmore\n');
  const t1 = tree([{ mode: '100644', name: 'f', oid: base.oid }]);
  const t2 = tree([{ mode: '100644', name: 'f', oid: v2.oid }, { mode: '100644', name: 'g', oid: v3.oid }]);
  const c1 = commit({ tree: t1.oid, time: T0 });
  const c2 = commit({ tree: t2.oid, parents: [c1.oid], time: T0 + 1 });
  return { base, v2, v3, t1, t2, c1, c2 };
}

function whole(store: RepoStore, ofsDelta = true) {
  const out = OutgoingPack.whole(store.objects, { ofsDelta, thinPack: false, clientHas: new Set() });
  const bytes = concat([...out.chunks()] as Uint8Array[]);
  return { bytes, totals: out.totals, count: out.count, oids: resolvePackInMemory(bytes).objects.map((o) => o.oid).sort() };
}

const ids = (objs: Obj[]) => objs.map((o) => o.oid).sort();

describe('full clone of one stored pack', () => {
  it('sends the stored file byte for byte, with git totals', async () => {
    const h = history();
    const pack = buildPack([h.c2, h.c1, h.t2, h.t1, h.base, { obj: h.v2, ofsDelta: h.base }, { obj: h.v3, refDelta: h.v2 }]);
    await withStore('verbatim', async (store) => {
      const ing = await pushPack(store, pack, { 'refs/heads/main': h.c2.oid });
      const stored = store.objects.packs.read(ing.packId, 0, ing.size);
      expect(sameBytes(stored, pack)).toBe(true);
      const w = whole(store);
      expect(sameBytes(w.bytes, pack)).toBe(true);
      expect(w.oids).toEqual(ids(Object.values(h)));
      expect(w.totals).toEqual({ total: 7, deltas: 2, reused: 7, reusedDeltas: 2 });
    });
  });

  it('re-frames entries when the client takes no ofs-deltas, when a pack has a duplicate, and when there are two packs', async () => {
    const h = history();
    const pack = buildPack([h.c2, h.c1, h.t2, h.t1, h.base, { obj: h.v2, ofsDelta: h.base }, { obj: h.v3, refDelta: h.v2 }]);
    await withStore('verbatim-no-ofs', async (store) => {
      await pushPack(store, pack, { 'refs/heads/main': h.c2.oid });
      const w = whole(store, false);
      expect(sameBytes(w.bytes, pack)).toBe(false);
      expect(w.oids).toEqual(ids(Object.values(h)));
    });
    await withStore('verbatim-dup', async (store) => {
      const dup = buildPack([h.c1, h.t1, h.base, h.base]);
      await pushPack(store, dup, { 'refs/heads/main': h.c1.oid });
      const w = whole(store);
      expect(w.count).toBe(3);
      expect(w.oids).toEqual(ids([h.c1, h.t1, h.base]));
    });
    await withStore('verbatim-two', async (store) => {
      await pushPack(store, buildPack([h.c1, h.t1, h.base]), { 'refs/heads/main': h.c1.oid });
      await pushPack(store, buildPack([h.c2, h.t2, h.v2, h.v3]), { 'refs/heads/dev': h.c2.oid });
      const w = whole(store);
      expect(w.oids).toEqual(ids(Object.values(h)));
      expect(w.totals.total).toBe(7);
    });
  });
});
