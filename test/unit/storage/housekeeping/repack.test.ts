// Repack inside a real Durable Object: merged packs keep every object readable with the same
// bytes, stored whole objects are deltified, duplicates go, and the pack files follow the index.
import { describe, expect, it } from 'vitest';
import { blob, buildPack, commit, linearHistory, pushPack, tree, withStore } from '../helpers';
import { contentSnapshot, housekeeper, packFiles, packIds, run } from './helpers';

describe('repack', () => {
  it('merges small packs geometrically and deltifies what was stored whole', async () => {
    await withStore('hk-geo', async (store, state) => {
      const sql = state.storage.sql;
      const h = linearHistory(12);
      const pushed = new Set<string>();
      for (const c of h.commits) {
        const objs = h.all.filter((o) => h.reach(c).has(o.oid) && !pushed.has(o.oid));
        for (const o of objs) pushed.add(o.oid);
        await pushPack(store, buildPack(objs), { 'refs/heads/main': c.oid });
      }
      expect(packIds(sql)).toHaveLength(12);
      const before = contentSnapshot(store, sql);
      const bytesBefore = store.storedBytes();
      const hk = housekeeper(store, state);
      run(hk, { tasks: ['repack'] });
      const after = packIds(sql);
      expect(after.length).toBeLessThan(12);
      expect(contentSnapshot(store, sql)).toEqual(before);
      expect(packFiles(store)).toEqual(after.map((id) => `pack-${id}.pack`).sort());
      expect(store.storedBytes()).toBeLessThan(bytesBefore);
      const last = hk.status().lastRun!;
      expect(last.outcome).toBe('done');
      expect(last.newDeltas).toBeGreaterThan(0);
      expect(sql.exec(`SELECT count(*) AS n FROM hk_work`).one().n).toBe(0);
    });
  });

  it('gc with prune=now packs everything into one pack and drops unreachable objects only', async () => {
    await withStore('hk-gc', async (store, state) => {
      const sql = state.storage.sql;
      const h = linearHistory(6);
      await pushPack(store, buildPack(h.all), { 'refs/heads/main': h.commits[5].oid });
      const lost = blob('on a branch that will be deleted\n');
      const lt = tree([{ mode: '100644', name: 'x', oid: lost.oid }]);
      const lc = commit({ tree: lt.oid, parents: [h.commits[5].oid], time: 2_000_000 });
      await pushPack(store, buildPack([lc, lt, lost]), { 'refs/heads/tmp': lc.oid });
      store.commitPush(null, [{ name: 'refs/heads/tmp', oldOid: lc.oid, newOid: '0'.repeat(40) }], false);
      const before = contentSnapshot(store, sql);
      const hk = housekeeper(store, state);
      run(hk, { tasks: ['gc'], prune: 'now' });
      expect(packIds(sql)).toHaveLength(1);
      const after = contentSnapshot(store, sql);
      for (const o of [lc, lt, lost]) {
        expect(after[o.oid]).toBeUndefined();
        delete before[o.oid];
      }
      expect(after).toEqual(before);
      expect(store.objects.count()).toBe(Object.keys(after).length);
      expect(hk.status().lastRun!.objectsPruned).toBe(3);
    });
  });
});
