// Housekeeping stands aside while the object serves requests (storage/housekeeping/traffic.ts):
// a request arriving during a running repack sees no step run while it is in flight, however
// often it awaits; under a continuous stream of requests a run still finishes (forced turns).
import { describe, expect, it } from 'vitest';
import { Budget } from '../../../../src/storage/housekeeping/budget';
import { MAX_HOLD_MS, QUIET_MS, Traffic } from '../../../../src/storage/housekeeping/traffic';
import type { RepoStore } from '../../../../src/storage/repo-store';
import { buildPack, linearHistory, pushPack, withStore } from '../helpers';
import { contentSnapshot, housekeeper, packIds } from './helpers';

const h = linearHistory(24);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pushInPacks(store: RepoStore, per = 2): Promise<void> {
  const pushed = new Set<string>();
  for (let k = per - 1; k < h.commits.length; k += per) {
    const tip = h.commits[k];
    const objs = h.all.filter((o) => h.reach(tip).has(o.oid) && !pushed.has(o.oid));
    for (const o of objs) pushed.add(o.oid);
    await pushPack(store, buildPack(objs), { 'refs/heads/main': tip.oid }, k);
  }
}

/** A housekeeper whose runs take many small turns, with a Traffic counting requests. */
function slowHousekeeper(store: RepoStore, state: DurableObjectState, traffic: Traffic, units = 4_000) {
  const hk = housekeeper(store, state, traffic);
  hk.turnBudget = () => new Budget(1000, units);
  hk.migrateBatch = 3;
  return hk;
}

describe('housekeeping and requests in flight', () => {
  it('Traffic: quiet gap after a request, forced turn after MAX_HOLD_MS', () => {
    const t = new Traffic();
    const never = () => false;
    expect(t.holdFor(never, 1000)).toBe(0);
    const done = t.begin();
    const now = Date.now();
    expect(t.holdFor(never, now)).toBe(QUIET_MS); // held, polls again
    expect(t.holdFor(never, now + MAX_HOLD_MS - 1)).toBe(1);
    expect(t.holdFor(never, now + MAX_HOLD_MS)).toBe(0); // starvation guard: one turn anyway
    expect(t.forcedTurns).toBe(1);
    done();
    done(); // idempotent
    expect(t.inFlight()).toBe(0);
    const end = Date.now();
    expect(t.holdFor(never, end)).toBeGreaterThan(0); // the quiet gap
    expect(t.holdFor(never, end + QUIET_MS)).toBe(0);
  });

  it('a request during a running repack: no step runs while it is in flight', async () => {
    await withStore('hk-traffic-aside', async (store, state) => {
      await pushInPacks(store);
      const sql = state.storage.sql;
      const before = contentSnapshot(store, sql);
      const traffic = new Traffic();
      const hk = slowHousekeeper(store, state, traffic);
      hk.request({ tasks: ['repack'], mode: 'all', trigger: 'request' });
      const slice = hk.runSlice(20_000);
      await sleep(5); // the run is under way
      expect(hk.state.run()).not.toBeNull();
      let checked = 0;
      for (let req = 0; req < 5; req++) {
        const steps = hk.stepsDuringRequests;
        const t0 = Date.now();
        const done = traffic.begin();
        // a request that awaits often (body reads, stream writes): each await used to let a step in
        for (let i = 0; i < 30; i++) {
          expect(sql.exec<{ n: number }>(`SELECT count(*) AS n FROM objects`).one().n).toBe(Object.keys(before).length);
          await (i % 2 ? sleep(0) : Promise.resolve());
        }
        done();
        // a request held longer than MAX_HOLD_MS (a loaded machine) may legitimately see a forced turn
        if (Date.now() - t0 < MAX_HOLD_MS) {
          expect(hk.stepsDuringRequests - steps).toBe(0);
          checked++;
        }
        await sleep(QUIET_MS + 20); // housekeeping resumes after the quiet gap
      }
      expect(checked).toBeGreaterThan(0);
      expect(await slice).toBe('idle');
      expect(hk.status().lastRun, JSON.stringify(hk.status().history)).toMatchObject({ outcome: 'done', mode: 'all' });
      expect(packIds(sql)).toHaveLength(1);
      expect(contentSnapshot(store, sql)).toEqual(before);
    });
  });

  it('a steady stream of requests still lets a repack finish (forced turns)', async () => {
    await withStore('hk-traffic-stream', async (store, state) => {
      await pushInPacks(store);
      const sql = state.storage.sql;
      const before = contentSnapshot(store, sql);
      const traffic = new Traffic();
      const hk = slowHousekeeper(store, state, traffic, 40_000);
      hk.request({ tasks: ['repack'], mode: 'all', trigger: 'request' });
      let stop = false;
      let served = 0;
      // back-to-back requests, never a quiet gap (the next starts before the previous ends)
      const stream = (async () => {
        let done = traffic.begin();
        while (!stop) {
          await sleep(2);
          const next = traffic.begin();
          done();
          done = next;
          served++;
        }
        done();
      })();
      const t0 = Date.now();
      const r = await hk.runSlice(20_000);
      stop = true;
      await stream;
      expect(r).toBe('idle');
      expect(Date.now() - t0).toBeLessThan(15_000);
      expect(traffic.forcedTurns).toBeGreaterThan(1); // it only ever ran because it was owed a turn
      expect(hk.stepsDuringRequests).toBeGreaterThan(0);
      expect(served).toBeGreaterThan(traffic.forcedTurns);
      expect(packIds(sql)).toHaveLength(1);
      expect(contentSnapshot(store, sql)).toEqual(before);
    });
  });
});
