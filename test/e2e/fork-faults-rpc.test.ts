// isomorphic-git over the RPC fs of a FORK whose snapshot bytes fault everywhere (no prefetch,
// small windows): each fs call that reads the origin's packs faults, and must fetch and answer,
// never fail with EIO (which the caller's isomorphic-git would report as an error or read as
// "not found"). The reads must answer exactly as git does; the writes (commit, merge, tags, ref
// writes) must land once, fsck-clean. Same fixture and client Worker as isogit-view.test.ts.
import { describe, expect, test } from 'vitest';
import { cloneRepo, createRepo, forkRepo, fsckStrict, git, lsRemote, refMap, revParse, type RepoInfo } from './harness';
import { isogitClientAvailable, useIsogitClient } from './harness/isogit-client';

const iso = useIsogitClient({ ARBOR_SNAPSHOT_PREFETCH_BYTES: '0', ARBOR_SNAPSHOT_WINDOW_BYTES: '65536' });
const run = iso.run;

/** A fork of a repository holding the fixture (the fork's first request comes from the test). */
async function forkedFixture(label: string): Promise<RepoInfo> {
  const repo = await createRepo(label);
  await git(['push', '--porcelain', repo.remote, 'refs/heads/*:refs/heads/*', 'refs/tags/*:refs/tags/*'], { cwd: iso.fixtureDir, token: repo.token });
  return forkRepo(repo, { name: `${label}-fork-${Date.now().toString(36)}` });
}

describe.skipIf(!isogitClientAvailable)('isomorphic-git over the RPC fs of a fork, through snapshot faults', () => {
  test('reads answer exactly as git does', async () => {
    const fork = await forkedFixture('ffr-reads');
    const got = await run('reads', fork, { answers: iso.answers });
    expect(got.branches).toEqual(iso.answers.branches);
    expect(got.tags).toEqual(iso.answers.tags);
    expect(got.log).toEqual(iso.answers.log);
    expect(got.logTopic100).toEqual(iso.answers.logTopic100);
    expect(got.trees).toEqual(iso.answers.trees);
    expect(got.blobs).toEqual(iso.answers.blobs);
    expect(got.tagObjects).toEqual(iso.answers.tagObjects);
    expect(got.mergeBases).toEqual(iso.answers.mergeBases.map((m: any) => ({ ...m, bases: [...m.bases].sort() })));
    expect(got.descendent).toEqual(iso.answers.descendent);
  }, 240_000);

  test('writes land once and fsck-clean', async () => {
    const fork = await forkedFixture('ffr-writes');
    const w = await run('writes', fork);
    expect(w.readBack).toBe('written by isomorphic-git over RPC\n');
    const after = refMap(await lsRemote(fork.remote, { token: fork.token }));
    expect(after['refs/heads/main']).toBe(w.merge);
    expect(after['refs/heads/iso-side']).toBe(w.side);
    expect(after['refs/tags/iso-annotated^{}']).toBe(w.merge);
    expect(after['refs/heads/iso-doomed']).toBeUndefined();
    const { dir } = await cloneRepo(fork.remote, { label: 'ffr-clone', token: fork.token, args: ['--mirror'] });
    await fsckStrict(dir);
    expect(await revParse(dir, 'main^1')).toBe(w.commit);
    expect(await revParse(dir, 'main^2')).toBe(w.side);
  }, 240_000);
});
