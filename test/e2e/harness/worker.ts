// Starting Arbor for a test file (wrangler's unstable_startWorker, or `wrangler dev` in its own
// process group), and the origin/admin token the other helpers use.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { cleanupTemp, ensureHome, tmpDir } from './temp';
import { sleep } from './util';

export const NS = 'e2e';
export const ZERO_OID = '0'.repeat(40);
export const PROJECT_ROOT = fileURLToPath(new URL('../../..', import.meta.url)).replace(/\/$/, '');

export interface State {
  origin: string;
  adminToken: string;
  stop: () => Promise<void>;
}
let state: State | undefined;

/**
 * Vars every started worker gets: imports and webhooks in these tests talk to servers on
 * 127.0.0.1, which production refuses (test/e2e/ssrf.test.ts runs with it off).
 */
const DEFAULT_VARS: Record<string, string> = { ARBOR_ALLOW_PRIVATE_NETWORKS: '1' };

/** Extra worker settings: `vars` (e.g. test knobs), `registry` (a dev registry directory, so a
 *  second locally started worker can bind this one; see test/e2e/rpc-binding.test.ts). */
export interface StartOptions {
  /** Every worker gets DEFAULT_VARS unless `vars` says otherwise. */
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

export async function freePort(): Promise<number> {
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
export async function waitReachable(url: string, timeoutMs: number): Promise<void> {
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
  // wrangler's local trace collector (a tail worker fed one span per SQL statement) costs about a
  // third of a small request's CPU, and no deployed Worker runs it (bench/lib.mjs).
  process.env.X_LOCAL_OBSERVABILITY ??= 'false';
  // No network here: don't try to download the Request.cf object on every start.
  process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= 'false';
  process.env.WRANGLER_LOG ??= process.env.ARBOR_E2E_LOG ?? 'warn';
  const token = 'e2e-admin-' + randomBytes(12).toString('hex');
  if (process.env.ARBOR_E2E_REFERENCE) {
    const { startReferenceServer } = await import('../reference-server');
    return { ...(await startReferenceServer(token)), adminToken: token };
  }
  if (process.env.ARBOR_E2E_WORKER === 'spawn') return spawnWranglerDev(token, opts);

  const { unstable_startWorker } = await import('wrangler');
  const persistDir = await tmpDir('wrangler-state');
  const worker = await unstable_startWorker({
    config: path.join(PROJECT_ROOT, opts.config ?? 'wrangler.toml'),
    bindings: {
      ARBOR_ADMIN_TOKEN: { type: 'secret_text', value: token },
      ...Object.fromEntries(Object.entries({ ...DEFAULT_VARS, ...opts.vars }).map(([k, v]) => [k, { type: 'plain_text' as const, value: v }])),
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
export async function spawnWranglerDev(token: string, opts: StartOptions = {}): Promise<State> {
  const port = await freePort();
  const persistDir = await tmpDir('wrangler-state');
  const child: ChildProcess = spawn(
    'npx',
    ['wrangler', 'dev', '--config', opts.config ?? 'wrangler.toml', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(await freePort()),
      '--persist-to', persistDir, '--var', `ARBOR_ADMIN_TOKEN:${token}`, '--show-interactive-dev-session=false',
      ...Object.entries({ ...DEFAULT_VARS, ...opts.vars }).flatMap(([k, v]) => ['--var', `${k}:${v}`])],
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
