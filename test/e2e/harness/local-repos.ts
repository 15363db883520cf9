// Building local repositories (files, commits, fast-import histories) and pushing/cloning them.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { tmpDir } from './temp';
import { GitOptions, GitResult, git, gitOut, revParse } from './git';

export type FileSpec =
  | string
  | Buffer
  | { content: string | Buffer; executable?: boolean }
  | { symlink: string };
export type Files = Record<string, FileSpec>;

export async function initRepo(label = 'repo', opts: { bare?: boolean } = {}): Promise<string> {
  const dir = await tmpDir(label);
  await git(['init', '-q', '-b', 'main', ...(opts.bare ? ['--bare'] : []), dir]);
  return dir;
}

export async function writeFiles(dir: string, files: Files): Promise<void> {
  for (const [rel, spec] of Object.entries(files)) {
    const p = path.join(dir, rel);
    await fs.mkdir(path.dirname(p), { recursive: true });
    await fs.rm(p, { force: true, recursive: true });
    if (typeof spec === 'string' || spec instanceof Uint8Array) {
      await fs.writeFile(p, spec);
    } else if ('symlink' in spec) {
      await fs.symlink(spec.symlink, p);
    } else {
      await fs.writeFile(p, spec.content);
      await fs.chmod(p, spec.executable ? 0o755 : 0o644);
    }
  }
}

/** Writes the files, `git add -A`, commits; returns the new HEAD oid. */
export async function commitFiles(dir: string, files: Files, message = 'commit', opts: { date?: string } = {}): Promise<string> {
  await writeFiles(dir, files);
  await git(['add', '-A'], { cwd: dir });
  const env = opts.date ? { GIT_AUTHOR_DATE: opts.date, GIT_COMMITTER_DATE: opts.date } : undefined;
  await git(['commit', '-q', '--allow-empty', '-m', message], { cwd: dir, env });
  return revParse(dir, 'HEAD');
}

/** n commits, each changing one small file, via a commit loop (use fastImportCommits for many). */
export async function commitN(dir: string, n: number, prefix = 'c'): Promise<string> {
  let head = '';
  for (let i = 0; i < n; i++) head = await commitFiles(dir, { [`${prefix}.txt`]: `${prefix} ${i}\n` }, `${prefix} ${i}`);
  return head;
}

export interface FastImportOptions {
  branch?: string;
  count: number;
  /** File changed by every commit (default `history.txt`). */
  file?: string;
  /** Commit message prefix. */
  prefix?: string;
  /** First committer time (unix seconds); commits are `step` seconds apart. */
  startTime?: number;
  step?: number;
}

/**
 * Appends `count` commits to `branch` with `git fast-import` (fast even for thousands), each one
 * rewriting one small file. Continues from the branch tip if it exists. Updates the work tree
 * when the branch is checked out in a non-bare repo. Returns the new tip.
 */
export async function fastImportCommits(dir: string, o: FastImportOptions): Promise<string> {
  const branch = o.branch ?? 'main';
  const file = o.file ?? 'history.txt';
  const prefix = o.prefix ?? 'commit';
  const step = o.step ?? 60;
  const start = o.startTime ?? 1_600_000_000;
  const parent = await git(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`], { cwd: dir, allowFail: true });
  const from = parent.code === 0 ? parent.stdout.trim() : '';
  const parts: string[] = [];
  for (let i = 0; i < o.count; i++) {
    const msg = `${prefix} ${i + 1}\n`;
    const content = `${prefix} ${i + 1}\n`;
    const t = start + i * step;
    parts.push(
      `commit refs/heads/${branch}\n` +
        `mark :${i + 1}\n` +
        `author Arbor E2E <e2e@arbor.test> ${t} +0000\n` +
        `committer Arbor E2E <e2e@arbor.test> ${t} +0000\n` +
        `data ${Buffer.byteLength(msg)}\n${msg}` +
        (i === 0 && from ? `from ${from}\n` : '') +
        `M 100644 inline ${file}\n` +
        `data ${Buffer.byteLength(content)}\n${content}\n`,
    );
  }
  parts.push('done\n');
  await git(['fast-import', '--quiet', '--done'], { cwd: dir, input: parts.join('') });
  const bare = (await gitOut(dir, ['rev-parse', '--is-bare-repository'])) === 'true';
  if (!bare) {
    const cur = await git(['symbolic-ref', '-q', 'HEAD'], { cwd: dir, allowFail: true });
    if (cur.stdout.trim() === `refs/heads/${branch}`) await git(['reset', '-q', '--hard'], { cwd: dir });
  }
  return revParse(dir, `refs/heads/${branch}`);
}

/** A small but varied repo: main with 4 commits and a subdir, branch `dev`, tags v1.0 (annotated) and light. */
export async function buildSampleRepo(label = 'sample'): Promise<string> {
  const dir = await initRepo(label);
  await commitFiles(dir, { 'README.md': '# sample\n', 'src/a.txt': 'a\n' }, 'initial');
  await commitFiles(dir, { 'src/b.txt': 'b\n', 'docs/guide.md': 'guide\n' }, 'second');
  await git(['tag', '-a', 'v1.0', '-m', 'release 1.0'], { cwd: dir });
  await git(['branch', 'dev'], { cwd: dir });
  await commitFiles(dir, { 'src/a.txt': 'a2\n', 'bin/tool.sh': { content: '#!/bin/sh\necho tool\n', executable: true } }, 'third');
  await git(['tag', 'light'], { cwd: dir });
  await commitFiles(dir, { 'link-to-readme': { symlink: 'README.md' } }, 'fourth');
  await git(['checkout', '-q', 'dev'], { cwd: dir });
  await commitFiles(dir, { 'dev.txt': 'dev 1\n' }, 'dev 1');
  await commitFiles(dir, { 'dev.txt': 'dev 2\n' }, 'dev 2');
  await git(['checkout', '-q', 'main'], { cwd: dir });
  return dir;
}

/** Pushes every local branch and tag of `dir` to `remote`. */
export async function pushAll(dir: string, remote: string, token: string, opts: GitOptions = {}): Promise<GitResult> {
  return git(['push', '--porcelain', remote, 'refs/heads/*:refs/heads/*', 'refs/tags/*:refs/tags/*'], { cwd: dir, token, ...opts });
}

/** Clones `remote` into a fresh temp dir; returns the dir and the git result. */
export async function cloneRepo(
  remote: string,
  opts: GitOptions & { args?: string[]; label?: string } = {},
): Promise<{ dir: string; result: GitResult }> {
  const parent = await tmpDir(opts.label ?? 'clone');
  const dir = path.join(parent, 'wt');
  const result = await git(['clone', ...(opts.args ?? []), remote, dir], opts);
  return { dir, result };
}
