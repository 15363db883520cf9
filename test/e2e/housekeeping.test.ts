// Housekeeping (repack, gc) judged by real git: after POST .../maintenance, clones of git-pushed,
// API-built, forked and shallow-imported repositories are fsck --strict clean and carry the same
// objects and contents as before; a gc with prune "now" keeps exactly what `git gc --prune=now`
// keeps on the same history; a push racing the run succeeds.
import * as http from 'node:http';
import type * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  api, buildSampleRepo, cloneRepo, commitFiles, createRepo, fastImportCommits, fsckStrict, git, gitOut, initRepo, lsRemote, NS, pushAll,
  maintain, maintenancePath, mirrorChecked, objectContents, revParse, runHttpBackend, tmpDir, treeOf, uniqueName, useArbor, waitIdle, type RepoInfo,
} from './harness';

useArbor();

describe('housekeeping', () => {
  test('git-pushed history: repack then gc; clones equal before and after, fsck clean', async () => {
    const repo = await createRepo('hk-pushed');
    await api('PATCH', maintenancePath(repo), { body: { auto: false } });
    const src = await buildSampleRepo('hk-src');
    await pushAll(src, repo.remote, repo.token);
    for (let i = 0; i < 6; i++) {
      await fastImportCommits(src, { count: 3, file: `f${i % 2}.txt`, prefix: `round ${i}`, startTime: 1_700_000_000 + i * 1000 });
      await git(['push', '-q', repo.remote, 'main'], { cwd: src, token: repo.token });
    }
    const before = await mirrorChecked(repo, 'hk-before');
    const objectsBefore = await objectContents(before);
    const repacked = await maintain(repo, { tasks: ['repack'] });
    expect(repacked.lastRun.outcome).toBe('done');
    expect(repacked.current.packs).toBeLessThan(7);
    const gc = await maintain(repo, { tasks: ['repack', 'gc'], prune: 'now' });
    expect(gc.lastRun.after.packs).toBe(1);
    expect(gc.lastRun.objectsPruned).toBe(0);
    const after = await mirrorChecked(repo, 'hk-after');
    expect(await objectContents(after)).toEqual(objectsBefore);
    expect(await lsRemote(repo.remote, { token: repo.token })).toEqual(await lsRemote(`file://${before}`));
    const { dir: wt } = await cloneRepo(repo.remote, { token: repo.token, label: 'hk-wt' });
    expect(await treeOf(wt)).toEqual(await treeOf(src));
    const info = (await api('GET', `/v1/repos/${NS}/${repo.name}`)).json;
    expect(info.packs).toBe(1);
    expect(info.sizeBytes).toBe(gc.current.bytes);
  });

  test('API-built history: deltified, every commit readable, clone byte-equal in content', async () => {
    const repo = await createRepo('hk-api');
    await api('PATCH', maintenancePath(repo), { body: { auto: false } });
    const state = (i: number) => JSON.stringify({ step: i, agent: 'e2e', notes: Array.from({ length: 40 }, (_, k) => `note ${k}: ${k === i % 40 ? 'updated at ' + i : 'unchanged'}`) }, null, 2);
    for (let i = 0; i < 30; i++) {
      const r = await api('POST', `/v1/repos/${NS}/${repo.name}/commits`, {
        body: {
          branch: 'main', message: `step ${i}`, author: { name: 'Agent', email: 'agent@arbor.test' },
          changes: [{ action: i ? 'update' : 'create', path: 'state.json', content: state(i) }, { action: 'create', path: `log/${String(i).padStart(4, '0')}.txt`, content: `step ${i}\n` }],
        },
      });
      expect(r.status, r.text).toBe(201);
    }
    const before = await mirrorChecked(repo, 'hk-api-before');
    const gc = await maintain(repo, { tasks: ['gc'], prune: 'now' });
    expect(gc.lastRun.after.bytes).toBeLessThan(gc.lastRun.before.bytes);
    const after = await mirrorChecked(repo, 'hk-api-after');
    expect(await objectContents(after)).toEqual(await objectContents(before));
    // every object's content equal (git cat-file of each)
    const all = [...(await objectContents(before)).keys()];
    const dump = (dir: string) => git(['cat-file', '--batch'], { cwd: dir, input: all.join('\n') + '\n' });
    expect((await dump(after)).stdout).toBe((await dump(before)).stdout);
    const verify = await git(['verify-pack', '-v', ...(await packsOf(after))], { cwd: after });
    expect(verify.stdout).toMatch(/chain length = 1:/); // the clone carries deltas
  });

  test('forks: a gc in the origin never takes what a fork reaches; both clones fsck clean', async () => {
    // A fork is its own Durable Object and reads the origin's history from the packs the origin
    // published to R2 when it was made (immutable, reference-counted): the origin's gc frees what
    // the origin no longer reaches in its own store, and the fork loses nothing.
    const origin = await createRepo('hk-origin');
    await api('PATCH', maintenancePath(origin), { body: { auto: false } });
    const src = await buildSampleRepo('hk-fsrc');
    await pushAll(src, origin.remote, origin.token);
    const f = (await api('POST', `/v1/repos/${NS}/${origin.name}/fork`, { body: { name: uniqueName('hk-fork') } })).json as RepoInfo;
    await api('PATCH', maintenancePath(f), { body: { auto: false } });
    const { dir: fw } = await cloneRepo(f.remote, { token: f.token, label: 'hk-fw' });
    await commitFiles(fw, { 'fork.txt': 'fork work\n' }, 'fork work');
    await git(['push', '-q', 'origin', 'main'], { cwd: fw, token: f.token });
    // the origin rewrites main and drops dev: the fork still reaches the old history
    await git(['reset', '-q', '--hard', 'main~2'], { cwd: src });
    await commitFiles(src, { 'new.txt': 'rewritten\n' }, 'rewrite');
    await git(['push', '-q', '-f', origin.remote, 'main', ':dev'], { cwd: src, token: origin.token });
    const forkBefore = await objectContents(await mirrorChecked(f, 'hk-f-before'));
    const st = await maintain(origin, { tasks: ['gc'], prune: 'now' });
    expect(st.lastRun.objectsPruned).toBeGreaterThan(0); // the origin's own store lets go of them
    expect(await objectContents(await mirrorChecked(f, 'hk-f-after'))).toEqual(forkBefore);
    await mirrorChecked(origin, 'hk-o-after');
    // the fork lets go of dev too and runs its own gc: what it still reaches stays whole
    await git(['push', '-q', f.remote, ':dev'], { cwd: fw, token: f.token });
    const forkMain = await objectContents(await mirrorChecked(f, 'hk-f-main'));
    const st2 = await maintain(f, { tasks: ['gc'], prune: 'now' });
    expect(['done', 'nothing-to-do']).toContain(st2.lastRun.outcome);
    expect(await objectContents(await mirrorChecked(f, 'hk-f-final'))).toEqual(forkMain);
    await mirrorChecked(origin, 'hk-o-final');
  });

  test('gc prune=now keeps exactly what git gc --prune=now keeps on the same history', async () => {
    const repo = await createRepo('hk-diff');
    await api('PATCH', maintenancePath(repo), { body: { auto: false } });
    const work = await initRepo('hk-diff-work');
    await fastImportCommits(work, { count: 12, file: 'a.txt', prefix: 'main' });
    await git(['branch', 'b1', 'main~4'], { cwd: work });
    await fastImportCommits(work, { branch: 'b1', count: 5, file: 'b.txt', prefix: 'b1' });
    await git(['branch', 'b2', 'main~2'], { cwd: work });
    await fastImportCommits(work, { branch: 'b2', count: 3, file: 'c.txt', prefix: 'b2' });
    await git(['tag', '-a', 't1', '-m', 'tag on b2', 'b2'], { cwd: work });
    await git(['push', '-q', '--mirror', repo.remote], { cwd: work, token: repo.token });
    // rewrite: drop b1 and the tag, rewind main and grow it elsewhere, force-push everything
    await git(['branch', '-D', 'b1'], { cwd: work });
    await git(['tag', '-d', 't1'], { cwd: work });
    await git(['reset', '-q', '--hard', 'main~5'], { cwd: work });
    await fastImportCommits(work, { count: 2, file: 'd.txt', prefix: 'rewritten' });
    await git(['push', '-q', '--mirror', '--force', repo.remote], { cwd: work, token: repo.token });
    await git(['reflog', 'expire', '--expire=now', '--all'], { cwd: work });
    await git(['gc', '-q', '--prune=now'], { cwd: work });
    const native = await objectContents(work);
    const st = await maintain(repo, { tasks: ['gc'], prune: 'now' });
    expect(st.lastRun.objectsPruned).toBeGreaterThan(0);
    expect(st.current.objects).toBe(native.size); // what is stored...
    expect(await objectContents(await mirrorChecked(repo, 'hk-diff-after'))).toEqual(native); // ...is what git kept
  });

  describe('shallow import', () => {
    let server: http.Server;
    afterAll(async () => {
      server?.closeAllConnections();
      await new Promise((r) => server?.close(r));
    });
    test('a shallow-imported repository: gc keeps the boundary; clones stay shallow and fsck clean', async () => {
      const root = await tmpDir('hk-shallow-src');
      const long = path.join(root, 'long.git');
      await git(['init', '-q', '--bare', '-b', 'main', long]);
      await fastImportCommits(long, { count: 10, file: 'n.txt', prefix: 'c' });
      server = http.createServer((req, res) => void runHttpBackend(req, res, root, new URL(req.url ?? '/', 'http://x').pathname));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/long.git`;
      const name = uniqueName('hk-shallow');
      const imp = await api('POST', `/v1/repos/${NS}/${name}/import`, { body: { url, depth: 3 } });
      expect(imp.status, imp.text).toBe(201);
      const repo = imp.json as RepoInfo;
      const { dir: w } = await cloneRepo(repo.remote, { token: repo.token, label: 'hk-sh-w' });
      await commitFiles(w, { 'top.txt': 'top\n' }, 'top');
      await git(['push', '-q', 'origin', 'main'], { cwd: w, token: repo.token });
      const st = await maintain(repo, { tasks: ['repack', 'gc'], prune: 'now' });
      expect(st.lastRun.after.packs).toBe(1);
      const { dir } = await cloneRepo(repo.remote, { token: repo.token, label: 'hk-sh-c' });
      await fsckStrict(dir);
      expect((await gitOut(dir, ['rev-list', '--count', 'HEAD'])).trim()).toBe('4');
      expect(await revParse(dir, 'HEAD')).toBe(await revParse(w, 'HEAD'));
    });
  });

  test('a push while a gc runs: both succeed, nothing lost', async () => {
    const repo = await createRepo('hk-race');
    await api('PATCH', maintenancePath(repo), { body: { auto: false } });
    const src = await initRepo('hk-race-src');
    for (let i = 0; i < 8; i++) {
      await fastImportCommits(src, { count: 20, file: `f${i}.txt`, prefix: `batch ${i}`, startTime: 1_700_000_000 + i * 10_000 });
      await git(['push', '-q', repo.remote, 'main'], { cwd: src, token: repo.token });
    }
    const r = await api('POST', maintenancePath(repo), { body: { tasks: ['gc'], prune: 'now' } });
    expect(r.status).toBe(202);
    await fastImportCommits(src, { count: 5, file: 'late.txt', prefix: 'late', startTime: 1_800_000_000 });
    await git(['push', '-q', repo.remote, 'main'], { cwd: src, token: repo.token });
    const st = await waitIdle(repo);
    expect(st.lastRun.outcome).toBe('done');
    const { dir } = await cloneRepo(repo.remote, { token: repo.token, label: 'hk-race-c', args: ['--mirror'] });
    await fsckStrict(dir);
    expect(await revParse(dir, 'main')).toBe(await revParse(src, 'main'));
    expect((await gitOut(dir, ['rev-list', '--count', 'main'])).trim()).toBe('165');
  });
});

async function packsOf(dir: string): Promise<string[]> {
  const out = await gitOut(dir, ['count-objects', '-v']);
  expect(out).toMatch(/packs: [1-9]/);
  const { readdir } = await import('node:fs/promises');
  const p = path.join(dir, 'objects', 'pack');
  return (await readdir(p)).filter((f) => f.endsWith('.idx')).map((f) => path.join(p, f));
}
