// isomorphic-git over the RPC fs of a FORK whose snapshot bytes fault everywhere (no prefetch,
// small windows): each fs call that reads the origin's packs faults, and must fetch and answer,
// never fail with EIO (which the caller's isomorphic-git would report as an error or read as
// "not found"). The reads must answer exactly as git does; the writes (commit, merge, tags, ref
// writes) must land once, fsck-clean. Same fixture and client Worker as isogit-view.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildRepo, gitAnswers } from '../fixtures/isogit/make-repo.mjs';
import { PROJECT_ROOT, cloneRepo, createRepo, forkRepo, fsckStrict, git, lsRemote, refMap, revParse, sleep, tmpDir, useArbor, type RepoInfo } from './harness';

const external = Boolean(process.env.ARBOR_E2E_ORIGIN || process.env.ARBOR_E2E_REFERENCE);
const registry = mkdtempSync(path.join(os.tmpdir(), 'arbor-devreg-'));
useArbor({ registry, vars: { ARBOR_SNAPSHOT_PREFETCH_BYTES: '0', ARBOR_SNAPSHOT_WINDOW_BYTES: '65536' } });

let client: { dispose(): Promise<void> } | undefined;
let clientOrigin = '';
let answers: any;
let fixtureDir = '';

type Result = { ok: true; value: any } | { ok: false; error: { message: string; code: string | null; stack?: string } };

async function run(op: string, repo: { namespace: string; name: string }, args: unknown = {}): Promise<any> {
  const res = await fetch(`${clientOrigin}/run`, { method: 'POST', body: JSON.stringify({ op, ns: repo.namespace, name: repo.name, args }), signal: AbortSignal.timeout(170_000) });
  expect(res.status).toBe(200);
  const r = (await res.json()) as Result;
  if (!r.ok) throw new Error(`${op} failed: ${r.error.code ?? ''} ${r.error.message}\n${r.error.stack ?? ''}`);
  return r.value;
}

/** A fork of a repository holding the fixture (the fork's first request comes from the test). */
async function forkedFixture(label: string): Promise<RepoInfo> {
  const repo = await createRepo(label);
  await git(['push', '--porcelain', repo.remote, 'refs/heads/*:refs/heads/*', 'refs/tags/*:refs/tags/*'], { cwd: fixtureDir, token: repo.token });
  return forkRepo(repo, { name: `${label}-fork-${Date.now().toString(36)}` });
}

beforeAll(async () => {
  if (external) return;
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
});

describe.skipIf(external)('isomorphic-git over the RPC fs of a fork, through snapshot faults', () => {
  test('reads answer exactly as git does', async () => {
    const fork = await forkedFixture('ffr-reads');
    const got = await run('reads', fork, { answers });
    expect(got.branches).toEqual(answers.branches);
    expect(got.tags).toEqual(answers.tags);
    expect(got.log).toEqual(answers.log);
    expect(got.logTopic100).toEqual(answers.logTopic100);
    expect(got.trees).toEqual(answers.trees);
    expect(got.blobs).toEqual(answers.blobs);
    expect(got.tagObjects).toEqual(answers.tagObjects);
    expect(got.mergeBases).toEqual(answers.mergeBases.map((m: any) => ({ ...m, bases: [...m.bases].sort() })));
    expect(got.descendent).toEqual(answers.descendent);
  }, 240_000);

  test('writes land once and fsck-clean', async () => {
    const fork = await forkedFixture('ffr-writes');
    const w = await run('writes', fork);
    expect(w.readBack).toBe('written by isomorphic-git over RPC\n');
    const after = refMap(await lsRemote(fork.remote, { token: fork.token }));
    expect(after['refs/heads/main']).toBe(w.merge);
    expect(after['refs/heads/iso-side']).toBe(w.side);
    expect(after['refs/tags/iso-annotated^{}']).toBe(w.merge);
    expect(after['refs/heads/iso-doomed']).toBeUndefined();
    const { dir } = await cloneRepo(fork.remote, { label: 'ffr-clone', token: fork.token, args: ['--mirror'] });
    await fsckStrict(dir);
    expect(await revParse(dir, 'main^1')).toBe(w.commit);
    expect(await revParse(dir, 'main^2')).toBe(w.side);
  }, 240_000);
});
