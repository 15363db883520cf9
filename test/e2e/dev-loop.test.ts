// The dev loop as a developer runs it (issue 21): `npm start -- --port N` starts Arbor on that
// port (the default port lives in wrangler.toml's [dev] section, so a second --port no longer
// clashes), and remotes handed out over the Workers RPC binding follow ARBOR_ORIGIN: set from the
// dev server's own address by `npm start` unless given, and exactly the given value when it is.
// A separate client Worker (test/fixtures/rpc-client) calls the binding through a private dev
// registry; the git CLI then pushes to and clones from the remote the binding handed out.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  PROJECT_ROOT, cloneRepo, commitFiles, freePort, fsckStrict, initRepo, pushAll, revParse, sleep, tmpDir, useArbor, waitReachable,
} from './harness';

const external = Boolean(process.env.ARBOR_E2E_ORIGIN || process.env.ARBOR_E2E_REFERENCE);
const registry = mkdtempSync(path.join(os.tmpdir(), 'arbor-devloop-reg-'));
useArbor({ worker: false });

interface Started { origin: string; port: number; output: () => string; stop: () => Promise<void> }

/** `npm start -- <args>` in its own process group (killed as a group), like a developer's terminal. */
async function npmStart(extra: string[]): Promise<Started> {
  const port = await freePort();
  const args = ['start', '--', '--port', String(port), '--inspector-port', String(await freePort()),
    '--persist-to', await tmpDir('devloop-state'), '--show-interactive-dev-session=false',
    '--var', 'ARBOR_ADMIN_TOKEN:devloop-admin', ...extra];
  const child: ChildProcess = spawn('npm', args, {
    cwd: PROJECT_ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', DO_NOT_TRACK: '1', CI: 'true', FORCE_COLOR: '0', WRANGLER_REGISTRY_PATH: registry },
  });
  let out = '';
  child.stdout?.on('data', (d) => { out += String(d); });
  child.stderr?.on('data', (d) => { out += String(d); });
  const stop = async () => {
    if (child.exitCode !== null || child.pid === undefined) return;
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
    const t = Date.now();
    while (child.exitCode === null && Date.now() - t < 5_000) await sleep(100);
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
  };
  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitReachable(origin + '/', 90_000);
  } catch (e) {
    await stop();
    throw new Error(`${String(e)}\nnpm start output:\n${out}`);
  }
  return { origin, port, output: () => out, stop };
}

let client: { dispose(): Promise<void> } | undefined;
let clientOrigin = '';

async function rpc(op: string, ns: string, name: string): Promise<any> {
  const res = await fetch(`${clientOrigin}/call`, { method: 'POST', body: JSON.stringify({ op, ns, name, args: [] }), signal: AbortSignal.timeout(60_000) });
  return res.json();
}

/** Waits until the client Worker's binding reaches the Arbor now registered (a fresh start registers anew). */
async function untilBound(): Promise<void> {
  const end = Date.now() + 60_000;
  for (;;) {
    const r = await rpc('get', 'devloop', 'probe-missing').catch(() => null);
    if (r && r.ok === false && r.error?.name === 'NotFound') return;
    if (Date.now() > end) throw new Error(`the client Worker never reached Arbor: ${JSON.stringify(r)}`);
    await sleep(300);
  }
}

/** The JSON request lines (src/http/log.ts) in a dev server's output. */
function requestLines(out: string): any[] {
  return out.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('{"type":"request"')).map((l) => JSON.parse(l));
}

async function until<T>(f: () => T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(100);
  }
}

/** ARBOR_ORIGIN from the project's .dev.vars, which `npm start` honours like wrangler does. */
function devVarsOrigin(): string | undefined {
  const f = path.join(PROJECT_ROOT, '.dev.vars');
  return existsSync(f) ? /^\s*ARBOR_ORIGIN\s*=\s*"?([^"\n]+?)"?\s*$/m.exec(readFileSync(f, 'utf8'))?.[1] : undefined;
}

describe.skipIf(external)('npm start -- --port N, and RPC remotes', () => {
  beforeAll(async () => {
    const { unstable_startWorker } = await import('wrangler');
    const worker = await unstable_startWorker({
      config: path.join(PROJECT_ROOT, 'test/fixtures/rpc-client/wrangler.toml'),
      dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: false, persist: await tmpDir('devloop-client'), watch: false, liveReload: false, registry },
    });
    client = worker;
    await worker.ready;
    clientOrigin = (await worker.url).origin;
  }, 180_000);
  afterAll(async () => {
    await client?.dispose();
    rmSync(registry, { recursive: true, force: true });
  }, 60_000);

  test('the server listens on the given port; RPC remotes use it; git pushes to and clones that remote', async () => {
    const s = await npmStart([]);
    try {
      expect(s.output()).not.toMatch(/expects a single value/);
      await untilBound();
      const ns = `devloop-${Date.now().toString(36)}`;
      const created = await rpc('create', ns, 'app');
      expect(created.ok).toBe(true);
      const want = devVarsOrigin() ?? `http://localhost:${s.port}`;
      expect(created.value.remote).toBe(`${want}/git/${ns}/app.git`);
      if (devVarsOrigin()) return; // a developer's own ARBOR_ORIGIN: the remote need not be this server

      const dir = await initRepo('devloop-src');
      const c1 = await commitFiles(dir, { 'README.md': 'dev loop\n' }, 'first');
      await pushAll(dir, created.value.remote, created.value.token);
      const { dir: clone } = await cloneRepo(created.value.remote, { token: created.value.token, label: 'devloop-clone' });
      expect(await revParse(clone, 'HEAD')).toBe(c1);
      await fsckStrict(clone);

      // The health route, and the push's structured log line in the dev server's output.
      const hz = await fetch(`${s.origin}/healthz`);
      expect(hz.status).toBe(200);
      expect(await hz.json()).toMatchObject({ ok: true });
      const pushLine = await until(() => requestLines(s.output()).find((l) => l.op === 'git-receive-pack' && l.repo === `${ns}/app`));
      expect(pushLine).toMatchObject({ status: 200, objects: 3, tokenId: expect.stringMatching(/^tok_/) });
      expect(pushLine.bytesIn).toBeGreaterThan(0);
      expect(s.output()).not.toContain(created.value.token.split('?')[0]);
    } finally {
      await s.stop();
    }
  });

  test('an explicit ARBOR_ORIGIN is what the RPC remotes say (as on a deploy)', async () => {
    const s = await npmStart(['--var', 'ARBOR_ORIGIN:https://git.example.com']);
    try {
      await untilBound();
      const ns = `devloop-${Date.now().toString(36)}`;
      const created = await rpc('create', ns, 'site');
      expect(created.ok).toBe(true);
      expect(created.value.remote).toBe(`https://git.example.com/git/${ns}/site.git`);
      const got = await rpc('get', ns, 'site');
      expect(got.value.remote).toBe(`https://git.example.com/git/${ns}/site.git`);
      // REST answers keep using the request's own origin.
      const rest = await fetch(`${s.origin}/v1/repos/${ns}/site`, { headers: { authorization: 'Bearer devloop-admin' } });
      expect(rest.status).toBe(200);
      expect(((await rest.json()) as { remote: string }).remote).toBe(`${s.origin}/git/${ns}/site.git`);
    } finally {
      await s.stop();
    }
  });
});
