// A gc's prune in pieces: the finish step lists the old packs as dying without touching their
// rows; from then on every lookup treats those rows as absent; cleanup deletes them a piece per
// budget, then the cruft times, then the files. A push that re-sends a pruned object meanwhile
// takes its dying row over, and keeps it.
import { describe, expect, it } from 'vitest';
import { hashObject } from '../../../../src/pack';
import { Budget, PER_ROW, STEP_UNITS } from '../../../../src/storage/housekeeping/budget';
import { ROW_PIECE } from '../../../../src/storage/housekeeping/cleanup';
import type { RepoStore } from '../../../../src/storage/repo-store';
import { blob, buildPack, commit, linearHistory, pushPack, tree, withStore, ZERO, type Obj } from '../helpers';
import { housekeeper, packFiles, packIds, runToEnd } from './helpers';

const h = linearHistory(10);
/** A deleted branch of N blobs: what the gc prunes (more than one piece of rows). */
const N = ROW_PIECE + 700;
const lostBlobs = Array.from({ length: N }, (_, i) => blob(`lost ${i}\n`));
const lostTree = tree(lostBlobs.map((b, i) => ({ mode: '100644', name: `f${String(i).padStart(5, '0')}`, oid: b.oid })));
const lostCommit = commit({ tree: lostTree.oid, parents: [h.commits[9].oid], time: 5_000_000 });
const lost: Obj[] = [lostCommit, lostTree, ...lostBlobs];
const reachable = [...h.reach(h.commits[9])].sort();

async function setUp(store: RepoStore): Promise<void> {
  await pushPack(store, buildPack(h.all), { 'refs/heads/main': h.commits[9].oid });
  await pushPack(store, buildPack(lost), { 'refs/heads/lost': lostCommit.oid });
  store.commitPush(null, [{ name: 'refs/heads/lost', oldOid: lostCommit.oid, newOid: ZERO }], false);
}

const live = (store: RepoStore) => [...store.objects.localOids()].map((r) => r.oid).sort();
const rowsOf = (sql: SqlStorage, ids: readonly number[]) =>
  ids.length ? sql.exec<{ n: number }>(`SELECT count(*) AS n FROM objects WHERE pack_id IN (${ids.join(',')})`).one().n : 0;
const dyingIds = (sql: SqlStorage) => sql.exec<{ id: number }>(`SELECT id FROM dying_packs`).toArray().map((r) => r.id);

/** Steps with a small budget until the run is in `phase`; returns the steps taken. */
function stepUntil(store: RepoStore, hk: ReturnType<typeof housekeeper>, phase: string): number {
  for (let i = 1; i < 20_000; i++) {
    expect(hk.step(new Budget(1000, 400_000))).toBe('more');
    if (hk.state.run()?.phase === phase) return i;
  }
  throw new Error(`never reached ${phase}`);
}

describe('gc prune in pieces', () => {
  it('finish only lists the dying packs; lookups treat their rows as absent; cleanup deletes them in pieces', async () => {
    await withStore('hk-prune-pieces', async (store, state) => {
      const sql = state.storage.sql;
      await setUp(store);
      const before = packIds(sql);
      const hk = housekeeper(store, state);
      hk.request({ tasks: ['gc'], prune: 'now', trigger: 'request' });
      stepUntil(store, hk, 'finish');
      expect(hk.step(new Budget(1000, 400_000))).toBe('more'); // the finish step
      expect(hk.state.run()!.phase).toBe('cleanup');
      // the rows are all still there, in packs that are dying and no longer listed
      expect(rowsOf(sql, before)).toBe(N + 2);
      expect(dyingIds(sql).sort()).toEqual([before[1]]);
      expect(packIds(sql)).not.toContain(before[0]);
      expect(packIds(sql)).not.toContain(before[1]);
      // ...but absent to every lookup
      const o = store.objects;
      expect(o.has(lostCommit.oid)).toBe(false);
      expect(o.row(lostBlobs[5].oid)).toBeNull();
      expect(o.find(lostTree.oid)).toBeNull();
      expect(o.typeOf(lostBlobs[0].oid)).toBeNull();
      expect([...o.hasMany([lostBlobs[1].oid, h.commits[0].oid])]).toEqual([h.commits[0].oid]);
      expect(o.withPrefix(lostBlobs[7].oid.slice(0, 8))).toEqual([]);
      expect(() => o.sizeOf(lostBlobs[2].oid)).toThrow(/not found/);
      expect(o.rows([lostBlobs[3].oid, h.commits[1].oid]).map((r) => r.oid)).toEqual([h.commits[1].oid]);
      expect(live(store)).toEqual(reachable);
      expect([...o.allRows()].map((r) => r.oid).sort()).toEqual(reachable);
      expect(o.count()).toBe(reachable.length);
      expect(hk.status().lastRun!.objectsPruned).toBe(N + 2);
      // cleanup: the rows go a piece at a time, each step within its budget
      let steps = 0;
      let largest = 0;
      while (dyingIds(sql).length > 0) {
        const b = new Budget(1000, 400_000);
        expect(hk.step(b)).toBe('more');
        largest = Math.max(largest, b.largest);
        steps++;
      }
      expect(steps).toBeGreaterThanOrEqual(2);
      expect(largest).toBeLessThanOrEqual(ROW_PIECE * PER_ROW); // a piece: within a real step's budget
      expect(ROW_PIECE * PER_ROW).toBeLessThanOrEqual(STEP_UNITS);
      expect(rowsOf(sql, before)).toBe(0);
      runToEnd(hk);
      expect(packFiles(store)).toEqual(packIds(sql).map((id) => `pack-${id}.pack`));
      expect(sql.exec(`SELECT count(*) AS n FROM objects`).one().n).toBe(reachable.length);
      expect(o.count()).toBe(reachable.length);
      for (const oid of reachable) expect(hashObject(o.read(oid).type, o.read(oid).data)).toBe(oid);
    });
  });

  it('a push re-sending a pruned object while its row is dying takes the row over and keeps it', async () => {
    await withStore('hk-prune-revive', async (store, state) => {
      const sql = state.storage.sql;
      await setUp(store);
      const hk = housekeeper(store, state);
      hk.request({ tasks: ['gc'], prune: 'now', trigger: 'request' });
      stepUntil(store, hk, 'cleanup');
      expect(dyingIds(sql)).toHaveLength(1);
      // the client still has the deleted branch and pushes it again, with one new commit on top
      const nb = blob('after the gc\n');
      const nt = tree([{ mode: '100644', name: 'new.txt', oid: nb.oid }]);
      const nc = commit({ tree: nt.oid, parents: [lostCommit.oid], time: 9_000_000 });
      const again = [lostCommit, lostTree, ...lostBlobs.slice(0, 50)];
      // the server no longer has the branch: a push must send it whole (a thin base there is gone)
      await pushPack(store, buildPack([...again, ...lostBlobs.slice(50), nc, nt, nb]), { 'refs/heads/lost': nc.oid });
      const revived = store.objects.row(lostBlobs[3].oid)!;
      expect(dyingIds(sql)).not.toContain(revived.pack_id);
      runToEnd(hk);
      const o = store.objects;
      for (const x of [...lost, nc, nt, nb]) {
        const got = o.read(x.oid);
        expect(hashObject(got.type, got.data)).toBe(x.oid);
      }
      expect(o.count()).toBe(sql.exec<{ n: number }>(`SELECT count(*) AS n FROM objects`).one().n);
      expect(o.count()).toBe(reachable.length + lost.length + 3);
      // and the next gc keeps all of it (reachable again)
      hk.request({ tasks: ['gc'], prune: 'now', trigger: 'request' });
      runToEnd(hk);
      expect(hk.status().lastRun!.objectsPruned).toBe(0);
      expect(live(store)).toHaveLength(reachable.length + lost.length + 3);
    });
  });

  it('cruft times are written in pieces and survive into the next run', async () => {
    await withStore('hk-prune-cruft', async (store, state) => {
      const sql = state.storage.sql;
      await setUp(store);
      const hk = housekeeper(store, state);
      // a grace period keeps the whole deleted branch (young), with its first-stored time
      hk.request({ tasks: ['gc'], prune: 3600, trigger: 'request' });
      stepUntil(store, hk, 'cleanup');
      expect(sql.exec(`SELECT count(*) AS n FROM hk_cruft`).one().n).toBe(0);
      let cruftSteps = 0;
      while (hk.state.run()?.cleanup?.cruft) {
        expect(hk.step(new Budget(1000, 400_000))).toBe('more');
        cruftSteps++;
      }
      expect(cruftSteps).toBeGreaterThanOrEqual(2);
      runToEnd(hk);
      const cruft = sql.exec<{ oid: string; time: number }>(`SELECT oid, time FROM hk_cruft`).toArray();
      expect(cruft.map((r) => r.oid).sort()).toEqual(lost.map((x) => x.oid).sort());
      const t = cruft[0].time;
      expect(cruft.every((r) => r.time === t)).toBe(true);
      // a second gc keeps the same times (not made young again), and prune:now then drops them all
      hk.request({ tasks: ['gc'], prune: 3600, trigger: 'request' });
      runToEnd(hk);
      expect(sql.exec<{ time: number }>(`SELECT DISTINCT time FROM hk_cruft`).toArray().map((r) => r.time)).toEqual([t]);
      hk.request({ tasks: ['gc'], prune: 'now', trigger: 'request' });
      runToEnd(hk);
      expect(hk.status().lastRun!.objectsPruned).toBe(lost.length);
      expect(sql.exec(`SELECT count(*) AS n FROM hk_cruft`).one().n).toBe(0);
      expect(live(store)).toEqual(reachable);
    });
  });
});
