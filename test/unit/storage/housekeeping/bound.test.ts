// Issue 19's bound on the pack count under automatic housekeeping: an agent commits back to back
// (each commit stores its own small pack) while housekeeping only gets the turns traffic.ts
// grants it between requests, so a run spans many commits and packs arrive while it runs. The
// count must stay within the bound at every commit, not only at the end, and every object stays
// readable and intact whatever run or quick merge moved it.
import { describe, expect, it } from 'vitest';
import { hashObject } from '../../../../src/pack';
import { Budget } from '../../../../src/storage/housekeeping/budget';
import { buildPack, linearHistory, pushPack, withStore } from '../helpers';
import { housekeeper, packIds } from './helpers';

const N = 400;
const BOUND = 20;
const h = linearHistory(N);

describe('pack count under automatic housekeeping', () => {
  it(`${N} commits, a short turn every fifth commit: never more than ${BOUND} packs, every object intact`, async () => {
    await withStore('hk-bound', async (store, state) => {
      const sql = state.storage.sql;
      // automatic runs serve registered repositories (a bare test store has none)
      sql.exec(`INSERT OR IGNORE INTO repos (key, created) VALUES ('t/bound', 0)`);
      const hk = housekeeper(store, state);
      hk.turnBudget = () => new Budget(1000, 400_000); // ~100 objects a turn: runs of many turns
      hk.migrateBatch = 25;
      const pushed = new Set<string>();
      const counts: number[] = [];
      for (let k = 0; k < N; k++) {
        const tip = h.commits[k];
        const objs = h.all.filter((o) => h.reach(tip).has(o.oid) && !pushed.has(o.oid));
        for (const o of objs) pushed.add(o.oid);
        await pushPack(store, buildPack(objs), { 'refs/heads/main': tip.oid }, k + 1);
        if (k % 5 === 4) {
          const b = hk.turnBudget();
          let r;
          do r = hk.step(b);
          while (r === 'more' && !b.over);
        }
        counts.push(packIds(sql).length);
      }
      const runs = hk.state.history(20).filter((r) => r.outcome === 'done');
      expect(runs.length, 'automatic runs happened').toBeGreaterThan(1); // the long runs go on between quick merges
      expect(Math.max(...counts), `pack counts: ${counts.join(' ')}`).toBeLessThanOrEqual(BOUND);
      // every object pushed is indexed once and reads back as itself
      const rows = sql.exec<{ oid: string }>(`SELECT oid FROM objects`).toArray().map((r) => r.oid);
      expect(new Set(rows).size).toBe(rows.length);
      expect(new Set(rows)).toEqual(pushed);
      for (const oid of rows) {
        const o = store.objects.read(oid);
        expect(hashObject(o.type, o.data)).toBe(oid);
      }
    });
  }, 120_000);
});
