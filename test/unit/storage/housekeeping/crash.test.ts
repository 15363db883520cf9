// Crash injection: a housekeeping run interrupted at each of its steps (an injected failure, or
// the isolate evicted with the run in memory) loses nothing: every object stays readable and
// intact at the point of failure, and the next steps resume or restart the run to the same end.
import { evictDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { concatBytes, hashObject, resolvePackInMemory } from '../../../../src/pack';
import { generatePack, generateWholePack } from '../../../../src/storage/pack-out';
import { planFetch } from '../../../../src/storage/walk';
import { Budget } from '../../../../src/storage/housekeeping/budget';
import type { RepoStore } from '../../../../src/storage/repo-store';
import { blob, buildPack, commit, linearHistory, pushPack, repoStub, tree, withStore, ZERO } from '../helpers';
import { housekeeper, packFiles, packIds, runToEnd } from './helpers';

const h = linearHistory(30);
const lostBlob = blob('on a deleted branch\n');
const lostTree = tree([{ mode: '100644', name: 'lost.txt', oid: lostBlob.oid }]);
const lostCommit = commit({ tree: lostTree.oid, parents: [h.commits[10].oid], time: 5_000_000 });
const reachable = [...h.reach(h.commits[29])].sort();

/** Six packs of five commits each, plus a deleted branch (three unreachable objects). */
async function setUp(store: RepoStore): Promise<void> {
  const pushed = new Set<string>();
  for (let k = 0; k < 6; k++) {
    const tip = h.commits[k * 5 + 4];
    const objs = h.all.filter((o) => h.reach(tip).has(o.oid) && !pushed.has(o.oid));
    for (const o of objs) pushed.add(o.oid);
    await pushPack(store, buildPack(objs), { 'refs/heads/main': tip.oid });
  }
  await pushPack(store, buildPack([lostCommit, lostTree, lostBlob]), { 'refs/heads/lost': lostCommit.oid });
  store.commitPush(null, [{ name: 'refs/heads/lost', oldOid: lostCommit.oid, newOid: ZERO }], false);
}

/** Every indexed object reads back with the content its id says; every reachable one is there. */
function intact(store: RepoStore, sql: SqlStorage): string[] {
  // the live rows: a pruned pack's rows read as absent until cleanup deletes them (storage/dying.ts)
  const oids = [...store.objects.localOids()].map((r) => r.oid).sort();
  for (const oid of oids) {
    const o = store.objects.read(oid);
    expect(hashObject(o.type, o.data), `content of ${oid}`).toBe(oid);
  }
  const have = new Set(oids);
  for (const r of reachable) expect(have.has(r), `reachable ${r}`).toBe(true);
  for (const id of new Set([...store.objects.allRows()].map((r) => r.pack_id))) {
    expect(store.fs.existsSync(`/packs/pack-${id}.pack`), `file of pack ${id}`).toBe(true);
  }
  // what a clone would get right now: a walk of the refs, and the whole store as stored
  const opts = { ofsDelta: true, thinPack: false, clientHas: new Set<string>() };
  const plan = planFetch(store.objects, { wants: [h.commits[29].oid], haves: [], deepen: false, includeTag: false });
  const walked = resolvePackInMemory(concatBytes([...generatePack(store.objects, plan.objects, opts)]));
  expect(walked.objects.map((o) => o.oid).sort()).toEqual(reachable);
  const whole = resolvePackInMemory(concatBytes([...generateWholePack(store.objects, opts)]));
  expect(whole.objects.map((o) => o.oid).sort()).toEqual(oids);
  return oids;
}

function finalState(store: RepoStore, sql: SqlStorage): void {
  expect(intact(store, sql)).toEqual(reachable);
  expect(packIds(sql)).toHaveLength(1);
  store.fs.sweepOrphans();
  expect(packFiles(store)).toEqual(packIds(sql).map((id) => `pack-${id}.pack`));
  expect(sql.exec(`SELECT count(*) AS n FROM dofs_pending`).one().n).toBe(0);
  expect(sql.exec(`SELECT count(*) AS n FROM dofs_chunks WHERE ino NOT IN (SELECT ino FROM dofs_nodes)`).one().n).toBe(0);
  expect(sql.exec(`SELECT count(*) AS n FROM hk_work`).one().n).toBe(0);
  expect(store.objects.count()).toBe(reachable.length);
}

describe('housekeeping interrupted', () => {
  for (const [point, skip] of [['build', 0], ['build', 3], ['built', 0], ['indexed-tx', 0], ['migrate', 0], ['migrate', 4], ['migrate-tx', 2], ['finish', 0], ['finish-tx', 0], ['cleanup', 0], ['cleanup', 1]] as const) {
    it(`at ${point}${skip ? ` (after ${skip} steps)` : ''}: nothing lost; a fresh instance finishes the run`, async () => {
      await withStore(`hk-crash-${point}`, async (store, state) => {
        const sql = state.storage.sql;
        await setUp(store);
        const hk = housekeeper(store, state);
        hk.migrateBatch = 20;
        hk.fault = point;
        hk.faultSkip = skip;
        hk.request({ tasks: ['gc'], prune: 'now', trigger: 'request' });
        let r;
        for (let i = 0; i < 10_000 && (r = hk.step(new Budget(1000, 20_000))) === 'more'; i++);
        expect(r).toBe('wait');
        expect(hk.state.run()!.errors).toBe(1);
        expect(hk.state.run()!.lastError).toMatch(/injected fault/);
        intact(store, sql);
        const fresh = housekeeper(store, state); // the isolate's memory is gone
        runToEnd(fresh);
        finalState(store, sql);
        expect(fresh.status().lastRun!.outcome).toBe('done');
        expect(fresh.status().lastRun!.objectsPruned).toBe(3);
      });
    });
  }

  it('evicted while the new pack is half written: the run restarts with a fresh pack and ends the same', async () => {
    const stub = repoStub('hk-evict');
    await withStore('hk-evict', async (store, state) => {
      await setUp(store);
      const hk = housekeeper(store, state);
      hk.request({ tasks: ['gc'], prune: 'now', trigger: 'request' });
      for (let i = 0; i < 1000 && !(hk.status().running?.progress.stage === 'write' && Number(hk.status().running?.progress.done) > 20); i++) {
        expect(hk.step(new Budget(1000, 8_000))).toBe('more');
      }
      expect(hk.status().running!.phase).toBe('build');
    }, stub);
    await evictDurableObject(stub);
    await withStore('hk-evict', (store, state) => {
      const sql = state.storage.sql;
      intact(store, sql);
      const hk = housekeeper(store, state);
      runToEnd(hk);
      finalState(store, sql);
      expect(hk.status().lastRun!.restarts).toBe(1);
    }, stub);
  });

  it('gives up after repeated failures, leaving a consistent store and a failed run in the history', async () => {
    await withStore('hk-giveup', async (store, state) => {
      const sql = state.storage.sql;
      await setUp(store);
      const hk = housekeeper(store, state);
      hk.migrateBatch = 20;
      hk.request({ tasks: ['gc'], prune: 'now', trigger: 'request' });
      for (let i = 0; i < 1000 && hk.state.run()?.phase !== 'migrate'; i++) hk.step();
      hk.step(); // one batch moved
      for (let k = 0; k < 3; k++) {
        hk.fault = 'migrate';
        expect(hk.step()).toBe(k < 2 ? 'wait' : 'idle');
      }
      expect(hk.state.run()).toBeNull();
      expect(hk.status().lastRun!.outcome).toBe('failed');
      intact(store, sql);
      // the next gc (after the backoff, or on request) starts over from this state
      hk.request({ tasks: ['gc'], prune: 'now', trigger: 'request' });
      runToEnd(hk);
      finalState(store, sql);
    });
  });

  it('the store wiped mid-run (its last repository deleted): the run just ends', async () => {
    await withStore('hk-wiped', async (store, state) => {
      await setUp(store);
      const hk = housekeeper(store, state);
      hk.request({ tasks: ['gc'], prune: 'now', trigger: 'request' });
      for (let i = 0; i < 10; i++) expect(hk.step(new Budget(1000, 8_000))).toBe('more');
      await store.wipe();
      expect(hk.step()).toBe('idle');
      expect(hk.status().state).toBe('idle');
      expect(state.storage.sql.exec(`SELECT count(*) AS n FROM objects`).one().n).toBe(0);
    });
  });
});

