// Housekeeping next to pushes and clones: a push during a repack and a repack during a push
// both succeed; a push that names an object a gc was about to prune keeps it; a gc does not
// prune while an upload is being received, nor move rows or delete files under a pack stream.
import { describe, expect, it } from 'vitest';
import { hashObject } from '../../../../src/pack';
import { Budget } from '../../../../src/storage/housekeeping/budget';
import { generatePack, generateWholePack } from '../../../../src/storage/pack-out';
import type { RepoStore } from '../../../../src/storage/repo-store';
import { blob, buildPack, commit, linearHistory, pushPack, tree, withStore, ZERO } from '../helpers';
import { housekeeper, packIds, runToEnd } from './helpers';

const h = linearHistory(20);

async function pushInPacks(store: RepoStore, upTo: number, per = 4): Promise<void> {
  const pushed = new Set<string>();
  for (let k = per - 1; k < upTo; k += per) {
    const tip = h.commits[k];
    const objs = h.all.filter((o) => h.reach(tip).has(o.oid) && !pushed.has(o.oid));
    for (const o of objs) pushed.add(o.oid);
    await pushPack(store, buildPack(objs), { 'refs/heads/main': tip.oid }, k);
  }
}

function allIntact(store: RepoStore, sql: SqlStorage): Set<string> {
  const oids = sql.exec<{ oid: string }>(`SELECT oid FROM objects`).toArray().map((r) => r.oid);
  for (const oid of oids) {
    const o = store.objects.read(oid);
    expect(hashObject(o.type, o.data)).toBe(oid);
  }
  return new Set(oids);
}

const small = () => new Budget(1000, 6_000);

describe('housekeeping with pushes and clones', () => {
  it('a push during a repack: both succeed, the new pack is left for the next run', async () => {
    await withStore('hk-push-during', async (store, state) => {
      const sql = state.storage.sql;
      await pushInPacks(store, 16);
      const hk = housekeeper(store, state);
      hk.request({ tasks: ['repack'], mode: 'all', trigger: 'request' });
      for (let i = 0; i < 5; i++) expect(hk.step(small())).toBe('more');
      const newer = h.all.filter((o) => h.reach(h.commits[19]).has(o.oid) && !h.reach(h.commits[15]).has(o.oid));
      const p = await pushPack(store, buildPack(newer), { 'refs/heads/main': h.commits[19].oid });
      runToEnd(hk);
      expect(packIds(sql)).toContain(p.packId);
      expect(packIds(sql)).toHaveLength(2);
      const have = allIntact(store, sql);
      for (const o of h.reach(h.commits[19])) expect(have.has(o)).toBe(true);
      expect(store.refs.get('refs/heads/main')).toBe(h.commits[19].oid);
    });
  });

  it('a repack during a push: the push (a thin pack on merged objects) lands after the repack', async () => {
    await withStore('hk-during-push', async (store, state) => {
      const sql = state.storage.sql;
      await pushInPacks(store, 16);
      const base = h.all.find((o) => o.type === 'blob' && h.reach(h.commits[15]).has(o.oid) && o.data.length > 40)!;
      const changed = blob(new TextEncoder().encode(new TextDecoder().decode(base.data) + 'one more line\n'));
      const t = tree([{ mode: '100644', name: 'changed.txt', oid: changed.oid }]);
      const c = commit({ tree: t.oid, parents: [h.commits[15].oid], time: 9_000_000 });
      const pack = buildPack([c, t, { obj: changed, refDelta: base }]);
      const ing = store.beginPack();
      ing.write(pack.subarray(0, 30)); // the upload has begun
      const hk = housekeeper(store, state);
      hk.request({ tasks: ['repack'], mode: 'all', trigger: 'request' });
      runToEnd(hk); // no prune: nothing to wait for
      expect(packIds(sql)).toHaveLength(1);
      ing.write(pack.subarray(30));
      const done = await ing.finish();
      expect(store.commitPush(done, [{ name: 'refs/heads/main', oldOid: h.commits[15].oid, newOid: c.oid }], true)[0].ok).toBe(true);
      expect(new TextDecoder().decode(store.objects.read(changed.oid).data)).toContain('one more line');
      allIntact(store, sql);
    });
  });

  it('gc: an upload in flight holds the prune; a push onto an object being pruned keeps it', async () => {
    await withStore('hk-gc-race', async (store, state) => {
      const sql = state.storage.sql;
      await pushInPacks(store, 12);
      // a branch the client still has, deleted on the server
      const lb = blob('deleted branch\n');
      const lt = tree([{ mode: '100644', name: 'gone.txt', oid: lb.oid }]);
      const lc = commit({ tree: lt.oid, parents: [h.commits[11].oid], time: 7_000_000 });
      await pushPack(store, buildPack([lc, lt, lb]), { 'refs/heads/topic': lc.oid });
      store.commitPush(null, [{ name: 'refs/heads/topic', oldOid: lc.oid, newOid: ZERO }], false);
      const hk = housekeeper(store, state);
      hk.request({ tasks: ['gc'], prune: 'now', trigger: 'request' });
      for (let i = 0; i < 1000 && hk.state.run()?.phase !== 'finish'; i++) expect(hk.step()).toBe('more');
      // the client pushes a commit on top of the deleted branch: it names lc, which exists
      const nb = blob('on top of the deleted branch\n');
      const nt = tree([{ mode: '100644', name: 'gone.txt', oid: lb.oid }, { mode: '100644', name: 'new.txt', oid: nb.oid }]);
      const nc = commit({ tree: nt.oid, parents: [lc.oid], time: 8_000_000 });
      const ing = store.beginPack();
      ing.write(buildPack([nc, nt, nb]));
      expect(hk.step()).toBe('wait'); // an upload is in flight: no prune yet
      const got = await ing.finish();
      expect(store.commitPush(got, [{ name: 'refs/heads/topic', oldOid: ZERO, newOid: nc.oid }], true)[0].ok).toBe(true);
      runToEnd(hk);
      const last = hk.status().lastRun!;
      expect(last.objectsPruned).toBe(0);
      expect(last.note).toMatch(/nothing pruned this time/);
      const have = allIntact(store, sql);
      for (const o of [lc, lt, lb, nc, nt, nb]) expect(have.has(o.oid)).toBe(true);
      // the next gc sees lc reachable and keeps it; only now-unreachable objects could go
      hk.request({ tasks: ['gc'], prune: 'now', trigger: 'request' });
      runToEnd(hk);
      expect(hk.status().lastRun!.objectsPruned).toBe(0);
      expect(packIds(sql)).toHaveLength(1);
    });
  });

  it('a pack being streamed holds the row moves and file deletions until it is done', async () => {
    await withStore('hk-reader', async (store, state) => {
      const sql = state.storage.sql;
      await pushInPacks(store, 12);
      const oids = [...h.reach(h.commits[11])];
      const stream = generatePack(store.objects, oids, { ofsDelta: true, thinPack: false, clientHas: new Set() });
      const first = stream.next(); // the clone has started
      expect(first.done).toBe(false);
      const hk = housekeeper(store, state);
      hk.request({ tasks: ['gc'], prune: 'now', trigger: 'request' });
      let r;
      for (let i = 0; i < 1000 && (r = hk.step()) === 'more'; i++);
      expect(r).toBe('wait');
      expect(hk.state.run()!.phase).toBe('migrate');
      for (let x = stream.next(); !x.done; x = stream.next());
      runToEnd(hk);
      expect(packIds(sql)).toHaveLength(1);
      // a whole-store stream (full clone without a walk) likewise
      const whole = generateWholePack(store.objects, { ofsDelta: true, thinPack: false, clientHas: new Set() });
      whole.next();
      hk.request({ tasks: ['gc'], prune: 'now', trigger: 'request' });
      for (let i = 0; i < 1000 && (r = hk.step()) === 'more'; i++);
      expect(r).toBe('wait');
      whole.return(undefined); // the client went away
      runToEnd(hk);
      allIntact(store, sql);
    });
  });
});

