// src/http/log.ts: one JSON line per git operation and API call, of a fixed shape, written when
// the answer's last byte is out; never a secret. Checked on the module itself and through the
// Worker entry and the repository's Durable Object (console.log captured: the DO runs here too).
import { env, exports } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RequestLog, logError, logRequest } from '../../../src/http/log';
import { buildPack, concat, linearHistory, ZERO } from '../storage/helpers';
import { body } from '../protocol/wire';

const worker = (exports as unknown as { default: { fetch(input: string, init?: RequestInit): Promise<Response> } }).default;
const ADMIN_SECRET = 'test-admin-token';
const KEYS = ['type', 'repo', 'op', 'status', 'bytesIn', 'bytesOut', 'objects', 'ms', 'tokenId'].sort();

let logged: string[] = [];
let errored: string[] = [];
beforeEach(() => {
  logged = [];
  errored = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { logged.push(a.map(String).join(' ')); });
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { errored.push(a.map(String).join(' ')); });
});
afterEach(() => vi.restoreAllMocks());

/** The request lines logged so far, parsed (each must be one JSON object). */
const lines = () => logged.map((l) => JSON.parse(l)).filter((l) => l.type === 'request');

/** Lets the DO's stream end (its line is written when the last byte is out) reach the test. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 10));
}

describe('the line', () => {
  it('logRequest writes exactly one JSON line with the fixed fields', () => {
    logRequest({ repo: 'ns/r', op: 'git-upload-pack', status: 200, bytesIn: 10, bytesOut: 20, objects: 3, ms: 5, tokenId: 'tok_1' });
    expect(logged).toHaveLength(1);
    expect(logged[0]).not.toContain('\n');
    const l = JSON.parse(logged[0]);
    expect(Object.keys(l).sort()).toEqual(KEYS);
    expect(l).toMatchObject({ type: 'request', repo: 'ns/r', op: 'git-upload-pack', status: 200, bytesIn: 10, bytesOut: 20, objects: 3, tokenId: 'tok_1' });
  });

  it('logError is structured: what, context, message, stack', () => {
    logError('push failed', new TypeError('boom'), { repo: 'ns/r' });
    const l = JSON.parse(errored[0]);
    expect(l).toMatchObject({ type: 'error', what: 'push failed', repo: 'ns/r', error: 'boom', errorName: 'TypeError' });
    expect(l.stack).toContain('boom');
  });

  it('RequestLog counts the bytes read and sent, and writes the line only when the answer has been read', async () => {
    const log = new RequestLog(new Request('http://x/', { method: 'POST', body: 'twelve bytes' }), { op: 'test', repo: 'a/b' });
    expect(await log.request.text()).toBe('twelve bytes');
    const res = log.finish(new Response('0123456789', { status: 201, headers: { 'x-kept': '1' } }));
    expect(res.status).toBe(201);
    expect(res.headers.get('x-kept')).toBe('1');
    expect(lines()).toHaveLength(0); // not yet: nothing was sent
    expect(await res.text()).toBe('0123456789');
    expect(lines()).toEqual([expect.objectContaining({ op: 'test', repo: 'a/b', status: 201, bytesIn: 12, bytesOut: 10, objects: null, tokenId: null })]);
  });

  it('a stated Content-Length is kept; a cancelled answer still gets its line', async () => {
    const log = new RequestLog(new Request('http://x/'), { op: 'blob' });
    const res = log.finish(new Response(new Uint8Array(5), { headers: { 'content-length': '5' } }));
    expect(res.headers.get('content-length')).toBe('5');
    expect((await res.arrayBuffer()).byteLength).toBe(5);
    const log2 = new RequestLog(new Request('http://x/'), { op: 'gone' });
    const res2 = log2.finish(new Response(new ReadableStream({ pull(c) { c.enqueue(new Uint8Array(100)); } })));
    await res2.body!.cancel();
    expect(lines().map((l) => l.op)).toEqual(['blob', 'gone']);
  });
});

describe('through the Worker and the Durable Object', () => {
  it('an API call: one line, op is the route pattern, repo, tokenId admin, never the secret', async () => {
    const name = `log-${crypto.randomUUID().slice(0, 8)}`;
    const res = await worker.fetch(`http://x/v1/repos/logs/${name}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_SECRET}` } });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { token: string };
    await settle();
    const l = lines();
    expect(l).toHaveLength(1);
    expect(Object.keys(l[0]).sort()).toEqual(KEYS);
    expect(l[0]).toMatchObject({ op: 'POST /v1/repos/:ns/:name', repo: `logs/${name}`, status: 201, tokenId: 'admin', objects: null });
    expect(l[0].bytesOut).toBeGreaterThan(0);
    const all = logged.join('\n') + errored.join('\n');
    expect(all).not.toContain(ADMIN_SECRET);
    expect(all).not.toContain(created.token.slice(0, 20));
  });

  it('a push and a fetch with a repo token: one line each from the DO with objects and the token id; a REST read names the token too', async () => {
    const name = `log-${crypto.randomUUID().slice(0, 8)}`;
    const created = (await (await worker.fetch(`http://x/v1/repos/logs/${name}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_SECRET}` } })).json()) as { token: string };
    const tokens = (await (await worker.fetch(`http://x/v1/repos/logs/${name}/tokens`, { headers: { authorization: `Bearer ${ADMIN_SECRET}` } })).json()) as { tokens: { id: string }[] };
    const tokenId = tokens.tokens[0].id;
    logged = [];
    const h = linearHistory(3, 1_690_000_000);
    const pack = buildPack(h.all);
    const push = concat([body(`${ZERO} ${h.commits[2].oid} refs/heads/main\0report-status side-band-64k`, null), pack]);
    const git = `http://x/git/logs/${name}.git`;
    const auth = { authorization: `Bearer ${created.token}` };
    const pushed = await worker.fetch(`${git}/git-receive-pack`, { method: 'POST', headers: { ...auth, 'content-type': 'application/x-git-receive-pack-request' }, body: push });
    expect(pushed.status).toBe(200);
    const pushedBytes = (await pushed.arrayBuffer()).byteLength;
    const fetchBody = body('command=fetch', 'object-format=sha1', 'DELIM', `want ${h.commits[2].oid}`, 'done', null);
    const fetched = await worker.fetch(`${git}/git-upload-pack`, {
      method: 'POST', headers: { ...auth, 'git-protocol': 'version=2', 'content-type': 'application/x-git-upload-pack-request' }, body: fetchBody,
    });
    expect(fetched.status).toBe(200);
    const fetchedBytes = (await fetched.arrayBuffer()).byteLength;
    const refs = await worker.fetch(`http://x/v1/repos/logs/${name}/refs`, { headers: auth });
    expect(refs.status).toBe(200);
    expect(refs.headers.has('x-arbor-token-id')).toBe(false); // internal: removed before it leaves
    await refs.arrayBuffer();
    await settle();
    const l = lines();
    expect(l.map((x) => x.op)).toEqual(['git-receive-pack', 'git-upload-pack', 'GET /v1/repos/:ns/:name/refs']);
    for (const x of l) expect(Object.keys(x).sort()).toEqual(KEYS);
    expect(l[0]).toMatchObject({ repo: `logs/${name}`, status: 200, bytesIn: push.length, bytesOut: pushedBytes, objects: h.all.length, tokenId });
    expect(l[1]).toMatchObject({ repo: `logs/${name}`, status: 200, bytesIn: fetchBody.length, bytesOut: fetchedBytes, objects: h.all.length, tokenId });
    expect(l[2]).toMatchObject({ repo: `logs/${name}`, status: 200, tokenId, objects: null });
    expect(logged.join('\n')).not.toContain(created.token.split('?')[0].slice(-40));
  });

  it('a refused git request is logged once with its status and no token id', async () => {
    const name = `log-${crypto.randomUUID().slice(0, 8)}`;
    await (await worker.fetch(`http://x/v1/repos/logs/${name}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_SECRET}` } })).arrayBuffer();
    logged = [];
    const res = await worker.fetch(`http://x/git/logs/${name}.git/info/refs?service=git-upload-pack`, { headers: { authorization: 'Bearer arb_v1_' + '0'.repeat(40) } });
    expect(res.status).toBe(403); // a refused Bearer token (src/repo/git-routing.ts)
    await res.arrayBuffer();
    await settle();
    expect(lines()).toEqual([expect.objectContaining({ op: 'info-refs:git-upload-pack', repo: `logs/${name}`, status: 403, tokenId: null })]);
    // /healthz and / are not API calls: no line, and no DO touched.
    const hz = await worker.fetch('http://x/healthz');
    expect(hz.status).toBe(200);
    expect(await hz.json()).toMatchObject({ ok: true });
    await settle();
    expect(lines()).toHaveLength(1);
  });
});
