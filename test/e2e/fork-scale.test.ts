// Forks that scale out (issue 18), judged by real git: every fork is its own Durable Object
// (distinct durableObjectId, the origin's request counter untouched by fork traffic), reading
// its origin's packs from the R2 bucket; 200 forks cloned and pushed in parallel batches,
// fsck-clean and isolated from each other; forks keep cloning while the origin is force-pushed,
// repacked and deleted; chains of forks survive the deletion of a middle link.
import { describe, expect, test } from 'vitest';
import {
  api, buildSampleRepo, cloneRepo, commitFiles, createRepo, fsckStrict, git, lsRemote, pushAll, revParse, treeOf, type RepoInfo,
  forkRepo,
} from './harness';
import { useArbor } from './harness';

useArbor();

const fork = forkRepo;

const requests = async (r: { namespace: string; name: string }): Promise<number> => {
  const res = await api('GET', `/v1/repos/${r.namespace}/${r.name}/stats`);
  expect(res.status, res.text).toBe(200);
  return res.json.requests;
};

/** Runs `fn` over `items`, `width` at a time (the machine's cores are shared). */
async function pool<T, R>(items: T[], width: number, fn: (x: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i], i);
    }),
  );
  return out;
}

describe('forks in their own Durable Objects', () => {
  test('200 forks: own DOs, cloned and pushed in parallel batches, fsck-clean, isolated; the origin untouched', async () => {
    const origin = await createRepo('fs-many');
    const src = await buildSampleRepo('fs-many-src');
    await pushAll(src, origin.remote, origin.token);
    const ns = `fs-many-${Date.now().toString(36)}`;
    const N = 200;
    const forks = await pool(Array.from({ length: N }, (_, i) => i), 6, (i) => fork(origin, { name: `f${i}`, namespace: ns }));

    const originInfo = (await api('GET', `/v1/repos/${origin.namespace}/${origin.name}`)).json;
    const ids = new Set<string>([originInfo.durableObjectId]);
    for (const f of forks) {
      expect(f.durableObjectId).toMatch(/^[0-9a-f]{64}$/);
      ids.add(f.durableObjectId as string);
    }
    expect(ids.size).toBe(N + 1);
    // A fork stores metadata only: no pack of its own.
    expect(forks[0]).toMatchObject({ packs: 0, sizeBytes: 0 });

    const before = await requests(origin);
    const expected = await treeOf(src);
    const pushed = await pool(forks, 4, async (f, i) => {
      const { dir } = await cloneRepo(f.remote, { token: f.token, label: `fs-${i}` });
      await fsckStrict(dir);
      expect(await treeOf(dir)).toEqual(expected);
      const sha = await commitFiles(dir, { [`own-${i}.txt`]: `fork ${i}\n`, 'src/a.txt': `changed by ${i}\n` }, `fork ${i}`);
      await git(['push', '-q', 'origin', 'main'], { cwd: dir, token: f.token });
      return sha;
    });
    // Fetch back each fork's new head: fsck-clean (thin pushes against the origin's packs resolved).
    await pool(forks.filter((_, i) => i % 20 === 0), 4, async (f) => {
      const { dir } = await cloneRepo(f.remote, { token: f.token, label: 'fs-again', args: ['--mirror'] });
      await fsckStrict(dir);
    });
    for (const [i, f] of forks.entries()) {
      const main = (await lsRemote(f.remote, { token: f.token })).find((l) => l.endsWith('\trefs/heads/main'))!;
      expect(main.split('\t')[0]).toBe(pushed[i]);
    }
    expect(await requests(origin)).toBe(before);

    // Isolation: fork 1's commit is not fetchable by id from fork 2, nor its token usable there.
    const { dir } = await cloneRepo(forks[2].remote, { token: forks[2].token, label: 'fs-iso' });
    const stolen = await git(['fetch', 'origin', pushed[1]], { cwd: dir, token: forks[2].token, allowFail: true });
    expect(stolen.code).not.toBe(0);
    expect((await git(['ls-remote', forks[2].remote], { token: forks[1].token, allowFail: true })).code).not.toBe(0);
    expect((await git(['ls-remote', origin.remote], { token: forks[1].token, allowFail: true })).code).not.toBe(0);
  }, 900_000); // 200 clones and pushes with real git: ~3 min alone on 2 shared cores

  test('forks keep cloning while the origin is force-pushed, repacked and deleted', async () => {
    const origin = await createRepo('fs-gone');
    const src = await buildSampleRepo('fs-gone-src');
    await pushAll(src, origin.remote, origin.token);
    await commitFiles(src, { 'more.txt': 'more\n' }, 'more');
    await git(['push', '-q', origin.remote, 'main'], { cwd: src, token: origin.token }); // a second pack
    const forks = await pool([0, 1, 2, 3], 2, (i) => fork(origin, { name: `fs-gone-f${i}-${Date.now().toString(36)}` }));
    const expected = await treeOf(src);
    let stop = false;
    let clones = 0;
    const cloning = (async () => {
      while (!stop) {
        await pool(forks, 2, async (f, i) => {
          const { dir } = await cloneRepo(f.remote, { token: f.token, label: `fs-gone-${i}` });
          await fsckStrict(dir);
          expect(await treeOf(dir)).toEqual(expected);
          clones++;
        });
      }
    })();
    const fresh = await buildSampleRepo('fs-gone-fresh');
    await commitFiles(fresh, { 'new.txt': 'rewritten\n' }, 'rewrite');
    await git(['push', '--force', origin.remote, 'main:main', ':refs/heads/dev', ':refs/tags/v1.0', ':refs/tags/light'], { cwd: fresh, token: origin.token });
    const m = await api('POST', `/v1/repos/${origin.namespace}/${origin.name}/maintenance`, { body: { tasks: ['repack', 'gc'] } });
    expect(m.status, m.text).toBe(202);
    for (let i = 0; i < 100; i++) {
      const st = (await api('GET', `/v1/repos/${origin.namespace}/${origin.name}/maintenance`)).json;
      if (st.state === 'idle' && st.lastRun) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await api('DELETE', `/v1/repos/${origin.namespace}/${origin.name}`)).status).toBe(204);
    stop = true;
    await cloning;
    expect(clones).toBeGreaterThanOrEqual(4);
    // After the origin is gone: a push (thin, against the origin's objects) and a clone, fsck-clean.
    const { dir } = await cloneRepo(forks[0].remote, { token: forks[0].token, label: 'fs-gone-push' });
    await commitFiles(dir, { 'src/a.txt': 'after the origin\n' }, 'after');
    await git(['push', '-q', 'origin', 'main'], { cwd: dir, token: forks[0].token });
    const c = await cloneRepo(forks[0].remote, { token: forks[0].token, label: 'fs-gone-after', args: ['--mirror'] });
    await fsckStrict(c.dir);
  });

  test('a chain of forks: each its own DO; deleting middle links breaks nobody', async () => {
    const a = await createRepo('fs-chain');
    const src = await buildSampleRepo('fs-chain-src');
    await pushAll(src, a.remote, a.token);
    const chain: RepoInfo[] = [a];
    for (let i = 1; i <= 3; i++) {
      const f = await fork(chain[i - 1], { name: `fs-chain-${i}-${Date.now().toString(36)}` });
      // Each link adds a commit of its own before the next is forked from it.
      const { dir } = await cloneRepo(f.remote, { token: f.token, label: `fs-chain-${i}` });
      await commitFiles(dir, { [`link-${i}.txt`]: `${i}\n` }, `link ${i}`);
      await git(['push', '-q', 'origin', 'main'], { cwd: dir, token: f.token });
      chain.push(f);
    }
    expect(new Set(chain.map((r) => r.durableObjectId ?? 'origin')).size).toBe(4);
    const last = chain[3];
    const head = (await lsRemote(last.remote, { token: last.token })).find((l) => l.endsWith('\trefs/heads/main'))!.split('\t')[0];
    for (const r of [chain[1], chain[2], chain[0]]) expect((await api('DELETE', `/v1/repos/${r.namespace}/${r.name}`)).status).toBe(204);
    const { dir } = await cloneRepo(last.remote, { token: last.token, label: 'fs-chain-last', args: ['--mirror'] });
    await fsckStrict(dir);
    expect(await revParse(dir, 'main')).toBe(head);
    // And a fork of the survivor still works, with a commit of its own through the commit API.
    const tail = await fork(last, { name: `fs-chain-tail-${Date.now().toString(36)}` });
    const commit = await api('POST', `/v1/repos/${tail.namespace}/${tail.name}/commits`, {
      body: { branch: 'main', message: 'api', author: { name: 'a', email: 'a@b.c' }, changes: [{ action: 'create', path: 'api.txt', content: 'api\n' }] },
    });
    expect(commit.status, commit.text).toBe(201);
    const blob = await api('GET', `/v1/repos/${tail.namespace}/${tail.name}/blob/main/link-1.txt`);
    expect(blob.status, blob.text).toBe(200);
    expect(blob.text).toBe('1\n');
    const t = await cloneRepo(tail.remote, { token: tail.token, label: 'fs-chain-tail', args: ['--mirror'] });
    await fsckStrict(t.dir);
  });
});
