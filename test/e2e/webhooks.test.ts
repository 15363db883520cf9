// Webhooks end to end: a receiver on 127.0.0.1 inside this test, real `git push` and the commit
// API against a started worker. Each ref transaction arrives once per webhook, signed with the
// webhook's secret (verified here with node's own HMAC); a failing receiver is retried on the
// backoff schedule (shortened with the ARBOR_WEBHOOK_BACKOFF_MS test knob); a deleted webhook
// gets nothing more, not even the retries it had queued.
import { createHmac } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  api, commitFiles, createRepo, createToken, git, initRepo, NS, pushAll, sleep, useArbor, ZERO_OID, type RepoInfo,
} from './harness';

const BACKOFF = [1000, 2000, 4000];
useArbor({ vars: { ARBOR_WEBHOOK_BACKOFF_MS: BACKOFF.join(',') } });

interface Hit {
  path: string;
  at: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  status: number;
}

/** The receiver: records every request; `answers[path]` lists the statuses to give (then 200). */
const hits: Hit[] = [];
const answers: Record<string, number[]> = {};
let server: http.Server;
let base = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const status = answers[path]?.shift() ?? 200;
      hits.push({ path, at: Date.now(), headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      res.statusCode = status;
      res.end(status === 200 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const at = (path: string) => hits.filter((h) => h.path === path);

async function waitFor<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const hooksPath = (repo: RepoInfo) => `/v1/repos/${repo.namespace}/${repo.name}/webhooks`;

async function addHook(repo: RepoInfo, path: string, secret: string, events?: string[]): Promise<{ id: string }> {
  const r = await api('POST', hooksPath(repo), { body: { url: base + path, secret, ...(events ? { events } : {}) } });
  expect(r.status, r.text).toBe(201);
  return r.json;
}

function verify(hit: Hit, secret: string): any {
  const expected = 'sha256=' + createHmac('sha256', secret).update(hit.body, 'utf8').digest('hex');
  expect(hit.headers['x-arbor-signature-256']).toBe(expected);
  expect(hit.headers['content-type']).toBe('application/json');
  return JSON.parse(hit.body);
}

describe('webhooks', () => {
  test('push (create, update, delete) and a commit through the API: one signed delivery each, in order', async () => {
    const repo = await createRepo('wh-push');
    const w = await createToken(repo, 'write', 3600);
    const secret = 'shh-' + repo.name;
    const hook = await addHook(repo, '/push', secret);
    expect(hook.id).toMatch(/^wh_[0-9a-f]{16}$/);
    expect(JSON.stringify(hook)).not.toContain(secret);
    const list = await api('GET', hooksPath(repo));
    expect(list.json.webhooks).toEqual([{ id: hook.id, url: base + '/push', events: ['ref.update'], createdAt: expect.any(String) }]);
    expect(list.text).not.toContain(secret);

    const dir = await initRepo('wh-push-src');
    const c1 = await commitFiles(dir, { 'a.txt': '1\n' }, 'one');
    await pushAll(dir, repo.remote, w.token);
    const c2 = await commitFiles(dir, { 'a.txt': '2\n' }, 'two');
    await git(['push', repo.remote, 'main'], { cwd: dir, token: w.token });
    await git(['push', repo.remote, 'main:refs/heads/topic'], { cwd: dir, token: w.token });
    await git(['push', repo.remote, ':refs/heads/topic'], { cwd: dir, token: w.token });
    const commit = await api('POST', `/v1/repos/${repo.namespace}/${repo.name}/commits`, {
      token: w.token,
      body: { branch: 'main', message: 'api', author: { name: 'A', email: 'a@example.com' }, changes: [{ action: 'create', path: 'b.txt', content: 'b' }] },
    });
    expect(commit.status, commit.text).toBe(201);
    const c3 = commit.json.commit;
    // a rejected push (not a fast-forward) moves nothing and sends nothing
    const other = await initRepo('wh-push-other');
    await commitFiles(other, { 'z.txt': 'z\n' }, 'unrelated');
    expect((await git(['push', repo.remote, 'main'], { cwd: other, token: w.token, allowFail: true })).code).not.toBe(0);

    const got = await waitFor('5 deliveries', () => at('/push').length >= 5 && at('/push'));
    await sleep(500);
    expect(at('/push')).toHaveLength(5);
    const bodies = got.map((h) => verify(h, secret));
    expect(got.every((h) => h.headers['x-arbor-event'] === 'ref.update' && h.headers['x-arbor-hook-id'] === hook.id)).toBe(true);
    expect(new Set(got.map((h) => h.headers['x-arbor-delivery'])).size).toBe(5);
    expect(bodies.map((b) => b.updates.map((u: any) => [u.ref, u.before, u.after, u.change]))).toEqual([
      [['refs/heads/main', ZERO_OID, c1, 'create']],
      [['refs/heads/main', c1, c2, 'update']],
      [['refs/heads/topic', ZERO_OID, c2, 'create']],
      [['refs/heads/topic', c2, ZERO_OID, 'delete']],
      [['refs/heads/main', c2, c3, 'update']],
    ]);
    const events = (await api('GET', `/v1/repos/${NS}/${repo.name}/events`)).json.events;
    for (const [i, b] of bodies.entries()) {
      expect(b).toMatchObject({ event: 'ref.update', repository: { namespace: NS, name: repo.name }, actor: w.id });
      expect(b.updates[0].eventId).toBe(events[i].id);
      expect(b.time).toBe(events[i].time);
    }

    const dl = await api('GET', `${hooksPath(repo)}/${hook.id}/deliveries`);
    expect(dl.status, dl.text).toBe(200);
    expect(dl.json.deliveries.map((d: any) => [d.state, d.attempts, d.lastStatus])).toEqual(Array(5).fill(['delivered', 1, 200]));
    expect(dl.json.deliveries[0].id).toBe(got[4].headers['x-arbor-delivery']); // newest first
  });

  test('one push of two refs is one delivery carrying both updates', async () => {
    const repo = await createRepo('wh-multi');
    const hook = await addHook(repo, '/multi', 'm');
    const dir = await initRepo('wh-multi-src');
    const c1 = await commitFiles(dir, { 'a.txt': '1\n' }, 'one');
    await git(['push', '--atomic', repo.remote, 'main', 'main:refs/heads/b', 'main:refs/tags/v1'], { cwd: dir, token: repo.token });
    const [h] = await waitFor('delivery', () => at('/multi').length > 0 && at('/multi'));
    const body = verify(h, 'm');
    expect(body.updates.map((u: any) => u.ref).sort()).toEqual(['refs/heads/b', 'refs/heads/main', 'refs/tags/v1']);
    expect(body.updates.every((u: any) => u.after === c1 && u.change === 'create')).toBe(true);
    await sleep(300);
    expect(at('/multi')).toHaveLength(1);
    expect(h.headers['x-arbor-hook-id']).toBe(hook.id);
  });

  test('a receiver answering 500 twice gets the delivery on the third attempt, after the backoff delays', async () => {
    const repo = await createRepo('wh-retry');
    answers['/flaky'] = [500, 500];
    const hook = await addHook(repo, '/flaky', 'flaky-secret');
    const dir = await initRepo('wh-retry-src');
    await commitFiles(dir, { 'a.txt': '1\n' }, 'one');
    await pushAll(dir, repo.remote, repo.token);

    await waitFor('first attempt', () => at('/flaky').length >= 1);
    const pending = await waitFor('pending with 1 attempt', async () => {
      const d = (await api('GET', `${hooksPath(repo)}/${hook.id}/deliveries`)).json.deliveries[0];
      return d && d.attempts >= 1 && d;
    });
    if (pending.attempts === 1 && pending.state === 'pending') {
      expect(pending).toMatchObject({ lastStatus: 500, lastError: 'HTTP 500' });
      expect(Date.parse(pending.nextAttemptAt)).toBeGreaterThan(Date.parse(pending.createdAt));
    }
    const got = await waitFor('3 attempts', () => at('/flaky').length >= 3 && at('/flaky'));
    expect(got.map((h) => h.status)).toEqual([500, 500, 200]);
    expect(new Set(got.map((h) => h.headers['x-arbor-delivery'])).size).toBe(1); // one delivery, retried
    for (const h of got) verify(h, 'flaky-secret');
    expect(got[1].at - got[0].at).toBeGreaterThanOrEqual(BACKOFF[0] - 50);
    expect(got[2].at - got[1].at).toBeGreaterThanOrEqual(BACKOFF[1] - 50);
    const done = await waitFor('delivered', async () => {
      const d = (await api('GET', `${hooksPath(repo)}/${hook.id}/deliveries`)).json.deliveries[0];
      return d.state === 'delivered' && d;
    });
    expect(done).toMatchObject({ attempts: 3, lastStatus: 200, lastError: null, nextAttemptAt: null });
    await sleep(BACKOFF[2] / 2);
    expect(at('/flaky')).toHaveLength(3);
  });

  test('a deleted webhook gets nothing more, not even its queued retries; ping on request', async () => {
    const repo = await createRepo('wh-del');
    answers['/down'] = [500, 500, 500, 500];
    const hook = await addHook(repo, '/down', 'd');
    const keep = await addHook(repo, '/keep', 'k', ['ref.update', 'ping']);
    const [ping] = await waitFor('ping', () => at('/keep').length > 0 && at('/keep'));
    expect(ping.headers['x-arbor-event']).toBe('ping');
    expect(verify(ping, 'k')).toMatchObject({ event: 'ping', webhook: { id: keep.id, url: base + '/keep' }, repository: { name: repo.name } });

    const dir = await initRepo('wh-del-src');
    await commitFiles(dir, { 'a.txt': '1\n' }, 'one');
    await pushAll(dir, repo.remote, repo.token);
    await waitFor('first failed attempt', () => at('/down').length >= 1);
    const del = await api('DELETE', `${hooksPath(repo)}/${hook.id}`);
    expect(del.status, del.text).toBe(204);
    const seen = at('/down').length; // 1, or 2 if a slow machine let the first retry through first
    expect((await api('GET', hooksPath(repo))).json.webhooks.map((h: any) => h.id)).toEqual([keep.id]);
    await commitFiles(dir, { 'a.txt': '2\n' }, 'two');
    await pushAll(dir, repo.remote, repo.token);
    await waitFor('the other webhook got both pushes', () => at('/keep').length >= 3);
    await sleep(BACKOFF[0] + 1500); // past the retry the deleted webhook had queued
    expect(at('/down')).toHaveLength(seen);
    expect((await api('GET', `${hooksPath(repo)}/${hook.id}/deliveries`)).status).toBe(404);
    expect((await api('DELETE', `${hooksPath(repo)}/${hook.id}`)).status).toBe(404);
  });

  test('a fork in another namespace has webhooks of its own: its pushes reach them, the origin\'s do not', async () => {
    const origin = await createRepo('wh-origin');
    const src = await initRepo('wh-fork-src');
    await commitFiles(src, { 'a.txt': 'a\n' }, 'one');
    await pushAll(src, origin.remote, origin.token);
    const ns = `whf-${Date.now().toString(36)}`;
    const f = await api('POST', `/v1/repos/${NS}/${origin.name}/fork`, { body: { name: 'fork', namespace: ns } });
    expect(f.status, f.text).toBe(201);
    const fork = f.json as RepoInfo;
    const hook = await addHook(fork, '/fork', 'fork-secret');
    expect((await api('GET', hooksPath(fork))).json.webhooks.map((w: any) => w.id)).toEqual([hook.id]);
    expect((await api('GET', hooksPath(origin))).json.webhooks).toEqual([]);

    await commitFiles(src, { 'a.txt': 'origin only\n' }, 'origin');
    await git(['push', origin.remote, 'main'], { cwd: src, token: origin.token });
    await commitFiles(src, { 'a.txt': 'fork\n' }, 'fork');
    await git(['push', '--force', fork.remote, 'main'], { cwd: src, token: fork.token });
    const hit = await waitFor('the fork push delivery', () => at('/fork')[0]);
    const body = verify(hit, 'fork-secret');
    expect(body.repository).toEqual({ namespace: ns, name: 'fork' });
    expect(body.updates.map((u: any) => u.ref)).toEqual(['refs/heads/main']);
    await sleep(500);
    expect(at('/fork')).toHaveLength(1); // the origin's push is not the fork's
    const del = await api('GET', `${hooksPath(fork)}/${hook.id}/deliveries`);
    expect(del.json.deliveries[0]).toMatchObject({ state: 'delivered', attempts: 1 });
  });

  test('bad input is refused with JSON errors and changes nothing', async () => {
    const repo = await createRepo('wh-bad');
    const cases: [unknown, RegExp][] = [
      [{ url: 'ftp://example.com/', secret: 's' }, /http/],
      [{ url: base + '/x' }, /secret/],
      [{ url: base + '/x', secret: 'x'.repeat(257) }, /secret/],
      [{ url: base + '/x', secret: 's', events: ['push'] }, /events/],
      ['[1]', /JSON object/],
    ];
    for (const [body, msg] of cases) {
      const r = await api('POST', hooksPath(repo), { body });
      expect(r.status, r.text).toBe(400);
      expect(r.json.error.message).toMatch(msg);
    }
    expect((await api('GET', hooksPath(repo))).json.webhooks).toEqual([]);
    expect((await api('POST', hooksPath(repo), { body: { url: base + '/x', secret: 's' }, token: repo.token })).status).toBe(401);
    expect((await api('POST', `/v1/repos/${NS}/no-such-repo-wh/webhooks`, { body: { url: base + '/x', secret: 's' } })).status).toBe(404);
    expect((await api('DELETE', `${hooksPath(repo)}/nope`)).status).toBe(400);
    for (let i = 0; i < 20; i++) await addHook(repo, `/limit${i}`, 's');
    const over = await api('POST', hooksPath(repo), { body: { url: base + '/x', secret: 's' } });
    expect(over.status, over.text).toBe(409);
  });
});
