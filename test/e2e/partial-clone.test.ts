// Partial clone (`--filter`), protocol v0 and v2: the filtered clone holds exactly what the
// filter allows, and the client's lazy fetches (checkout, log -p, blame, sparse-checkout) fill in
// the rest, ending with the same work tree as the source and a clean fsck.
import { describe, expect, test } from 'vitest';
import { cloneRepo, commitFiles, createRepo, fsckStrict, git, gitOut, initRepo, pushAll, treeOf, useArbor, type RepoInfo } from './harness';

useArbor();

async function source(label: string): Promise<{ src: string; repo: RepoInfo }> {
  const repo = await createRepo(label);
  const src = await initRepo(label);
  for (let i = 0; i < 6; i++) {
    await commitFiles(src, {
      'README.md': `readme ${i}\n`,
      'docs/guide.md': `guide ${i}\n`.repeat(10),
      'src/app/main.ts': `export const v = ${i};\n`,
      'src/app/big.bin': Buffer.alloc(4096 + i, i), // over the 1k limit
      'assets/deep/er/logo.txt': `logo ${i % 2}\n`,
    }, `commit ${i}`);
  }
  await pushAll(src, repo.remote, repo.token);
  return { src, repo };
}

/** Object types present locally, without triggering lazy fetches. */
async function localTypes(dir: string): Promise<Record<string, number>> {
  const out = await gitOut(dir, ['cat-file', '--batch-all-objects', '--batch-check=%(objecttype)', '--unordered']);
  const counts: Record<string, number> = {};
  for (const t of out.split('\n').filter(Boolean)) counts[t] = (counts[t] ?? 0) + 1;
  return counts;
}

describe.each([0, 2] as const)('partial clone over protocol v%i', (protocol) => {
  test('blob:none: no blobs until checkout fetches exactly the ones it needs', async () => {
    const { src, repo } = await source(`pc-none-v${protocol}`);
    const { dir } = await cloneRepo(repo.remote, { token: repo.token, protocol, args: ['--filter=blob:none', '--no-checkout'] });
    const before = await localTypes(dir);
    expect(before.blob ?? 0).toBe(0);
    expect(before.commit).toBe(6);
    await git(['checkout', '-q', 'main'], { cwd: dir, token: repo.token, protocol });
    expect(await treeOf(dir)).toEqual(await treeOf(src));
    expect((await localTypes(dir)).blob).toBe(5); // only HEAD's blobs came down
    const log = await gitOut(dir, ['log', '-p', '--format=%s'], { token: repo.token, protocol });
    expect(log).toContain('guide 0');
    const blame = await gitOut(dir, ['blame', 'README.md'], { token: repo.token, protocol });
    expect(blame).toContain('readme 5');
    await fsckStrict(dir);
  });

  test('blob:limit=1k leaves out only the big blobs', async () => {
    const { repo } = await source(`pc-limit-v${protocol}`);
    const { dir } = await cloneRepo(repo.remote, { token: repo.token, protocol, args: ['--filter=blob:limit=1k', '--no-checkout'] });
    const sizes = await gitOut(dir, ['cat-file', '--batch-all-objects', '--batch-check=%(objecttype) %(objectsize)', '--unordered']);
    const blobs = sizes.split('\n').filter((l) => l.startsWith('blob ')).map((l) => Number(l.split(' ')[1]));
    expect(blobs.length).toBeGreaterThan(0);
    expect(blobs.every((s) => s < 1024)).toBe(true);
  });

  test('tree:0 sends commits only; checkout still works', async () => {
    const { src, repo } = await source(`pc-tree0-v${protocol}`);
    const { dir } = await cloneRepo(repo.remote, { token: repo.token, protocol, args: ['--filter=tree:0', '--no-checkout'] });
    expect(await localTypes(dir)).toEqual({ commit: 6 });
    await git(['checkout', '-q', 'main'], { cwd: dir, token: repo.token, protocol });
    expect(await treeOf(dir)).toEqual(await treeOf(src));
  });

  test('tree:1 sends root trees but nothing below them', async () => {
    const { repo } = await source(`pc-tree1-v${protocol}`);
    const { dir } = await cloneRepo(repo.remote, { token: repo.token, protocol, args: ['--filter=tree:1', '--no-checkout'] });
    const t = await localTypes(dir);
    expect(t.commit).toBe(6);
    expect(t.blob ?? 0).toBe(0);
    expect(t.tree).toBe(6); // one distinct root tree per commit
  });

  test('--filter with --depth 1, and combine:', async () => {
    const { src, repo } = await source(`pc-depth-v${protocol}`);
    const a = await cloneRepo(repo.remote, { token: repo.token, protocol, args: ['--filter=blob:none', '--depth', '1'] });
    expect(await treeOf(a.dir)).toEqual(await treeOf(src));
    expect((await gitOut(a.dir, ['rev-list', '--count', 'HEAD'])).trim()).toBe('1');
    const b = await cloneRepo(repo.remote, { token: repo.token, protocol, args: ['--filter=combine:blob:none+tree:2', '--no-checkout'] });
    const t = await localTypes(b.dir);
    expect(t.blob ?? 0).toBe(0);
    expect(t.commit).toBe(6);
  });

  test('sparse-checkout fetches only the chosen directory', async () => {
    const { repo } = await source(`pc-sparse-v${protocol}`);
    const { dir } = await cloneRepo(repo.remote, { token: repo.token, protocol, args: ['--filter=blob:none', '--sparse'] });
    await git(['sparse-checkout', 'set', 'docs'], { cwd: dir, token: repo.token, protocol });
    const files = (await gitOut(dir, ['ls-files', '-t'])).split('\n').filter((l) => l.startsWith('H '));
    expect(files.map((l) => l.slice(2)).sort()).toEqual(['README.md', 'docs/guide.md']);
    expect((await localTypes(dir)).blob).toBe(2);
    await fsckStrict(dir);
  });
});

test('an unsupported filter gets a clear error', async () => {
  const { repo } = await source('pc-bad');
  const r = await cloneRepo(repo.remote, { token: repo.token, protocol: 2, args: ['--filter=sparse:oid=0000000000000000000000000000000000000000'], allowFail: true });
  expect(r.result.code).not.toBe(0);
  expect(r.result.stderr).toMatch(/not supported|filter/);
});
