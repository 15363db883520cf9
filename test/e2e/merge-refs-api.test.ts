// The merge and ref-write API (POST .../merges, POST .../refs, DELETE .../refs/*, POST .../tags),
// each checked against the git CLI on the same history: fast-forward (git merge --ff-only), a
// true merge (git merge --no-ff with the same author, date and message gives the same commit
// id), a conflict (git reports the same paths; nothing is written), the ff-only refusal, and an
// annotated tag (git tag -a with the same tagger gives the same tag object).
import { describe, expect, test } from 'vitest';
import {
  NS, api, cloneRepo, commitFiles, createRepo, createToken, fsckStrict, git, initRepo, lsRemote, pushAll, refMap, revParse, useArbor, type RepoInfo,
} from './harness';

useArbor();

const AUTHOR = { name: 'M E Rger', email: 'merger@example.com', date: 1_700_000_000, timezone: '+0200' };
const GIT_IDENT = {
  GIT_AUTHOR_NAME: AUTHOR.name, GIT_AUTHOR_EMAIL: AUTHOR.email, GIT_AUTHOR_DATE: '1700000000 +0200',
  GIT_COMMITTER_NAME: AUTHOR.name, GIT_COMMITTER_EMAIL: AUTHOR.email, GIT_COMMITTER_DATE: '1700000000 +0200',
};

/**
 * c0 (base) on main, ffbase; ff: c0 + ff.txt; side: c0 + side.txt and line 3 of shared.txt;
 * conflict: c0 + a.txt; main: c0 + main.txt, line 1 of shared.txt and a.txt (merges cleanly
 * with side, conflicts with conflict on a.txt).
 */
async function history(repo: RepoInfo) {
  const dir = await initRepo('merge-src');
  const c0 = await commitFiles(dir, { 'shared.txt': 'line1\nline2\nline3\n', 'a.txt': 'a\n' }, 'base');
  await git(['branch', 'ffbase'], { cwd: dir });
  await git(['checkout', '-q', '-b', 'ff'], { cwd: dir });
  const ff = await commitFiles(dir, { 'ff.txt': 'ff\n' }, 'ff');
  await git(['checkout', '-q', '-b', 'side', c0], { cwd: dir });
  const side = await commitFiles(dir, { 'side.txt': 'side\n', 'shared.txt': 'line1\nline2\nline3 side\n' }, 'side');
  await git(['checkout', '-q', '-b', 'conflict', c0], { cwd: dir });
  const conflict = await commitFiles(dir, { 'a.txt': 'conflict\n' }, 'conflict');
  await git(['checkout', '-q', 'main'], { cwd: dir });
  const main = await commitFiles(dir, { 'main.txt': 'main\n', 'shared.txt': 'line1 main\nline2\nline3\n', 'a.txt': 'main a\n' }, 'main');
  await pushAll(dir, repo.remote, repo.token);
  return { dir, c0, ff, side, conflict, main };
}

const base = (repo: RepoInfo) => `/v1/repos/${repo.namespace}/${repo.name}`;
const refsOf = async (repo: RepoInfo) => refMap(await lsRemote(repo.remote, { token: repo.token }));

describe('merges', () => {
  test('fast-forward, ff-only refusal, true merge, conflict and already-up-to-date, each as git merge does it', async () => {
    const repo = await createRepo('merge-api');
    const h = await history(repo);
    const work = (await cloneRepo(repo.remote, { label: 'merge-git', token: repo.token })).dir;
    const merge = (body: Record<string, unknown>, token?: string) => api('POST', `${base(repo)}/merges`, { body, token });

    // Fast-forward: ffbase (c0) to ff.
    const ff = await merge({ base: 'ffbase', head: 'ff', strategy: 'ff-only' });
    expect(ff.status, ff.text).toBe(201);
    expect(ff.json).toMatchObject({ sha: h.ff, fastForward: true, alreadyUpToDate: false, branch: 'ffbase' });
    await git(['checkout', '-q', '-b', 'ffbase', 'origin/ffbase'], { cwd: work });
    await git(['merge', '-q', '--ff-only', 'origin/ff'], { cwd: work });
    expect(await revParse(work, 'HEAD')).toBe(ff.json.sha);
    expect((await refsOf(repo))['refs/heads/ffbase']).toBe(h.ff);

    // ff-only where the branches diverged: refused, as git refuses.
    const refused = await merge({ base: 'main', head: 'side', strategy: 'ff-only' });
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe('not_fast_forward');
    await git(['checkout', '-q', 'main'], { cwd: work });
    const gitRefused = await git(['merge', '--ff-only', 'origin/side'], { cwd: work, allowFail: true });
    expect(gitRefused.code).not.toBe(0);
    expect((await refsOf(repo))['refs/heads/main']).toBe(h.main);

    // True merge: the same commit id as git merge --no-ff with the same idents, date and message.
    const m = await merge({ base: 'main', head: 'side', strategy: 'merge', message: 'Merge side into main', author: AUTHOR, expectedHead: h.main });
    expect(m.status, m.text).toBe(201);
    expect(m.json).toMatchObject({ fastForward: false, parents: [h.main, h.side] });
    await git(['merge', '-q', '--no-ff', '-m', 'Merge side into main', 'origin/side'], { cwd: work, env: GIT_IDENT });
    expect(await revParse(work, 'HEAD^{tree}')).toBe(m.json.tree);
    expect(await revParse(work, 'HEAD')).toBe(m.json.sha);
    expect((await git(['show', 'HEAD:shared.txt'], { cwd: work })).stdout).toBe('line1 main\nline2\nline3 side\n');
    expect((await refsOf(repo))['refs/heads/main']).toBe(m.json.sha);

    // Merging it again: nothing to do (git: "Already up to date").
    const again = await merge({ base: 'main', head: 'side', author: AUTHOR });
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ sha: m.json.sha, alreadyUpToDate: true });

    // A conflict: 409 with the paths git reports; no ref moves, no object is stored.
    const objectsBefore = (await api('GET', base(repo))).json.objects;
    const c = await merge({ base: 'main', head: 'conflict', author: AUTHOR });
    expect(c.status).toBe(409);
    expect(c.json.error.code).toBe('merge_conflict');
    const gitConflict = await git(['merge', '--no-ff', '-m', 'x', 'origin/conflict'], { cwd: work, env: GIT_IDENT, allowFail: true });
    expect(gitConflict.code).not.toBe(0);
    const unmerged = (await git(['diff', '--name-only', '--diff-filter=U'], { cwd: work })).stdout.trim().split('\n');
    expect(c.json.error.paths).toEqual(unmerged);
    expect(c.json.error.message).toMatch(/conflicts in a\.txt; nothing was written/);
    await git(['merge', '--abort'], { cwd: work });
    expect((await refsOf(repo))['refs/heads/main']).toBe(m.json.sha);
    expect((await api('GET', base(repo))).json.objects).toBe(objectsBefore);

    // Compare-and-swap, bad input, unknown revisions, missing author.
    expect((await merge({ base: 'main', head: 'conflict', author: AUTHOR, expectedHead: h.main })).json.error.code).toBe('stale_head');
    expect((await merge({ base: 'nope', head: 'side' })).status).toBe(404);
    expect((await merge({ base: 'main', head: 'no-such-rev' })).status).toBe(404);
    expect((await merge({ base: 'main', head: 'side', strategy: 'octopus' })).status).toBe(400);
    const noAuthor = await merge({ base: 'conflict', head: 'side' });
    expect(noAuthor.status).toBe(400);
    expect(noAuthor.json.error.message).toMatch(/author is required/);

    // git clone: fsck --strict clean; the events name every move.
    const { dir: mirror } = await cloneRepo(repo.remote, { label: 'merge-mirror', token: repo.token, args: ['--mirror'] });
    await fsckStrict(mirror);
    const events = (await api('GET', `${base(repo)}/events`)).json.events as { ref: string; old: string; new: string }[];
    expect(events.slice(-2)).toMatchObject([
      { ref: 'refs/heads/ffbase', old: h.c0, new: h.ff },
      { ref: 'refs/heads/main', old: h.main, new: m.json.sha },
    ]);

    // A read token cannot merge; a read-only fork refuses.
    const read = await createToken(repo, 'read');
    expect((await merge({ base: 'conflict', head: 'side', author: AUTHOR }, read.token)).status).toBe(403);
    const fork = await api('POST', `${base(repo)}/fork`, { body: { name: `${repo.name}-ro`, readOnly: true } });
    expect(fork.status).toBe(201);
    const ro = await api('POST', `/v1/repos/${NS}/${repo.name}-ro/merges`, { body: { base: 'ffbase', head: 'main', author: AUTHOR } });
    expect(ro.status).toBe(403);
  });
});

describe('refs and tags', () => {
  test('create, move (compare-and-swap), delete refs; annotated tags equal git tag -a; events; git sees it all', async () => {
    const repo = await createRepo('refs-api');
    const h = await history(repo);
    const post = (body: Record<string, unknown>) => api('POST', `${base(repo)}/refs`, { body });
    const del = (rest: string) => api('DELETE', `${base(repo)}/refs/${rest}`);

    const created = await post({ name: 'refs/heads/new', sha: h.c0, expectedOld: null });
    expect(created.status, created.text).toBe(201);
    expect(created.json).toEqual({ name: 'refs/heads/new', sha: h.c0, old: null, created: true });
    expect((await post({ name: 'refs/heads/new', sha: h.ff, expectedOld: null })).json.error.code).toBe('stale_ref');
    const moved = await post({ name: 'refs/heads/new', sha: h.ff, expectedOld: h.c0 });
    expect(moved.status).toBe(200);
    expect(moved.json).toMatchObject({ old: h.c0, created: false });
    expect((await post({ name: 'refs/heads/new', sha: h.side, expectedOld: h.c0 })).status).toBe(409);
    expect((await post({ name: 'refs/tags/light', sha: h.side })).status).toBe(201);
    const blob = (await git(['rev-parse', 'main:a.txt'], { cwd: h.dir })).stdout.trim();
    const notCommit = await post({ name: 'refs/heads/blob', sha: blob });
    expect(notCommit.status).toBe(422);
    expect(notCommit.json.error.message).toMatch(/non-commit/);
    expect((await post({ name: 'refs/heads/x', sha: '1'.repeat(40) })).status).toBe(404);
    expect((await post({ name: 'heads/x', sha: h.c0 })).status).toBe(400);
    expect((await post({ name: 'refs/heads/bad..name', sha: h.c0 })).status).toBe(400);

    // Annotated tag: the same object git tag -a makes with the same tagger, date and message.
    const tagger = { name: 'T Agger', email: 'tagger@example.com', date: 1_700_000_100, timezone: '-0500' };
    const tag = await api('POST', `${base(repo)}/tags`, { body: { name: 'v1.0', target: 'main', message: 'release 1.0', tagger } });
    expect(tag.status, tag.text).toBe(201);
    expect(tag.json).toMatchObject({ name: 'refs/tags/v1.0', target: h.main, targetType: 'commit' });
    const work = (await cloneRepo(repo.remote, { label: 'tag-git', token: repo.token, args: ['--no-tags'] })).dir;
    await git(['tag', '-a', 'v1.0', '-m', 'release 1.0', 'origin/main'], {
      cwd: work, env: { GIT_COMMITTER_NAME: tagger.name, GIT_COMMITTER_EMAIL: tagger.email, GIT_COMMITTER_DATE: '1700000100 -0500' },
    });
    expect(await revParse(work, 'refs/tags/v1.0')).toBe(tag.json.sha);
    expect((await api('POST', `${base(repo)}/tags`, { body: { name: 'v1.0', target: 'main', message: 'again', tagger } })).status).toBe(409);
    expect((await api('POST', `${base(repo)}/tags`, { body: { name: 'v2', target: 'nope', message: 'm', tagger } })).status).toBe(404);

    // Delete: compare-and-swap, then for real; a missing ref is 404.
    expect((await del(`heads/new?expectedOld=${h.c0}`)).status).toBe(409);
    expect((await del(`heads/new?expectedOld=${h.ff}`)).status).toBe(204);
    expect((await del('heads/new')).status).toBe(404);
    expect((await del('tags/light')).status).toBe(204);

    const refs = await refsOf(repo);
    expect(refs['refs/heads/new']).toBeUndefined();
    expect(refs['refs/tags/light']).toBeUndefined();
    expect(refs['refs/tags/v1.0']).toBe(tag.json.sha);
    expect(refs['refs/tags/v1.0^{}']).toBe(h.main);
    const { dir: mirror } = await cloneRepo(repo.remote, { label: 'refs-mirror', token: repo.token, args: ['--mirror'] });
    await fsckStrict(mirror);
    const events = (await api('GET', `${base(repo)}/events`)).json.events as { ref: string; old: string; new: string }[];
    expect(events.slice(-6).map((e) => [e.ref, e.old === '0'.repeat(40) ? 'create' : e.new === '0'.repeat(40) ? 'delete' : 'update'])).toEqual([
      ['refs/heads/new', 'create'], ['refs/heads/new', 'update'], ['refs/tags/light', 'create'], ['refs/tags/v1.0', 'create'],
      ['refs/heads/new', 'delete'], ['refs/tags/light', 'delete'],
    ]);
    const read = await createToken(repo, 'read');
    expect((await api('POST', `${base(repo)}/refs`, { body: { name: 'refs/heads/r', sha: h.c0 }, token: read.token })).status).toBe(403);
    expect((await api('DELETE', `${base(repo)}/refs/heads/main`, { token: read.token })).status).toBe(403);
  });
});
