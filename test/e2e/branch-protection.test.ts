// Branch protection (issue 20, item 7): without rules any write token rewrites or deletes
// `main`. PUT /v1/repos/:ns/:name/rules protects ref patterns: a force-push or deletion is
// refused with a message git prints (`! [remote rejected] main -> main (protected branch:
// force-push refused)`), mergeOnly refuses pushes and the commit API; the repository stays
// exactly as it was (refs identical, fsck-clean clone).
import { describe, expect, test } from 'vitest';
import {
  adminToken, api, cloneRepo, commitFiles, createRepo, fsckStrict, git, initRepo, lsRemote, NS, refMap, revParse, uniqueName, useArbor,
  type RepoInfo,
} from './harness';

useArbor();

const rulesPath = (r: RepoInfo) => `/v1/repos/${NS}/${r.name}/rules`;
const refsOf = async (r: RepoInfo) => refMap(await lsRemote(r.remote, { token: r.token }));

async function setup(label: string): Promise<{ repo: RepoInfo; src: string }> {
  const repo = await createRepo(label);
  const src = await initRepo(label);
  await commitFiles(src, { 'a.txt': '1\n' }, 'one');
  await commitFiles(src, { 'a.txt': '2\n' }, 'two');
  await git(['push', repo.remote, 'HEAD:refs/heads/main', 'HEAD:refs/heads/feature', 'HEAD:refs/heads/release/1.0', 'HEAD:refs/heads/prod'], { cwd: src, token: repo.token });
  return { repo, src };
}

async function expectUnchanged(repo: RepoInfo, refs: Record<string, string>): Promise<void> {
  expect(await refsOf(repo)).toEqual(refs);
  const { dir } = await cloneRepo(repo.remote, { token: repo.token, args: ['--mirror'] });
  await fsckStrict(dir);
}

describe('branch protection', () => {
  test('rules: PUT replaces, GET reads; bad input is a 400, no admin a 401, no repository a 404', async () => {
    const { repo } = await setup('bp-api');
    expect((await api('GET', rulesPath(repo))).json).toEqual({ rules: [] });
    const put = await api('PUT', rulesPath(repo), { body: { rules: [{ pattern: 'refs/heads/main' }, { pattern: 'refs/heads/release/*', allowDeletion: true }] } });
    expect(put.status, put.text).toBe(200);
    const stored = {
      rules: [
        { pattern: 'refs/heads/main', allowForcePush: false, allowDeletion: false, mergeOnly: false },
        { pattern: 'refs/heads/release/*', allowForcePush: false, allowDeletion: true, mergeOnly: false },
      ],
    };
    expect(put.json).toEqual(stored);
    expect((await api('GET', rulesPath(repo))).json).toEqual(stored);
    for (const body of [
      {},
      { rules: 'refs/heads/main' },
      { rules: [{}] },
      { rules: [{ pattern: 'main' }] },
      { rules: [{ pattern: 'refs/heads/[ab]' }] },
      { rules: [{ pattern: 'refs/heads/main', allowForcePush: 'yes' }] },
      { rules: [{ pattern: 'refs/heads/main', protect: true }] },
      { rules: [{ pattern: 'refs/heads/x' }, { pattern: 'refs/heads/x' }] },
      { rules: Array.from({ length: 101 }, (_, i) => ({ pattern: `refs/heads/b${i}` })) },
      '[1]',
    ]) {
      const r = await api('PUT', rulesPath(repo), { body });
      expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(r.json.error.code).toBe('bad_request');
    }
    expect((await api('GET', rulesPath(repo))).json).toEqual(stored); // refused input changed nothing
    expect((await api('PUT', rulesPath(repo), { body: { rules: [] }, token: repo.token })).status).toBe(401);
    expect((await api('GET', rulesPath(repo), { token: null })).status).toBe(401);
    expect((await api('GET', `/v1/repos/${NS}/${uniqueName('bp-none')}/rules`)).status).toBe(404);
    expect((await api('PUT', `/v1/repos/${NS}/${uniqueName('bp-none')}/rules`, { body: { rules: [] } })).status).toBe(404);
  });

  test('git push: force-push and deletion of a protected branch are refused; fast-forwards and other branches are not', async () => {
    const { repo, src } = await setup('bp-push');
    expect((await api('PUT', rulesPath(repo), { body: { rules: [{ pattern: 'refs/heads/main' }, { pattern: 'refs/heads/release/*' }] } })).status).toBe(200);
    const before = await refsOf(repo);

    await git(['reset', '-q', '--hard', 'HEAD~1'], { cwd: src });
    await commitFiles(src, { 'b.txt': 'rewritten\n' }, 'rewritten');
    for (const token of [repo.token, adminToken()]) {
      const force = await git(['push', '--force', repo.remote, 'HEAD:refs/heads/main'], { cwd: src, token, allowFail: true });
      expect(force.code).not.toBe(0);
      expect(force.stderr).toContain('! [remote rejected] HEAD -> main (protected branch: force-push refused)');
    }
    const del = await git(['push', repo.remote, '--delete', 'main'], { cwd: src, token: repo.token, allowFail: true });
    expect(del.code).not.toBe(0);
    expect(del.stderr).toContain('! [remote rejected] main (protected branch: deletion refused)');
    const rel = await git(['push', '--force', repo.remote, 'HEAD:refs/heads/release/1.0'], { cwd: src, token: repo.token, allowFail: true });
    expect(rel.stderr).toContain('(protected branch: force-push refused)');
    // --atomic: the protected refusal takes the unprotected update down with it.
    const atomic = await git(['push', '--atomic', '--force', repo.remote, 'HEAD:refs/heads/feature', 'HEAD:refs/heads/main'], { cwd: src, token: repo.token, allowFail: true });
    expect(atomic.code).not.toBe(0);
    expect(atomic.stderr).toContain('(atomic transaction failed)');
    await expectUnchanged(repo, before);

    // Unprotected: force and delete work; protected names can still be created.
    await git(['push', '--force', repo.remote, 'HEAD:refs/heads/feature', 'HEAD:refs/heads/release/2.0'], { cwd: src, token: repo.token });
    await git(['push', repo.remote, '--delete', 'feature'], { cwd: src, token: repo.token });
    // A fast-forward of main is fine.
    const { dir } = await cloneRepo(repo.remote, { token: repo.token });
    const ff = await commitFiles(dir, { 'c.txt': 'c\n' }, 'forward');
    await git(['push', 'origin', 'main'], { cwd: dir, token: repo.token });
    expect((await refsOf(repo))['refs/heads/main']).toBe(ff);

    // Removing the rules lifts the protection.
    expect((await api('PUT', rulesPath(repo), { body: { rules: [] } })).json).toEqual({ rules: [] });
    await git(['push', '--force', repo.remote, 'HEAD:refs/heads/main'], { cwd: src, token: repo.token });
    expect((await refsOf(repo))['refs/heads/main']).toBe(await revParse(src, 'HEAD'));
  });

  test('mergeOnly: pushes and the commit API are refused; allowForcePush/allowDeletion relax a rule', async () => {
    const { repo, src } = await setup('bp-merge');
    const put = await api('PUT', rulesPath(repo), {
      body: { rules: [{ pattern: 'refs/heads/prod', mergeOnly: true }, { pattern: 'refs/heads/feature', allowForcePush: true, allowDeletion: true }] },
    });
    expect(put.status, put.text).toBe(200);
    const before = await refsOf(repo);
    const { dir } = await cloneRepo(repo.remote, { token: repo.token });
    await commitFiles(dir, { 'p.txt': 'p\n' }, 'to prod');
    const push = await git(['push', 'origin', 'HEAD:refs/heads/prod'], { cwd: dir, token: repo.token, allowFail: true });
    expect(push.code).not.toBe(0);
    expect(push.stderr).toContain('(protected branch: changes only through the merge API)');
    const commit = await api('POST', `/v1/repos/${NS}/${repo.name}/commits`, {
      token: repo.token,
      body: { branch: 'prod', message: 'm', author: { name: 'A', email: 'a@x.y' }, changes: [{ action: 'create', path: 'm.txt', content: 'm\n' }] },
    });
    expect(commit.status, commit.text).toBe(403);
    expect(commit.json.error).toEqual({ code: 'protected_branch', message: "branch 'prod': protected branch: changes only through the merge API" });
    await expectUnchanged(repo, before);

    // The merge API is the way in; the ref API (like a push) is not.
    const onMain = await api('POST', `/v1/repos/${NS}/${repo.name}/commits`, {
      token: repo.token,
      body: { branch: 'main', message: 'for prod', author: { name: 'A', email: 'a@x.y' }, changes: [{ action: 'create', path: 'n.txt', content: 'n\n' }] },
    });
    expect(onMain.status, onMain.text).toBe(201);
    const moveRef = await api('POST', `/v1/repos/${NS}/${repo.name}/refs`, { token: repo.token, body: { name: 'refs/heads/prod', sha: onMain.json.commit } });
    expect(moveRef.status, moveRef.text).toBe(403);
    expect(moveRef.json.error.code).toBe('protected_branch');
    const merged = await api('POST', `/v1/repos/${NS}/${repo.name}/merges`, { token: repo.token, body: { base: 'prod', head: 'main' } });
    expect(merged.status, merged.text).toBe(201);
    expect(merged.json).toMatchObject({ sha: onMain.json.commit, fastForward: true });
    expect((await refsOf(repo))['refs/heads/prod']).toBe(onMain.json.commit);

    await git(['reset', '-q', '--hard', 'HEAD~1'], { cwd: src });
    await commitFiles(src, { 'f.txt': 'f\n' }, 'feature rewritten');
    await git(['push', '--force', repo.remote, 'HEAD:refs/heads/feature'], { cwd: src, token: repo.token });
    await git(['push', repo.remote, '--delete', 'feature'], { cwd: src, token: repo.token });
    expect((await refsOf(repo))['refs/heads/feature']).toBeUndefined();
  });

  test('a fork does not inherit the rules of its origin', async () => {
    const { repo, src } = await setup('bp-fork');
    await api('PUT', rulesPath(repo), { body: { rules: [{ pattern: 'refs/heads/feature' }] } });
    const f = await api('POST', `/v1/repos/${NS}/${repo.name}/fork`, { body: { name: uniqueName('bp-forked') } });
    expect(f.status, f.text).toBe(201);
    expect((await api('GET', `/v1/repos/${NS}/${f.json.name}/rules`)).json).toEqual({ rules: [] });
    await git(['push', f.json.remote, '--delete', 'feature'], { cwd: src, token: f.json.token });
    expect((await refsOf(repo))['refs/heads/feature']).toBeDefined();
    const again = await git(['push', repo.remote, '--delete', 'feature'], { cwd: src, token: repo.token, allowFail: true });
    expect(again.stderr).toContain('(protected branch: deletion refused)');
  });
});
