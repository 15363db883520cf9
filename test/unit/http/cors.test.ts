// src/http/cors.ts through the Worker entry: preflights answered before any Durable Object, an
// allowed origin echoed with credentials, `*` without them, a disallowed origin and the git CLI
// (no Origin) given no CORS headers, and paths outside /git and /v1 left alone.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import worker from '../../../src/index';
import { corsPolicy } from '../../../src/http/cors';
import type { Env } from '../../../src/env';

const APP = 'http://app.example:5173';
const ADMIN = 'test-admin-token';

/** An env whose Durable Object namespaces throw when touched: proves a preflight never gets there. */
function noDoEnv(origins: string): Env {
  const boom = new Proxy({}, { get: () => { throw new Error('a Durable Object was touched'); } });
  return { ...(env as unknown as Env), REPO: boom as Env['REPO'], REGISTRY: boom as Env['REGISTRY'], ARBOR_CORS_ORIGINS: origins };
}

async function call(req: Request, e: Env): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(req, e, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const preflightReq = (path: string, origin: string, method = 'POST') =>
  new Request(`http://arbor.test${path}`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, content-type, git-protocol' },
  });

describe('corsPolicy', () => {
  it('parses lists, `*`, and normalizes trailing slashes and case; empty is off', () => {
    expect(corsPolicy(undefined)).toBeNull();
    expect(corsPolicy(' , ')).toBeNull();
    const p = corsPolicy('https://A.example/, http://127.0.0.1:8080')!;
    expect(p.any).toBe(false);
    expect([...p.origins].sort()).toEqual(['http://127.0.0.1:8080', 'https://a.example']);
    expect(corsPolicy('*')!.any).toBe(true);
  });
});

describe('preflight (OPTIONS) in the Worker', () => {
  it('an allowed origin gets 204 with methods, headers isomorphic-git sends, max-age, credentials; no DO touched', async () => {
    for (const path of ['/git/ns/repo.git/git-upload-pack', '/git/ns/repo.git/info/refs', '/v1/repos/ns/repo/commits']) {
      const res = await call(preflightReq(path, APP), noDoEnv(`https://other.example, ${APP}`));
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(APP);
      expect(res.headers.get('access-control-allow-credentials')).toBe('true');
      expect(res.headers.get('vary')).toContain('Origin');
      expect(res.headers.get('access-control-allow-methods')).toContain('POST');
      const allowed = res.headers.get('access-control-allow-headers')!.split(/,\s*/);
      for (const h of ['authorization', 'content-type', 'git-protocol', 'accept']) expect(allowed).toContain(h);
      expect(Number(res.headers.get('access-control-max-age'))).toBeGreaterThan(0);
    }
  });

  it('`*` allows any origin and never sends Allow-Credentials', async () => {
    const res = await call(preflightReq('/git/ns/repo.git/git-receive-pack', 'https://anything.example'), noDoEnv('*'));
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.has('access-control-allow-credentials')).toBe(false);
  });

  it('a listed origin next to `*` is echoed with credentials; others get `*` without', async () => {
    const e = noDoEnv(`*, ${APP}`);
    const listed = await call(preflightReq('/v1/namespaces', APP, 'GET'), e);
    expect(listed.headers.get('access-control-allow-origin')).toBe(APP);
    expect(listed.headers.get('access-control-allow-credentials')).toBe('true');
    const other = await call(preflightReq('/v1/namespaces', 'https://x.example', 'GET'), e);
    expect(other.headers.get('access-control-allow-origin')).toBe('*');
    expect(other.headers.has('access-control-allow-credentials')).toBe(false);
  });

  it('a disallowed origin gets 403 and no CORS headers, still without waking a DO', async () => {
    const res = await call(preflightReq('/git/ns/repo.git/info/refs', 'https://evil.example', 'GET'), noDoEnv(APP));
    expect(res.status).toBe(403);
    expect([...res.headers.keys()].filter((k) => k.startsWith('access-control-'))).toEqual([]);
    expect(await res.text()).toContain('ARBOR_CORS_ORIGINS');
  });

  it('with ARBOR_CORS_ORIGINS unset, or outside /git and /v1, OPTIONS is not a preflight (404, no CORS headers)', async () => {
    for (const [path, origins] of [['/git/ns/repo.git/info/refs', ''], ['/', APP], ['/healthz', APP]] as const) {
      const res = await call(preflightReq(path, APP, 'GET'), noDoEnv(origins));
      expect(res.status).toBe(404);
      expect(res.headers.has('access-control-allow-origin')).toBe(false);
    }
  });
});

describe('actual requests', () => {
  const e = (origins: string) => ({ ...(env as unknown as Env), ARBOR_CORS_ORIGINS: origins });
  const get = (path: string, headers: Record<string, string>) =>
    new Request(`http://arbor.test${path}`, { headers: { authorization: `Bearer ${ADMIN}`, ...headers } });

  it('a REST answer from an allowed origin carries Allow-Origin, credentials and exposed headers', async () => {
    const res = await call(get('/v1/namespaces', { origin: APP }), e(APP));
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    const exposed = res.headers.get('access-control-expose-headers')!.split(/,\s*/);
    for (const h of ['etag', 'location', 'www-authenticate', 'x-git-object-id']) expect(exposed).toContain(h);
    expect(res.headers.get('content-type')).toContain('application/json'); // the answer itself is intact
    await res.arrayBuffer();
  });

  it('git smart HTTP from the DO (immutable headers) gets them too, body intact; errors too', async () => {
    const created = await call(new Request('http://arbor.test/v1/repos/cors/r1', { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } }), e(APP));
    expect(created.status).toBe(201);
    await created.arrayBuffer();
    const res = await call(get('/git/cors/r1.git/info/refs?service=git-upload-pack', { origin: APP }), e(APP));
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('content-type')).toBe('application/x-git-upload-pack-advertisement');
    expect(new TextDecoder().decode(await res.arrayBuffer())).toMatch(/^001e# service=git-upload-pack\n0000/);
    const denied = await call(new Request('http://arbor.test/git/cors/r1.git/info/refs?service=git-upload-pack', { headers: { origin: APP } }), e(APP));
    expect(denied.status).toBe(401);
    expect(denied.headers.get('access-control-allow-origin')).toBe(APP); // the page can read why
    await denied.arrayBuffer();
  });

  it('a disallowed origin, or no Origin at all (the git CLI), gets no CORS headers', async () => {
    for (const headers of [{ origin: 'https://evil.example' }, {}] as Record<string, string>[]) {
      const res = await call(get('/v1/namespaces', headers), e(APP));
      expect(res.status).toBe(200);
      expect([...res.headers.keys()].filter((k) => k.startsWith('access-control-'))).toEqual([]);
      await res.arrayBuffer();
    }
  });
});
