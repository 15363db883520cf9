// Repack inside a real Durable Object: merged packs keep every object readable with the same
// bytes, stored whole objects are deltified, duplicates go, and the pack files follow the index.
import { describe, expect, it } from 'vitest';
import { geometricRollup, type PackInfo } from '../../../../src/storage/housekeeping/geometry';
import { blob, buildPack, commit, linearHistory, pushPack, tree, withStore, type Obj, type TreeEntrySpec } from '../helpers';
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

  it('copies stored OFS deltas verbatim and keeps one copy of objects stored twice', async () => {
    await withStore('hk-reuse', async (store, state) => {
      const sql = state.storage.sql;
      const text = (n: number) => Array.from({ length: 200 }, (_, i) => `line ${i} of version ${i === 100 ? n : 0}`).join('\n');
      const v1 = blob(text(1));
      const v2 = blob(text(2));
      const t1 = tree([{ mode: '100644', name: 'f.txt', oid: v1.oid }]);
      const t2 = tree([{ mode: '100644', name: 'f.txt', oid: v2.oid }]);
      const c1 = commit({ tree: t1.oid, time: 1 });
      const c2 = commit({ tree: t2.oid, parents: [c1.oid], time: 2 });
      await pushPack(store, buildPack([c1, t1, v1, c2, t2, { obj: v2, ofsDelta: v1 }]), { 'refs/heads/main': c2.oid });
      const stored = sql.exec<{ data_offset: number; end_offset: number; pack_id: number }>(`SELECT * FROM objects WHERE oid = ?`, v2.oid).one();
      const deltaBytes = store.objects.packs.read(stored.pack_id, stored.data_offset, stored.end_offset).slice();
      // a second push carrying v1 and t1 again (a client that did not know we had them)
      const extra = blob('extra\n');
      const t3 = tree([{ mode: '100644', name: 'f.txt', oid: v1.oid }, { mode: '100644', name: 'x', oid: extra.oid }]);
      const c3 = commit({ tree: t3.oid, parents: [c2.oid], time: 3 });
      await pushPack(store, buildPack([c3, t3, extra, v1, t1]), { 'refs/heads/main': c3.oid });
      const before = contentSnapshot(store, sql);
      const hk = housekeeper(store, state);
      run(hk, { tasks: ['gc'], prune: 'never' });
      expect(contentSnapshot(store, sql)).toEqual(before);
      const [only] = packIds(sql);
      expect(sql.exec<{ objects: number }>(`SELECT objects FROM packs WHERE id = ?`, only).one().objects).toBe(Object.keys(before).length);
      const row = sql.exec<{ data_offset: number; end_offset: number; pack_id: number; raw_type: number }>(`SELECT * FROM objects WHERE oid = ?`, v2.oid).one();
      expect(row.raw_type).toBe(6);
      expect(Buffer.from(store.objects.packs.read(row.pack_id, row.data_offset, row.end_offset)).equals(Buffer.from(deltaBytes))).toBe(true);
      expect(hk.status().lastRun!.reusedDeltas).toBe(1);
    });
  });
});

describe('geometric rollup (git repack --geometric=<factor>)', () => {
  const packs = (...objects: number[]): PackInfo[] => objects.map((n, i) => ({ id: i + 1, objects: n, size: n * 100, created: 0 }));
  const ids = (p: PackInfo[]) => p.map((x) => x.id).sort((a, b) => a - b);
  it('leaves an intact progression alone', () => {
    expect(geometricRollup(packs(3, 6, 12), 2)).toEqual([]);
    expect(geometricRollup(packs(100), 2)).toEqual([]);
  });
  it('merges the packs below the split, and those the merged pack would overtake', () => {
    expect(ids(geometricRollup(packs(1, 1, 1, 1, 100), 2))).toEqual([1, 2, 3, 4]);
    expect(ids(geometricRollup(packs(5, 5, 40, 100, 300), 2))).toEqual([1, 2]);
    expect(ids(geometricRollup(packs(8, 8, 20, 100), 2))).toEqual([1, 2, 3]); // 16 then 36 >= 20/2
    expect(ids(geometricRollup(packs(2, 3, 4, 1000, 3000), 2))).toEqual([1, 2, 3]);
  });
  it('the default factor is 3: a factor-2 progression is merged', () => {
    expect(geometricRollup(packs(3, 9, 27))).toEqual([]);
    expect(ids(geometricRollup(packs(3, 6, 12)))).toEqual([1, 2, 3]);
  });
  it('keeps the count logarithmic: 10,000 commits of 5 objects, rolled at 8 packs below the split', () => {
    let list: PackInfo[] = [];
    let id = 0;
    let maxPacks = 0;
    for (let c = 0; c < 10_000; c++) {
      list.push({ id: ++id, objects: 5, size: 500, created: c });
      const roll = geometricRollup(list);
      if (roll.length >= 8 || (list.length > 20 && roll.length >= 2)) {
        const gone = new Set(roll.map((p) => p.id));
        list = [...list.filter((p) => !gone.has(p.id)), { id: ++id, objects: roll.reduce((a, p) => a + p.objects, 0), size: 0, created: c }];
      }
      maxPacks = Math.max(maxPacks, list.length);
    }
    expect(maxPacks).toBeLessThanOrEqual(12); // 14 with factor 2
    expect(list.length).toBeLessThanOrEqual(12);
  });

  it('a geometric run reuses thin deltas (REF_DELTA on a kept base, kept as such); a full repack searches them again', async () => {
    await withStore('hk-thin-reuse', async (store, state) => {
      const sql = state.storage.sql;
      const entries: TreeEntrySpec[] = [];
      for (let i = 0; i < 300; i++) entries.push({ mode: '100644', name: `entry-${String(i).padStart(5, '0')}.json`, oid: blob(`e${i}\n`).oid });
      let prev: Obj | null = null;
      let parent: Obj | null = null;
      for (let k = 0; k < 8; k++) {
        const added = blob(`added ${k}\n`);
        entries.push({ mode: '100644', name: `new-${k}.json`, oid: added.oid });
        const dir = tree(entries);
        const root = tree([{ mode: '40000', name: 'log', oid: dir.oid }]);
        const c = commit({ tree: root.oid, parents: parent ? [parent.oid] : [], time: 7_000_000 + k });
        const blobs = k === 0 ? entries.slice(0, 300).map((e) => blob(`e${Number(e.name.slice(6, 11))}\n`)) : [];
        await pushPack(store, buildPack([...blobs, added, prev ? { obj: dir, refDelta: prev } : dir, root, c]), { 'refs/heads/main': c.oid }, k + 1);
        prev = dir;
        parent = c;
      }
      const thin = sql.exec<{ n: number }>(`SELECT count(*) AS n FROM objects WHERE raw_type = 7`).one().n;
      expect(thin).toBe(7);
      const before = contentSnapshot(store, sql);
      const hk = housekeeper(store, state);
      run(hk, { tasks: ['repack'] }); // geometric
      let last = hk.status().lastRun!;
      expect(last.mode).toBe('geometric');
      expect(last.reusedDeltas).toBeGreaterThanOrEqual(6); // all but the oldest arrival's (its base is outside the merge)
      expect(contentSnapshot(store, sql)).toEqual(before);
      const merged = Math.max(...packIds(sql));
      // still REF_DELTAs (now on a base in the same pack): a full repack knows to search them
      // (the oldest merged arrival's base was outside the merge: that one was searched)
      expect(sql.exec<{ n: number }>(`SELECT count(*) AS n FROM objects WHERE raw_type = 7`).one().n).toBeGreaterThanOrEqual(6);
      expect(sql.exec<{ n: number }>(`SELECT count(*) AS n FROM objects o JOIN objects b ON b.oid = o.base_oid WHERE o.pack_id = ? AND b.pack_id = ?`, merged, merged).one().n).toBeGreaterThanOrEqual(6);
      run(hk, { tasks: ['repack'], mode: 'all' });
      last = hk.status().lastRun!;
      expect(last.newDeltas).toBeGreaterThanOrEqual(6); // the versions searched again
      expect(sql.exec<{ n: number }>(`SELECT count(*) AS n FROM objects WHERE raw_type = 7`).one().n).toBe(0);
      expect(contentSnapshot(store, sql)).toEqual(before);
    });
  });
});
