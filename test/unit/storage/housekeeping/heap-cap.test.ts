// The objects a run may hold in memory, checked before it starts (heap-cap.ts): a gc or full
// repack over the cap goes in parts (parts.test.ts has what they keep); a geometric repack takes
// the smallest packs that fit; the automatic policy asks for a gc over the cap too.
import { describe, expect, it } from 'vitest';
import { fitToHeap, MAX_RUN_OBJECTS } from '../../../../src/storage/housekeeping/heap-cap';
import { dueRequest } from '../../../../src/storage/housekeeping/policy';
import type { RepoStore } from '../../../../src/storage/repo-store';
import { buildPack, linearHistory, pushPack, withStore } from '../helpers';
import { contentSnapshot, housekeeper, packFiles, packIds, run, runToEnd } from './helpers';

const h = linearHistory(12);
/** Three pushes: three packs of the history. */
async function threePushes(store: RepoStore): Promise<void> {
  for (const k of [3, 7, 11]) {
    const have = k === 3 ? new Set<string>() : h.reach(h.commits[k - 4]);
    await pushPack(store, buildPack(h.all.filter((o) => h.reach(h.commits[k]).has(o.oid) && !have.has(o.oid))), { 'refs/heads/main': h.commits[k].oid });
  }
}
const p = (id: number, objects: number) => ({ id, objects, size: objects * 100, created: 0 });

describe('run size cap', () => {
  it('fitToHeap: the smallest packs that fit for a geometric run; parts for a run over every pack', () => {
    expect(MAX_RUN_OBJECTS).toBe(250_000);
    expect(fitToHeap([p(1, 10), p(2, 20)], false, 100).packs.map((x) => x.id)).toEqual([1, 2]);
    expect(fitToHeap([p(3, 60), p(1, 10), p(2, 20)], false, 50).packs.map((x) => x.id)).toEqual([1, 2]);
    expect(fitToHeap([p(1, 40), p(2, 30)], false, 50).packs).toEqual([]); // one pack alone is no merge
    expect(fitToHeap([p(1, 40), p(2, 30)], true, 50)).toEqual({ packs: [p(1, 40), p(2, 30)], parts: true });
    expect(fitToHeap([p(1, 40), p(2, 10)], true, 50).parts).toBe(false);
  });

  it('a gc over the cap goes in parts; a geometric repack takes the smaller packs; the policy asks for a gc', async () => {
    await withStore('hk-cap-gc', async (store, state) => {
      const sql = state.storage.sql;
      await threePushes(store);
      const before = contentSnapshot(store, sql);
      const total = sql.exec<{ n: number }>(`SELECT sum(objects) AS n FROM packs`).one().n;
      const hk = housekeeper(store, state);
      hk.maxRunObjects = total - 1;
      hk.request({ tasks: ['gc'], prune: 'now', trigger: 'request' });
      hk.step();
      expect(hk.state.run()!.parts).toMatchObject({ cap: total - 1, done: 0 });
      expect(hk.state.run()!.phase).toBe('mark');
      runToEnd(hk);
      expect(hk.status().lastRun!.outcome).toBe('done');
      expect(packIds(sql)).toHaveLength(2); // total - 1 objects, then 1
      expect(contentSnapshot(store, sql)).toEqual(before);
      expect(packFiles(store)).toEqual(packIds(sql).map((id) => `pack-${id}.pack`));
      // automatic: a gc over every pack is asked for over the cap too
      sql.exec(`INSERT OR IGNORE INTO repos (key, created) VALUES ('t/cap', 0)`);
      sql.exec(`INSERT OR REPLACE INTO repo_info (repo, key, value) VALUES ('t/cap', 'all_reachable', '0')`);
      const far = Date.now() + 400 * 86_400_000;
      expect(dueRequest(sql, hk.state, far, total - 1)?.tasks).toEqual(['gc']);
    });
  });

  it('a geometric repack over the cap takes the smallest packs that fit', async () => {
    await withStore('hk-cap-geo', async (store, state) => {
      const sql = state.storage.sql;
      await threePushes(store);
      const before = contentSnapshot(store, sql);
      const hk = housekeeper(store, state);
      const sizes = sql.exec<{ id: number; objects: number }>(`SELECT id, objects FROM packs ORDER BY objects`).toArray();
      hk.maxRunObjects = sizes[0].objects + sizes[1].objects;
      run(hk, { tasks: ['repack'] });
      expect(hk.status().lastRun!.outcome).toBe('done');
      expect(packIds(sql)).toHaveLength(2);
      expect(packIds(sql)).toContain(sizes[2].id);
      expect(contentSnapshot(store, sql)).toEqual(before);
    });
  });
});
