// The Workers RPC binding from a truly separate Worker: Arbor and a small client Worker
// (test/fixtures/rpc-client, `[[services]] binding = "ARBOR", service = "arbor", entrypoint =
// "ArborService"`) are started side by side; a private dev registry directory connects the
// client's service binding to this Arbor (and to no other test's). The test drives the client
// over HTTP; every call crosses the binding. Repositories made through the binding are then
// used with the real git CLI against Arbor, and the other way round.
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  PROJECT_ROOT, cloneRepo, commitFiles, fsckStrict, git, initRepo, lsRemote, origin, pushAll, revParse, sleep, tmpDir, useArbor,
} from './harness';

const external = Boolean(process.env.ARBOR_E2E_ORIGIN || process.env.ARBOR_E2E_REFERENCE);
const registry = mkdtempSync(path.join(os.tmpdir(), 'arbor-devreg-'));
useArbor({ registry });

let client: { dispose(): Promise<void> } | undefined;
let clientOrigin = '';

type Result = { ok: true; value: any } | { ok: false; error: { name: string; message: string; rawName: string; rawMessage: string; isError: boolean } };

async function call(op: string, ns: string, name?: string, ...args: unknown[]): Promise<Result> {
  const res = await fetch(`${clientOrigin}/call`, { method: 'POST', body: JSON.stringify({ op, ns, name, args }), signal: AbortSignal.timeout(60_000) });
  expect(res.status).toBe(200);
  return (await res.json()) as Result;
}

async function ok(op: string, ns: string, name?: string, ...args: unknown[]): Promise<any> {
  const r = await call(op, ns, name, ...args);
  if (!r.ok) throw new Error(`${op} failed: ${r.error.name}: ${r.error.message}`);
  return r.value;
}

async function fails(op: string, ns: string, name?: string, ...args: unknown[]) {
  const r = await call(op, ns, name, ...args);
  if (r.ok) throw new Error(`${op} succeeded: ${JSON.stringify(r.value).slice(0, 200)}`);
  return r.error;
}

beforeAll(async () => {
  if (external) return;
  const { unstable_startWorker } = await import('wrangler');
  const worker = await unstable_startWorker({
    config: path.join(PROJECT_ROOT, 'test/fixtures/rpc-client/wrangler.toml'),
    dev: {
      server: { hostname: '127.0.0.1', port: 0 },
      inspector: false,
      persist: await tmpDir('rpc-client-state'),
      watch: false,
      liveReload: false,
      registry,
    },
  });
  client = worker;
  await worker.ready;
  clientOrigin = (await worker.url).origin;
  // The client learns about Arbor through the registry: wait until calls get through.
  const end = Date.now() + 30_000;
  for (;;) {
    const e = await fails('get', 'rpc-e2e', 'probe-missing').catch(() => null);
    if (e && e.name === 'NotFound') break;
    if (Date.now() > end) throw new Error(`the client Worker never reached Arbor: ${JSON.stringify(e)}`);
    await sleep(200);
  }
}, 180_000);

afterAll(async () => {
  await client?.dispose();
  rmSync(registry, { recursive: true, force: true });
}, 60_000);

/** Remotes over RPC use ARBOR_ORIGIN (default http://localhost:8787); this Arbor runs elsewhere. */
const local = (remote: string) => remote.replace(/^http:\/\/localhost:8787/, origin());

describe.skipIf(external)('ArborService from a second Worker', () => {
  test('create through the binding, then git push/clone with its token; commit and read back through the binding', async () => {
    const ns = `rpc-${Date.now().toString(36)}`;
    const created = await ok('create', ns, 'app');
    expect(created).toMatchObject({ namespace: ns, name: 'app', defaultBranch: 'main', refs: 0, remote: `http://localhost:8787/git/${ns}/app.git` });
    expect(created.token).toMatch(/^arb_v1_[0-9a-f]{40}/);

    const dir = await initRepo('rpc-src');
    const c1 = await commitFiles(dir, { 'README.md': 'hello\n', 'src/a.txt': 'a\n' }, 'first');
    await pushAll(dir, local(created.remote), created.token);

    const api = await ok('commit', ns, 'app', {
      branch: 'main', message: 'from the binding', author: { name: 'Bot', email: 'bot@example.com' }, expectedHead: c1,
      changes: [{ action: 'create', path: 'src/b.txt', content: 'b\n' }, { action: 'update', path: 'README.md', content: 'hello again\n' }],
    });
    expect(api).toMatchObject({ branch: 'main', parents: [c1] });

    const file = await ok('readFile', ns, 'app', 'main', 'README.md');
    expect(file).toMatchObject({ path: 'README.md', content: 'hello again\n', isBytes: true, commit: api.commit });
    const tree = await ok('readTree', ns, 'app', 'main', 'src');
    expect(tree.entries.map((e: any) => e.name).sort()).toEqual(['a.txt', 'b.txt']);
    const log = await ok('log', ns, 'app', 'main');
    expect(log.commits.map((c: any) => c.sha)).toEqual([api.commit, c1]);
    const info = await ok('info', ns, 'app');
    expect(info).toMatchObject({ refs: 1, objects: expect.any(Number) });

    // git sees the binding's commit
    const { dir: clone } = await cloneRepo(local(created.remote), { label: 'rpc-clone', token: created.token });
    expect(await revParse(clone, 'HEAD')).toBe(api.commit);
    await fsckStrict(clone);
    expect((await git(['show', 'HEAD:src/b.txt'], { cwd: clone })).stdout).toBe('b\n');

    // same repository through get/list
    expect(await ok('get', ns, 'app')).toMatchObject({ name: 'app', refs: 1 });
    const page = await ok('list', ns, undefined, { limit: 10 });
    expect(page.repos.map((r: any) => r.name)).toEqual(['app']);

    // a fork through the binding: same commits, its own token; git clones it
    const fork = await ok('fork', ns, 'app', { name: 'app-fork', readOnly: true });
    expect(fork).toMatchObject({ namespace: ns, name: 'app-fork', forkedFrom: `${ns}/app`, readOnly: true });
    const { dir: fclone } = await cloneRepo(local(fork.remote), { label: 'rpc-fork-clone', token: fork.token });
    expect(await revParse(fclone, 'HEAD')).toBe(api.commit);
    await fsckStrict(fclone);
    const refused = await fails('commit', ns, 'app-fork', {
      branch: 'main', message: 'no', author: { name: 'Bot', email: 'bot@example.com' }, changes: [{ action: 'create', path: 'x', content: 'x' }],
    });
    expect(refused.name).toBe('Forbidden');
    expect((await fails('fork', ns, 'missing-origin', { name: 'nope' })).name).toBe('NotFound');
  });

  test('tokens through the binding: issued, listed, used by git, revoked', async () => {
    const ns = `rpc-tok-${Date.now().toString(36)}`;
    const created = await ok('create', ns, 'r');
    const dir = await initRepo('rpc-tok-src');
    await commitFiles(dir, { 'a.txt': '1\n' }, 'one');
    await pushAll(dir, local(created.remote), created.token);

    const read = await ok('createToken', ns, 'r', 'read', 600);
    expect(read).toMatchObject({ scope: 'read', id: expect.stringMatching(/^tok_[0-9a-f]{16}$/) });
    const listed = await ok('listTokens', ns, 'r');
    expect(listed.map((t: any) => t.id)).toContain(read.id);
    expect(JSON.stringify(listed)).not.toContain('arb_v1_');
    expect(await lsRemote(local(created.remote), { token: read.token })).toHaveLength(2);
    // read scope cannot push
    await commitFiles(dir, { 'a.txt': '2\n' }, 'two');
    expect((await pushAll(dir, local(created.remote), read.token, { allowFail: true })).code).not.toBe(0);

    expect(await ok('revokeToken', ns, 'r', read.id)).toBeNull();
    expect((await git(['ls-remote', local(created.remote)], { token: read.token, allowFail: true })).code).not.toBe(0);
    expect((await ok('listTokens', ns, 'r')).map((t: any) => t.id)).not.toContain(read.id);
  });

  test('typed errors cross the binding: NotFound, Conflict, BadRequest', async () => {
    const ns = `rpc-err-${Date.now().toString(36)}`;
    await ok('create', ns, 'one');
    const cases: [Promise<any>, string, RegExp][] = [
      [fails('create', ns, 'one'), 'Conflict', /already exists/],
      [fails('get', ns, 'missing'), 'NotFound', /repository not found/],
      [fails('create', ns, 'bad name'), 'BadRequest', /invalid repository name/],
      [fails('createToken', ns, 'one', 'admin', 600), 'BadRequest', /scope/],
      [fails('revokeToken', ns, 'one', 'tok_0000000000000000'), 'NotFound', /no token/],
      [fails('readFile', ns, 'one', 'main', 'nope.txt'), 'NotFound', /./],
      [fails('commit', ns, 'one', {
        branch: 'main', message: 'm', author: { name: 'A', email: 'a@example.com' }, expectedHead: 'f'.repeat(40),
        changes: [{ action: 'create', path: 'x', content: 'x' }],
      }), 'Conflict', /./],
      [fails('createWebhook', ns, 'one', { url: 'ftp://x/', secret: 's' }), 'BadRequest', /http/],
    ];
    for (const [p, name, msg] of cases) {
      const e = await p;
      expect(e.isError).toBe(true);
      expect(e.name, JSON.stringify(e)).toBe(name);
      expect(e.message).toMatch(new RegExp(`^${name}: `));
      expect(e.message.slice(name.length + 2)).toMatch(msg);
      expect(e.message.slice(name.length + 2)).not.toMatch(new RegExp(`^${name}: `)); // one prefix
      expect(e.rawMessage).toContain(`${name}: `); // the type travels in the message itself
    }
  });

  test('branch protection through the binding: set, read, enforced on git push and commit', async () => {
    const ns = `rpc-rules-${Date.now().toString(36)}`;
    const created = await ok('create', ns, 'guarded');
    const dir = await initRepo('rpc-rules-src');
    await commitFiles(dir, { 'a.txt': '1\n' }, 'one');
    await commitFiles(dir, { 'a.txt': '2\n' }, 'two');
    await pushAll(dir, local(created.remote), created.token);
    expect(await ok('rules', ns, 'guarded')).toEqual([]);
    const set = await ok('setRules', ns, 'guarded', [{ pattern: 'refs/heads/main' }, { pattern: 'refs/heads/ship', mergeOnly: true }]);
    expect(set).toEqual([
      { pattern: 'refs/heads/main', allowForcePush: false, allowDeletion: false, mergeOnly: false },
      { pattern: 'refs/heads/ship', allowForcePush: false, allowDeletion: false, mergeOnly: true },
    ]);
    expect(await ok('rules', ns, 'guarded')).toEqual(set);
    await git(['reset', '-q', '--hard', 'HEAD~1'], { cwd: dir });
    const force = await git(['push', '--force', local(created.remote), 'HEAD:refs/heads/main'], { cwd: dir, token: created.token, allowFail: true });
    expect(force.stderr).toContain('(protected branch: force-push refused)');
    await git(['push', local(created.remote), 'HEAD:refs/heads/ship'], { cwd: dir, token: created.token }); // creating is allowed
    const refused = await fails('commit', ns, 'guarded', {
      branch: 'ship', message: 'no', author: { name: 'Bot', email: 'bot@example.com' }, changes: [{ action: 'create', path: 'x', content: 'x' }],
    });
    expect([refused.name, refused.message]).toEqual(['Forbidden', "Forbidden: branch 'ship': protected branch: changes only through the merge API"]);
    expect((await fails('setRules', ns, 'guarded', [{ pattern: 'main' }])).name).toBe('BadRequest');
    expect((await fails('rules', ns, 'missing')).name).toBe('NotFound');
  });

  test('housekeeping through the binding: settings, a gc on request, its status', async () => {
    const ns = `rpc-hk-${Date.now().toString(36)}`;
    const created = await ok('create', ns, 'kept');
    expect((await ok('updateMaintenance', ns, 'kept', { auto: false, gracePeriodSeconds: 600 })).repoGracePeriodSeconds).toBe(600);
    const dir = await initRepo('rpc-hk-src');
    for (let i = 0; i < 3; i++) {
      await commitFiles(dir, { 'a.txt': `${i}\n` }, `c${i}`);
      await git(['push', '-q', local(created.remote), 'main'], { cwd: dir, token: created.token });
    }
    const queued = await ok('requestMaintenance', ns, 'kept', { tasks: ['gc'], prune: 'now' });
    expect(queued.state).toBe('queued');
    let st = queued;
    for (let i = 0; i < 200 && !(st.state === 'idle' && st.lastRun); i++) {
      await sleep(200);
      st = await ok('maintenance', ns, 'kept');
    }
    expect(st.lastRun).toMatchObject({ outcome: 'done', tasks: ['gc'], before: { packs: 3 }, after: { packs: 1 } });
    expect((await ok('info', ns, 'kept')).packs).toBe(1);
    expect((await fails('requestMaintenance', ns, 'kept', { tasks: ['compact'] })).name).toBe('BadRequest');
    expect((await fails('maintenance', ns, 'missing')).name).toBe('NotFound');
    const { dir: c } = await cloneRepo(local(created.remote), { token: created.token, label: 'rpc-hk-clone' });
    await fsckStrict(c);
    expect(await revParse(c, 'HEAD')).toBe(await revParse(dir, 'HEAD'));
  });

  test('webhooks through the binding; delete removes the repository', async () => {
    const ns = `rpc-del-${Date.now().toString(36)}`;
    await ok('create', ns, 'gone');
    const hook = await ok('createWebhook', ns, 'gone', { url: 'http://127.0.0.1:9/hook', secret: 'rpc-secret' });
    expect(hook).toMatchObject({ id: expect.stringMatching(/^wh_/), url: 'http://127.0.0.1:9/hook', events: ['ref.update'] });
    expect(JSON.stringify(await ok('listWebhooks', ns, 'gone'))).not.toContain('rpc-secret');
    expect(await ok('webhookDeliveries', ns, 'gone', hook.id)).toEqual([]);
    expect(await ok('deleteWebhook', ns, 'gone', hook.id)).toBeNull();
    expect((await fails('deleteWebhook', ns, 'gone', hook.id)).name).toBe('NotFound');

    expect(await ok('delete', ns, 'gone')).toBeNull();
    expect((await fails('get', ns, 'gone')).name).toBe('NotFound');
    expect((await fails('info', ns, 'gone')).name).toBe('NotFound');
    expect((await fails('delete', ns, 'gone')).name).toBe('NotFound');
    expect((await ok('list', ns)).repos).toEqual([]);
  });
});
