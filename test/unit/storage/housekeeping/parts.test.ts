// A gc or full repack over the run cap goes in parts (parts.ts): marks in SQLite over the whole
// store (mark-sql.ts), then the packs listed a cap at a time, inside a pack if need be. It must
// keep and prune exactly what a run listed at once does, the young closure crossing parts; an
// interruption anywhere loses nothing; what moves meanwhile is not pruned.
import { describe, expect, it } from 'vitest';
import { hashObject } from '../../../../src/pack';
import { Budget } from '../../../../src/storage/housekeeping/budget';
import type { RepoStore } from '../../../../src/storage/repo-store';
import { blob, buildPack, commit, linearHistory, pushPack, tree, withStore, ZERO, type Obj } from '../helpers';
import { contentSnapshot, housekeeper, packIds, run, runToEnd } from './helpers';

const DAY = 86_400_000;
const h = linearHistory(30);
const reachMain = h.reach(h.commits[29]);

/** A deleted branch on `parent` naming `extra` too, in a pack of its own created `age` ms ago. */
async function lost(store: RepoStore, sql: SqlStorage, parent: string, tag: string, age: number, extra: Obj[] = []): Promise<Obj[]> {
  const b = blob(`lost ${tag}\n`);
  const t = tree([{ mode: '100644', name: `${tag}.txt`, oid: b.oid }, ...extra.map((o, i) => ({ mode: o.type === 'tree' ? '40000' : '100644', name: `x${i}`, oid: o.oid }))]);
  const c = commit({ tree: t.oid, parents: [parent], time: 4_000_000 + tag.length });
  const p = await pushPack(store, buildPack([c, t, b]), { [`refs/heads/${tag}`]: c.oid });
  store.commitPush(null, [{ name: `refs/heads/${tag}`, oldOid: c.oid, newOid: ZERO }], false);
  sql.exec(`UPDATE packs SET created = ? WHERE id = ?`, Date.now() - age, p.packId);
  return [c, t, b];
}

/**
 * The first commit, then an old deleted branch on it (low packs: the first part), the rest of the
 * history in six packs, then a young deleted branch whose tree names the old branch's tree (the
 * last part): the young closure crosses parts. Returns what a gc with the default grace keeps.
 */
async function setUp(store: RepoStore, sql: SqlStorage): Promise<{ keep: string[]; old: Obj[]; young: Obj[] }> {
  const pushed = new Set<string>();
  const pushTo = async (tip: Obj) => {
    const objs = h.all.filter((o) => h.reach(tip).has(o.oid) && !pushed.has(o.oid));
    for (const o of objs) pushed.add(o.oid);
    await pushPack(store, buildPack(objs), { 'refs/heads/main': tip.oid });
  };
  await pushTo(h.commits[0]);
  const old = await lost(store, sql, h.commits[0].oid, 'old', 20 * DAY);
  for (let k = 0; k < 6; k++) await pushTo(h.commits[k * 5 + 4]);
  const young = await lost(store, sql, h.commits[20].oid, 'young', 2 * DAY, [old[1]]);
  const keep = [...new Set([...reachMain, ...young.map((o) => o.oid), old[1].oid, old[2].oid])].sort();
  return { keep, old, young };
}

const live = (store: RepoStore) => [...store.objects.localOids()].map((r) => r.oid).sort();

/** Every live object reads back as its id says. */
function intact(store: RepoStore): void {
  for (const oid of live(store)) {
    const o = store.objects.read(oid);
    expect(hashObject(o.type, o.data), oid).toBe(oid);
  }
}

function workTablesEmpty(sql: SqlStorage): void {
  for (const t of ['hk_work', 'hk_mark', 'hk_queue']) expect(sql.exec(`SELECT count(*) AS n FROM ${t}`).one().n, t).toBe(0);
}

describe('gc in parts', () => {
  it('keeps and prunes exactly what a gc listed at once does, the young closure across parts', async () => {
    const whole = await withStore('hk-parts-ref', async (store, state) => {
      const sql = state.storage.sql;
      const s = await setUp(store, sql);
      const hk = housekeeper(store, state);
      run(hk, { tasks: ['gc'] });
      expect(live(store)).toEqual(s.keep);
      return { last: hk.status().lastRun!, content: contentSnapshot(store, sql), cruft: sql.exec(`SELECT oid FROM hk_cruft ORDER BY oid`).toArray() };
    });
    await withStore('hk-parts-gc', async (store, state) => {
      const sql = state.storage.sql;
      const s = await setUp(store, sql);
      const total = sql.exec<{ n: number }>(`SELECT sum(objects) AS n FROM packs`).one().n;
      const hk = housekeeper(store, state);
      hk.maxRunObjects = 40;
      hk.request({ tasks: ['gc'], trigger: 'request' });
      const phases = new Set<string>();
      let parts = 0;
      for (let i = 0; i < 100_000; i++) {
        const r = hk.state.run();
        if (r) phases.add(r.phase);
        if (r?.parts) parts = Math.max(parts, r.parts.done + 1);
        if (hk.step() === 'idle') break;
      }
      expect(phases.has('mark')).toBe(true);
      expect(parts).toBeGreaterThanOrEqual(Math.ceil(total / 40));
      const last = hk.status().lastRun!;
      expect(last.outcome).toBe('done');
      expect(live(store)).toEqual(s.keep);
      expect(contentSnapshot(store, sql)).toEqual(whole.content);
      expect(last.objectsPruned).toBe(whole.last.objectsPruned);
      expect(last.unreachableKept).toBe(whole.last.unreachableKept);
      expect(last.objectsPruned).toBe(1); // the old commit: its tree and blob stay with the young branch
      expect(sql.exec(`SELECT oid FROM hk_cruft ORDER BY oid`).toArray()).toEqual(whole.cruft);
      // one pack per part, each within the cap; nothing else left
      const packs = sql.exec<{ objects: number }>(`SELECT objects FROM packs`).toArray();
      expect(packs.length).toBe(parts);
      for (const p of packs) expect(p.objects).toBeLessThanOrEqual(40);
      expect(packs.reduce((a, p) => a + p.objects, 0)).toBe(s.keep.length);
      intact(store);
      workTablesEmpty(sql);
      expect(store.objects.count()).toBe(s.keep.length);
      // the next gc, in parts again, keeps the same (the cruft times survived the parts)
      run(hk, { tasks: ['gc'] });
      expect(live(store)).toEqual(s.keep);
    });
  });

  it('splits a single pack over the cap inside it: a full repack, then a gc, keep every object', async () => {
    await withStore('hk-parts-one', async (store, state) => {
      const sql = state.storage.sql;
      await pushPack(store, buildPack(h.all), { 'refs/heads/main': h.commits[29].oid });
      const before = contentSnapshot(store, sql);
      const hk = housekeeper(store, state);
      hk.maxRunObjects = 50;
      run(hk, { tasks: ['repack'], mode: 'all' });
      expect(hk.status().lastRun!.outcome).toBe('done');
      expect(contentSnapshot(store, sql)).toEqual(before);
      const after = sql.exec<{ objects: number }>(`SELECT objects FROM packs ORDER BY id`).toArray().map((r) => r.objects);
      expect(after).toEqual([50, 50, 50, h.all.length - 150]);
      run(hk, { tasks: ['gc'], prune: 'now' });
      expect(contentSnapshot(store, sql)).toEqual(before);
      expect(hk.status().lastRun!.objectsPruned).toBe(0);
      intact(store);
      workTablesEmpty(sql);
    });
  });

  for (const [point, skip] of [['mark', 0], ['mark', 5], ['mark-tx', 2], ['build', 3], ['built', 1], ['indexed-tx', 2], ['migrate', 3], ['migrate-tx', 1], ['finish', 0], ['cleanup', 3]] as const) {
    it(`interrupted at ${point}${skip ? ` (after ${skip})` : ''}: nothing lost, a fresh instance ends the same`, async () => {
      await withStore(`hk-parts-crash-${point}-${skip}`, async (store, state) => {
        const sql = state.storage.sql;
        const s = await setUp(store, sql);
        const hk = housekeeper(store, state);
        hk.maxRunObjects = 40;
        hk.migrateBatch = 20;
        hk.fault = point;
        hk.faultSkip = skip;
        hk.request({ tasks: ['gc'], trigger: 'request' });
        let r;
        for (let i = 0; i < 10_000 && (r = hk.step(new Budget(1000, 20_000))) === 'more'; i++);
        expect(r).toBe('wait');
        expect(hk.state.run()!.lastError).toMatch(/injected fault/);
        intact(store);
        for (const oid of reachMain) expect(store.objects.has(oid), oid).toBe(true);
        const fresh = housekeeper(store, state); // the isolate's memory is gone
        fresh.maxRunObjects = 40;
        runToEnd(fresh);
        expect(fresh.status().lastRun!.outcome).toBe('done');
        expect(live(store)).toEqual(s.keep);
        intact(store);
        workTablesEmpty(sql);
      });
    });
  }

  it('a mark step rolled back: the same instance goes on and still marks what it had walked', async () => {
    await withStore('hk-parts-mark-rollback', async (store, state) => {
      const sql = state.storage.sql;
      const s = await setUp(store, sql);
      const hk = housekeeper(store, state);
      hk.maxRunObjects = 40;
      for (const skip of [1, 3, 6]) {
        hk.fault = 'mark-tx';
        hk.faultSkip = skip;
        if (skip === 1) hk.request({ tasks: ['gc'], trigger: 'request' });
        for (let i = 0; i < 1000 && hk.fault !== null; i++) hk.step(new Budget(1000, 30_000));
      }
      runToEnd(hk, { allowWait: true });
      expect(hk.status().lastRun!.outcome).toBe('done');
      expect(live(store)).toEqual(s.keep);
      intact(store);
    });
  });

  it('a ref moved onto the deleted branch during the mark keeps it; a push during the parts is kept', async () => {
    await withStore('hk-parts-race', async (store, state) => {
      const sql = state.storage.sql;
      const s = await setUp(store, sql);
      const hk = housekeeper(store, state);
      hk.maxRunObjects = 40;
      hk.request({ tasks: ['gc'], prune: 'now', trigger: 'request' });
      for (let i = 0; i < 1000 && hk.state.run()?.phase !== 'mark'; i++) hk.step(new Budget(1000, 20_000));
      hk.step(new Budget(1000, 20_000));
      store.commitPush(null, [{ name: 'refs/heads/back', oldOid: ZERO, newOid: s.old[0].oid }], false);
      for (let i = 0; i < 1000 && !(hk.state.run()?.phase === 'build' && (hk.state.run()?.parts?.done ?? 0) >= 1); i++) hk.step(new Budget(1000, 20_000));
      const extra = blob('pushed during the parts\n');
      const t = tree([{ mode: '100644', name: 'new.txt', oid: extra.oid }]);
      const c = commit({ tree: t.oid, parents: [h.commits[29].oid], time: 9_000_000 });
      await pushPack(store, buildPack([c, t, extra]), { 'refs/heads/main': c.oid });
      runToEnd(hk);
      const last = hk.status().lastRun!;
      expect(last.objectsPruned).toBe(0);
      expect(last.note).toMatch(/nothing pruned this time/);
      const have = new Set(live(store));
      for (const o of [...s.old, c, t, extra]) expect(have.has(o.oid), o.oid).toBe(true);
      intact(store);
      // refs deleted again: the next gc in parts prunes what only they reached
      store.commitPush(null, [{ name: 'refs/heads/back', oldOid: s.old[0].oid, newOid: ZERO }], false);
      run(hk, { tasks: ['gc'], prune: 'now' });
      expect(live(store)).toEqual([...new Set([...reachMain, c.oid, t.oid, extra.oid])].sort());
      workTablesEmpty(sql);
      expect(packIds(sql).length).toBeGreaterThan(1);
    });
  });

  it('abandoned after repeated failures: its work rows and marks go in pieces, the next gc ends it', async () => {
    await withStore('hk-parts-giveup', async (store, state) => {
      const sql = state.storage.sql;
      const s = await setUp(store, sql);
      const hk = housekeeper(store, state);
      hk.maxRunObjects = 40;
      hk.request({ tasks: ['gc'], trigger: 'request' });
      for (let i = 0; i < 1000 && !(hk.state.run()?.phase === 'migrate' && (hk.state.run()?.parts?.done ?? 0) >= 1); i++) hk.step();
      for (let k = 0; k < 3; k++) {
        hk.fault = 'migrate';
        hk.step();
      }
      expect(hk.status().lastRun!.outcome).toBe('failed');
      expect(hk.state.run()!.phase).toBe('cleanup');
      expect(sql.exec(`SELECT count(*) AS n FROM hk_mark`).one().n).toBeGreaterThan(0);
      intact(store);
      runToEnd(hk);
      workTablesEmpty(sql);
      intact(store);
      run(hk, { tasks: ['gc'] });
      expect(live(store)).toEqual(s.keep);
    });
  });
});
