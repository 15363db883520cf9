// Forks with the real git CLI: a fork shares its origin's objects (same fork network, same
// Durable Object) and has refs, tokens and events of its own. Judged by git: clones of forks are
// fsck-clean and carry exactly the refs they should, whatever happens to the origin afterwards
// (force-push, delete); read-only forks refuse pushes with a message git shows; 1,000 forks of
// one repository can be made and cloned.
import { describe, expect, test } from 'vitest';
import {
  adminToken, api, buildSampleRepo, cloneRepo, commitFiles, createRepo, fsckStrict, git, gitOut, lsRemote, NS, pushAll, revParse,
  treeOf, uniqueName, useArbor, type RepoInfo,
  forkRepo,
} from './harness';

useArbor();

const fork = forkRepo;

const refsOf = (remote: string, token: string) => lsRemote(remote, { token });

describe('fork', () => {
  test('a fork clones like its origin, then both move independently; no object is copied', async () => {
    const origin = await createRepo('fk-origin');
    const src = await buildSampleRepo('fk-src');
    await pushAll(src, origin.remote, origin.token);
    const before = (await api('GET', `/v1/repos/${NS}/${origin.name}`)).json;

    const f = await fork(origin, { name: uniqueName('fk-fork') });
    expect(f).toMatchObject({ namespace: NS, forkedFrom: `${NS}/${origin.name}`, readOnly: false, defaultBranch: 'main' });
    expect(f.remote).toMatch(new RegExp(`/git/${NS}/${f.name}\\.git$`));
    // Shared storage: the object store did not grow.
    const after = (await api('GET', `/v1/repos/${NS}/${origin.name}`)).json;
    expect(after.sizeBytes).toBe(before.sizeBytes);
    expect(after.objects).toBe(before.objects);
    expect(await refsOf(f.remote, f.token)).toEqual(await refsOf(origin.remote, origin.token));

    const { dir } = await cloneRepo(f.remote, { token: f.token, label: 'fk-clone' });
    await fsckStrict(dir);
    expect(await treeOf(dir)).toEqual(await treeOf(src));

    // Push to the fork: the origin does not see it, and a clone of the origin carries none of it.
    const blob = (await gitOut(dir, ['hash-object', '-w', '--stdin'], { input: 'only in the fork\n' })).trim();
    await commitFiles(dir, { 'fork-only.txt': 'only in the fork\n' }, 'fork work');
    await git(['push', 'origin', 'main'], { cwd: dir, token: f.token });
    expect((await refsOf(f.remote, f.token)).join('\n')).toContain(await revParse(dir, 'main'));
    expect((await refsOf(origin.remote, origin.token)).join('\n')).not.toContain(await revParse(dir, 'main'));
    const { dir: oc } = await cloneRepo(origin.remote, { token: origin.token, label: 'fk-oclone', args: ['--mirror'] });
    await fsckStrict(oc);
    expect((await git(['cat-file', '-e', blob], { cwd: oc, allowFail: true })).code).not.toBe(0);

    // By id, each repository serves only what its own refs reach: the origin does not hand out
    // the fork's blob (git fetch by id, the REST object route), though the fork does; an older,
    // non-tip object the origin's refs reach is still served.
    const byId = await git(['fetch', origin.remote, blob], { cwd: oc, token: origin.token, allowFail: true });
    expect(byId.code).not.toBe(0);
    expect(byId.stderr).toMatch(/not our ref/);
    expect((await api('GET', `/v1/repos/${NS}/${origin.name}/objects/${blob}`, { token: origin.token })).status).toBe(404);
    expect((await api('GET', `/v1/repos/${NS}/${origin.name}/objects/${blob.slice(0, 10)}`, { token: origin.token })).status).toBe(404);
    expect((await api('GET', `/v1/repos/${NS}/${f.name}/objects/${blob}`, { token: f.token })).status).toBe(200);
    const old = await revParse(src, 'main~2');
    expect((await api('GET', `/v1/repos/${NS}/${origin.name}/objects/${old}`, { token: origin.token })).status).toBe(200);
    expect((await git(['fetch', origin.remote, old], { cwd: oc, token: origin.token, allowFail: true })).code).toBe(0);

    // Tokens are per repository: the origin's token does not open the fork and vice versa.
    expect((await git(['ls-remote', f.remote], { token: origin.token, allowFail: true })).code).not.toBe(0);
    expect((await git(['ls-remote', origin.remote], { token: f.token, allowFail: true })).code).not.toBe(0);
    // Events are per repository too.
    const ev = (await api('GET', `/v1/repos/${NS}/${f.name}/events`)).json.events;
    expect(ev.map((e: any) => e.ref)).toEqual(['refs/heads/main']);
  });

  test('the fork keeps everything after the origin is force-pushed and then deleted', async () => {
    const origin = await createRepo('fk-gone');
    const src = await buildSampleRepo('fk-gone-src');
    await pushAll(src, origin.remote, origin.token);
    const f = await fork(origin, { name: uniqueName('fk-keep') });
    const expected = await refsOf(f.remote, f.token);

    // Rewrite the origin's history completely, then delete it.
    const other = await createRepo('fk-unrelated');
    const fresh = await buildSampleRepo('fk-fresh');
    await commitFiles(fresh, { 'new.txt': 'rewritten\n' }, 'rewrite');
    await git(['commit', '--amend', '-m', 'rewritten history', '--date', '2001-01-01T00:00:00Z'], { cwd: fresh });
    await git(['push', '--force', origin.remote, 'main:main', ':refs/heads/dev', ':refs/tags/v1.0', ':refs/tags/light'], { cwd: fresh, token: origin.token });
    expect((await api('DELETE', `/v1/repos/${NS}/${origin.name}`)).status).toBe(204);
    expect((await api('GET', `/v1/repos/${NS}/${origin.name}`)).status).toBe(404);
    expect((await api('DELETE', `/v1/repos/${NS}/${other.name}`)).status).toBe(204);

    expect(await refsOf(f.remote, f.token)).toEqual(expected);
    const { dir } = await cloneRepo(f.remote, { token: f.token, label: 'fk-keep-clone', args: ['--mirror'] });
    await fsckStrict(dir);
    const info = (await api('GET', `/v1/repos/${NS}/${f.name}`)).json;
    expect(info).toMatchObject({ forkedFrom: `${NS}/${origin.name}` });

    // The origin's name is free again: a new, empty repository, sharing nothing visible.
    const again = await api('POST', `/v1/repos/${NS}/${origin.name}`);
    expect(again.status, again.text).toBe(201);
    expect(await lsRemote(again.json.remote, { token: again.json.token })).toEqual([]);
    const empty = await cloneRepo(again.json.remote, { token: again.json.token, label: 'fk-empty', args: ['--mirror'] });
    expect((await gitOut(empty.dir, ['count-objects', '-v'])).match(/^in-pack: (\d+)/m)?.[1] ?? '0').toBe('0');
    // A push to the re-created origin, then its full clone: only its own objects.
    const solo = await buildSampleRepo('fk-solo');
    await commitFiles(solo, { 'solo.txt': 'solo\n' }, 'solo');
    await git(['push', again.json.remote, 'main:main'], { cwd: solo, token: again.json.token });
    const c = await cloneRepo(again.json.remote, { token: again.json.token, label: 'fk-solo-clone', args: ['--mirror'] });
    await fsckStrict(c.dir);
    const objs = (await gitOut(c.dir, ['rev-list', '--objects', '--all'])).trim().split('\n').length;
    const packed = Number((await gitOut(c.dir, ['count-objects', '-v'])).match(/^in-pack: (\d+)/m)?.[1]);
    expect(packed).toBe(objs);
    // The fork is still whole.
    const again2 = await cloneRepo(f.remote, { token: f.token, label: 'fk-keep-clone2', args: ['--mirror'] });
    await fsckStrict(again2.dir);
  });

  test('readOnly forks refuse pushes and commits for every token; defaultBranchOnly copies one branch', async () => {
    const origin = await createRepo('fk-ro');
    const src = await buildSampleRepo('fk-ro-src');
    await pushAll(src, origin.remote, origin.token);
    const ro = await fork(origin, { name: uniqueName('fk-ro-fork'), readOnly: true, defaultBranchOnly: true });
    expect(ro.readOnly).toBe(true);
    const refs = await lsRemote(ro.remote, { token: ro.token });
    expect(refs.map((l) => l.split('\t')[1]).sort()).toEqual(['HEAD', 'refs/heads/main']);

    const { dir } = await cloneRepo(ro.remote, { token: ro.token, label: 'fk-ro-clone' });
    await fsckStrict(dir);
    await commitFiles(dir, { 'x.txt': 'x\n' }, 'try');
    // The admin token opens every repository, yet a read-only fork still refuses its pushes.
    for (const token of [ro.token, adminToken()]) {
      const push = await git(['push', 'origin', 'main'], { cwd: dir, token, allowFail: true });
      expect(push.code).not.toBe(0);
      expect(push.stderr).toContain('read-only fork');
    }
    const commit = await api('POST', `/v1/repos/${NS}/${ro.name}/commits`, {
      body: { branch: 'main', message: 'm', author: { name: 'a', email: 'a@b.c' }, changes: [{ action: 'create', path: 'y', content: 'y' }] },
    });
    expect(commit.status, commit.text).toBe(403);
    expect(commit.json.error.message).toContain('read-only fork');
  });

  test('forks of forks, across namespaces; errors: 404 source, 409 name, 400 body', async () => {
    const origin = await createRepo('fk-chain');
    const src = await buildSampleRepo('fk-chain-src');
    await pushAll(src, origin.remote, origin.token);
    const ns2 = `fk-ns-${Date.now().toString(36)}`;
    const f1 = await fork(origin, { name: 'one', namespace: ns2 });
    expect(f1.namespace).toBe(ns2);
    const f2 = await fork(f1, { name: 'two' });
    expect(f2).toMatchObject({ namespace: ns2, forkedFrom: `${ns2}/one` });
    const c = await cloneRepo(f2.remote, { token: f2.token, label: 'fk-chain-clone' });
    await fsckStrict(c.dir);
    expect(await treeOf(c.dir)).toEqual(await treeOf(src));
    const listed = (await api('GET', `/v1/repos/${ns2}`)).json.repos.map((r: any) => r.name);
    expect(listed).toEqual(['one', 'two']);

    expect((await api('POST', `/v1/repos/${NS}/${origin.name}/fork`, { body: { name: 'one', namespace: ns2 } })).status).toBe(409);
    expect((await api('POST', `/v1/repos/${NS}/${origin.name}/fork`, { body: { name: origin.name } })).status).toBe(409);
    const missing = await api('POST', `/v1/repos/${NS}/no-such-repo-here/fork`, { body: { name: 'orphan-fork', namespace: ns2 } });
    expect(missing.status, missing.text).toBe(404);
    // The failed fork left no reservation: the name can be created.
    expect((await api('POST', `/v1/repos/${ns2}/orphan-fork`)).status).toBe(201);
    for (const body of [{}, { name: 'bad name' }, { name: 'x', readOnly: 'yes' }, { name: 'x', namespace: 7 }, '[1]']) {
      const r = await api('POST', `/v1/repos/${NS}/${origin.name}/fork`, { body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error.code).toBe('bad_request');
    }
    // Deleting a fork leaves the origin and the sibling chain alone.
    expect((await api('DELETE', `/v1/repos/${ns2}/one`)).status).toBe(204);
    expect((await api('GET', `/v1/repos/${ns2}/one`)).status).toBe(404);
    const c2 = await cloneRepo(f2.remote, { token: f2.token, label: 'fk-chain-clone2', args: ['--mirror'] });
    await fsckStrict(c2.dir);
    expect((await lsRemote(origin.remote, { token: origin.token })).length).toBeGreaterThan(0);
  });

  test('1,000 forks of one repository; a few of them cloned', async () => {
    const origin = await createRepo('fk-many');
    const src = await buildSampleRepo('fk-many-src');
    await pushAll(src, origin.remote, origin.token);
    const ns = `fk-many-${Date.now().toString(36)}`;
    const N = 1000;
    const made: RepoInfo[] = new Array(N);
    const times: number[] = [];
    let next = 0;
    const worker = async () => {
      for (;;) {
        const i = next++;
        if (i >= N) return;
        const t0 = performance.now();
        made[i] = await fork(origin, { name: `f${String(i).padStart(4, '0')}`, namespace: ns });
        times.push(performance.now() - t0);
      }
    };
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 8 }, worker));
    const total = performance.now() - t0;
    times.sort((a, b) => a - b);
    console.log(`[fork] ${N} forks in ${(total / 1000).toFixed(1)} s; per fork median ${times[N >> 1].toFixed(1)} ms, p95 ${times[Math.floor(N * 0.95)].toFixed(1)} ms`);

    let cursor: string | null = null;
    let listed = 0;
    do {
      const page: any = (await api('GET', `/v1/repos/${ns}?limit=1000${cursor ? `&cursor=${cursor}` : ''}`)).json;
      listed += page.repos.length;
      cursor = page.cursor;
    } while (cursor);
    expect(listed).toBe(N);

    const expected = await refsOf(origin.remote, origin.token);
    for (const i of [0, 499, 999]) {
      const f = made[i];
      expect(await refsOf(f.remote, f.token)).toEqual(expected);
      const { dir } = await cloneRepo(f.remote, { token: f.token, label: `fk-many-${i}` });
      await fsckStrict(dir);
      expect(await treeOf(dir)).toEqual(await treeOf(src));
    }
    // One of them moves on; its siblings do not.
    const { dir } = await cloneRepo(made[7].remote, { token: made[7].token, label: 'fk-many-push' });
    await commitFiles(dir, { 'seven.txt': '7\n' }, 'seven');
    await git(['push', 'origin', 'main'], { cwd: dir, token: made[7].token });
    expect(await refsOf(made[8].remote, made[8].token)).toEqual(expected);
    expect(await refsOf(made[7].remote, made[7].token)).not.toEqual(expected);
  }, 600_000); // 1,000 new Durable Objects (one per fork) on 2 cores shared with other test files
});
