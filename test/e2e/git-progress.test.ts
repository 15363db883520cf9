// What git itself prints against Arbor (issue 21): a push shows the right `remote: Receiving
// objects` / `Resolving deltas` counts, and a clone shows pack-objects' own lines —
// `Enumerating objects: N, done.`, `Counting objects: 100% (N/N), done.`, `Compressing objects:
// 100% (C/C), done.`, `Total N (delta D), reused R (delta RD), pack-reused 0` — with the counts
// checked against what git finds in the result (`git verify-pack -v`, `git rev-list --objects`),
// and the line titles checked against native git serving the same repository.
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { cloneRepo, createRepo, git, gitOut, initRepo, serveGitHttpBackend, tmpDir, useArbor, type GitResult } from './harness';

useArbor();
const reference = Boolean(process.env.ARBOR_E2E_REFERENCE);

/** Commits made with fast-import: each rewrites one line of a 200-line file (so git packs it as
 *  deltas) and adds a file of `noise` random bytes (so a big history is a big pack). */
async function history(dir: string, commits: number, noise: number, startAt = 0): Promise<void> {
  const parts: string[] = [];
  for (let i = startAt; i < startAt + commits; i++) {
    const lines = Array.from({ length: 200 }, (_, j) => (j === i % 200 ? `line ${j} changed in commit ${i}` : `line ${j} of a file that changes a little`));
    const file = lines.join('\n') + '\n';
    const extra = randomBytes(noise).toString('base64');
    const msg = `commit ${i}\n`;
    const t = 1_700_000_000 + i * 60;
    parts.push(
      `commit refs/heads/main\nauthor P <p@arbor.test> ${t} +0000\ncommitter P <p@arbor.test> ${t} +0000\n` +
        `data ${Buffer.byteLength(msg)}\n${msg}` +
        (i === startAt && startAt > 0 ? `from refs/heads/main^0\n` : '') +
        `M 100644 inline file.txt\ndata ${Buffer.byteLength(file)}\n${file}\n` +
        `M 100644 inline extra/${i}.txt\ndata ${Buffer.byteLength(extra)}\n${extra}\n`,
    );
  }
  parts.push('done\n');
  await git(['fast-import', '--quiet', '--done'], { cwd: dir, input: parts.join('') });
}

/** stderr as the lines a terminal would end up showing pieces of: split at \r and \n, padding cut. */
function lines(r: GitResult): string[] {
  return r.stderr.split(/[\r\n]/).map((l) => l.replace(/\s+$/, '')).filter(Boolean);
}

function one(ls: string[], re: RegExp): RegExpMatchArray {
  const hits = ls.map((l) => re.exec(l)).filter((m): m is RegExpExecArray => m !== null);
  if (hits.length !== 1) throw new Error(`expected one line matching ${re}, found ${hits.length} in:\n${ls.join('\n')}`);
  return hits[0];
}

/** The client's own `Total N (delta D)` of what it sent. */
const clientTotal = (ls: string[]) => {
  const m = one(ls, /^Total (\d+) \(delta (\d+)\)/);
  return { n: Number(m[1]), d: Number(m[2]) };
};

/** Entries of the (single) pack in a fresh clone, from `git verify-pack -v`. */
async function packEntries(dir: string): Promise<{ oid: string; type: string; size: number; delta: boolean }[]> {
  const packDir = path.join(dir, '.git', 'objects', 'pack');
  const files = readdirSync(packDir).filter((f) => f.endsWith('.idx'));
  expect(files).toHaveLength(1);
  const out = await gitOut(dir, ['verify-pack', '-v', path.join(packDir, files[0])]);
  return out.split('\n').filter((l) => /^[0-9a-f]{40} /.test(l)).map((l) => {
    const f = l.split(/\s+/);
    return { oid: f[0], type: f[1], size: Number(f[2]), delta: f.length >= 7 };
  });
}

/** The remote lines of a clone, with the counts checked against the pack the clone received. */
async function checkClone(r: GitResult, dir: string): Promise<{ n: number; d: number }> {
  const ls = lines(r);
  const entries = await packEntries(dir);
  const n = entries.length;
  const d = entries.filter((e) => e.delta).length;
  const candidates = entries.filter((e) => !e.delta && e.size >= 50).length; // git's delta-search set
  expect(n).toBe(Number((await gitOut(dir, ['rev-list', '--objects', '--all'])).split('\n').filter(Boolean).length));
  one(ls, new RegExp(`^remote: Enumerating objects: ${n}, done\\.$`));
  one(ls, new RegExp(`^remote: Counting objects: 100% \\(${n}/${n}\\), done\\.$`));
  if (candidates > 0) one(ls, new RegExp(`^remote: Compressing objects: 100% \\(${candidates}/${candidates}\\), done\\.$`));
  one(ls, new RegExp(`^remote: Total ${n} \\(delta ${d}\\), reused ${n} \\(delta ${d}\\), pack-reused 0$`));
  one(ls, new RegExp(`^Receiving objects: 100% \\(${n}/${n}\\), .*done\\.$`));
  if (d > 0) one(ls, new RegExp(`^Resolving deltas: 100% \\(${d}/${d}\\), done\\.$`));
  return { n, d };
}

/** The remote lines of a push, against what the client says it sent. */
function checkPush(r: GitResult): { n: number; d: number } {
  const ls = lines(r);
  const { n, d } = clientTotal(ls);
  one(ls, new RegExp(`^remote: Receiving objects: 100% \\(${n}/${n}\\), done\\.$`));
  // A thin pack (deltas against objects the remote has) ends as index-pack does.
  if (d > 0) one(ls, new RegExp(`^remote: Resolving deltas: 100% \\(${d}/${d}\\)(, done\\.|, completed with \\d+ local objects?\\.)$`));
  else expect(ls.filter((l) => /Resolving deltas/.test(l))).toEqual([]);
  one(ls, new RegExp(`^remote: Checking connectivity: ${n}, done\\.$`));
  // Every "Receiving objects" line of the remote counts up to the same total.
  for (const l of ls.filter((x) => x.startsWith('remote: Receiving objects'))) expect(l).toMatch(new RegExp(`\\(\\d+/${n}\\)`));
  return { n, d };
}

/** The titles of the remote's lines (`remote: Counting objects` ...), in order, once each. */
function titles(r: GitResult): string[] {
  const out: string[] = [];
  for (const l of lines(r)) {
    const m = /^remote: ([A-Z][a-z]+(?: [a-z]+)?)(?::| \d)/.exec(l);
    if (m && !out.includes(m[1])) out.push(m[1]);
  }
  return out;
}

const progress = { env: { GIT_PROGRESS_DELAY: '0' } };

describe.skipIf(reference)('git progress lines', () => {
  test('a small push (fits one buffer), a 2,000-object push, a clone and a fetch print exact counts', async () => {
    const repo = await createRepo('progress');
    const src = await initRepo('progress-src');
    await history(src, 40, 100);
    const small = await git(['push', '--progress', repo.remote, 'main'], { cwd: src, token: repo.token, ...progress });
    const s = checkPush(small);
    expect(s.n).toBe(40 * 5); // commit, root tree, extra/ tree, two blobs per commit
    expect(s.d).toBeGreaterThan(0);

    const tip = await gitOut(src, ['rev-parse', 'main']);
    await history(src, 420, 600, 40); // ~2,100 objects, a pack of several 256 KiB ingest buffers
    const big = await git(['push', '--progress', repo.remote, 'main'], { cwd: src, token: repo.token, ...progress });
    const b = checkPush(big);
    expect(b.n).toBeGreaterThanOrEqual(2000);
    console.log(`big push:\n${lines(big).filter((l) => l.startsWith('remote:') || l.startsWith('Total')).join('\n')}`);
    expect(b.n).toBe((await gitOut(src, ['rev-list', '--objects', 'main', `^${tip}`])).split('\n').filter(Boolean).length);

    for (const protocol of [2, 0] as const) {
      const { dir, result } = await cloneRepo(repo.remote, { token: repo.token, protocol, args: ['--progress'], label: `progress-clone-v${protocol}`, ...progress });
      const c = await checkClone(result, dir);
      expect(c.n).toBe(Number((await gitOut(src, ['rev-list', '--objects', '--all'])).split('\n').filter(Boolean).length));
      expect(c.d).toBeGreaterThan(0);
    }

    // An incremental fetch: Total counts what the fetch needed.
    const { dir } = await cloneRepo(repo.remote, { token: repo.token, label: 'progress-fetch' });
    await history(src, 3, 50, 460);
    await git(['push', repo.remote, 'main'], { cwd: src, token: repo.token });
    const before = await gitOut(dir, ['rev-parse', 'origin/main']);
    const f = await git(['fetch', '--progress', 'origin'], { cwd: dir, token: repo.token, ...progress });
    const needed = (await gitOut(dir, ['rev-list', '--objects', 'origin/main', `^${before}`])).split('\n').filter(Boolean).length;
    const fl = lines(f);
    one(fl, new RegExp(`^remote: Enumerating objects: ${needed}, done\\.$`));
    const t = one(fl, new RegExp(`^remote: Total ${needed} \\(delta (\\d+)\\), reused (\\d+) \\(delta (\\d+)\\), pack-reused 0$`));
    expect(Number(t[2])).toBeLessThanOrEqual(needed);
    expect(Number(t[3])).toBeLessThanOrEqual(Number(t[1]));
  });

  test('the same push and clone against native git print the same remote line titles and object counts', async () => {
    const src = await initRepo('progress-native-src');
    await history(src, 30, 80);
    const repo = await createRepo('progress-native');
    const bare = await initRepo('progress-native-bare', { bare: true });
    const ours = await git(['push', '--progress', repo.remote, 'main'], { cwd: src, token: repo.token, ...progress });
    const theirs = await git(['push', '--progress', `file://${bare}`, 'main'], { cwd: src, ...progress });
    expect(checkPush(ours).n).toBe(clientTotal(lines(theirs)).n);
    // Native receive-pack shows only the resolving step (the client shows the sending).
    expect(titles(theirs).filter((t) => t !== 'Receiving objects')).toEqual(titles(ours).filter((t) => t !== 'Receiving objects'));

    const a = await cloneRepo(repo.remote, { token: repo.token, args: ['--progress'], label: 'progress-native-ours', ...progress });
    const parent = await tmpDir('progress-native-theirs');
    const bDir = path.join(parent, 'wt');
    const b = await git(['clone', '--progress', '--no-local', `file://${bare}`, bDir], progress);
    expect(titles(a.result)).toEqual(titles(b));
    expect(titles(a.result)).toEqual(['Enumerating objects', 'Counting objects', 'Compressing objects', 'Total']);
    const ours2 = await checkClone(a.result, a.dir);
    const theirs2 = await checkClone(b, bDir);
    expect(ours2.n).toBe(theirs2.n);
    console.log(`push, Arbor:\n${lines(ours).filter((l) => l.startsWith('remote:') && !l.includes('%) ') || l.includes('done')).join('\n')}\n` +
      `push, native:\n${lines(theirs).filter((l) => l.startsWith('remote:')).filter((l) => l.includes('done')).join('\n')}\n` +
      `clone, Arbor:\n${lines(a.result).filter((l) => l.includes('done') || l.includes('Total')).join('\n')}\n` +
      `clone, native:\n${lines(b).filter((l) => l.includes('done') || l.includes('Total')).join('\n')}`);
  });
});

describe.skipIf(reference)('git progress next to git http-backend', () => {
  test('the same push and clone over HTTP: the same remote line titles and counts as git http-backend', async () => {
    const src = await initRepo('progress-http-src');
    await history(src, 60, 120);
    const repo = await createRepo('progress-http');
    const bare = await initRepo('progress-http-bare', { bare: true });
    const native = await serveGitHttpBackend(path.dirname(bare));
    try {
      const nativeUrl = native.url(path.basename(bare));
      const ours = await git(['push', '--progress', repo.remote, 'main'], { cwd: src, token: repo.token, ...progress });
      const theirs = await git(['push', '--progress', nativeUrl, 'main'], { cwd: src, ...progress });
      const p = checkPush(ours);
      expect(p.n).toBe(clientTotal(lines(theirs)).n);
      const nativeRemote = lines(theirs).filter((l) => l.startsWith('remote:'));
      // http-backend's receive-pack resolves deltas with the same count the client sent.
      if (p.d > 0) one(nativeRemote, new RegExp(`^remote: Resolving deltas: 100% \\(${p.d}/${p.d}\\), done\\.$`));

      const a = await cloneRepo(repo.remote, { token: repo.token, args: ['--progress'], label: 'progress-http-ours', ...progress });
      const parent = await tmpDir('progress-http-theirs');
      const bDir = path.join(parent, 'wt');
      const b = await git(['clone', '--progress', nativeUrl, bDir], progress);
      expect(titles(a.result)).toEqual(titles(b));
      const c1 = await checkClone(a.result, a.dir);
      const c2 = await checkClone(b, bDir);
      expect(c1.n).toBe(c2.n);
      // An incremental push: a thin pack whose deltas are against objects the remote has. Arbor
      // keeps every pushed pack (index-pack, never unpack-objects): git with unpackLimit 1 does too.
      await git(['config', 'receive.unpackLimit', '1'], { cwd: bare });
      await history(src, 5, 60, 60);
      const ours3 = await git(['push', '--progress', repo.remote, 'main'], { cwd: src, token: repo.token, ...progress });
      const theirs3 = await git(['push', '--progress', nativeUrl, 'main'], { cwd: src, ...progress });
      const remoteLines = (r: GitResult) => lines(r).filter((l) => l.startsWith('remote:') && /done\.$|local objects/.test(l) && !l.includes('Receiving objects'));
      expect(remoteLines(ours3)).toEqual(remoteLines(theirs3));
      expect(remoteLines(ours3).join('\n')).toMatch(/Resolving deltas: 100% \(\d+\/\d+\), completed with \d+ local objects?\./);
      const shown = (r: GitResult) => lines(r).filter((l) => /done\.$|local objects?\.$|^Total|^remote: Total|->/.test(l)).join('\n');
      console.log(`push to Arbor:\n${shown(ours)}\n\npush to git http-backend:\n${shown(theirs)}\n\n` +
        `incremental push to Arbor:\n${shown(ours3)}\n\nincremental push to git http-backend:\n${shown(theirs3)}\n\n` +
        `clone from Arbor:\n${shown(a.result)}\n\nclone from git http-backend:\n${shown(b)}`);
    } finally {
      await native.close();
    }
  });
});
