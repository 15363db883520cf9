// Shallow clones and fetches. Each case runs the same git command against Arbor and against the
// source repository over file:// (native upload-pack) and expects the same commits, the same
// shallow boundary and the same refs.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  cloneRepo, commitFiles, createRepo, fastImportCommits, fsckStrict, git, gitOut, initRepo, lsRemote,
  pushAll, revParse, treeOf, useArbor, type RepoInfo,
} from './harness';

useArbor();

const T0 = 1_600_000_000; // 2020-09-13
const DAY = 86_400;

interface Source { src: string; repo: RepoInfo; nativeUrl: string }

/**
 * main: 30 daily commits; tag `cut` (annotated) at main~10, tag `old` at main~20;
 * feature: 6 commits on top of main~5. Pushed to a fresh Arbor repo.
 */
async function shallowSource(label: string): Promise<Source> {
  const repo = await createRepo(label);
  const src = await initRepo(label);
  await fastImportCommits(src, { count: 30, file: 'main.txt', prefix: 'main', startTime: T0, step: DAY });
  await git(['tag', '-a', 'cut', '-m', 'cut here', 'main~10'], { cwd: src });
  await git(['tag', 'old', 'main~20'], { cwd: src });
  await git(['branch', 'feature', 'main~5'], { cwd: src });
  await fastImportCommits(src, { branch: 'feature', count: 6, file: 'feature.txt', prefix: 'feature', startTime: T0 + 40 * DAY, step: DAY });
  await pushAll(src, repo.remote, repo.token);
  return { src, repo, nativeUrl: `file://${src}` };
}

async function shallowFile(dir: string): Promise<string[]> {
  try {
    return (await fs.readFile(path.join(dir, '.git', 'shallow'), 'utf8')).split('\n').filter(Boolean).sort();
  } catch {
    return [];
  }
}

/** What a clone holds, for comparing an Arbor clone with a native one. */
async function snapshot(dir: string) {
  return {
    refs: await gitOut(dir, ['for-each-ref', '--format=%(objectname) %(refname)']),
    commits: (await gitOut(dir, ['rev-list', '--all'])).split('\n').filter(Boolean).sort(),
    shallow: await shallowFile(dir),
    tree: await treeOf(dir),
  };
}

async function cloneBoth(s: Source, args: string[], protocol?: 0 | 2) {
  const a = await cloneRepo(s.repo.remote, { token: s.repo.token, protocol, args, label: 'arbor' });
  const n = await cloneRepo(s.nativeUrl, { protocol, args, label: 'native' });
  return { arbor: a.dir, native: n.dir };
}

async function expectSame(arbor: string, native: string): Promise<void> {
  expect(await snapshot(arbor)).toEqual(await snapshot(native));
  await fsckStrict(arbor);
}

describe('shallow clone', () => {
  test.each([0, 2] as const)('--depth 1 (protocol v%i)', async (protocol) => {
    const s = await shallowSource(`depth1-v${protocol}`);
    const { arbor, native } = await cloneBoth(s, ['--depth', '1'], protocol);
    expect(await gitOut(arbor, ['rev-list', '--count', 'HEAD'])).toBe('1');
    expect(await shallowFile(arbor)).toEqual([await revParse(s.src, 'main')]);
    await expectSame(arbor, native);
  });

  test('--depth 3 --no-single-branch', async () => {
    const s = await shallowSource('depth3');
    const { arbor, native } = await cloneBoth(s, ['--depth', '3', '--no-single-branch']);
    expect(await gitOut(arbor, ['rev-list', '--count', 'origin/feature'])).toBe('3');
    await expectSame(arbor, native);
  });

  test.each([0, 2] as const)('--shallow-since (protocol v%i)', async (protocol) => {
    const s = await shallowSource(`since-v${protocol}`);
    const since = new Date((T0 + 20 * DAY - 3600) * 1000).toISOString();
    const { arbor, native } = await cloneBoth(s, [`--shallow-since=${since}`], protocol);
    expect(await gitOut(arbor, ['rev-list', '--count', 'HEAD'])).toBe('10');
    await expectSame(arbor, native);
  });

  test.each([0, 2] as const)('--shallow-exclude (protocol v%i)', async (protocol) => {
    const s = await shallowSource(`exclude-v${protocol}`);
    const { arbor, native } = await cloneBoth(s, ['--shallow-exclude=cut'], protocol);
    expect(await gitOut(arbor, ['rev-list', '--count', 'HEAD'])).toBe('10');
    await expectSame(arbor, native);
  });

  test('--single-branch --branch feature', async () => {
    const s = await shallowSource('single');
    const { arbor, native } = await cloneBoth(s, ['--single-branch', '--branch', 'feature']);
    expect(await gitOut(arbor, ['for-each-ref', '--format=%(refname)', 'refs/remotes'])).toBe('refs/remotes/origin/feature');
    expect(await gitOut(arbor, ['rev-list', '--count', 'HEAD'])).toBe(String(25 + 6));
    await expectSame(arbor, native);
  });
});

describe('deepening and updating shallow clones', () => {
  test.each([0, 2] as const)('fetch --deepen=5 (protocol v%i)', async (protocol) => {
    const s = await shallowSource(`deepen-v${protocol}`);
    const { arbor, native } = await cloneBoth(s, ['--depth', '1'], protocol);
    await git(['fetch', '--deepen=5'], { cwd: arbor, token: s.repo.token, protocol });
    await git(['fetch', '--deepen=5'], { cwd: native, protocol });
    expect(await gitOut(arbor, ['rev-list', '--count', 'HEAD'])).toBe('6');
    await expectSame(arbor, native);
  });

  test('fetch --unshallow', async () => {
    const s = await shallowSource('unshallow');
    const { arbor } = await cloneBoth(s, ['--depth', '1']);
    await git(['fetch', '--unshallow'], { cwd: arbor, token: s.repo.token });
    expect(await shallowFile(arbor)).toEqual([]);
    expect(await gitOut(arbor, ['rev-parse', '--is-shallow-repository'])).toBe('false');
    expect(await gitOut(arbor, ['rev-list', '--count', 'HEAD'])).toBe('30');
    expect(await gitOut(arbor, ['rev-list', 'HEAD'])).toBe(await gitOut(s.src, ['rev-list', 'main']));
    await fsckStrict(arbor);
  });

  test('a shallow clone fetches new commits (plain fetch and fetch --depth 1)', async () => {
    const s = await shallowSource('shallowfetch');
    const { arbor, native } = await cloneBoth(s, ['--depth', '2']);
    await fastImportCommits(s.src, { count: 3, file: 'main.txt', prefix: 'later', startTime: T0 + 60 * DAY, step: DAY });
    await git(['push', s.repo.remote, 'main'], { cwd: s.src, token: s.repo.token });
    await git(['fetch'], { cwd: arbor, token: s.repo.token });
    await git(['fetch'], { cwd: native });
    expect(await revParse(arbor, 'origin/main')).toBe(await revParse(s.src, 'main'));
    expect(await snapshot(arbor)).toMatchObject({ commits: (await snapshot(native)).commits, shallow: await shallowFile(native) });
    await fsckStrict(arbor);

    await fastImportCommits(s.src, { count: 2, file: 'main.txt', prefix: 'latest', startTime: T0 + 70 * DAY, step: DAY });
    await git(['push', s.repo.remote, 'main'], { cwd: s.src, token: s.repo.token });
    await git(['fetch', '--depth', '1'], { cwd: arbor, token: s.repo.token });
    await git(['fetch', '--depth', '1'], { cwd: native });
    expect(await revParse(arbor, 'origin/main')).toBe(await revParse(s.src, 'main'));
    expect(await shallowFile(arbor)).toEqual(await shallowFile(native));
    await fsckStrict(arbor);
  });

  test('push from a shallow clone', async () => {
    const s = await shallowSource('shallowpush');
    const oldTip = await revParse(s.src, 'main');
    const { dir } = await cloneRepo(s.repo.remote, { token: s.repo.token, args: ['--depth', '1'] });
    const c1 = await commitFiles(dir, { 'from-shallow.txt': 'one\n' }, 'from shallow 1');
    const c2 = await commitFiles(dir, { 'from-shallow.txt': 'two\n', 'more/x.txt': 'x\n' }, 'from shallow 2');
    await git(['push', 'origin', 'main'], { cwd: dir, token: s.repo.token });
    const refs = await lsRemote(s.repo.remote, { token: s.repo.token });
    expect(refs).toContain(`${c2}\trefs/heads/main`);
    const { dir: full } = await cloneRepo(s.repo.remote, { token: s.repo.token, label: 'full' });
    expect(await gitOut(full, ['rev-list', '--count', 'HEAD'])).toBe('32');
    expect(await revParse(full, 'HEAD~1')).toBe(c1);
    expect(await revParse(full, 'HEAD~2')).toBe(oldTip);
    expect(await treeOf(full)).toEqual(await treeOf(dir));
    await fsckStrict(full);
  });
});
