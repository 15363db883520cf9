// End-to-end harness: starts the Arbor worker locally (wrangler's unstable_startWorker, one per
// test file), talks to the admin API, and drives the real `git` CLI against it.
//
// Environment knobs (all optional):
//   ARBOR_E2E_ORIGIN        use an already running server (e.g. http://127.0.0.1:8787) instead of
//                           starting one; ARBOR_E2E_ADMIN_TOKEN then gives its admin token
//   ARBOR_E2E_WORKER=spawn  start `wrangler dev` as a child process instead of unstable_startWorker
//   ARBOR_E2E_KEEP=1        keep the temporary directories (printed at the end of each file)
//   ARBOR_E2E_LOG=<level>   wrangler log level (default "warn"; "info" shows every request)
//   ARBOR_E2E_SLOW=1        also run the tests that have to wait (token expiry)
//   ARBOR_E2E_REFERENCE=1   run against test/e2e/reference-server.ts (the contract implemented with
//                           native git http-backend) instead of Arbor: checks the tests themselves
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';

export const NS = 'e2e';
export const ZERO_OID = '0'.repeat(40);
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

// ---------------------------------------------------------------------------------------------
// Per-file state (vitest isolates each test file in its own module graph).

interface State {
  origin: string;
  adminToken: string;
  stop: () => Promise<void>;
}
let state: State | undefined;
let tmpRoot: string | undefined;
let homeDir: string | undefined;
let tmpCounter = 0;
let nameCounter = 0;

/** Extra worker settings: `vars` (e.g. test knobs), `registry` (a dev registry directory, so a
 *  second locally started worker can bind this one; see test/e2e/rpc-binding.test.ts). */
export interface StartOptions {
  vars?: Record<string, string>;
  registry?: string;
  /** Wrangler config relative to the project (default wrangler.toml; the bench's tests: bench/wrangler.toml). */
  config?: string;
}

/** Registers beforeAll/afterAll hooks that start one worker for the calling test file. */
export function useArbor(opts: { worker?: boolean } & StartOptions = {}): void {
  beforeAll(async () => {
    await ensureHome();
    if (opts.worker !== false) state = await startArbor(opts);
  }, 180_000);
  afterAll(async () => {
    const s = state;
    state = undefined;
    try {
      if (s) await s.stop();
    } finally {
      await cleanupTemp();
    }
  }, 60_000);
}

export function origin(): string {
  if (!state) throw new Error('worker not started: call useArbor() at the top of the test file');
  return state.origin;
}

export function adminToken(): string {
  if (!state) throw new Error('worker not started: call useArbor() at the top of the test file');
  return state.adminToken;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Waits until the origin answers any HTTP request (any status). */
async function waitReachable(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      await res.arrayBuffer();
      return;
    } catch (e) {
      lastErr = e;
      await sleep(200);
    }
  }
  throw new Error(`worker at ${url} not reachable after ${timeoutMs} ms: ${String(lastErr)}`);
}

export async function startArbor(opts: StartOptions = {}): Promise<State> {
  const external = process.env.ARBOR_E2E_ORIGIN;
  if (external) {
    const o = external.replace(/\/+$/, '');
    await waitReachable(o + '/', 10_000);
    return {
      origin: o,
      adminToken: process.env.ARBOR_E2E_ADMIN_TOKEN ?? 'dev-admin-token',
      stop: async () => {},
    };
  }
  process.env.WRANGLER_SEND_METRICS = 'false';
  process.env.DO_NOT_TRACK = '1';
  // No network here: don't try to download the Request.cf object on every start.
  process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= 'false';
  process.env.WRANGLER_LOG ??= process.env.ARBOR_E2E_LOG ?? 'warn';
  const token = 'e2e-admin-' + randomBytes(12).toString('hex');
  if (process.env.ARBOR_E2E_REFERENCE) {
    const { startReferenceServer } = await import('./reference-server');
    return { ...(await startReferenceServer(token)), adminToken: token };
  }
  if (process.env.ARBOR_E2E_WORKER === 'spawn') return spawnWranglerDev(token, opts);

  const { unstable_startWorker } = await import('wrangler');
  const persistDir = await tmpDir('wrangler-state');
  const worker = await unstable_startWorker({
    config: path.join(PROJECT_ROOT, opts.config ?? 'wrangler.toml'),
    bindings: {
      ARBOR_ADMIN_TOKEN: { type: 'secret_text', value: token },
      ...Object.fromEntries(Object.entries(opts.vars ?? {}).map(([k, v]) => [k, { type: 'plain_text' as const, value: v }])),
    },
    dev: {
      ...(opts.registry ? { registry: opts.registry } : {}),
      server: { hostname: '127.0.0.1', port: 0 },
      inspector: false,
      persist: persistDir,
      watch: false,
      liveReload: false,
    },
  });
  try {
    await worker.ready;
    const url = await worker.url;
    const o = url.origin;
    await waitReachable(o + '/', 30_000);
    return { origin: o, adminToken: token, stop: () => worker.dispose() };
  } catch (e) {
    await worker.dispose().catch(() => {});
    throw e;
  }
}

/** Fallback: `wrangler dev` in its own process group, killed as a group. */
async function spawnWranglerDev(token: string, opts: StartOptions = {}): Promise<State> {
  const port = await freePort();
  const persistDir = await tmpDir('wrangler-state');
  const child: ChildProcess = spawn(
    'npx',
    ['wrangler', 'dev', '--config', opts.config ?? 'wrangler.toml', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(await freePort()),
      '--persist-to', persistDir, '--var', `ARBOR_ADMIN_TOKEN:${token}`, '--show-interactive-dev-session=false',
      ...Object.entries(opts.vars ?? {}).flatMap(([k, v]) => ['--var', `${k}:${v}`])],
    {
      cwd: PROJECT_ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env, WRANGLER_SEND_METRICS: 'false', DO_NOT_TRACK: '1', CI: 'true', FORCE_COLOR: '0',
        ...(opts.registry ? { WRANGLER_REGISTRY_PATH: opts.registry } : {}),
      },
    },
  );
  let output = '';
  child.stdout?.on('data', (d) => { output += String(d); });
  child.stderr?.on('data', (d) => { output += String(d); });
  const killGroup = async () => {
    if (child.exitCode !== null || child.pid === undefined) return;
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
    const t = Date.now();
    while (child.exitCode === null && Date.now() - t < 5_000) await sleep(100);
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
  };
  const o = `http://127.0.0.1:${port}`;
  try {
    await waitReachable(o + '/', 90_000);
  } catch (e) {
    await killGroup();
    throw new Error(`${String(e)}\nwrangler dev output:\n${output}`);
  }
  return { origin: o, adminToken: token, stop: killGroup };
}

// ---------------------------------------------------------------------------------------------
// Temporary directories and the git HOME.

export async function ensureTmpRoot(): Promise<string> {
  if (!tmpRoot) tmpRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'arbor-e2e-'));
  return tmpRoot;
}

/** A fresh empty directory under this file's temp root (removed in afterAll). */
export async function tmpDir(label = 'dir'): Promise<string> {
  const root = await ensureTmpRoot();
  const safe = label.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40);
  const dir = path.join(root, `${String(++tmpCounter).padStart(3, '0')}-${safe}`);
  await fs.mkdir(dir, { recursive: true });
  return dir;
}

async function cleanupTemp(): Promise<void> {
  const root = tmpRoot;
  tmpRoot = undefined;
  homeDir = undefined;
  if (!root) return;
  if (process.env.ARBOR_E2E_KEEP) {
    console.log(`[e2e] kept temp dir ${root}`);
    return;
  }
  await fs.rm(root, { recursive: true, force: true, maxRetries: 3 });
}

const GITCONFIG = `[user]
\tname = Arbor E2E
\temail = e2e@arbor.test
[init]
\tdefaultBranch = main
[core]
\tquotePath = false
\tautocrlf = false
\tfsmonitor = false
[gc]
\tauto = 0
[maintenance]
\tauto = false
[fetch]
\twriteCommitGraph = false
[pull]
\trebase = false
[advice]
\tdetachedHead = false
\tskippedCherryPicks = false
[commit]
\tgpgSign = false
[tag]
\tgpgSign = false
[protocol "file"]
\tallow = always
[credential]
\thelper =
[safe]
\tdirectory = *
[uploadpack]
\tallowFilter = true
`;

export async function ensureHome(): Promise<string> {
  if (homeDir) return homeDir;
  const root = await ensureTmpRoot();
  const dir = path.join(root, 'home');
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, '.gitconfig'), GITCONFIG);
  homeDir = dir;
  return dir;
}

// ---------------------------------------------------------------------------------------------
// Running git.

export interface GitOptions {
  cwd?: string;
  /** Extra environment variables (undefined removes one). */
  env?: Record<string, string | undefined>;
  /** Adds `-c protocol.version=N`. */
  protocol?: 0 | 1 | 2;
  /** Sends `Authorization: Bearer <token>` (http.extraHeader, via GIT_CONFIG_* so it stays out of argv). */
  token?: string;
  /** Extra `-c key=value` settings (passed via GIT_CONFIG_*). */
  config?: Record<string, string>;
  input?: string | Buffer;
  /** Don't throw on a non-zero exit. */
  allowFail?: boolean;
  timeoutMs?: number;
  /** Sets GIT_TRACE_PACKET=1 (trace goes to stderr). */
  tracePackets?: boolean;
}

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
  stdoutBuf: Buffer;
  args: string[];
  ms: number;
}

export class GitError extends Error {
  constructor(readonly result: GitResult, cwd: string | undefined) {
    super(
      `git ${result.args.join(' ')} exited ${result.code}` + (cwd ? ` (in ${cwd})` : '') +
        `\n--- stdout ---\n${clip(result.stdout)}\n--- stderr ---\n${clip(result.stderr)}`,
    );
  }
}

function clip(s: string, max = 6000): string {
  return s.length > max ? s.slice(0, max / 2) + `\n… [${s.length - max} chars cut] …\n` + s.slice(-max / 2) : s;
}

/** The environment every git process gets: nothing inherited that could prompt or leak config. */
export async function gitEnv(extra: Record<string, string | undefined> = {}): Promise<Record<string, string>> {
  const home = await ensureHome();
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    TMPDIR: process.env.TMPDIR ?? os.tmpdir(),
    LANG: 'C',
    LC_ALL: 'C',
    TZ: 'UTC',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_ASKPASS: undefined,
    SSH_ASKPASS: undefined,
    GIT_PROGRESS_DELAY: '0',
    NO_PROXY: '*',
    no_proxy: '*',
    ...extra,
  };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

export async function git(args: string[], opts: GitOptions = {}): Promise<GitResult> {
  const config: [string, string][] = [];
  if (opts.token) config.push(['http.extraHeader', `Authorization: Bearer ${opts.token}`]);
  for (const [k, v] of Object.entries(opts.config ?? {})) config.push([k, v]);
  const cfgEnv: Record<string, string> = {};
  if (config.length) {
    cfgEnv.GIT_CONFIG_COUNT = String(config.length);
    config.forEach(([k, v], i) => {
      cfgEnv[`GIT_CONFIG_KEY_${i}`] = k;
      cfgEnv[`GIT_CONFIG_VALUE_${i}`] = v;
    });
  }
  const env = await gitEnv({
    ...cfgEnv,
    ...(opts.tracePackets ? { GIT_TRACE_PACKET: '1' } : {}),
    ...opts.env,
  });
  const fullArgs = opts.protocol !== undefined ? ['-c', `protocol.version=${opts.protocol}`, ...args] : [...args];
  const t0 = Date.now();
  const timeoutMs = opts.timeoutMs ?? 150_000;
  const result = await new Promise<GitResult>((resolve, reject) => {
    const child = spawn('git', fullArgs, {
      cwd: opts.cwd,
      env,
      detached: true, // own process group, so a timeout kills git-remote-http & co. too
      stdio: [opts.input !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ }
    }, timeoutMs);
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdoutBuf = Buffer.concat(out);
      let stderr = Buffer.concat(err).toString('utf8');
      if (timedOut) stderr += `\n[e2e] git killed after ${timeoutMs} ms`;
      else if (signal) stderr += `\n[e2e] git killed by ${signal}`;
      resolve({ code: code ?? -1, stdout: stdoutBuf.toString('utf8'), stdoutBuf, stderr, args: fullArgs, ms: Date.now() - t0 });
    });
    if (opts.input !== undefined) {
      child.stdin!.on('error', () => {});
      child.stdin!.end(opts.input);
    }
  });
  if (result.code !== 0 && !opts.allowFail) throw new GitError(result, opts.cwd);
  return result;
}

/** `git ...` in dir, trimmed stdout. */
export async function gitOut(dir: string, args: string[], opts: GitOptions = {}): Promise<string> {
  return (await git(args, { ...opts, cwd: dir })).stdout.trim();
}

export async function revParse(dir: string, rev: string): Promise<string> {
  return gitOut(dir, ['rev-parse', '--verify', '--quiet', rev]);
}

// ---------------------------------------------------------------------------------------------
// Building local repositories.

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

// ---------------------------------------------------------------------------------------------
// Inspecting repositories.

/** `git fsck --strict --full`; throws with the output on any problem. */
export async function fsckStrict(dir: string): Promise<string> {
  const r = await git(['fsck', '--strict', '--full', '--no-dangling', '--no-progress'], { cwd: dir, allowFail: true });
  if (r.code !== 0) throw new GitError(r, dir);
  return r.stdout + r.stderr;
}

export interface RefLine { oid: string; ref: string }

export function parseRefLines(out: string): RefLine[] {
  return out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [oid, ref] = l.split('\t');
      return { oid: oid.trim(), ref: (ref ?? '').trim() };
    });
}

/** `git ls-remote` lines ("<oid>\t<ref>"), sorted. */
export async function lsRemote(
  remote: string,
  opts: GitOptions & { args?: string[] } = {},
): Promise<string[]> {
  const r = await git(['ls-remote', ...(opts.args ?? []), remote], opts);
  return r.stdout.split('\n').filter((l) => l.trim() !== '').sort();
}

/**
 * The ls-remote lines a server holding exactly the local branches and tags of `dir` should
 * advertise: HEAD (as `main`, when main exists), every branch and tag, and `^{}` peeled
 * lines for annotated tags. Sorted.
 */
export async function expectedRefLines(dir: string, opts: { head?: string | false } = {}): Promise<string[]> {
  const out = await gitOut(dir, ['for-each-ref', '--format=%(objectname) %(objecttype) %(refname)', 'refs/heads', 'refs/tags']);
  const rows = out.split('\n').filter(Boolean).map((l) => l.split(' ') as [string, string, string]);
  const tagRefs = rows.filter(([, type]) => type === 'tag').map(([, , ref]) => ref);
  // Fully peeled (a tag of a tag peels to the commit), as ls-remote shows it.
  const peeled = tagRefs.length ? (await gitOut(dir, ['rev-parse', ...tagRefs.map((r) => `${r}^{}`)])).split('\n') : [];
  const lines: string[] = [];
  const headRef = opts.head === false ? undefined : `refs/heads/${opts.head ?? 'main'}`;
  for (const [oid, , ref] of rows) {
    lines.push(`${oid}\t${ref}`);
    if (ref === headRef) lines.push(`${oid}\tHEAD`);
  }
  tagRefs.forEach((ref, i) => lines.push(`${peeled[i]}\t${ref}^{}`));
  return lines.sort();
}

/** Map of ref -> oid from ls-remote style lines. */
export function refMap(lines: string[]): Record<string, string> {
  const m: Record<string, string> = {};
  for (const { oid, ref } of parseRefLines(lines.join('\n'))) m[ref] = oid;
  return m;
}

/**
 * The work tree of `dir` (without .git) as { path: "<mode> <sha256>" }:
 * mode 100644/100755 for files, 120000 for symlinks (hash of the target).
 */
export async function treeOf(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(rel: string): Promise<void> {
    const entries = await fs.readdir(path.join(dir, rel), { withFileTypes: true });
    for (const e of entries) {
      if (rel === '' && e.name === '.git') continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      const p = path.join(dir, r);
      const st = await fs.lstat(p);
      if (st.isSymbolicLink()) {
        out[r] = `120000 ${sha256(await fs.readlink(p))}`;
      } else if (st.isDirectory()) {
        await walk(r);
      } else {
        const mode = st.mode & 0o100 ? '100755' : '100644';
        out[r] = `${mode} ${sha256(await fs.readFile(p))}`;
      }
    }
  }
  await walk('');
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** All objects reachable from all refs, sorted (for comparing two repos' content). */
export async function allObjects(dir: string): Promise<string[]> {
  const out = await gitOut(dir, ['rev-list', '--objects', '--all']);
  return out.split('\n').filter(Boolean).map((l) => l.slice(0, 40)).sort();
}

/** `git count-objects -v` as numbers. */
export async function countObjects(dir: string): Promise<Record<string, number>> {
  const out = await gitOut(dir, ['count-objects', '-v']);
  const m: Record<string, number> = {};
  for (const l of out.split('\n')) {
    const [k, v] = l.split(':');
    if (k && v !== undefined) m[k.trim()] = Number(v.trim());
  }
  return m;
}

/** Pack files (name -> size) under dir's object store. */
export async function packFiles(dir: string): Promise<Record<string, number>> {
  const gitDir = path.resolve(dir, await gitOut(dir, ['rev-parse', '--git-dir']));
  const packDir = path.join(gitDir, 'objects', 'pack');
  const out: Record<string, number> = {};
  if (!existsSync(packDir)) return out;
  for (const f of await fs.readdir(packDir)) {
    if (f.endsWith('.pack')) out[f] = (await fs.stat(path.join(packDir, f))).size;
  }
  return out;
}

/** Number of objects in a pack, via its .idx. */
export async function packObjectCount(dir: string, packName: string): Promise<number> {
  const gitDir = path.resolve(dir, await gitOut(dir, ['rev-parse', '--git-dir']));
  const idx = path.join(gitDir, 'objects', 'pack', packName.replace(/\.pack$/, '.idx'));
  const r = await git(['show-index'], { cwd: dir, input: await fs.readFile(idx) });
  return r.stdout.split('\n').filter(Boolean).length;
}

// ---------------------------------------------------------------------------------------------
// Admin API.

export interface RepoInfo {
  namespace: string;
  name: string;
  remote: string;
  token: string;
  defaultBranch: string;
  [k: string]: unknown;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export async function api(
  method: string,
  pathname: string,
  opts: { body?: unknown; token?: string | null; headers?: Record<string, string> } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  const tok = opts.token === undefined ? adminToken() : opts.token;
  if (tok !== null) headers.authorization = `Bearer ${tok}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  }
  const res = await fetch(origin() + pathname, { method, headers, body, signal: AbortSignal.timeout(60_000) });
  const text = await res.text();
  let json: any;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json };
}

/** A unique valid repo name (≤ 63 chars). */
export function uniqueName(prefix = 'r'): string {
  const p = prefix.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 30);
  return `${p}-${Date.now().toString(36)}-${process.pid.toString(36)}-${++nameCounter}`;
}

/** Creates a fresh repo through the admin API (throws unless 201). */
export async function createRepo(prefix = 'r', ns = NS): Promise<RepoInfo> {
  const name = uniqueName(prefix);
  const res = await api('POST', `/v1/repos/${ns}/${name}`);
  if (res.status !== 201 || !res.json || typeof res.json.remote !== 'string' || typeof res.json.token !== 'string') {
    throw new Error(`create repo ${ns}/${name}: expected 201 with remote+token, got ${res.status}: ${res.text.slice(0, 500)}`);
  }
  return res.json as RepoInfo;
}

export async function deleteRepo(repo: { namespace: string; name: string }): Promise<ApiResponse> {
  return api('DELETE', `/v1/repos/${repo.namespace}/${repo.name}`);
}

export interface TokenInfo { id: string; token: string; scope: string; expiresAt: unknown }

export async function createToken(repo: { namespace: string; name: string }, scope: 'read' | 'write', ttlSeconds = 3600): Promise<TokenInfo> {
  const res = await api('POST', `/v1/repos/${repo.namespace}/${repo.name}/tokens`, { body: { scope, ttlSeconds } });
  if (res.status !== 200 && res.status !== 201) {
    throw new Error(`create ${scope} token: got ${res.status}: ${res.text.slice(0, 500)}`);
  }
  return res.json as TokenInfo;
}

/** `http://x:<token>@host/...` — the token (with its `?expires=`) percent-encoded as the password. */
export function basicAuthUrl(remote: string, token: string, user = 'x'): string {
  const u = new URL(remote);
  u.username = user;
  u.password = encodeURIComponent(token);
  return u.href;
}

/** The 40-hex secret part of a repo token (without `?expires=`). */
export function tokenWithoutExpiry(token: string): string {
  return token.split('?')[0];
}

// ---------------------------------------------------------------------------------------------
// Raw smart-HTTP requests and pkt-lines.

export const FLUSH = Buffer.from('0000');
export const DELIM = Buffer.from('0001');

export function pkt(data: string | Buffer): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat([Buffer.from((body.length + 4).toString(16).padStart(4, '0')), body]);
}

export interface Pkt { type: 'data' | 'flush' | 'delim' | 'end' | 'bad'; data: Buffer }

/** Lenient pkt-line parser (stops at the first malformed length with a 'bad' entry). */
export function parsePkts(buf: Buffer): Pkt[] {
  const out: Pkt[] = [];
  let i = 0;
  while (i < buf.length) {
    const hex = buf.subarray(i, i + 4).toString('latin1');
    if (!/^[0-9a-fA-F]{4}$/.test(hex)) { out.push({ type: 'bad', data: buf.subarray(i) }); break; }
    const len = parseInt(hex, 16);
    if (len === 0) { out.push({ type: 'flush', data: Buffer.alloc(0) }); i += 4; continue; }
    if (len === 1) { out.push({ type: 'delim', data: Buffer.alloc(0) }); i += 4; continue; }
    if (len === 2) { out.push({ type: 'end', data: Buffer.alloc(0) }); i += 4; continue; }
    if (len < 4 || i + len > buf.length) { out.push({ type: 'bad', data: buf.subarray(i) }); break; }
    out.push({ type: 'data', data: buf.subarray(i + 4, i + len) });
    i += len;
  }
  return out;
}

/** A valid pack with no objects. */
export function emptyPack(): Buffer {
  const head = Buffer.concat([Buffer.from('PACK'), Buffer.from([0, 0, 0, 2, 0, 0, 0, 0])]);
  return Buffer.concat([head, createHash('sha1').update(head).digest()]);
}

export interface RawResponse { status: number; headers: Headers; body: Buffer; text: string }

/** POST to `<remote>/<service>` (git-upload-pack / git-receive-pack). */
export async function rawService(
  remote: string,
  service: 'git-upload-pack' | 'git-receive-pack' | string,
  body: Buffer | string,
  opts: { token?: string | null; protocol?: 2; contentType?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = {
    'content-type': opts.contentType ?? `application/x-${service}-request`,
    accept: `application/x-${service}-result`,
    ...(opts.protocol === 2 ? { 'git-protocol': 'version=2' } : {}),
    ...(opts.headers ?? {}),
  };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const res = await fetch(`${remote}/${service}`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : new Uint8Array(body),
    signal: AbortSignal.timeout(60_000),
  });
  const buf = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body: buf, text: buf.toString('latin1') };
}

/** GET `<remote>/info/refs?service=...`. */
export async function rawInfoRefs(
  remote: string,
  service: string | null,
  opts: { token?: string | null; protocol?: 2; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { ...(opts.protocol === 2 ? { 'git-protocol': 'version=2' } : {}), ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const url = `${remote}/info/refs` + (service === null ? '' : `?service=${service}`);
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(60_000) });
  const buf = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body: buf, text: buf.toString('latin1') };
}

/** Builds a receive-pack request: commands (first one carries the capabilities), flush, pack. */
export function receivePackBody(
  commands: { old: string; new: string; ref: string }[],
  caps: string[] = ['report-status'],
  pack?: Buffer,
): Buffer {
  const parts: Buffer[] = commands.map((c, i) =>
    pkt(`${c.old} ${c.new} ${c.ref}` + (i === 0 ? `\0${caps.join(' ')}` : '') + '\n'),
  );
  parts.push(FLUSH);
  const needsPack = commands.some((c) => c.new !== ZERO_OID);
  if (pack ?? needsPack) parts.push(pack ?? emptyPack());
  return Buffer.concat(parts);
}

/** Parses a report-status response (plain or inside side-band channel 1). */
export function parseReportStatus(body: Buffer): { unpack?: string; ok: string[]; ng: Record<string, string>; errors: string[] } {
  let pkts = parsePkts(body);
  // Side-band: every data pkt starts with \x01, \x02 or \x03.
  if (pkts.some((p) => p.type === 'data') && pkts.filter((p) => p.type === 'data').every((p) => p.data[0] >= 1 && p.data[0] <= 3)) {
    const errors = pkts.filter((p) => p.type === 'data' && p.data[0] === 3).map((p) => p.data.subarray(1).toString());
    const inner = Buffer.concat(pkts.filter((p) => p.type === 'data' && p.data[0] === 1).map((p) => p.data.subarray(1)));
    const r = parseReportStatus(inner);
    r.errors.push(...errors);
    return r;
  }
  const res = { unpack: undefined as string | undefined, ok: [] as string[], ng: {} as Record<string, string>, errors: [] as string[] };
  for (const p of pkts) {
    if (p.type !== 'data') continue;
    if (p.data[0] === 3) { res.errors.push(p.data.subarray(1).toString()); continue; }
    const line = p.data.toString().replace(/\n$/, '');
    if (line.startsWith('unpack ')) res.unpack = line.slice(7);
    else if (line.startsWith('ok ')) res.ok.push(line.slice(3));
    else if (line.startsWith('ng ')) {
      const rest = line.slice(3);
      const sp = rest.indexOf(' ');
      res.ng[sp < 0 ? rest : rest.slice(0, sp)] = sp < 0 ? '' : rest.slice(sp + 1);
    } else if (line.startsWith('ERR ')) res.errors.push(line.slice(4));
  }
  return res;
}

/**
 * True when a smart-HTTP response is a git-shaped refusal: a 4xx, or a 2xx whose body carries an
 * `ERR` pkt-line, a side-band channel-3 message, or a report-status with an unpack error / `ng`.
 */
export function isGitShapedRejection(r: RawResponse): boolean {
  if (r.status >= 400 && r.status < 500) return true;
  if (r.status < 200 || r.status >= 300) return false;
  const rs = parseReportStatus(r.body);
  return rs.errors.length > 0 || Object.keys(rs.ng).length > 0 || (rs.unpack !== undefined && rs.unpack !== 'ok');
}

// ---------------------------------------------------------------------------------------------
// Native `git http-backend` behind a small node HTTP server (for comparisons and benchmarks).

export interface NativeServer {
  origin: string;
  /** URL of a repo given its path relative to the project root, e.g. url('src.git'). */
  url(rel: string): string;
  close(): Promise<void>;
}

let httpBackendPath: string | undefined;

/** Path of the `git-http-backend` CGI program. */
export async function gitHttpBackendPath(): Promise<string> {
  httpBackendPath ??= path.join((await git(['--exec-path'])).stdout.trim(), 'git-http-backend');
  return httpBackendPath;
}

/**
 * Runs `git http-backend` as a CGI for one request: sets GIT_PROJECT_ROOT, GIT_HTTP_EXPORT_ALL,
 * REMOTE_USER (which enables receive-pack), the CGI variables and Git-Protocol; parses the CGI
 * headers (Status: …) and streams the rest.
 */
export async function runHttpBackend(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  projectRoot: string,
  pathInfo?: string,
  opts: { emptyAs400?: boolean } = {},
): Promise<void> {
  const backend = await gitHttpBackendPath();
  const u = new URL(req.url ?? '/', 'http://127.0.0.1');
  const env: Record<string, string> = {
    ...(await gitEnv()),
    GIT_PROJECT_ROOT: projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    REMOTE_USER: 'e2e',
    REMOTE_ADDR: '127.0.0.1',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: pathInfo ?? decodeURIComponent(u.pathname),
    QUERY_STRING: u.search.replace(/^\?/, ''),
    CONTENT_TYPE: String(req.headers['content-type'] ?? ''),
  };
  if (req.headers['content-length'] !== undefined) env.CONTENT_LENGTH = String(req.headers['content-length']);
  if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = String(req.headers['content-encoding']);
  if (req.headers['git-protocol']) env.HTTP_GIT_PROTOCOL = String(req.headers['git-protocol']);
  await new Promise<void>((resolve) => {
    const child = spawn(backend, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += String(d); });
    child.stdin.on('error', () => {});
    let reqBytes = 0;
    let reqStart = '';
    req.on('data', (d: Buffer) => {
      if (reqStart.length < 8) reqStart += d.subarray(0, 8).toString('latin1');
      reqBytes += d.length;
    });
    req.pipe(child.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    // emptyAs400: hold the headers back until the first body byte; a POST that produced no
    // body at all (git died on bad input) becomes a 400 instead of an empty 200.
    let held: { status: number; headers: [string, string][] } | undefined;
    const write = (chunk: Buffer) => {
      if (held) {
        res.statusCode = held.status;
        for (const [k, v] of held.headers) res.setHeader(k, v);
        held = undefined;
      }
      res.write(chunk);
    };
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) { write(chunk); return; }
      head = Buffer.concat([head, chunk]);
      let end = head.indexOf('\r\n\r\n');
      let sepLen = 4;
      if (end < 0) { end = head.indexOf('\n\n'); sepLen = 2; }
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      const headers: [string, string][] = [];
      for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
        const i = line.indexOf(':');
        if (i < 0) continue;
        const k = line.slice(0, i).trim();
        const v = line.slice(i + 1).trim();
        if (k.toLowerCase() === 'status') status = parseInt(v, 10) || 200;
        else headers.push([k, v]);
      }
      if (opts.emptyAs400 && req.method === 'POST') {
        held = { status, headers };
      } else {
        res.statusCode = status;
        for (const [k, v] of headers) res.setHeader(k, v);
      }
      const rest = head.subarray(end + sepLen);
      if (rest.length) write(rest);
    });
    child.on('error', (e) => {
      if (!res.headersSent) res.statusCode = 500;
      res.end(`http-backend failed: ${String(e)}`);
      resolve();
    });
    child.on('close', (code) => {
      if (!headersDone) {
        res.statusCode = 500;
        res.end(`http-backend exited ${code} without headers: ${stderr}`);
      } else if (held && reqBytes === 4 && reqStart === '0000') {
        // git's probe before a chunked push (a lone flush): an empty 200 is the right answer.
        res.statusCode = held.status;
        for (const [k, v] of held.headers) res.setHeader(k, v);
        res.end();
      } else if (held) {
        res.statusCode = 400;
        res.setHeader('content-type', 'text/plain');
        res.end(`protocol error: ${stderr.trim()}\n`);
      } else {
        res.end();
      }
      resolve();
    });
  });
}

/** Serves the bare repos under projectRoot with native `git http-backend` on 127.0.0.1. */
export async function serveGitHttpBackend(projectRoot: string): Promise<NativeServer> {
  await ensureHome();
  const server = http.createServer((req, res) => {
    runHttpBackend(req, res, projectRoot).catch((e) => {
      res.statusCode = 500;
      res.end(String(e));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const addr = server.address() as net.AddressInfo;
  const o = `http://127.0.0.1:${addr.port}`;
  return {
    origin: o,
    url: (rel: string) => `${o}/${rel.replace(/^\/+/, '')}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

// ---------------------------------------------------------------------------------------------

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Random bytes (incompressible content). */
export function randomData(n: number): Buffer {
  return randomBytes(n);
}
