// gc's race check in steps (recheck.ts): what refs moved to during the run and the deltas that
// arrived are checked a budget at a time; a ref moved onto a pruned object, or a delta stored on
// one, between two of those steps still keeps everything; a slow upload that registers a lower
// pack id than one already checked is checked too.
import { describe, expect, it } from 'vitest';
import { hashObject } from '../../../../src/pack';
import { Budget } from '../../../../src/storage/housekeeping/budget';
import type { Housekeeper } from '../../../../src/storage/housekeeping/run';
import type { RepoStore } from '../../../../src/storage/repo-store';
import { blob, buildPack, commit, linearHistory, pushPack, tree, withStore, ZERO, type Obj } from '../helpers';
import { housekeeper, runToEnd } from './helpers';

const h = linearHistory(10);
const lostBlob = blob('on a deleted branch, about to be pruned\n'.repeat(20));
const lostTree = tree([{ mode: '100644', name: 'lost.txt', oid: lostBlob.oid }]);
const lostCommit = commit({ tree: lostTree.oid, parents: [h.commits[9].oid], time: 5_000_000 });
const lost = [lostCommit, lostTree, lostBlob];

/** `n` commits on top of main, each with its own tree and blob (pushed during the gc). */
function onTop(n: number): { objs: Obj[]; tip: Obj } {
  const objs: Obj[] = [];
  let parent = h.commits[9];
  for (let i = 0; i < n; i++) {
    const b = blob(`pushed during the gc ${i}\n`);
    const t = tree([{ mode: '100644', name: 'f.txt', oid: b.oid }]);
    parent = commit({ tree: t.oid, parents: [parent.oid], time: 6_000_000 + i });
    objs.push(b, t, parent);
  }
  return { objs, tip: parent };
}

async function setUp(store: RepoStore, state: DurableObjectState): Promise<Housekeeper> {
  await pushPack(store, buildPack(h.all), { 'refs/heads/main': h.commits[9].oid });
  await pushPack(store, buildPack(lost), { 'refs/heads/lost': lostCommit.oid });
  store.commitPush(null, [{ name: 'refs/heads/lost', oldOid: lostCommit.oid, newOid: ZERO }], false);
  const hk = housekeeper(store, state);
  hk.request({ tasks: ['gc'], prune: 'now', trigger: 'request' });
  for (let i = 0; i < 10_000 && hk.state.run()?.phase !== 'finish'; i++) expect(hk.step()).toBe('more');
  return hk;
}

const small = () => new Budget(1000, 60_000);

function readable(store: RepoStore, objs: Obj[]): void {
  for (const o of objs) {
    const got = store.objects.read(o.oid);
    expect(hashObject(got.type, got.data)).toBe(o.oid);
  }
}

describe('gc race check in steps', () => {
  it('walks what a big push moved a ref to across steps, then prunes', async () => {
    await withStore('hk-recheck-steps', async (store, state) => {
      const hk = await setUp(store, state);
      const { objs, tip } = onTop(200);
      await pushPack(store, buildPack(objs), { 'refs/heads/main': tip.oid });
      let steps = 0;
      while (hk.state.run()!.phase === 'finish') {
        expect(hk.step(small())).toBe('more');
        steps++;
      }
      expect(steps).toBeGreaterThanOrEqual(3);
      runToEnd(hk);
      expect(hk.status().lastRun!.objectsPruned).toBe(lost.length);
      expect(hk.status().lastRun!.note).toBeNull();
      readable(store, [...h.all, ...objs]);
      for (const o of lost) expect(store.objects.has(o.oid)).toBe(false);
    });
  });

  it('a ref moved onto an object about to be pruned between two check steps keeps it', async () => {
    await withStore('hk-recheck-ref', async (store, state) => {
      const hk = await setUp(store, state);
      const { objs, tip } = onTop(200);
      await pushPack(store, buildPack(objs), { 'refs/heads/main': tip.oid });
      expect(hk.step(small())).toBe('more');
      expect(hk.state.run()!.phase).toBe('finish'); // the check is not done yet
      expect(store.commitPush(null, [{ name: 'refs/heads/back', oldOid: ZERO, newOid: lostCommit.oid }], false)[0].ok).toBe(true);
      runToEnd(hk);
      const last = hk.status().lastRun!;
      expect(last.objectsPruned).toBe(0);
      expect(last.note).toMatch(/nothing pruned this time: a ref now reaches/);
      readable(store, [...h.all, ...objs, ...lost]);
    });
  });

  it('a delta stored on an object about to be pruned keeps it, even from a slow upload with a lower pack id', async () => {
    await withStore('hk-recheck-delta', async (store, state) => {
      const hk = await setUp(store, state);
      // a slow upload begins first (its pack id is allocated now) ...
      const nb = blob('on a deleted branch, about to be pruned\n'.repeat(20) + 'and one more line\n');
      const nt = tree([{ mode: '100644', name: 'new.txt', oid: nb.oid }]);
      const nc = commit({ tree: nt.oid, parents: [h.commits[9].oid], time: 7_000_000 });
      const slow = store.beginPack();
      slow.write(buildPack([nc, nt, { obj: nb, refDelta: lostBlob }]));
      // ... a quicker one with a higher id lands, and the check reads it
      const { objs, tip } = onTop(5);
      await pushPack(store, buildPack(objs), { 'refs/heads/main': tip.oid });
      let r = hk.step(small());
      for (let i = 0; i < 100 && r === 'more'; i++) r = hk.step(small());
      expect(r).toBe('wait'); // checked all there is; an upload is in flight
      expect(hk.state.run()!.phase).toBe('finish');
      const got = await slow.finish();
      expect(store.commitPush(got, [{ name: 'refs/heads/other', oldOid: ZERO, newOid: nc.oid }], true)[0].ok).toBe(true);
      expect(store.objects.row(nb.oid)!.base_oid).toBe(lostBlob.oid);
      runToEnd(hk);
      const last = hk.status().lastRun!;
      expect(last.objectsPruned).toBe(0);
      expect(last.note).toMatch(/nothing pruned this time: a delta stored during the run is based on/);
      readable(store, [nb, nt, nc, ...lost, ...objs]);
    });
  });
});
