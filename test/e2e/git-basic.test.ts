// Pushing to and cloning from Arbor with the real git CLI: protocols v0/v1/v2, empty repos,
// incremental fetch, pull, tags, many refs, merges, big/many files, deep history, modes, names,
// and a side-by-side comparison with native `git http-backend`.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  allObjects, buildSampleRepo, cloneRepo, commitFiles, createRepo, expectedRefLines, fastImportCommits,
  FLUSH, fsckStrict, git, gitOut, initRepo, lsRemote, packFiles, packObjectCount, parsePkts, pushAll, randomData, rawInfoRefs, rawService,
  revParse,
  serveGitHttpBackend, sha256, tmpDir, treeOf, useArbor, writeFiles,
} from './harness';

useArbor();

/** Clone checks shared by most tests: same work tree, same objects, fsck clean, exact refs. */
async function expectFaithfulClone(src: string, clone: string, remote: string, token: string, protocol?: 0 | 1 | 2): Promise<void> {
  expect(await treeOf(clone)).toEqual(await treeOf(src));
  expect(await allObjects(clone)).toEqual(await allObjects(src));
  await fsckStrict(clone);
  expect(await lsRemote(remote, { token, protocol })).toEqual(await expectedRefLines(src));
}

describe('push then clone', () => {
  test.each([0, 1, 2] as const)('first push to an empty repo, then clone with protocol v%i', async (protocol) => {
    const repo = await createRepo(`p${protocol}`);
    const src = await buildSampleRepo();
    const push = await pushAll(src, repo.remote, repo.token, { protocol });
    expect(push.stdout).toMatch(/\[new branch\]/);
    const { dir } = await cloneRepo(repo.remote, { token: repo.token, protocol });
    expect(await gitOut(dir, ['symbolic-ref', 'HEAD'])).toBe('refs/heads/main');
    expect(await revParse(dir, 'HEAD')).toBe(await revParse(src, 'main'));
    expect((await gitOut(dir, ['branch', '-r'])).split('\n').map((s) => s.trim()).sort())
      .toEqual(['origin/HEAD -> origin/main', 'origin/dev', 'origin/main']);
    await expectFaithfulClone(src, dir, repo.remote, repo.token, protocol);
  });

  test('the server speaks protocol v2 when asked (ls-refs + fetch)', async () => {
    const repo = await createRepo('v2');
    const src = await buildSampleRepo();
    await pushAll(src, repo.remote, repo.token);
    const ls = await git(['ls-remote', repo.remote], { token: repo.token, protocol: 2, tracePackets: true });
    // (GIT_TRACE_PACKET: "<" is what the server sent, ">" what the client sent.)
    expect(ls.stderr).toMatch(/< version 2$/m);
    expect(ls.stderr).toMatch(/ls-remote> command=ls-refs$/m);
    const parent = await tmpDir('v2clone');
    const cl = await git(['clone', repo.remote, path.join(parent, 'wt')], { token: repo.token, protocol: 2, tracePackets: true });
    expect(cl.stderr).toMatch(/> command=fetch$/m);
    expect(cl.stderr).toMatch(/< packfile$/m);
    await fsckStrict(path.join(parent, 'wt'));
  });

  test('the server answers a protocol v1 request with a "version 1" advertisement', async () => {
    const repo = await createRepo('v1');
    const src = await buildSampleRepo();
    await pushAll(src, repo.remote, repo.token);
    const res = await rawInfoRefs(repo.remote, 'git-upload-pack', { token: repo.token, headers: { 'git-protocol': 'version=1' } });
    expect(res.status).toBe(200);
    const lines = parsePkts(res.body).filter((p) => p.type === 'data').map((p) => p.data.toString('latin1'));
    expect(lines[0]).toBe('# service=git-upload-pack\n');
    expect(lines[1]).toBe('version 1\n');
    expect(lines[2]).toMatch(/^[0-9a-f]{40} HEAD\0/);
    const ls = await git(['ls-remote', repo.remote], { token: repo.token, protocol: 1, tracePackets: true });
    expect(ls.stderr).toMatch(/< version 1$/m);
  });

  test('clone of an empty repo warns and exits 0; pushing from it works', async () => {
    const repo = await createRepo('emptyclone');
    const { dir, result } = await cloneRepo(repo.remote, { token: repo.token });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/You appear to have cloned an empty repository/);
    const head = await commitFiles(dir, { 'first.txt': 'first\n' }, 'first');
    const branch = await gitOut(dir, ['symbolic-ref', '--short', 'HEAD']);
    expect(branch).toBe('main');
    await git(['push', '-u', 'origin', 'main'], { cwd: dir, token: repo.token });
    expect(await lsRemote(repo.remote, { token: repo.token })).toEqual([`${head}\tHEAD`, `${head}\trefs/heads/main`]);
    const { dir: again } = await cloneRepo(repo.remote, { token: repo.token });
    expect(await treeOf(again)).toEqual(await treeOf(dir));
    await fsckStrict(again);
  });

  test('annotated and lightweight tags appear in the clone', async () => {
    const repo = await createRepo('tags');
    const src = await initRepo('tags');
    const c1 = await commitFiles(src, { 'a.txt': '1\n' }, 'one');
    await git(['tag', '-a', 'v1', '-m', 'annotated v1'], { cwd: src });
    await git(['tag', 'lw1'], { cwd: src });
    await commitFiles(src, { 'a.txt': '2\n' }, 'two');
    await git(['tag', '-a', 'v2', '-m', 'annotated v2'], { cwd: src });
    // A tag of a tag, and a tag on a tree-less path (a blob).
    await git(['tag', '-a', 'v2-signed-off', '-m', 'tag of a tag', 'v2'], { cwd: src });
    const blob = await gitOut(src, ['rev-parse', 'HEAD:a.txt']);
    await git(['tag', 'blob-tag', blob], { cwd: src });
    await pushAll(src, repo.remote, repo.token);
    const { dir } = await cloneRepo(repo.remote, { token: repo.token });
    expect((await gitOut(dir, ['tag', '-l'])).split('\n').sort()).toEqual(['blob-tag', 'lw1', 'v1', 'v2', 'v2-signed-off']);
    expect(await gitOut(dir, ['cat-file', '-t', 'refs/tags/v1'])).toBe('tag');
    expect(await gitOut(dir, ['cat-file', '-t', 'refs/tags/lw1'])).toBe('commit');
    expect(await gitOut(dir, ['rev-parse', 'v1^{commit}'])).toBe(c1);
    expect(await gitOut(dir, ['rev-parse', 'refs/tags/v2'])).toBe(await gitOut(src, ['rev-parse', 'refs/tags/v2']));
    expect(await gitOut(dir, ['cat-file', '-p', 'refs/tags/v1'])).toContain('annotated v1');
    await expectFaithfulClone(src, dir, repo.remote, repo.token);
    // ls-remote peels annotated tags.
    const ls = await lsRemote(repo.remote, { token: repo.token });
    expect(ls).toContain(`${c1}\trefs/tags/v1^{}`);
  });

  test('300 refs in one push', async () => {
    const repo = await createRepo('refs300');
    const src = await initRepo('refs300');
    const commits: string[] = [];
    for (let i = 0; i < 5; i++) commits.push(await commitFiles(src, { 'f.txt': `${i}\n` }, `c${i}`));
    const lines: string[] = [];
    for (let i = 0; i < 250; i++) lines.push(`create refs/heads/feature/topic-${String(i).padStart(3, '0')} ${commits[i % 5]}`);
    for (let i = 0; i < 25; i++) lines.push(`create refs/tags/lw-${i} ${commits[i % 5]}`);
    await git(['update-ref', '--stdin'], { cwd: src, input: lines.join('\n') + '\n' });
    for (let i = 0; i < 25; i++) await git(['tag', '-a', `rel-${i}`, '-m', `release ${i}`, commits[i % 5]], { cwd: src });
    const expected = await expectedRefLines(src);
    expect(expected.length).toBe(1 + 1 + 250 + 25 + 25 * 2); // HEAD, main, branches, lw tags, annotated + peeled
    await pushAll(src, repo.remote, repo.token);
    expect(await lsRemote(repo.remote, { token: repo.token, protocol: 0 })).toEqual(expected);
    expect(await lsRemote(repo.remote, { token: repo.token, protocol: 2 })).toEqual(expected);
    const { dir } = await cloneRepo(repo.remote, { token: repo.token });
    const remoteBranches = (await gitOut(dir, ['for-each-ref', '--format=%(refname)', 'refs/remotes/origin'])).split('\n');
    expect(remoteBranches.length).toBe(1 + 1 + 250); // origin/HEAD, origin/main, features
    expect((await gitOut(dir, ['tag', '-l'])).split('\n').length).toBe(50);
    await fsckStrict(dir);
  });

  test('merge commits (two-parent, criss-cross and octopus) survive the round trip', async () => {
    const repo = await createRepo('merges');
    const src = await initRepo('merges');
    await commitFiles(src, { 'base.txt': 'base\n' }, 'base');
    for (const b of ['a', 'b', 'c']) {
      await git(['checkout', '-q', '-b', b, 'main'], { cwd: src });
      await commitFiles(src, { [`${b}.txt`]: `${b}\n` }, `on ${b}`);
    }
    await git(['checkout', '-q', 'main'], { cwd: src });
    await commitFiles(src, { 'main.txt': 'main\n' }, 'on main');
    await git(['merge', '-q', '--no-ff', '-m', 'merge a', 'a'], { cwd: src });
    // criss-cross between b and c
    await git(['checkout', '-q', 'b'], { cwd: src });
    await git(['merge', '-q', '--no-ff', '-m', 'merge c into b', 'c~0'], { cwd: src });
    await git(['checkout', '-q', 'c'], { cwd: src });
    await git(['merge', '-q', '--no-ff', '-m', 'merge b~1 into c', 'b~1'], { cwd: src });
    await commitFiles(src, { 'c2.txt': 'c2\n' }, 'more c');
    await git(['checkout', '-q', 'main'], { cwd: src });
    await git(['merge', '-q', '--no-ff', '-m', 'octopus', 'b', 'c'], { cwd: src });
    const parents = await gitOut(src, ['rev-list', '--parents', '-n', '1', 'main']);
    expect(parents.split(' ').length).toBe(4);
    await pushAll(src, repo.remote, repo.token);
    const { dir } = await cloneRepo(repo.remote, { token: repo.token });
    expect(await gitOut(dir, ['rev-list', '--parents', 'origin/main'])).toBe(await gitOut(src, ['rev-list', '--parents', 'main']));
    await expectFaithfulClone(src, dir, repo.remote, repo.token);
  });
});

describe('updates', () => {
  test('incremental fetch after 50 more commits transfers only the new objects', async () => {
    const repo = await createRepo('incr');
    const src = await initRepo('incr');
    // A base of ~600 KB of incompressible content, so a full re-send would be obvious.
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 150; i++) files[`base/f${i}.bin`] = randomData(4096);
    await commitFiles(src, files, 'base');
    await fastImportCommits(src, { count: 10, file: 'log.txt', prefix: 'early' });
    await pushAll(src, repo.remote, repo.token);

    const { dir: full } = await cloneRepo(repo.remote, { token: repo.token, label: 'incr-full' });
    const fullPacks = await packFiles(full);
    const fullBytes = Object.values(fullPacks).reduce((a, b) => a + b, 0);
    expect(fullBytes).toBeGreaterThan(500_000);

    await fastImportCommits(src, { count: 50, file: 'log.txt', prefix: 'later' });
    await git(['push', repo.remote, 'main'], { cwd: src, token: repo.token });

    const before = await packFiles(full);
    // Keep the fetched pack as a pack so its size and object count can be measured.
    await git(['fetch', 'origin'], { cwd: full, token: repo.token, config: { 'fetch.unpackLimit': '1', 'transfer.unpackLimit': '1' } });
    const after = await packFiles(full);
    const fresh = Object.keys(after).filter((p) => !(p in before));
    expect(fresh.length).toBe(1);
    const newBytes = after[fresh[0]];
    const newObjects = await packObjectCount(full, fresh[0]);
    // 50 commits + 50 root trees + 50 blobs; a thin pack completed by index-pack may add a few bases.
    expect(newObjects).toBeGreaterThanOrEqual(150);
    expect(newObjects).toBeLessThanOrEqual(160);
    expect(newBytes).toBeLessThan(fullBytes / 10);
    expect(await revParse(full, 'origin/main')).toBe(await revParse(src, 'main'));
    await fsckStrict(full);
  });

  test('pull: fast-forward, then a merge pull pushed back', async () => {
    const repo = await createRepo('pull');
    const src = await buildSampleRepo();
    await pushAll(src, repo.remote, repo.token);
    const { dir: a } = await cloneRepo(repo.remote, { token: repo.token, label: 'pull-a' });
    const { dir: b } = await cloneRepo(repo.remote, { token: repo.token, label: 'pull-b' });
    const bHead = await commitFiles(b, { 'from-b.txt': 'b\n' }, 'from b');
    await git(['push', 'origin', 'main'], { cwd: b, token: repo.token });
    await git(['pull', '--ff-only', 'origin', 'main'], { cwd: a, token: repo.token });
    expect(await revParse(a, 'HEAD')).toBe(bHead);
    expect(await treeOf(a)).toEqual(await treeOf(b));

    // Diverge: both commit, b pushes first, a pulls (merge) and pushes the merge.
    await commitFiles(a, { 'from-a.txt': 'a\n' }, 'from a');
    await commitFiles(b, { 'from-b2.txt': 'b2\n' }, 'from b again');
    await git(['push', 'origin', 'main'], { cwd: b, token: repo.token });
    await git(['pull', '--no-rebase', '--no-edit', 'origin', 'main'], { cwd: a, token: repo.token });
    const merge = await revParse(a, 'HEAD');
    expect((await gitOut(a, ['rev-list', '--parents', '-n', '1', 'HEAD'])).split(' ').length).toBe(3);
    await git(['push', 'origin', 'main'], { cwd: a, token: repo.token });
    await git(['pull', '--ff-only', 'origin', 'main'], { cwd: b, token: repo.token });
    expect(await revParse(b, 'HEAD')).toBe(merge);
    expect(await treeOf(b)).toEqual(await treeOf(a));
    await fsckStrict(b);
  });
});

describe('content', () => {
  test("git's probe before a chunked push (a lone flush POSTed to git-receive-pack) is answered 200", async () => {
    const repo = await createRepo('probe');
    const res = await rawService(repo.remote, 'git-receive-pack', FLUSH, { token: repo.token });
    expect(res.status, JSON.stringify(res.text.slice(0, 200))).toBe(200);
    expect(await lsRemote(repo.remote, { token: repo.token })).toEqual([]);
  });

  test('a 6 MB random binary file', async () => {
    const repo = await createRepo('big');
    const src = await initRepo('big');
    const data = randomData(6 * 1024 * 1024 + 123);
    await commitFiles(src, { 'blob.bin': data, 'small.txt': 'small\n' }, 'big file');
    await pushAll(src, repo.remote, repo.token);
    const { dir } = await cloneRepo(repo.remote, { token: repo.token });
    expect(sha256(await fs.readFile(path.join(dir, 'blob.bin')))).toBe(sha256(data));
    await expectFaithfulClone(src, dir, repo.remote, repo.token);
  });

  test('3,000 files in nested directories', async () => {
    const repo = await createRepo('many');
    const src = await initRepo('many');
    const files: Record<string, string> = {};
    for (let i = 0; i < 3000; i++) files[`d${i % 30}/s${i % 7}/file-${i}.txt`] = `content of file ${i}\n`;
    await writeFiles(src, files);
    await git(['add', '-A'], { cwd: src });
    await git(['commit', '-q', '-m', '3000 files'], { cwd: src });
    expect(await gitOut(src, ['ls-files']).then((s) => s.split('\n').length)).toBe(3000);
    await pushAll(src, repo.remote, repo.token);
    const { dir } = await cloneRepo(repo.remote, { token: repo.token });
    await expectFaithfulClone(src, dir, repo.remote, repo.token);
  });

  test('deep history: 500 commits', async () => {
    const repo = await createRepo('deep');
    const src = await initRepo('deep');
    const tip = await fastImportCommits(src, { count: 500, file: 'counter.txt' });
    await pushAll(src, repo.remote, repo.token);
    const { dir } = await cloneRepo(repo.remote, { token: repo.token });
    expect(await revParse(dir, 'HEAD')).toBe(tip);
    expect(await gitOut(dir, ['rev-list', '--count', 'HEAD'])).toBe('500');
    await expectFaithfulClone(src, dir, repo.remote, repo.token);
  });

  test('exec bit and symlinks', async () => {
    const repo = await createRepo('modes');
    const src = await initRepo('modes');
    await commitFiles(src, {
      'bin/run.sh': { content: '#!/bin/sh\necho run\n', executable: true },
      'bin/plain.sh': { content: '#!/bin/sh\necho plain\n', executable: false },
      'link-file': { symlink: 'bin/run.sh' },
      'link-dir': { symlink: 'bin' },
      'dangling': { symlink: 'does/not/exist' },
      'up/link-up': { symlink: '../bin/plain.sh' },
    }, 'modes');
    // A mode-only change must survive too.
    await fs.chmod(path.join(src, 'bin/plain.sh'), 0o755);
    await git(['commit', '-q', '-am', 'chmod +x'], { cwd: src });
    await pushAll(src, repo.remote, repo.token);
    const { dir } = await cloneRepo(repo.remote, { token: repo.token });
    const tree = await treeOf(dir);
    expect(tree['bin/run.sh']).toMatch(/^100755 /);
    expect(tree['bin/plain.sh']).toMatch(/^100755 /);
    expect(tree['link-file']).toMatch(/^120000 /);
    expect(await fs.readlink(path.join(dir, 'dangling'))).toBe('does/not/exist');
    expect(await gitOut(dir, ['ls-tree', 'HEAD~1', 'bin/plain.sh'])).toMatch(/^100644 /);
    await expectFaithfulClone(src, dir, repo.remote, repo.token);
  });

  test('file names with spaces, unicode and URL-special characters', async () => {
    const repo = await createRepo('names');
    const src = await initRepo('names');
    await commitFiles(src, {
      'with space.txt': 'space\n',
      'dir with space/inner file.md': 'inner\n',
      'ünïcödé/naïve café.txt': 'accents\n',
      '日本語/ファイル.txt': 'japanese\n',
      'emoji-🎉.txt': 'party\n',
      'percent%20not-a-space.txt': 'percent\n',
      'hash#and?query&amp.txt': 'special\n',
      "quote'single\"double.txt": 'quotes\n',
      '-leading-dash': 'dash\n',
    }, 'names');
    await pushAll(src, repo.remote, repo.token);
    const { dir } = await cloneRepo(repo.remote, { token: repo.token });
    expect(Object.keys(await treeOf(dir))).toContain('日本語/ファイル.txt');
    await expectFaithfulClone(src, dir, repo.remote, repo.token);
  });
});

describe('compared with native git http-backend', () => {
  test('same refs advertised and same objects cloned as git http-backend for the same pushes', async () => {
    const root = await tmpDir('native');
    await git(['init', '-q', '--bare', '-b', 'main', path.join(root, 'n.git')]);
    const native = await serveGitHttpBackend(root);
    try {
      const repo = await createRepo('native');
      const src = await buildSampleRepo();
      await fastImportCommits(src, { branch: 'history', count: 40 });
      await pushAll(src, native.url('n.git'), repo.token);
      await pushAll(src, repo.remote, repo.token);
      for (const protocol of [0, 2] as const) {
        expect(await lsRemote(repo.remote, { token: repo.token, protocol }))
          .toEqual(await lsRemote(native.url('n.git'), { protocol }));
        const a = await cloneRepo(repo.remote, { token: repo.token, protocol, label: `arbor-v${protocol}` });
        const n = await cloneRepo(native.url('n.git'), { protocol, label: `native-v${protocol}` });
        expect(await allObjects(a.dir)).toEqual(await allObjects(n.dir));
        expect(await treeOf(a.dir)).toEqual(await treeOf(n.dir));
        expect(await gitOut(a.dir, ['for-each-ref', '--format=%(objectname) %(refname)']))
          .toEqual(await gitOut(n.dir, ['for-each-ref', '--format=%(objectname) %(refname)']));
      }
    } finally {
      await native.close();
    }
  });
});
