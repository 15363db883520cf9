// Issue 19's bound on the pack count under automatic housekeeping: an agent commits back to back
// (each commit stores its own small pack) while housekeeping only gets the turns traffic.ts
// grants it between requests, so a run spans many commits and packs arrive while it runs. The
// count must stay within the bound at every commit, not only at the end — also when the client
// leaves no gap at all and housekeeping gets no turn: then the folds at the end of each request
// (fold.ts, Traffic.afterRequest) hold it. Every object stays readable and intact whatever run or
// fold moved it, and the runs still finish.
import { describe, expect, it } from 'vitest';
import { hashObject } from '../../../../src/pack';
import { Budget } from '../../../../src/storage/housekeeping/budget';
import { FOLD_AT } from '../../../../src/storage/housekeeping/fold';
import type { Housekeeper } from '../../../../src/storage/housekeeping/run';
import { Traffic } from '../../../../src/storage/housekeeping/traffic';
import type { RepoStore } from '../../../../src/storage/repo-store';
import { buildPack, linearHistory, pushPack, withStore } from '../helpers';
import { housekeeper, packIds, runToEnd } from './helpers';

const N = 400;
/** FOLD_AT, plus the run's new pack indexed by a turn before its old packs go, plus one spare. */
const BOUND = 20;
const h = linearHistory(N);

/** N commits, each a request (begin..end) adding one pack; `turn(k)` after commit k. */
async function commitLoop(store: RepoStore, sql: SqlStorage, traffic: Traffic, turn: (k: number) => void): Promise<{ pushed: Set<string>; counts: number[] }> {
  const pushed = new Set<string>();
  const counts: number[] = [];
  for (let k = 0; k < N; k++) {
    const tip = h.commits[k];
    const objs = h.all.filter((o) => h.reach(tip).has(o.oid) && !pushed.has(o.oid));
    for (const o of objs) pushed.add(o.oid);
    const done = traffic.begin();
    try {
      await pushPack(store, buildPack(objs), { 'refs/heads/main': tip.oid }, k + 1);
    } finally {
      done();
    }
    counts.push(packIds(sql).length);
    turn(k);
    counts.push(packIds(sql).length);
  }
  return { pushed, counts };
}

function intact(store: RepoStore, sql: SqlStorage, pushed: Set<string>): void {
  // every object pushed is indexed once and reads back as itself
  const rows = sql.exec<{ oid: string }>(`SELECT oid FROM objects`).toArray().map((r) => r.oid);
  expect(new Set(rows).size).toBe(rows.length);
  expect(new Set(rows)).toEqual(pushed);
  for (const oid of rows) {
    const o = store.objects.read(oid);
    expect(hashObject(o.type, o.data)).toBe(oid);
  }
  expect(store.fs.readdirSync('/packs').length).toBe(packIds(sql).length); // no file left behind
}

function setUp(store: RepoStore, state: DurableObjectState): { hk: Housekeeper; traffic: Traffic; sql: SqlStorage } {
  const sql = state.storage.sql;
  // automatic runs serve registered repositories (a bare test store has none)
  sql.exec(`INSERT OR IGNORE INTO repos (key, created) VALUES ('t/bound', 0)`);
  const traffic = new Traffic();
  const hk = housekeeper(store, state, traffic);
  hk.turnBudget = () => new Budget(1000, 400_000); // ~100 objects a turn: runs of many turns
  hk.migrateBatch = 25;
  return { hk, traffic, sql };
}

function oneTurn(hk: Housekeeper): void {
  const b = hk.turnBudget();
  let r;
  do r = hk.step(b);
  while (r === 'more' && !b.over);
}

describe('pack count under automatic housekeeping', () => {
  it(`${N} commits, a short turn every fifth commit: never more than ${BOUND} packs, runs finish, every object intact`, async () => {
    await withStore('hk-bound', async (store, state) => {
      const { hk, traffic, sql } = setUp(store, state);
      const { pushed, counts } = await commitLoop(store, sql, traffic, (k) => {
        if (k % 5 === 4) oneTurn(hk);
      });
      const runs = hk.state.history(20).filter((r) => r.outcome === 'done');
      expect(runs.length, 'automatic runs happened').toBeGreaterThan(1); // the long runs go on between folds
      expect(Math.max(...counts), `pack counts: ${counts.join(' ')}`).toBeLessThanOrEqual(BOUND);
      runToEnd(hk);
      expect(hk.state.run()).toBeNull();
      intact(store, sql, pushed);
    });
  }, 120_000);

  it(`${N} commits and no housekeeping turn at all: the folds alone keep it at ${FOLD_AT}; then the runs finish`, async () => {
    await withStore('hk-bound-noturn', async (store, state) => {
      const { hk, traffic, sql } = setUp(store, state);
      const { pushed, counts } = await commitLoop(store, sql, traffic, () => {});
      expect(Math.max(...counts), `pack counts: ${counts.join(' ')}`).toBeLessThanOrEqual(FOLD_AT);
      expect(hk.folder.folds).toBeGreaterThan(0);
      expect(hk.stepTrace.toJSON()['fold (request)'].n).toBe(hk.folder.folds);
      expect(hk.state.history(20)).toHaveLength(0); // nothing but folds ran
      intact(store, sql, pushed);
      // housekeeping gets its turns again: the runs deltify what the folds concatenated
      const steps = runToEnd(hk);
      expect(steps).toBeGreaterThan(1);
      const runs = hk.state.history(20).filter((r) => r.outcome === 'done');
      expect(runs.length).toBeGreaterThan(0);
      expect(packIds(sql).length).toBeLessThan(FOLD_AT);
      intact(store, sql, pushed);
      console.log(`no turns: ${hk.folder.folds} folds, ${hk.folder.bytes} bytes copied; then ${runs.length} runs, ${packIds(sql).length} packs; steps ${JSON.stringify(hk.stepTrace.toJSON())}`);
    });
  }, 120_000);
});
