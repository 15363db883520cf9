// Ref update rules on push: force, non-fast-forward, deletes, several refs at once, --atomic
// (client- and server-side), --force-with-lease, compare-and-swap on the old value, and
// concurrent pushes to one branch.
import { describe, expect, test } from 'vitest';
import {
  cloneRepo, commitFiles, createRepo, fsckStrict, git, gitOut, initRepo, lsRemote, parseReportStatus,
  pushAll, rawService, receivePackBody, refMap, revParse, treeOf, useArbor, ZERO_OID, type RepoInfo,
} from './harness';

useArbor();

async function setup(label: string): Promise<{ repo: RepoInfo; src: string }> {
  const repo = await createRepo(label);
  const src = await initRepo(label);
  await commitFiles(src, { 'a.txt': 'a1\n' }, 'a1');
  await commitFiles(src, { 'a.txt': 'a2\n' }, 'a2');
  await git(['branch', 'feature'], { cwd: src });
  await git(['tag', '-a', 'v1', '-m', 'v1'], { cwd: src });
  await git(['tag', 'lw'], { cwd: src });
  await commitFiles(src, { 'a.txt': 'a3\n' }, 'a3');
  await pushAll(src, repo.remote, repo.token);
  return { repo, src };
}

async function remoteRefs(repo: RepoInfo): Promise<Record<string, string>> {
  return refMap(await lsRemote(repo.remote, { token: repo.token }));
}

describe('single-client rules', () => {
  test('force push rewrites history', async () => {
    const { repo, src } = await setup('force');
    const old = await revParse(src, 'main');
    await git(['reset', '-q', '--hard', 'HEAD~2'], { cwd: src });
    const rewritten = await commitFiles(src, { 'b.txt': 'rewritten\n' }, 'rewritten');
    const plain = await git(['push', repo.remote, 'main'], { cwd: src, token: repo.token, allowFail: true });
    expect(plain.code).not.toBe(0);
    expect((await remoteRefs(repo))['refs/heads/main']).toBe(old);
    const forced = await git(['push', '--force', repo.remote, 'main'], { cwd: src, token: repo.token });
    expect(forced.stderr).toMatch(/\+ .*\(forced update\)/);
    expect((await remoteRefs(repo))['refs/heads/main']).toBe(rewritten);
    const { dir } = await cloneRepo(repo.remote, { token: repo.token });
    expect(await revParse(dir, 'HEAD')).toBe(rewritten);
    expect(await gitOut(dir, ['rev-list', '--count', 'HEAD'])).toBe('2');
    expect(await treeOf(dir)).toEqual(await treeOf(src));
    await fsckStrict(dir);
  });

  test('non-fast-forward push is rejected and leaves the branch alone', async () => {
    const { repo } = await setup('nonff');
    const { dir: a } = await cloneRepo(repo.remote, { token: repo.token, label: 'a' });
    const { dir: b } = await cloneRepo(repo.remote, { token: repo.token, label: 'b' });
    const bHead = await commitFiles(b, { 'b.txt': 'b\n' }, 'b');
    await git(['push', 'origin', 'main'], { cwd: b, token: repo.token });
    await commitFiles(a, { 'a-only.txt': 'a\n' }, 'a');
    // Without fetching: git refuses because the remote has work it does not have.
    const r1 = await git(['push', 'origin', 'main'], { cwd: a, token: repo.token, allowFail: true });
    expect(r1.code).not.toBe(0);
    expect(r1.stderr).toMatch(/\[rejected\]|fetch first|non-fast-forward/);
    // After fetching: a plain non-fast-forward.
    await git(['fetch', 'origin'], { cwd: a, token: repo.token });
    const r2 = await git(['push', 'origin', 'main'], { cwd: a, token: repo.token, allowFail: true });
    expect(r2.code).not.toBe(0);
    expect(r2.stderr).toMatch(/non-fast-forward/);
    expect((await remoteRefs(repo))['refs/heads/main']).toBe(bHead);
  });

  test('delete a branch and a tag', async () => {
    const { repo, src } = await setup('delete');
    const before = await remoteRefs(repo);
    expect(before['refs/heads/feature']).toBeDefined();
    expect(before['refs/tags/v1']).toBeDefined();
    await git(['push', repo.remote, ':refs/heads/feature', ':refs/tags/v1'], { cwd: src, token: repo.token });
    const after = await remoteRefs(repo);
    expect(after['refs/heads/feature']).toBeUndefined();
    expect(after['refs/tags/v1']).toBeUndefined();
    expect(after['refs/tags/v1^{}']).toBeUndefined();
    expect(after['refs/heads/main']).toBe(before['refs/heads/main']);
    expect(after['refs/tags/lw']).toBe(before['refs/tags/lw']);
    // --delete spelling, for the lightweight tag.
    await git(['push', '--delete', repo.remote, 'refs/tags/lw'], { cwd: src, token: repo.token });
    expect((await remoteRefs(repo))['refs/tags/lw']).toBeUndefined();
    // Deleting what is not there changes nothing (native git warns and exits 0; an error is fine too).
    const mid = await remoteRefs(repo);
    const r = await git(['push', repo.remote, ':refs/heads/never-existed'], { cwd: src, token: repo.token, allowFail: true });
    expect(r.stderr).not.toMatch(/error: 5\d\d|returned error: 5/);
    expect(await remoteRefs(repo)).toEqual(mid);
    const { dir } = await cloneRepo(repo.remote, { token: repo.token });
    expect(await gitOut(dir, ['tag', '-l'])).toBe('');
    await fsckStrict(dir);
  });

  test('several refs in one push: creates, updates and deletes together', async () => {
    const { repo, src } = await setup('multi');
    const main2 = await commitFiles(src, { 'm.txt': 'm\n' }, 'main moves');
    for (const b of ['one', 'two', 'three']) {
      await git(['branch', b, 'HEAD~1'], { cwd: src });
    }
    await git(['tag', '-a', 'v2', '-m', 'v2'], { cwd: src });
    await git(['tag', 'lw2', 'HEAD~2'], { cwd: src });
    await git(['push', '--porcelain', repo.remote, 'main', 'one', 'two', 'three', 'v2', 'lw2', ':refs/heads/feature'],
      { cwd: src, token: repo.token });
    const refs = await remoteRefs(repo);
    expect(refs['refs/heads/main']).toBe(main2);
    for (const b of ['one', 'two', 'three']) expect(refs[`refs/heads/${b}`]).toBe(await revParse(src, b));
    expect(refs['refs/tags/v2']).toBe(await revParse(src, 'refs/tags/v2'));
    expect(refs['refs/tags/v2^{}']).toBe(main2);
    expect(refs['refs/tags/lw2']).toBe(await revParse(src, 'lw2'));
    expect(refs['refs/heads/feature']).toBeUndefined();
    const { dir } = await cloneRepo(repo.remote, { token: repo.token });
    await fsckStrict(dir);
  });

  test('push --atomic with one rejected ref updates none', async () => {
    const { repo, src } = await setup('atomic');
    const before = await remoteRefs(repo);
    await commitFiles(src, { 'ff.txt': 'ff\n' }, 'fast-forward of main');
    await git(['checkout', '-q', 'feature'], { cwd: src });
    await git(['reset', '-q', '--hard', 'HEAD~1'], { cwd: src });
    await commitFiles(src, { 'nonff.txt': 'x\n' }, 'rewrites feature');
    await git(['checkout', '-q', 'main'], { cwd: src });
    await git(['branch', 'brand-new'], { cwd: src });
    const r = await git(['push', '--atomic', repo.remote, 'main', 'feature', 'brand-new'], { cwd: src, token: repo.token, allowFail: true });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/atomic/);
    expect(await remoteRefs(repo)).toEqual(before);
    // Without --atomic the good refs land.
    await git(['push', repo.remote, 'main', 'feature', 'brand-new'], { cwd: src, token: repo.token, allowFail: true });
    const after = await remoteRefs(repo);
    expect(after['refs/heads/main']).toBe(await revParse(src, 'main'));
    expect(after['refs/heads/brand-new']).toBe(await revParse(src, 'main'));
    expect(after['refs/heads/feature']).toBe(before['refs/heads/feature']);
  });

  test('stale --force-with-lease is rejected', async () => {
    const { repo } = await setup('lease');
    const { dir: a } = await cloneRepo(repo.remote, { token: repo.token, label: 'a' });
    const { dir: b } = await cloneRepo(repo.remote, { token: repo.token, label: 'b' });
    const bHead = await commitFiles(b, { 'b.txt': 'b\n' }, 'b');
    await git(['push', 'origin', 'main'], { cwd: b, token: repo.token });
    await git(['reset', '-q', '--hard', 'HEAD~1'], { cwd: a });
    await commitFiles(a, { 'a.txt': 'rewrite\n' }, 'a rewrite');
    const r = await git(['push', '--force-with-lease', 'origin', 'main'], { cwd: a, token: repo.token, allowFail: true });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/stale info/);
    expect((await remoteRefs(repo))['refs/heads/main']).toBe(bHead);
    // An explicit, correct lease succeeds.
    const ok = await git(['push', `--force-with-lease=main:${bHead}`, 'origin', 'main'], { cwd: a, token: repo.token });
    expect(ok.code).toBe(0);
    expect((await remoteRefs(repo))['refs/heads/main']).toBe(await revParse(a, 'HEAD'));
  });
});

describe('server-side compare-and-swap (raw receive-pack)', () => {
  test('an update whose old value is stale is refused (ng) and the ref keeps its value', async () => {
    const { repo, src } = await setup('cas');
    const before = await remoteRefs(repo);
    const main = before['refs/heads/main'];
    const feature = before['refs/heads/feature'];
    // Claim main is at `feature` (it is not) and move it there.
    const res = await rawService(repo.remote, 'git-receive-pack',
      receivePackBody([{ old: feature, new: feature, ref: 'refs/heads/main' }], ['report-status']), { token: repo.token });
    expect(res.status).toBeLessThan(500);
    if (res.status === 200) {
      const rs = parseReportStatus(res.body);
      expect(rs.ok).not.toContain('refs/heads/main');
      expect(Object.keys(rs.ng).length + rs.errors.length, res.text).toBeGreaterThan(0);
    }
    expect((await remoteRefs(repo))['refs/heads/main']).toBe(main);
    // Creating a ref that already exists (old = zero) is refused too.
    const res2 = await rawService(repo.remote, 'git-receive-pack',
      receivePackBody([{ old: ZERO_OID, new: main, ref: 'refs/heads/feature' }], ['report-status']), { token: repo.token });
    expect(res2.status).toBeLessThan(500);
    expect((await remoteRefs(repo))['refs/heads/feature']).toBe(feature);
    void src;
  });

  test('atomic: one stale command fails the whole request', async () => {
    const { repo } = await setup('casatomic');
    const before = await remoteRefs(repo);
    const main = before['refs/heads/main'];
    const feature = before['refs/heads/feature'];
    const res = await rawService(repo.remote, 'git-receive-pack', receivePackBody([
      { old: ZERO_OID, new: main, ref: 'refs/heads/created-atomically' }, // fine on its own
      { old: feature, new: main, ref: 'refs/heads/feature' }, // fine on its own (fast-forward)
      { old: feature, new: feature, ref: 'refs/heads/main' }, // stale old value
    ], ['report-status', 'atomic']), { token: repo.token });
    expect(res.status).toBeLessThan(500);
    if (res.status === 200) {
      const rs = parseReportStatus(res.body);
      expect(rs.ok, res.text).toEqual([]);
    }
    expect(await remoteRefs(repo)).toEqual(before);
    // The same request without the stale command goes through.
    const ok = await rawService(repo.remote, 'git-receive-pack', receivePackBody([
      { old: ZERO_OID, new: main, ref: 'refs/heads/created-atomically' },
      { old: feature, new: main, ref: 'refs/heads/feature' },
    ], ['report-status', 'atomic']), { token: repo.token });
    expect(ok.status).toBe(200);
    const rs = parseReportStatus(ok.body);
    expect(rs.unpack).toBe('ok');
    expect(rs.ok.sort()).toEqual(['refs/heads/created-atomically', 'refs/heads/feature']);
    const after = await remoteRefs(repo);
    expect(after['refs/heads/created-atomically']).toBe(main);
    expect(after['refs/heads/feature']).toBe(main);
  });
});

describe('concurrent pushes', () => {
  test('5 clients push different commits to main at once: exactly one wins each round', async () => {
    const { repo } = await setup('race');
    const clients: string[] = [];
    for (let i = 0; i < 5; i++) clients.push((await cloneRepo(repo.remote, { token: repo.token, label: `c${i}` })).dir);
    const winners: string[] = [];
    for (let round = 0; round < 3; round++) {
      for (const c of clients) {
        await git(['fetch', '-q', 'origin'], { cwd: c, token: repo.token });
        await git(['reset', '-q', '--hard', 'origin/main'], { cwd: c });
      }
      const heads = await Promise.all(clients.map((c, i) => commitFiles(c, { [`client-${i}.txt`]: `round ${round}\n` }, `client ${i} round ${round}`)));
      const results = await Promise.all(clients.map((c) => git(['push', 'origin', 'main'], { cwd: c, token: repo.token, allowFail: true })));
      const won = results.map((r, i) => (r.code === 0 ? i : -1)).filter((i) => i >= 0);
      expect(won.length, results.map((r) => r.stderr).join('\n----\n')).toBe(1);
      for (const r of results) expect(r.stderr).not.toMatch(/HTTP 5\d\d|error: 5\d\d|returned error: 5/);
      const tip = (await remoteRefs(repo))['refs/heads/main'];
      expect(tip).toBe(heads[won[0]]);
      winners.push(tip);
    }
    const { dir } = await cloneRepo(repo.remote, { token: repo.token, label: 'final' });
    await fsckStrict(dir);
    expect(await revParse(dir, 'HEAD')).toBe(winners[2]);
    expect(await gitOut(dir, ['rev-list', '--count', 'HEAD'])).toBe(String(3 + 3));
  });

  test('concurrent pushes that fast-forward each other: every success is an ancestor of the final tip', async () => {
    const { repo } = await setup('racechain');
    const { dir: base } = await cloneRepo(repo.remote, { token: repo.token, label: 'chain-base' });
    // c0 <- c1 <- ... <- c4, each client pushes its own prefix of the chain.
    const chain: string[] = [];
    for (let i = 0; i < 5; i++) chain.push(await commitFiles(base, { 'chain.txt': `${i}\n` }, `chain ${i}`));
    const clients: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { dir } = await cloneRepo(repo.remote, { token: repo.token, label: `chain-${i}` });
      await git(['fetch', '-q', base, chain[i]], { cwd: dir });
      await git(['reset', '-q', '--hard', chain[i]], { cwd: dir });
      clients.push(dir);
    }
    const results = await Promise.all(clients.map((c) => git(['push', 'origin', 'main'], { cwd: c, token: repo.token, allowFail: true })));
    const won = results.map((r, i) => (r.code === 0 ? i : -1)).filter((i) => i >= 0);
    expect(won.length).toBeGreaterThanOrEqual(1);
    const tip = (await remoteRefs(repo))['refs/heads/main'];
    expect(won.map((i) => chain[i])).toContain(tip);
    for (const i of won) {
      const r = await git(['merge-base', '--is-ancestor', chain[i], tip], { cwd: base, allowFail: true });
      expect(r.code, `winner ${i} is not an ancestor of the tip`).toBe(0);
    }
    const { dir } = await cloneRepo(repo.remote, { token: repo.token, label: 'chain-final' });
    await fsckStrict(dir);
  });
});
