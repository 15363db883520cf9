// Ref names git cannot hold (issue 20, item 3): a ref that is also a directory of refs
// (`refs/heads/a` and `refs/heads/a/b`) made every later `git clone` fail, and one-level names
// like `refs/foo` were accepted. Both are refused as git's receive-pack refuses them (`ng` with
// git's wording, in push order; atomic pushes fail whole), by the commit API (409), and the
// repository stays clonable and unchanged.
import { describe, expect, test } from 'vitest';
import {
  api, cloneRepo, commitFiles, createRepo, fsckStrict, git, initRepo, lsRemote, NS, parseReportStatus, rawService, receivePackBody,
  refMap, revParse, useArbor, ZERO_OID, type RepoInfo,
} from './harness';

useArbor();

async function setup(label: string): Promise<{ repo: RepoInfo; src: string; head: string }> {
  const repo = await createRepo(label);
  const src = await initRepo(label);
  const head = await commitFiles(src, { 'a.txt': 'a\n' }, 'a');
  await git(['push', repo.remote, 'HEAD:refs/heads/main', 'HEAD:refs/heads/a', 'HEAD:refs/heads/dir/x', 'HEAD:refs/tags/v1'], { cwd: src, token: repo.token });
  return { repo, src, head };
}

const refsOf = async (repo: RepoInfo) => refMap(await lsRemote(repo.remote, { token: repo.token }));

async function expectClonable(repo: RepoInfo, refs: Record<string, string>): Promise<void> {
  expect(await refsOf(repo)).toEqual(refs);
  const { dir } = await cloneRepo(repo.remote, { token: repo.token, args: ['--mirror'] });
  await fsckStrict(dir);
}

describe('file/directory ref conflicts and one-level names', () => {
  test('git push: a ref below an existing ref, or above existing refs, is rejected with git wording', async () => {
    const { repo, src } = await setup('df-push');
    const before = await refsOf(repo);
    const cases: [string, RegExp][] = [
      ['refs/heads/a/b', /'refs\/heads\/a' exists; cannot create 'refs\/heads\/a\/b'/],
      ['refs/heads/main/deeper/still', /'refs\/heads\/main' exists; cannot create 'refs\/heads\/main\/deeper\/still'/],
      ['refs/heads/dir', /'refs\/heads\/dir\/x' exists; cannot create 'refs\/heads\/dir'/],
      ['refs/tags/v1/patch', /'refs\/tags\/v1' exists; cannot create 'refs\/tags\/v1\/patch'/],
      ['refs/foo', /funny refname/],
    ];
    for (const [ref, why] of cases) {
      const r = await git(['push', repo.remote, `HEAD:${ref}`], { cwd: src, token: repo.token, allowFail: true });
      expect(r.code, ref).not.toBe(0);
      expect(r.stderr, ref).toMatch(/\[remote rejected\]/);
      expect(r.stderr, ref).toMatch(why);
    }
    await expectClonable(repo, before);
  });

  test('one push creating a ref and a ref below it: in order, or not at all when atomic', async () => {
    const { repo, src, head } = await setup('df-batch');
    const before = await refsOf(repo);
    const r = await git(['push', repo.remote, 'HEAD:refs/heads/x', 'HEAD:refs/heads/x/y'], { cwd: src, token: repo.token, allowFail: true });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/\* \[new branch\]\s+HEAD -> x\n/);
    expect(r.stderr).toMatch(/\[remote rejected\] HEAD -> x\/y \(cannot lock ref 'refs\/heads\/x\/y': 'refs\/heads\/x' exists; cannot create 'refs\/heads\/x\/y'\)/);
    const atomic = await git(['push', '--atomic', repo.remote, 'HEAD:refs/heads/p', 'HEAD:refs/heads/p/q'], { cwd: src, token: repo.token, allowFail: true });
    expect(atomic.code).not.toBe(0);
    expect(atomic.stderr).toMatch(/cannot process 'refs\/heads\/p' and 'refs\/heads\/p\/q' at the same time/);
    expect(atomic.stderr).not.toMatch(/\[new branch\]/);
    await expectClonable(repo, { ...before, 'refs/heads/x': head });

    // Raw: a deletion earlier in the same push frees the name (as in git, commands run in order).
    const res = await rawService(
      repo.remote,
      'git-receive-pack',
      receivePackBody([
        { old: head, new: ZERO_OID, ref: 'refs/heads/a' },
        { old: ZERO_OID, new: head, ref: 'refs/heads/a/b' },
      ]),
      { token: repo.token },
    );
    expect(parseReportStatus(res.body)).toMatchObject({ unpack: 'ok', ok: ['refs/heads/a', 'refs/heads/a/b'] });
    const after = { ...before, 'refs/heads/x': head, 'refs/heads/a/b': head };
    delete (after as Record<string, string>)['refs/heads/a'];
    await expectClonable(repo, after);
  });

  test('commit API: a branch below or above an existing one is a 409; nothing moves', async () => {
    const { repo } = await setup('df-commit');
    const before = await refsOf(repo);
    const commit = (branch: string) =>
      api('POST', `/v1/repos/${NS}/${repo.name}/commits`, {
        token: repo.token,
        body: { branch, message: 'm', author: { name: 'A', email: 'a@x.y' }, createBranchFrom: 'main', changes: [{ action: 'create', path: 'n.txt', content: 'n\n' }] },
      });
    for (const [branch, why] of [
      ['a/b', "'refs/heads/a' exists; cannot create 'refs/heads/a/b'"],
      ['dir', "'refs/heads/dir/x' exists; cannot create 'refs/heads/dir'"],
    ]) {
      const r = await commit(branch);
      expect(r.status, r.text).toBe(409);
      expect(r.json.error.code).toBe('ref_conflict');
      expect(r.json.error.message).toContain(why);
    }
    expect((await commit('fresh/branch')).status).toBe(201);
    await expectClonable(repo, { ...before, 'refs/heads/fresh/branch': (await refsOf(repo))['refs/heads/fresh/branch'] });
    expect(await revParse((await cloneRepo(repo.remote, { token: repo.token })).dir, 'origin/fresh/branch')).toMatch(/^[0-9a-f]{40}$/);
  });
});
