// The upload sweeper (RepoObject's alarm): what interrupted pushes leave on DOFS goes away,
// uploads still running in this instance and indexed packs stay.
import { evictDurableObject, runDurableObjectAlarm } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { RepoStore } from '../../../src/storage/repo-store';
import { ScheduledJobs } from '../../../src/repo/scheduled-jobs';
import { blob, buildPack, commit, pushPack, repoStub, tree, withStore } from './helpers';

function samplePack() {
  const b = blob('hello\n');
  const t = tree([{ mode: '100644', name: 'a.txt', oid: b.oid }]);
  const c = commit({ tree: t.oid, time: 1_700_000_000 });
  return { pack: buildPack([c, t, b]), tip: c.oid };
}

const packFiles = (store: RepoStore) => (store.fs.existsSync('/packs') ? store.fs.readdirSync('/packs') : []);

describe('sweepUploads', () => {
  it('removes an upload cut off by an eviction, keeps indexed packs', async () => {
    const stub = repoStub('sweep');
    const { pack, tip } = samplePack();
    await withStore('sweep', async (store) => {
      await pushPack(store, pack, { 'refs/heads/main': tip });
      const half = store.beginPack();
      half.write(pack.subarray(0, 40)); // a push whose connection dropped mid-pack
    }, stub);
    await evictDurableObject(stub);
    await withStore('sweep', (store) => {
      expect(packFiles(store)).toEqual(['pack-1.pack']); // the unfinished one is invisible
      const chunks = () => store.fs.statSync('/packs/pack-1.pack').size;
      const before = chunks();
      store.sweepUploads(); // drops the hidden chunks of pack 2
      expect(packFiles(store)).toEqual(['pack-1.pack']);
      expect(store.refs.get('refs/heads/main')).toBe(tip);
      expect(store.objects.count()).toBe(3);
      expect(chunks()).toBe(before);
    }, stub);
  });

  it('leaves an upload that is still running alone, and removes a closed but unindexed pack', async () => {
    const { pack } = samplePack();
    await withStore('sweep-live', async (store) => {
      const running = store.beginPack();
      running.write(pack.subarray(0, 30));
      store.sweepUploads();
      running.write(pack.subarray(30));
      const done = await running.finish();
      // finished but its push never committed (e.g. the instance died right here)
      expect(packFiles(store)).toEqual([`pack-${done.packId}.pack`]);
      const fresh = new RepoStore((store as unknown as { storage: ConstructorParameters<typeof RepoStore>[0] }).storage);
      expect(fresh.sweepUploads()).toBe(1);
      expect(packFiles(fresh)).toEqual([]);
    });
  });

  it('runs from the Durable Object alarm', async () => {
    const stub = repoStub('sweep-alarm') as DurableObjectStub & { create(ns: string, name: string, ttl: number): Promise<unknown> };
    await stub.create('unit', 'sweep-alarm', 3600);
    const { pack } = samplePack();
    await withStore('sweep-alarm', async (store, state) => {
      const ing = store.beginPack(); // another instance's upload that finished but never committed
      ing.write(pack);
      await ing.finish();
      expect(packFiles(store)).toHaveLength(1);
      new ScheduledJobs(state.storage.sql).set('sweep', Date.now() - 1); // as a push does (+SWEEP_DELAY_MS)
      await state.storage.setAlarm(Date.now() + 60_000);
    }, stub);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await withStore('sweep-alarm', (store) => expect(packFiles(store)).toEqual([]), stub);
  });

  it('an alarm run before the sweep is due (a webhook retry) leaves the upload alone and re-arms', async () => {
    const stub = repoStub('sweep-later') as DurableObjectStub & { create(ns: string, name: string, ttl: number): Promise<unknown> };
    await stub.create('unit', 'sweep-later', 3600);
    const { pack } = samplePack();
    const due = Date.now() + 600_000;
    await withStore('sweep-later', async (store, state) => {
      const ing = store.beginPack();
      ing.write(pack);
      await ing.finish();
      new ScheduledJobs(state.storage.sql).set('sweep', due);
      await state.storage.setAlarm(Date.now() + 60_000);
    }, stub);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await withStore('sweep-later', async (store, state) => {
      expect(packFiles(store)).toHaveLength(1);
      expect(await state.storage.getAlarm()).toBe(due);
    }, stub);
  });
});
