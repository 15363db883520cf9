// Running the real git CLI with a clean environment.
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureHome } from './temp';

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

export function clip(s: string, max = 6000): string {
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
