// isomorphic-git in a second Worker (test/fixtures/isogit-client), reaching Arbor over the Workers
// RPC binding through wrangler's dev registry, plus the git fast-import fixture it reads
// (test/fixtures/isogit/make-repo.mjs) and git's own answers about it. Shared by the test files
// that drive isomorphic-git over RPC; each calls useIsogitClient() once, at the top level.
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { buildRepo, gitAnswers } from '../../fixtures/isogit/make-repo.mjs';
import { tmpDir } from './temp';
import { sleep } from './util';
import { PROJECT_ROOT, useArbor } from './worker';

type Result = { ok: true; value: any } | { ok: false; error: { message: string; code: string | null; stack?: string } };

export interface IsogitClient {
  /** Runs one of the client Worker's ops on a repository; throws with the client's error. */
  run(op: string, repo: { namespace: string; name: string }, args?: unknown): Promise<any>;
  /** The fixture's bare repository (built once per file) and git's answers about it. */
  readonly fixtureDir: string;
  readonly answers: any;
}

/** False when the tests run against an external server or the reference server (no RPC there). */
export const isogitClientAvailable = !(process.env.ARBOR_E2E_ORIGIN || process.env.ARBOR_E2E_REFERENCE);

/**
 * Starts Arbor (with `vars`) registered in a fresh dev registry, builds the fixture, and starts
 * the client Worker once Arbor is up; waits until a call from the client reaches Arbor.
 */
export function useIsogitClient(vars?: Record<string, string>): IsogitClient {
  const registry = mkdtempSync(path.join(os.tmpdir(), 'arbor-devreg-'));
  useArbor({ registry, vars });
  let client: { dispose(): Promise<void> } | undefined;
  let clientOrigin = '';
  let fixtureDir = '';
  let answers: any;

  beforeAll(async () => {
    if (!isogitClientAvailable) return;
    fixtureDir = path.join(await tmpDir('isogit-fixture'), 'repo.git');
    buildRepo(fixtureDir);
    answers = gitAnswers(fixtureDir);
    const { unstable_startWorker } = await import('wrangler');
    const worker = await unstable_startWorker({
      config: path.join(PROJECT_ROOT, 'test/fixtures/isogit-client/wrangler.toml'),
      dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: false, persist: await tmpDir('isogit-client-state'), watch: false, liveReload: false, registry },
    });
    client = worker;
    await worker.ready;
    clientOrigin = (await worker.url).origin;
    // The client learns about Arbor through the registry: wait until a call gets through.
    const end = Date.now() + 30_000;
    for (;;) {
      const res = await fetch(`${clientOrigin}/run`, { method: 'POST', body: JSON.stringify({ op: 'reads', ns: 'probe', name: 'missing', args: { answers: {} } }) }).then((r) => r.json() as Promise<Result>).catch(() => null);
      if (res && !res.ok && /NotFound/.test(res.error.message)) break;
      if (Date.now() > end) throw new Error(`the client Worker never reached Arbor: ${JSON.stringify(res)}`);
      await sleep(200);
    }
  }, 240_000);

  afterAll(async () => {
    await client?.dispose();
    rmSync(registry, { recursive: true, force: true });
  }, 60_000);

  return {
    async run(op, repo, args = {}) {
      const res = await fetch(`${clientOrigin}/run`, { method: 'POST', body: JSON.stringify({ op, ns: repo.namespace, name: repo.name, args }), signal: AbortSignal.timeout(170_000) });
      expect(res.status).toBe(200);
      const r = (await res.json()) as Result;
      if (!r.ok) throw new Error(`${op} failed: ${r.error.code ?? ''} ${r.error.message}\n${r.error.stack ?? ''}`);
      return r.value;
    },
    get fixtureDir() {
      return fixtureDir;
    },
    get answers() {
      return answers;
    },
  };
}
