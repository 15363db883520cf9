// Whole clones of forks without an object walk (storage/snapshot-whole.ts): a fork that took all
// the refs of an origin whose objects were all reachable streams its snapshot's packs and its
// own as they are, each object once. Judged by git: fsck --strict, the pack's object count
// against `rev-list --objects --all` (nothing sent twice, nothing unreachable), and the received
// pack itself — byte-identical to the origin's clone for a fresh fork. The walk would list a
// fork's snapshot packs newest first (their ids are negative), so a clone whose first entry is
// the origin's first entry took the no-walk path (the origins below have two packs).
import { readFile } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import {
  allObjects, cloneRepo, commitFiles, createRepo, forkRepo, fsckStrict, git, gitOut, initRepo, packFiles, packObjectCount, pushAll, uniqueName,
  type RepoInfo,
} from './harness';
import { useArbor } from './harness';

useArbor();

interface Clone {
  dir: string;
  pack: string;
  count: number;
  first: string;
}

/** `git clone --mirror`: the one pack received, its object count and its first entry's id. */
async function mirror(r: RepoInfo, label: string): Promise<Clone> {
  const { dir } = await cloneRepo(r.remote, { token: r.token, label, args: ['--mirror'] });
  await fsckStrict(dir);
  const packs = Object.keys(await packFiles(dir));
  expect(packs).toHaveLength(1);
  const idx = `objects/pack/${packs[0].replace(/\.pack$/, '.idx')}`;
  const lines = (await git(['show-index'], { cwd: dir, input: await readFile(`${dir}/${idx}`) })).stdout;
  const first = lines.split('\n').find((l) => l.startsWith('12 '))!.split(' ')[1];
  const count = await packObjectCount(dir, packs[0]);
  // Exactly the objects the refs reach: none twice (index-pack would refuse), none unreachable.
  expect(count).toBe((await allObjects(dir)).length);
  return { dir, pack: packs[0], count, first };
}

/** An origin with two packs (two pushes) and two branches. */
async function origin(label: string): Promise<{ repo: RepoInfo; src: string }> {
  const repo = await createRepo(label);
  const src = await initRepo(`${label}-src`);
  await commitFiles(src, { 'a.txt': 'a\n', 'lib/x.txt': 'x\n'.repeat(200) }, 'one');
  await git(['branch', 'side'], { cwd: src });
  await pushAll(src, repo.remote, repo.token);
  await commitFiles(src, { 'b.txt': 'b\n', 'lib/x.txt': 'x\n'.repeat(201) }, 'two');
  await commitFiles(src, { 'c.txt': 'c\n' }, 'three');
  await pushAll(src, repo.remote, repo.token);
  return { repo, src };
}

const fork = (r: RepoInfo, label: string, opts: Record<string, unknown> = {}) => forkRepo(r, { name: uniqueName(label), ...opts });

describe('whole clones of forks', () => {
  test('a fresh fork sends the pack its origin sends, byte for byte; after a push it still skips the walk', async () => {
    const { repo } = await origin('fc-fresh');
    const o = await mirror(repo, 'fc-o');
    const f = await fork(repo, 'fc-fresh-fork');
    const c = await mirror(f, 'fc-f');
    expect(c.pack).toBe(o.pack); // same checksum: same bytes on the wire
    // A fast-forward push to the fork keeps it whole: its own pack follows the snapshot's.
    const work = (await cloneRepo(f.remote, { token: f.token, label: 'fc-work' })).dir;
    await commitFiles(work, { 'd.txt': 'd\n', 'lib/x.txt': 'x\n'.repeat(202) }, 'four');
    await git(['push', '-q', 'origin', 'main'], { cwd: work, token: f.token });
    const after = await mirror(f, 'fc-f2');
    expect(after.first).toBe(o.first);
    expect(after.count).toBe(o.count + 5); // commit, root tree, lib tree, two blobs
  });

  test('a force-pushed rewind on the fork: the clone walks and sends only what the refs reach', async () => {
    const { repo, src } = await origin('fc-rewind');
    const o = await mirror(repo, 'fc-rw-o');
    const f = await fork(repo, 'fc-rw-fork');
    const one = await gitOut(src, ['rev-parse', 'HEAD~2']);
    await git(['push', '-q', '--force', f.remote, `${one}:refs/heads/main`], { cwd: src, token: f.token });
    const c = await mirror(f, 'fc-rw-f');
    expect(c.count).toBeLessThan(o.count);
    // Pushing the tip back re-sends objects the snapshot holds (indexed twice now); a full walk
    // finds everything reachable again, and the next clone streams each object once.
    await git(['push', '-q', f.remote, 'main'], { cwd: src, token: f.token });
    const walked = await mirror(f, 'fc-rw-f2');
    expect(walked.count).toBe(o.count);
    const fast = await mirror(f, 'fc-rw-f3');
    expect(fast.count).toBe(o.count);
    expect(fast.first).toBe(o.first);
    // A fork of that fork: its snapshot indexes those objects in two packs.
    const ff = await fork(f, 'fc-rw-ff');
    const cc = await mirror(ff, 'fc-rw-ff');
    expect(cc.count).toBe(o.count);
    expect(cc.first).toBe(o.first);
  });

  test('a defaultBranchOnly fork sends only what its one branch reaches', async () => {
    const { repo, src } = await origin('fc-dbo');
    // The side branch gets an object main never reaches.
    await git(['checkout', '-q', 'side'], { cwd: src });
    await commitFiles(src, { 'side.txt': 'side only\n' }, 'side');
    await pushAll(src, repo.remote, repo.token);
    const f = await fork(repo, 'fc-dbo-fork', { defaultBranchOnly: true });
    const c = await mirror(f, 'fc-dbo-f');
    const refs = await gitOut(c.dir, ['for-each-ref', '--format=%(refname)']);
    expect(refs.split('\n')).toEqual(['refs/heads/main']);
    const o = await mirror(repo, 'fc-dbo-o');
    expect(c.count).toBeLessThan(o.count);
  });

  test('a fork of a fork of a fork, each pushed to, clones whole and exact', async () => {
    const { repo } = await origin('fc-chain');
    const o = await mirror(repo, 'fc-ch-o');
    let prev = repo;
    let expected = o.count;
    for (let i = 0; i < 3; i++) {
      const f = await fork(prev, `fc-ch-${i}`);
      const work = (await cloneRepo(f.remote, { token: f.token, label: `fc-ch-w${i}` })).dir;
      await commitFiles(work, { [`f${i}.txt`]: `fork ${i}\n` }, `fork ${i}`);
      await git(['push', '-q', 'origin', 'main'], { cwd: work, token: f.token });
      expected += 3; // commit, root tree, blob
      const c = await mirror(f, `fc-ch-c${i}`);
      expect(c.count).toBe(expected);
      expect(c.first).toBe(o.first);
      prev = f;
    }
  });
});
