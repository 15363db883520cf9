// The objects a run may hold in memory, checked before it starts (heap-cap.ts): a gc or full
// repack over the cap is refused with its reason recorded and the store untouched; a geometric
// repack takes the smallest packs that fit; the automatic policy asks only for what fits.
import { describe, expect, it } from 'vitest';
import { fitToHeap, MAX_RUN_OBJECTS } from '../../../../src/storage/housekeeping/heap-cap';
import { dueRequest } from '../../../../src/storage/housekeeping/policy';
import { buildPack, linearHistory, pushPack, withStore } from '../helpers';
import { contentSnapshot, housekeeper, packFiles, packIds, run } from './helpers';

const h = linearHistory(12);
const p = (id: number, objects: number) => ({ id, objects, size: objects * 100, created: 0 });

describe('run size cap', () => {
  it('fitToHeap: the smallest packs that fit for a geometric run; a refusal for a run over every pack', () => {
    expect(MAX_RUN_OBJECTS).toBe(250_000);
    expect(fitToHeap([p(1, 10), p(2, 20)], false, 100).packs.map((x) => x.id)).toEqual([1, 2]);
    expect(fitToHeap([p(3, 60), p(1, 10), p(2, 20)], false, 50).packs.map((x) => x.id)).toEqual([1, 2]);
    expect(fitToHeap([p(1, 40), p(2, 30)], false, 50).packs).toEqual([]); // one pack alone is no merge
    const all = fitToHeap([p(1, 40), p(2, 30)], true, 50);
    expect(all.packs).toEqual([]);
    expect(all.refused).toMatch(/holds 70 objects in 2 packs.*50-object cap.*64 MB/);
    expect(fitToHeap([p(1, 40), p(2, 10)], true, 50).refused).toBeNull();
  });

  it('a gc over the cap is refused before it starts: reason recorded, store untouched', async () => {
    await withStore('hk-cap-gc', async (store, state) => {
      const sql = state.storage.sql;
      // three pushes: three packs of the history
      for (const k of [3, 7, 11]) {
        const have = k === 3 ? new Set<string>() : h.reach(h.commits[k - 4]);
        await pushPack(store, buildPack(h.all.filter((o) => h.reach(h.commits[k]).has(o.oid) && !have.has(o.oid))), { 'refs/heads/main': h.commits[k].oid });
      }
      const before = { content: contentSnapshot(store, sql), packs: packIds(sql), files: packFiles(store) };
      const total = sql.exec<{ n: number }>(`SELECT sum(objects) AS n FROM packs`).one().n;
      const hk = housekeeper(store, state);
      hk.maxRunObjects = total - 1;
      run(hk, { tasks: ['gc'], prune: 'now' });
      const last = hk.status().lastRun!;
      expect(last.outcome).toBe('failed');
      expect(last.error).toMatch(new RegExp(`holds ${total} objects in 3 packs`));
      expect(hk.status().state).toBe('idle');
      expect({ content: contentSnapshot(store, sql), packs: packIds(sql), files: packFiles(store) }).toEqual(before);
      // a full repack too; a geometric one takes the two smaller packs
      run(hk, { tasks: ['repack'], mode: 'all' });
      expect(hk.status().lastRun!.outcome).toBe('failed');
      const sizes = sql.exec<{ id: number; objects: number }>(`SELECT id, objects FROM packs ORDER BY objects`).toArray();
      hk.maxRunObjects = sizes[0].objects + sizes[1].objects;
      run(hk, { tasks: ['repack'] });
      expect(hk.status().lastRun!.outcome).toBe('done');
      expect(packIds(sql)).toHaveLength(2);
      expect(packIds(sql)).toContain(sizes[2].id);
      expect(contentSnapshot(store, sql)).toEqual(before.content);
      // automatic: nothing over every pack is asked for over the cap
      sql.exec(`INSERT OR IGNORE INTO repos (key, created) VALUES ('t/cap', 0)`);
      sql.exec(`INSERT OR REPLACE INTO repo_info (repo, key, value) VALUES ('t/cap', 'all_reachable', '0')`);
      const far = Date.now() + 400 * 86_400_000;
      expect(dueRequest(sql, hk.state, far)?.tasks).toEqual(['gc']);
      expect(dueRequest(sql, hk.state, far, total - 1)).toBeNull();
    });
  });
});
