// GET /healthz: answered by the Worker alone — with Durable Object namespaces that throw when
// touched it still says ok — and it is not a CORS path or an API call (no request log line).
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { expect, it, vi } from 'vitest';
import worker from '../../../src/index';
import type { Env } from '../../../src/env';

it('200 {"ok":true,...} without waking any Durable Object, no-store, no log line', async () => {
  const boom = new Proxy({}, { get: () => { throw new Error('a Durable Object was touched'); } });
  const e = { ...(env as unknown as Env), REPO: boom as Env['REPO'], REGISTRY: boom as Env['REGISTRY'], ARBOR_CORS_ORIGINS: '*' };
  const logs: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { logs.push(a.map(String).join(' ')); });
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request('http://arbor.test/healthz', { headers: { origin: 'https://a.example' } }), e, ctx);
  await waitOnExecutionContext(ctx);
  vi.restoreAllMocks();
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('application/json');
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.has('access-control-allow-origin')).toBe(false);
  const body = (await res.json()) as { ok: boolean; service: string; time: string };
  expect(body).toMatchObject({ ok: true, service: 'arbor' });
  expect(Number.isNaN(Date.parse(body.time))).toBe(false);
  expect(logs).toEqual([]);
});
