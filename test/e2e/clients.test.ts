// The client matrix: clone, fetch, push (with a repo token) and a depth-1 shallow clone with every
// major Git client against Arbor — the git CLI (protocol v0, v1, v2), libgit2 (python3-pygit2),
// dulwich (python3-dulwich), JGit (jgit-cli) and isomorphic-git's own HTTP client.
//
// Each result is judged with `git fsck --strict` and ref/tree equality with what was pushed. A
// client that is not installed skips with the reason; a client that lacks a feature (shallow
// clone in old libgit2/JGit) records "unsupported". The matrix is printed at the end (Markdown,
// for the README).
//
// Clients come from Debian packages (.ci/run installs them when missing): python3-pygit2 and
// python3-dulwich (imported by /usr/bin/python3, test/e2e/clients/*.py), jgit-cli. isomorphic-git
// is a dependency of the project.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  basicAuthUrl, buildSampleRepo, cloneRepo, commitFiles, createRepo, ensureHome, fsckStrict, git, gitEnv, gitOut,
  lsRemote, PROJECT_ROOT, pushAll, refMap, revParse, tmpDir, treeOf, useArbor, type RepoInfo,
} from './harness';

useArbor();

const HELPERS = path.join(PROJECT_ROOT, 'test/e2e/clients');
const OP_TIMEOUT_MS = 90_000;

// ---------------------------------------------------------------------------------------------
// The matrix (printed in afterAll).

type Op = 'clone' | 'fetch' | 'push' | 'non-ff push refused' | 'shallow clone';
const OPS: Op[] = ['clone', 'fetch', 'push', 'non-ff push refused', 'shallow clone'];
const matrix = new Map<string, Map<Op, string>>();
const notes: string[] = [];
const versions = new Map<string, string>();

function record(client: string, op: Op, cell: string): void {
  if (!matrix.has(client)) matrix.set(client, new Map());
  matrix.get(client)!.set(op, cell);
}

/** Runs one matrix cell: records pass/FAIL (and rethrows) around `fn`. */
async function cell(client: string, op: Op, auth: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
    record(client, op, `pass${auth ? ` (${auth})` : ''}`);
  } catch (e) {
    record(client, op, `**FAIL**${auth ? ` (${auth})` : ''}`);
    throw e;
  }
}

afterAll(() => {
  const lines = [
    `| client | ${OPS.join(' | ')} |`,
    `|---|${OPS.map(() => '---').join('|')}|`,
    ...[...matrix].map(([client, cells]) => `| ${client}${versions.has(client) ? ` (${versions.get(client)})` : ''} | ${OPS.map((op) => cells.get(op) ?? '—').join(' | ')} |`),
  ];
  console.log(`\n[clients] matrix\n${lines.join('\n')}\n${notes.map((n) => `- ${n}`).join('\n')}\n`);
});

// ---------------------------------------------------------------------------------------------
// Running the client programs.

interface ProcResult { code: number; stdout: string; stderr: string }

async function run(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<ProcResult> {
  const env = { ...(await gitEnv()), ...opts.env };
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(cmd, args, { cwd: opts.cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      resolve({ code: -1, stdout: '', stderr: String(e) });
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => {
      err.push(Buffer.from(`\n[clients] ${cmd} killed after ${opts.timeoutMs ?? OP_TIMEOUT_MS} ms`));
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ }
    }, opts.timeoutMs ?? OP_TIMEOUT_MS);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => { clearTimeout(timer); resolve({ code: -1, stdout: '', stderr: String(e) }); });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
  });
}

/** The first Python that imports `module` (Debian's packages live under /usr/bin/python3). */
async function findPython(module: string): Promise<{ python?: string; reason?: string }> {
  const tried: string[] = [];
  for (const py of ['/usr/bin/python3', 'python3']) {
    if (py.startsWith('/') && !existsSync(py)) { tried.push(`${py}: missing`); continue; }
    const r = await run(py, ['-c', `import ${module}`], { timeoutMs: 30_000 });
    if (r.code === 0) return { python: py };
    tried.push(`${py}: ${r.stderr.trim().split('\n').pop()}`);
  }
  return { reason: `python module ${module} not importable (apt-get install python3-${module}): ${tried.join('; ')}` };
}

interface HelperAnswer { ok: boolean; error?: string; [k: string]: unknown }

async function pyHelper(python: string, script: string, args: Record<string, unknown>): Promise<{ answer: HelperAnswer; res: ProcResult }> {
  const res = await run(python, [path.join(HELPERS, script), JSON.stringify(args)]);
  const last = res.stdout.trim().split('\n').pop() ?? '';
  let answer: HelperAnswer;
  try { answer = JSON.parse(last); } catch { answer = { ok: false, error: `no JSON answer (exit ${res.code}): ${res.stdout.slice(-1000)} ${res.stderr.slice(-2000)}` }; }
  return { answer, res };
}

function helperError(what: string, a: { answer: HelperAnswer; res: ProcResult }): Error {
  return new Error(`${what} failed (exit ${a.res.code}): ${a.answer.error ?? ''}\n${JSON.stringify(a.answer).slice(0, 2000)}\nstderr: ${a.res.stderr.slice(-3000)}`);
}

/** Debian's jgit-cli 4.11 ships a launcher whose classpath misses jars it needs (LFS, the Apache HTTP connection). */
function jgitClasspath(): string {
  const dir = '/usr/share/java';
  const jars = ['org.eclipse.jgit.lfs', 'org.eclipse.jgit.http.apache', 'httpclient', 'httpcore', 'commons-logging', 'gson',
    'slf4j-api', 'slf4j-nop', 'jsch', 'javaewah'].map((j) => path.join(dir, `${j}.jar`)).filter((p) => existsSync(p));
  return jars.join(':');
}

/**
 * JGit's own home (Java takes user.home from the passwd entry, not $HOME): the harness's
 * .gitconfig plus a .netrc with the token. JGit 4.11's command line installs a credentials
 * provider chain (.netrc, then an AWT prompt) that takes precedence over credentials in the URL,
 * so a URL with user:token@ alone makes it open a dialog; .netrc is its non-interactive path.
 */
let jgitHome: string | undefined;
async function jgitSetCredentials(remote: string, token: string): Promise<void> {
  if (!jgitHome) {
    jgitHome = await tmpDir('jgit-home');
    await fsp.copyFile(path.join(await ensureHome(), '.gitconfig'), path.join(jgitHome, '.gitconfig'));
  }
  await fsp.writeFile(path.join(jgitHome, '.netrc'), `machine ${new URL(remote).hostname} login x password ${token}\n`, { mode: 0o600 });
}

async function jgit(args: string[], cwd?: string): Promise<ProcResult> {
  const env: Record<string, string> = { JGIT_CLASSPATH: jgitClasspath() };
  if (jgitHome) Object.assign(env, { HOME: jgitHome, JAVA_TOOL_OPTIONS: `-Duser.home=${jgitHome} -Djava.awt.headless=true` });
  return run('jgit', args, { cwd, env });
}

function procError(what: string, r: ProcResult): Error {
  return new Error(`${what} failed (exit ${r.code})\n--- stdout ---\n${r.stdout.slice(-3000)}\n--- stderr ---\n${r.stderr.slice(-3000)}`);
}

// ---------------------------------------------------------------------------------------------
// The clients, behind one interface.

interface Client {
  name: string;
  /** null when usable, else why the client's tests skip. */
  setup(): Promise<string | null>;
  /** Why a depth-1 clone cannot be tried with this client (undefined: supported). */
  shallowUnsupported?(): Promise<string | undefined>;
  auth: { clone: string; fetch: string; push: string; shallow: string };
  clone(remote: string, token: string, dir: string, depth?: number): Promise<void>;
  fetch(remote: string, token: string, dir: string): Promise<void>;
  /** Pushes `refspecs`; throws when the client reports any failure. */
  push(remote: string, token: string, dir: string, refspecs: string[]): Promise<void>;
  /** Whether a plain fetch also brings new tags pointing into fetched history (tag following). */
  followsTags: boolean;
}

function gitCli(protocol: 0 | 1 | 2): Client {
  return {
    name: `git CLI, protocol v${protocol}`,
    setup: async () => {
      versions.set(`git CLI, protocol v${protocol}`, (await git(['version'])).stdout.trim());
      return null;
    },
    auth: { clone: 'Bearer', fetch: 'Basic', push: 'Bearer', shallow: 'Bearer' },
    followsTags: true,
    clone: async (remote, token, dir, depth) => {
      const r = await git(['clone', '-q', ...(depth ? [`--depth=${depth}`] : []), remote, dir], { protocol, token, tracePackets: true });
      if (protocol > 0) expect(r.stderr, 'protocol version in use').toMatch(new RegExp(`git< version ${protocol}`));
      else expect(r.stderr).not.toMatch(/git< version [12]/);
    },
    fetch: async (remote, token, dir) => {
      // Basic auth with the token as password, the URL not stored in the clone's config.
      await git(['fetch', '-q', '--tags', basicAuthUrl(remote, token), '+refs/heads/*:refs/remotes/origin/*'], { cwd: dir, protocol });
    },
    push: async (remote, token, dir, refspecs) => {
      await git(['push', '-q', remote, ...refspecs], { cwd: dir, protocol, token });
    },
  };
}

let pygitPython: string | undefined;
const pygit2Client: Client = {
  name: 'libgit2 (pygit2)',
  setup: async () => {
    const p = await findPython('pygit2');
    if (!p.python) return p.reason!;
    pygitPython = p.python;
    const info = await pyHelper(pygitPython, 'pygit2_client.py', { op: 'info' });
    if (!info.answer.ok) return `pygit2 helper does not run: ${info.answer.error}`;
    versions.set(pygit2Client.name, `libgit2 ${String(info.answer.libgit2)}, pygit2 ${String(info.answer.pygit2)}`);
    return null;
  },
  shallowUnsupported: async () => {
    const info = await pyHelper(pygitPython!, 'pygit2_client.py', { op: 'info' });
    return info.answer.depth ? undefined : `libgit2 ${String(info.answer.libgit2)} has no shallow clone (added in libgit2 1.7)`;
  },
  auth: { clone: 'Basic', fetch: 'Bearer', push: 'Bearer', shallow: 'Basic' },
  followsTags: true,
  clone: async (remote, token, dir, depth) => {
    const a = await pyHelper(pygitPython!, 'pygit2_client.py', { op: 'clone', url: remote, dir, token, auth: 'basic', depth });
    if (!a.answer.ok) throw helperError('pygit2 clone', a);
  },
  fetch: async (_remote, token, dir) => {
    const a = await pyHelper(pygitPython!, 'pygit2_client.py', { op: 'fetch', dir, token, auth: 'bearer' });
    if (!a.answer.ok) throw helperError('pygit2 fetch', a);
  },
  push: async (_remote, token, dir, refspecs) => {
    const a = await pyHelper(pygitPython!, 'pygit2_client.py', { op: 'push', dir, token, auth: 'bearer', refspecs });
    if (!a.answer.ok) throw helperError('pygit2 push', a);
  },
};

let dulwichPython: string | undefined;
const dulwichClient: Client = {
  name: 'dulwich',
  setup: async () => {
    const p = await findPython('dulwich');
    if (!p.python) return p.reason!;
    dulwichPython = p.python;
    const info = await pyHelper(dulwichPython, 'dulwich_client.py', { op: 'info' });
    if (!info.answer.ok) return `dulwich helper does not run: ${info.answer.error}`;
    versions.set(dulwichClient.name, `dulwich ${String(info.answer.dulwich)}`);
    return null;
  },
  auth: { clone: 'Bearer', fetch: 'Basic', push: 'Bearer', shallow: 'Basic' },
  followsTags: true,
  clone: async (remote, token, dir, depth) => {
    const a = await pyHelper(dulwichPython!, 'dulwich_client.py', { op: 'clone', url: remote, dir, token, auth: depth ? 'basic' : 'bearer', depth });
    if (!a.answer.ok) throw helperError('dulwich clone', a);
  },
  fetch: async (remote, token, dir) => {
    const a = await pyHelper(dulwichPython!, 'dulwich_client.py', { op: 'fetch', url: remote, dir, token, auth: 'basic' });
    if (!a.answer.ok) throw helperError('dulwich fetch', a);
  },
  push: async (remote, token, dir, refspecs) => {
    const a = await pyHelper(dulwichPython!, 'dulwich_client.py', { op: 'push', url: remote, dir, token, auth: 'bearer', refspecs });
    if (!a.answer.ok) throw helperError('dulwich push', a);
  },
};

const jgitClient: Client = {
  name: 'JGit',
  setup: async () => {
    const r = await jgit(['version']);
    if (r.code !== 0) return `jgit does not run (apt-get install jgit-cli): ${(r.stderr || r.stdout).trim().split('\n').slice(0, 3).join(' ')}`;
    versions.set(jgitClient.name, `JGit ${r.stdout.trim().replace(/^jgit version /, '')}`);
    return null;
  },
  shallowUnsupported: async () => {
    const r = await jgit(['clone', '--help']);
    return /--depth/.test(r.stdout + r.stderr) ? undefined : `${versions.get(jgitClient.name)}: \`jgit clone\` has no --depth (JGit gained shallow clone in 6.3)`;
  },
  // JGit's command line has no extra-header option: Basic, the token as password (from .netrc).
  auth: { clone: 'Basic (.netrc)', fetch: 'Basic (.netrc)', push: 'Basic (.netrc)', shallow: 'Basic (.netrc)' },
  followsTags: true,
  clone: async (remote, token, dir, depth) => {
    await jgitSetCredentials(remote, token);
    const r = await jgit(['clone', ...(depth ? ['--depth', String(depth)] : []), remote, dir]);
    if (r.code !== 0) throw procError('jgit clone', r);
  },
  fetch: async (_remote, _token, dir) => {
    const r = await jgit(['fetch', 'origin'], dir);
    if (r.code !== 0) throw procError('jgit fetch', r);
  },
  push: async (_remote, _token, dir, refspecs) => {
    const r = await jgit(['push', 'origin', ...refspecs], dir);
    if (r.code !== 0 || /\[rejected\]|\[remote rejected\]|error/i.test(r.stdout + r.stderr)) throw procError('jgit push', r);
  },
};

type IsoGit = typeof import('isomorphic-git');
let iso: IsoGit | undefined;
let isoHttp: any;
const isoClient: Client = {
  name: 'isomorphic-git',
  setup: async () => {
    try {
      iso = (await import('isomorphic-git')) as IsoGit;
      isoHttp = (await import('isomorphic-git/http/node')).default;
      const pkg = JSON.parse(await fsp.readFile(path.join(PROJECT_ROOT, 'node_modules/isomorphic-git/package.json'), 'utf8'));
      versions.set(isoClient.name, `isomorphic-git ${pkg.version}`);
      return null;
    } catch (e) {
      return `isomorphic-git not importable: ${String(e)}`;
    }
  },
  auth: { clone: 'Basic (onAuth)', fetch: 'Bearer header', push: 'Basic (onAuth)', shallow: 'Basic (onAuth)' },
  followsTags: true,
  clone: async (remote, token, dir, depth) => {
    await iso!.clone({ fs, http: isoHttp, dir, url: remote, depth, onAuth: () => ({ username: 'x', password: token }) });
  },
  fetch: async (_remote, token, dir) => {
    await iso!.fetch({ fs, http: isoHttp, dir, remote: 'origin', tags: true, headers: { authorization: `Bearer ${token}` } });
  },
  push: async (_remote, token, dir, refspecs) => {
    for (const spec of refspecs) {
      const [ref, remoteRef] = spec.split(':');
      const r = await iso!.push({ fs, http: isoHttp, dir, remote: 'origin', ref, remoteRef, onAuth: () => ({ username: 'x', password: token }) });
      if (!r.ok || Object.values(r.refs).some((x) => !x.ok)) throw new Error(`isomorphic-git push ${spec}: ${JSON.stringify(r)}`);
    }
  },
};

// ---------------------------------------------------------------------------------------------
// Checks.

/** A text file big enough (≈ 200 KB) that edits to it travel as deltas. */
function bigText(seed: string, lines = 4000): string {
  return Array.from({ length: lines }, (_, i) => `${seed} line ${i} ${'lorem ipsum dolor sit amet '.repeat(2)}\n`).join('');
}

/** Remote branches and tags as the server advertises them (no peeled lines, no HEAD). */
async function remoteRefs(remote: string, token: string): Promise<Record<string, string>> {
  const m = refMap(await lsRemote(remote, { token }));
  return Object.fromEntries(Object.entries(m).filter(([r]) => r.startsWith('refs/') && !r.endsWith('^{}')));
}

/** The clone's view of the remote: refs/remotes/origin/<b> as refs/heads/<b>, plus refs/tags/*. */
async function cloneRefs(dir: string): Promise<Record<string, string>> {
  const out = await gitOut(dir, ['for-each-ref', '--format=%(objectname) %(refname)', 'refs/remotes/origin', 'refs/tags']);
  const m: Record<string, string> = {};
  for (const line of out.split('\n').filter(Boolean)) {
    const [oid, ref] = line.split(' ');
    if (ref === 'refs/remotes/origin/HEAD') continue;
    m[ref.replace(/^refs\/remotes\/origin\//, 'refs/heads/')] = oid;
  }
  return m;
}

/** A git CLI checkout of `rev` from the repo at `dir` (a fresh work tree, git's own file modes). */
async function checkout(dir: string, rev: string): Promise<string> {
  const wt = path.join(await tmpDir('checkout'), 'wt');
  await git(['clone', '-q', '--no-checkout', dir, wt]);
  await git(['checkout', '-q', '--detach', rev], { cwd: wt });
  return wt;
}

async function expectSameTree(actualDir: string, expectedDir: string, what: string): Promise<void> {
  expect(await treeOf(actualDir), what).toEqual(await treeOf(expectedDir));
}

// ---------------------------------------------------------------------------------------------
// The scenario every client runs.

function matrixFor(client: Client): void {
  describe(client.name, () => {
    let skipReason: string | null = null;
    let repo: RepoInfo;
    let src: string; // the git CLI's working repo: what was pushed
    let dir: string; // the client's clone
    let cloned = false;

    beforeAll(async () => {
      await ensureHome();
      skipReason = await client.setup();
      if (skipReason) {
        for (const op of OPS) record(client.name, op, 'skipped: client not installed');
        notes.push(`${client.name}: skipped — ${skipReason}`);
        return;
      }
      repo = await createRepo('clients');
      src = await buildSampleRepo('clients-src');
      await commitFiles(src, { 'big.txt': bigText('v1') }, 'big file');
      await commitFiles(src, { 'big.txt': bigText('v1').replace('v1 line 7 ', 'v2 line 7 ') }, 'big file edit');
      await pushAll(src, repo.remote, repo.token);
      dir = path.join(await tmpDir('client-clone'), 'wt');
    }, 180_000);

    test('clone', async (ctx) => {
      if (skipReason) ctx.skip(skipReason);
      await cell(client.name, 'clone', client.auth.clone, async () => {
        await client.clone(repo.remote, repo.token, dir);
        cloned = true;
        await fsckStrict(dir);
        expect(await cloneRefs(dir), 'clone refs = pushed refs').toEqual(await remoteRefs(repo.remote, repo.token));
        expect(await revParse(dir, 'HEAD')).toBe(await revParse(src, 'main'));
        await expectSameTree(dir, src, 'checked-out tree = pushed tree');
      });
    });

    test('fetch after new commits were pushed by the git CLI', async (ctx) => {
      if (skipReason) ctx.skip(skipReason);
      if (!cloned) ctx.skip('clone failed');
      await cell(client.name, 'fetch', client.auth.fetch, async () => {
        await commitFiles(src, { 'big.txt': bigText('v1').replace('v1 line 99 ', 'v3 line 99 '), 'src/new.txt': 'new\n' }, 'after clone 1');
        await commitFiles(src, { 'src/a.txt': 'a3\n' }, 'after clone 2');
        await git(['tag', '-a', 'v2.0', '-m', 'release 2.0'], { cwd: src });
        await git(['checkout', '-q', 'dev'], { cwd: src });
        await commitFiles(src, { 'dev.txt': 'dev 3\n' }, 'dev 3');
        await git(['checkout', '-q', '-b', 'feature'], { cwd: src });
        await commitFiles(src, { 'feature.txt': 'f\n' }, 'feature');
        await git(['checkout', '-q', 'main'], { cwd: src });
        await pushAll(src, repo.remote, repo.token);
        await client.fetch(repo.remote, repo.token, dir);
        await fsckStrict(dir);
        const want = await remoteRefs(repo.remote, repo.token);
        const got = await cloneRefs(dir);
        if (!client.followsTags) for (const r of Object.keys(want)) if (r.startsWith('refs/tags/') && !got[r]) delete want[r];
        expect(got, 'fetched refs = pushed refs').toEqual(want);
        // Every fetched commit is complete (trees and blobs present).
        await git(['rev-list', '--objects', '--all', '--missing=print'], { cwd: dir }).then((r) => expect(r.stdout).not.toMatch(/^\?/m));
      });
    });

    test('push (client-written pack) with a repo token', async (ctx) => {
      if (skipReason) ctx.skip(skipReason);
      if (!cloned) ctx.skip('clone failed');
      await cell(client.name, 'push', client.auth.push, async () => {
        // New commits made in the client's clone (with the git CLI), pushed by the client itself.
        await git(['checkout', '-q', '-B', 'main', 'refs/remotes/origin/main'], { cwd: dir });
        await git(['reset', '-q', '--hard', 'refs/remotes/origin/main'], { cwd: dir });
        await commitFiles(dir, { 'big.txt': bigText('v1').replace('v1 line 500 ', 'pushed line 500 '), 'pushed/by-client.txt': `${client.name}\n`,
          'pushed/tool.sh': { content: '#!/bin/sh\n', executable: true } }, `push by ${client.name} 1`);
        const tip = await commitFiles(dir, { 'pushed/second.txt': 'second\n' }, `push by ${client.name} 2`);
        await client.push(repo.remote, repo.token, dir, ['refs/heads/main:refs/heads/main', 'refs/heads/main:refs/heads/client-new']);
        const refs = await remoteRefs(repo.remote, repo.token);
        expect(refs['refs/heads/main'], 'main moved to the pushed tip').toBe(tip);
        expect(refs['refs/heads/client-new'], 'new branch created').toBe(tip);
        // The server's copy is complete and valid: a fresh git clone fscks and checks out the same tree.
        const fresh = await cloneRepo(repo.remote, { token: repo.token, label: 'after-client-push' });
        await fsckStrict(fresh.dir);
        // (Compared as committed trees: a client may init core.fileMode=false, as isomorphic-git does.)
        expect(await gitOut(fresh.dir, ['ls-tree', '-r', 'HEAD']), 'server tree after push = pushed tree').toBe(await gitOut(dir, ['ls-tree', '-r', tip]));
        await expectSameTree(fresh.dir, await checkout(dir, tip), 'checked-out tree after push');
      });
    });

    test('a non-fast-forward push is refused and reported to the client', async (ctx) => {
      if (skipReason) ctx.skip(skipReason);
      if (!cloned) ctx.skip('clone failed');
      await cell(client.name, 'non-ff push refused', '', async () => {
        const before = await remoteRefs(repo.remote, repo.token);
        await git(['checkout', '-q', '-B', 'diverged', 'HEAD~1'], { cwd: dir });
        await commitFiles(dir, { 'diverged.txt': 'x\n' }, 'diverged');
        let err: unknown;
        try { await client.push(repo.remote, repo.token, dir, ['refs/heads/diverged:refs/heads/main']); } catch (e) { err = e; }
        expect(err, 'client reports the refusal').toBeDefined();
        expect(await remoteRefs(repo.remote, repo.token), 'no ref moved').toEqual(before);
        await git(['checkout', '-q', 'main'], { cwd: dir });
      });
    });

    test('shallow clone (depth 1)', async (ctx) => {
      if (skipReason) ctx.skip(skipReason);
      const unsupported = await client.shallowUnsupported?.();
      if (unsupported) {
        record(client.name, 'shallow clone', 'unsupported by client');
        notes.push(`${client.name}: shallow clone unsupported — ${unsupported}`);
        ctx.skip(unsupported);
      }
      await cell(client.name, 'shallow clone', client.auth.shallow, async () => {
        const sdir = path.join(await tmpDir('client-shallow'), 'wt');
        await client.clone(repo.remote, repo.token, sdir, 1);
        const tip = (await remoteRefs(repo.remote, repo.token))['refs/heads/main'];
        expect(await revParse(sdir, 'HEAD')).toBe(tip);
        expect(await gitOut(sdir, ['rev-parse', '--is-shallow-repository'])).toBe('true');
        const shallowFile = await fsp.readFile(path.join(sdir, '.git', 'shallow'), 'utf8');
        expect(shallowFile.split('\n').filter(Boolean)).toContain(tip);
        expect(await gitOut(sdir, ['rev-list', '--count', 'HEAD'])).toBe('1');
        await fsckStrict(sdir);
        const fresh = await cloneRepo(repo.remote, { token: repo.token, label: 'shallow-ref' });
        await expectSameTree(sdir, fresh.dir, 'shallow tree = tip tree');
      });
    });
  });
}

for (const c of [gitCli(0), gitCli(1), gitCli(2), pygit2Client, dulwichClient, jgitClient, isoClient]) matrixFor(c);
