// isomorphic-git from a second Worker, over the Workers RPC binding: `env.ARBOR.repo(ns, name)
// .fs()` wrapped by client/src/isogit-fs.ts (test/fixtures/isogit-client). A repository made by
// git fast-import (3,000+ commits, merges, renames, tags; test/fixtures/isogit/make-repo.mjs)
// is pushed with the real git CLI; isomorphic-git's reads over RPC must equal git's answers,
// its writes must be what `git clone` then sees (fsck --strict clean, events recorded), and a
// ref write racing a push must lose (or win) cleanly. Also measures the latency of one fs call
// over the binding and git.log({depth: 100}) against the REST log route.
import * as http from 'node:http';
import { describe, expect, test } from 'vitest';
import {
  adminToken, api, cloneRepo, commitFiles, createRepo, createToken, fsckStrict, git, lsRemote, origin, refMap, revParse, sleep,
  type RepoInfo,
} from './harness';
import { isogitClientAvailable, useIsogitClient } from './harness/isogit-client';

const iso = useIsogitClient();
const run = iso.run;

/** A repository holding the fixture, pushed with git. */
async function pushedFixture(label: string): Promise<RepoInfo> {
  const repo = await createRepo(label);
  await git(['push', '--porcelain', repo.remote, 'refs/heads/*:refs/heads/*', 'refs/tags/*:refs/tags/*'], { cwd: iso.fixtureDir, token: repo.token });
  return repo;
}

describe.skipIf(!isogitClientAvailable)('isomorphic-git over the RPC fs, from a second Worker', () => {
  test('18 read commands over RPC answer exactly as git does (3,210-commit log, walk, merge bases, tags, ...)', async () => {
    const repo = await pushedFixture('iso-reads');
    const got = await run('reads', repo, { answers: iso.answers });
    expect(got.branches).toEqual(iso.answers.branches);
    expect(got.listRefs).toEqual(iso.answers.branches);
    expect(got.tags).toEqual(iso.answers.tags);
    expect(got.currentBranch).toBe(iso.answers.currentBranch);
    expect(got.head).toBe(iso.answers.head);
    expect(got.resolve).toEqual(iso.answers.resolve);
    expect(got.config).toEqual(iso.answers.config);
    expect(got.log.length).toBe(iso.answers.log.length);
    expect(got.log).toEqual(iso.answers.log);
    expect(got.logTopic100).toEqual(iso.answers.logTopic100);
    expect(got.trees).toEqual(iso.answers.trees);
    expect(got.blobs).toEqual(iso.answers.blobs);
    expect(got.tagObjects).toEqual(iso.answers.tagObjects);
    expect(got.files).toEqual(iso.answers.files);
    expect(got.expand).toEqual(iso.answers.expand);
    expect(got.mergeBases).toEqual(iso.answers.mergeBases.map((m: any) => ({ ...m, bases: [...m.bases].sort() })));
    expect(got.descendent).toEqual(iso.answers.descendent);
    const byPath = (x: string[], y: string[]) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0);
    for (const name of Object.keys(iso.answers.walk)) expect([name, got.walk[name]]).toEqual([name, [...iso.answers.walk[name]].sort(byPath)]);
  });

  test('commit, branch, merge, tag, annotatedTag, writeRef, deleteRef over RPC; git clone sees them; fsck --strict clean; events recorded', async () => {
    const repo = await pushedFixture('iso-writes');
    const before = refMap(await lsRemote(repo.remote, { token: repo.token }));
    const w = await run('writes', repo);
    expect(w.readBack).toBe('written by isomorphic-git over RPC\n');
    const after = refMap(await lsRemote(repo.remote, { token: repo.token }));
    expect(after['refs/heads/main']).toBe(w.merge);
    expect(after.HEAD).toBe(w.merge);
    expect(after['refs/heads/iso-branch']).toBe(w.commit);
    expect(after['refs/heads/iso-side']).toBe(w.side);
    expect(after['refs/heads/iso-written']).toBe(w.side);
    expect(after['refs/tags/iso-light']).toBe(w.merge);
    expect(after['refs/tags/iso-annotated']).toBe(w.annotated);
    expect(after['refs/tags/iso-annotated^{}']).toBe(w.merge);
    expect(after['refs/heads/iso-doomed']).toBeUndefined();
    expect(w.branches.split(',')).toEqual([...iso.answers.branches, 'iso-branch', 'iso-side', 'iso-written'].sort());
    for (const [ref, oid] of Object.entries(before)) if (!['HEAD', 'refs/heads/main'].includes(ref)) expect(after[ref]).toBe(oid);

    const { dir } = await cloneRepo(repo.remote, { label: 'iso-clone', token: repo.token, args: ['--mirror'] });
    await fsckStrict(dir);
    expect(await revParse(dir, 'main')).toBe(w.merge);
    expect(await revParse(dir, 'main^1')).toBe(w.commit);
    expect(await revParse(dir, 'main^2')).toBe(w.side);
    expect((await git(['cat-file', '-p', 'main:ISO.md'], { cwd: dir })).stdout).toBe('written by isomorphic-git over RPC\n');
    expect((await git(['cat-file', '-p', 'main:SIDE.md'], { cwd: dir })).stdout).toBe('side\n');
    expect((await git(['cat-file', '-t', 'iso-annotated'], { cwd: dir })).stdout.trim()).toBe('tag');
    // (same timestamps on isomorphic-git's commits: git and isomorphic-git may break the tie differently)
    expect(w.log.split(',').sort()).toEqual((await git(['log', '--format=%H', '-n3', 'main'], { cwd: dir })).stdout.trim().split('\n').sort());
    // git merge on the same history agrees with isomorphic-git's merge tree.
    const work = (await cloneRepo(repo.remote, { label: 'iso-merge-check', token: repo.token })).dir;
    await git(['checkout', '-q', '-b', 'check', w.commit], { cwd: work });
    await git(['-c', 'user.name=G', '-c', 'user.email=g@example.com', 'merge', '-q', '--no-ff', '-m', 'git merge', w.side], { cwd: work });
    expect(await revParse(work, 'HEAD^{tree}')).toBe(await revParse(dir, 'main^{tree}'));

    const events = (await api('GET', `/v1/repos/${repo.namespace}/${repo.name}/events?limit=100`)).json.events as { ref: string; old: string; new: string; actor: string | null }[];
    const isoEvents = events.filter((e) => e.ref.includes('iso') || (e.ref === 'refs/heads/main' && e.new !== iso.answers.refs['refs/heads/main']));
    expect(isoEvents.map((e) => e.ref)).toEqual([
      'refs/heads/main', 'refs/heads/iso-branch', 'refs/heads/iso-side', 'refs/heads/main', 'refs/tags/iso-light', 'refs/tags/iso-annotated',
      'refs/heads/iso-written', 'refs/heads/iso-doomed', 'refs/heads/iso-doomed',
    ]);
    expect(isoEvents.at(-1)!.new).toBe('0'.repeat(40)); // the delete
  });

  test('a push and an isomorphic-git ref write race: whichever comes second fails with a clear error, nothing is lost', async () => {
    const repo = await createRepo('iso-race');
    const src = (await cloneRepo(repo.remote, { label: 'iso-race-src', token: repo.token })).dir;
    await commitFiles(src, { 'a.txt': '1\n' }, 'one');
    await git(['push', '-q', 'origin', 'HEAD:main'], { cwd: src, token: repo.token });
    // 1. isomorphic-git reads main, a push moves main, then isomorphic-git writes main: ESTALE.
    let pushed = '';
    const server = http.createServer(async (_req, res) => {
      await commitFiles(src, { 'a.txt': '2\n' }, 'two (pushed while isomorphic-git was committing)');
      await git(['push', '-q', 'origin', 'HEAD:main'], { cwd: src, token: repo.token });
      pushed = await revParse(src, 'HEAD');
      res.end(pushed);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const r = await run('race', repo, { ref: 'refs/heads/main', callback: `http://127.0.0.1:${port}/` });
      expect(r.pushed).toBe(pushed);
      expect(r.wrote).toBeNull();
      expect(r.code).toBe('ESTALE');
      expect(r.message).toMatch(/^ESTALE: stale file handle, open '\/refs\/heads\/main': refs\/heads\/main is at [0-9a-f]{40}, but this session last saw it at [0-9a-f]{40}: another writer moved it/);
      expect(r.after).toBe(pushed);
    } finally {
      server.close();
    }
    expect(refMap(await lsRemote(repo.remote, { token: repo.token }))['refs/heads/main']).toBe(pushed);
    // 2. isomorphic-git commits first; the push made from the older state is refused by git's rules.
    const iso = await run('commit', repo, { ref: 'refs/heads/main', message: 'isomorphic-git wins\n' });
    await commitFiles(src, { 'a.txt': '3\n' }, 'three (stale)');
    const late = await git(['push', 'origin', 'HEAD:main'], { cwd: src, token: repo.token, allowFail: true });
    expect(late.code).not.toBe(0);
    expect(late.stderr).toMatch(/rejected|fetch first|non-fast-forward/);
    expect(refMap(await lsRemote(repo.remote, { token: repo.token }))['refs/heads/main']).toBe(iso);
  });

  test('the RPC twins of the merge and ref routes: writeRef, merge, createTag, deleteRef', async () => {
    const repo = await createRepo('iso-rpc-api');
    const src = (await cloneRepo(repo.remote, { label: 'iso-rpc-src', token: repo.token })).dir;
    const c1 = await commitFiles(src, { 'a.txt': '1\n' }, 'one');
    const c2 = await commitFiles(src, { 'a.txt': '2\n' }, 'two');
    await git(['push', '-q', 'origin', 'HEAD:main'], { cwd: src, token: repo.token });
    await git(['checkout', '-q', '-b', 'other', c1], { cwd: src });
    const c3 = await commitFiles(src, { 'a.txt': '3\n' }, 'three');
    await git(['push', '-q', 'origin', 'other'], { cwd: src, token: repo.token });
    const r = await run('rpcApi', repo, { base: c1, head: c2, conflicting: c3 });
    expect(r.branch.ok).toEqual({ name: 'refs/heads/rpc', sha: c1, old: null, created: true });
    expect(r.stale.error).toMatch(/^Conflict: refs\/heads\/rpc is at/);
    expect(r.ff.ok).toMatchObject({ sha: c2, fastForward: true });
    expect(r.tag.ok).toMatchObject({ name: 'refs/tags/rpc-tag', target: c2, targetType: 'commit' });
    expect(r.conflict.error).toMatch(/^Conflict: merging '[0-9a-f]{40}' into 'main' conflicts in a\.txt; nothing was written/);
    expect(r.deleted.ok).toEqual({ name: 'refs/heads/rpc', old: c2 });
    const refs = refMap(await lsRemote(repo.remote, { token: repo.token }));
    expect(refs['refs/heads/rpc']).toBeUndefined();
    expect(refs['refs/tags/rpc-tag^{}']).toBe(c2);
    expect(refs['refs/heads/main']).toBe(c2);
  });

  test('errors carry Node codes across the binding; a read token gives a read-only fs; paths cannot leave the repository', async () => {
    const repo = await createRepo('iso-errors');
    const src = (await cloneRepo(repo.remote, { label: 'iso-err-src', token: repo.token })).dir;
    const c = await commitFiles(src, { 'a.txt': '1\n' }, 'one');
    await git(['push', '-q', 'origin', 'HEAD:main'], { cwd: src, token: repo.token });
    const read = await createToken(repo, 'read');
    const e = await run('errors', repo, { readToken: read.token, oid: c });
    expect(e.missing).toMatchObject({ code: 'ENOENT' });
    expect(e.missing.message).toBe("ENOENT: no such file or directory, open '/refs/heads/nope'");
    expect(e.notDir.code).toBe('ENOTDIR');
    expect(e.escape.code).toBe('ENOENT');
    expect(e.stat).toEqual({ isFile: true, isDirectory: false, size: 'ref: refs/heads/main\n'.length, type: 'file' });
    expect(e.dir).toBe(true);
    expect(e.readOnly.code).toBe('EROFS');
    expect(e.readOnlyRead).toEqual(['main']);
    expect(e.badToken).toMatch(/Unauthorized/);
    expect(Object.keys(refMap(await lsRemote(repo.remote, { token: repo.token })))).not.toContain('refs/heads/nope');
  });

  test('latency: one fs call over the binding, and git.log({depth: 100}) against the REST log route', async () => {
    const repo = await pushedFixture('iso-latency');
    const m = await run('latency', repo, { calls: 200, rounds: 7, origin: origin(), token: adminToken(), expected: iso.answers.log.length });
    console.log(
      `[isogit-view latency] fs.stat over RPC: mean ${m.statMeanMs.toFixed(3)} ms, median ${m.statMedianMs.toFixed(2)} ms, p90 ${m.statP90Ms.toFixed(2)} ms (200 calls); ` +
        `git.log({depth:100}) over RPC: median ${m.logMedianMs.toFixed(1)} ms; REST GET …/log/main?limit=100: median ${m.restLogMedianMs.toFixed(1)} ms ` +
        `(ratio ${(m.logMedianMs / m.restLogMedianMs).toFixed(1)}x; 7 rounds)`,
    );
    console.log(`[isogit-view latency] RPC calls of one git.log({depth:100}) without the client's object cache: ${JSON.stringify(m.callsPerLog)}`);
    // 200 round trips over the binding take some time, and less than a second each.
    expect(m.statMeanMs).toBeGreaterThan(0);
    expect(m.statMeanMs).toBeLessThan(1000);
  });
});
