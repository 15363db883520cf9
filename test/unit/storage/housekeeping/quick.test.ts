// The quick merge (storage/housekeeping/quick.ts): packs arriving during a long run are folded
// together without waiting for it; every object stays readable, the long run (a gc) finishes
// and prunes exactly what it would have, and the merged pack is self-contained.
import { describe, expect, it } from 'vitest';
import { hashObject } from '../../../../src/pack';
import { Budget } from '../../../../src/storage/housekeeping/budget';
import { QUICK_MIN_PACKS } from '../../../../src/storage/housekeeping/quick';
import type { RepoStore } from '../../../../src/storage/repo-store';
import { blob, buildPack, commit, linearHistory, pushPack, tree, withStore, ZERO } from '../helpers';
import { housekeeper, packIds, runToEnd } from './helpers';

const h = linearHistory(40);

async function pushRange(store: RepoStore, from: number, to: number, per: number, pushed: Set<string>): Promise<void> {
  for (let k = from + per - 1; k < to; k += per) {
    const tip = h.commits[k];
    const objs = h.all.filter((o) => h.reach(tip).has(o.oid) && !pushed.has(o.oid));
    for (const o of objs) pushed.add(o.oid);
    await pushPack(store, buildPack(objs), { 'refs/heads/main': tip.oid }, k);
  }
}

function intact(store: RepoStore, sql: SqlStorage): Set<string> {
  const oids = sql.exec<{ oid: string }>(`SELECT oid FROM objects`).toArray().map((r) => r.oid);
  for (const oid of oids) {
    const o = store.objects.read(oid);
    expect(hashObject(o.type, o.data)).toBe(oid);
  }
  return new Set(oids);
}

describe('quick merge during a long run', () => {
  it('commits arriving during a gc are merged at once; the gc still prunes exactly the unreachable', async () => {
    await withStore('hk-quick', async (store, state) => {
      const sql = state.storage.sql;
      const pushed = new Set<string>();
      await pushRange(store, 0, 16, 2, pushed);
      // a branch deleted on the server: what the gc prunes
      const lb = blob('only on a deleted branch\n');
      const lt = tree([{ mode: '100644', name: 'gone.txt', oid: lb.oid }]);
      const lc = commit({ tree: lt.oid, parents: [h.commits[15].oid], time: 5_000_000 });
      await pushPack(store, buildPack([lc, lt, lb]), { 'refs/heads/topic': lc.oid });
      store.commitPush(null, [{ name: 'refs/heads/topic', oldOid: lc.oid, newOid: ZERO }], false);
      const hk = housekeeper(store, state);
      hk.request({ tasks: ['gc'], prune: 'now', trigger: 'request' });
      const small = () => new Budget(1000, 6_000);
      for (let i = 0; i < 4; i++) expect(hk.step(small())).toBe('more');
      expect(hk.state.run()!.phase).toBe('build');
      const longRunPacks = hk.state.run()!.packs;
      // a commit burst: one pack per commit
      await pushRange(store, 16, 40, 1, pushed);
      const piled = packIds(sql).length;
      expect(piled).toBeGreaterThanOrEqual(longRunPacks.length + 24);
      expect(hk.step(small())).toBe('more');
      expect(hk.quick.merges).toBe(1);
      expect(packIds(sql).length).toBe(piled - 24 + 1); // 24 packs of 5 small objects: one merge
      const mid = intact(store, sql);
      for (const o of h.reach(h.commits[39])) expect(mid.has(o)).toBe(true);
      expect(hk.state.run()!.packs).toEqual(longRunPacks); // the long run's packs are untouched
      runToEnd(hk);
      expect(hk.quick.merges).toBe(1); // fewer than QUICK_MIN_PACKS arrived since
      expect(QUICK_MIN_PACKS).toBeGreaterThan(1);
      const last = hk.status().lastRun!;
      expect(last.outcome).toBe('done');
      expect(last.objectsPruned).toBe(3); // lc, lt, lb: nothing a quick merge moved
      const have = intact(store, sql);
      for (const o of [lc, lt, lb]) expect(have.has(o.oid)).toBe(false);
      for (const o of h.reach(h.commits[39])) expect(have.has(o)).toBe(true);
      expect(packIds(sql)).toHaveLength(2); // the gc's pack and the quick one
      // the quick packs hold no delta on an object outside themselves
      const outside = sql.exec<{ n: number }>(
        `SELECT count(*) AS n FROM objects o JOIN objects b ON b.oid = o.base_oid WHERE o.base_oid IS NOT NULL AND b.pack_id != o.pack_id`,
      ).one().n;
      expect(outside).toBe(0);
      // the files of merged packs are gone: only indexed packs remain on disk
      expect(store.fs.readdirSync('/packs').length).toBe(packIds(sql).length);
    });
  });
});
