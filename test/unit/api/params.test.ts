// Path and query parameters (REST) and RPC arguments are checked by the same schemas as the
// bodies (src/schema/params.ts, repo-api.ts): a bad or unknown one is a 400 naming it over REST,
// a BadRequest ArborError naming it over RPC, and nothing changes.
import { exports } from 'cloudflare:workers';
import { describe, expect, test } from 'vitest';
import type { ArborService } from '../../../src/rpc/arbor-service';
import { arborErrorName } from '../../../src/rpc/errors';

const worker = (exports as unknown as { default: { fetch(input: string | Request, init?: RequestInit): Promise<Response> } }).default;
const rpc = (exports as unknown as { ArborService: Service<ArborService> }).ArborService;
const ADMIN = 'test-admin-token';
const AUTHOR = { name: 'A U Thor', email: 'author@example.com', date: 1_700_000_000, timezone: '+0000' };
const uid = () => crypto.randomUUID().slice(0, 8);

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${ADMIN}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await worker.fetch(`http://x${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

async function refused(method: string, path: string, message: RegExp): Promise<void> {
  const r = await api(method, path);
  expect(r.status, `${method} ${path}: ${JSON.stringify(r.json)}`).toBe(400);
  expect(r.json.error.code).toBe('bad_request');
  expect(r.json.error.message).toMatch(message);
}

async function rpcRefusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(arborErrorName(e), String(e)).toBe('BadRequest');
    return (e as Error).message;
  }
  throw new Error('expected a BadRequest');
}

describe('query and path parameters from the schemas', () => {
  test('bad, unknown and repeated parameters are refused with 400 naming them', async () => {
    const ns = `prm-${uid()}`;
    const b = `/v1/repos/${ns}/r`;
    expect((await api('POST', b)).status).toBe(201);
    const c = await api('POST', `${b}/commits`, { branch: 'main', message: 'one', author: AUTHOR, changes: [{ action: 'create', path: 'a', content: 'a' }] });
    expect(c.status).toBe(201);

    // control plane
    await refused('GET', `/v1/repos/${ns}?limit=0`, /limit must be an integer from 1 to 1000/);
    await refused('GET', `/v1/repos/${ns}?limit=abc`, /limit must be an integer from 1 to 1000/);
    await refused('GET', `/v1/repos/${ns}?limt=5`, /unknown query parameter "limt"/);
    await refused('GET', `/v1/repos/${ns}?limit=1&limit=2`, /query parameter "limit" is given twice/);
    await refused('GET', `/v1/namespaces?page=2`, /unknown query parameter "page"/);
    await refused('GET', `${b}/events?after=-1`, /after must be a non-negative integer/);
    await refused('GET', `${b}/tokens?x=1`, /unknown query parameter "x"/);
    await refused('DELETE', `${b}/tokens/..%2F..`, /invalid token id '\.\.\/\.\.'/);
    await refused('GET', `${b}/webhooks/wh_zz/deliveries`, /invalid webhook id 'wh_zz'/);
    await refused('GET', `${b}/webhooks/wh_0123456789abcdef/deliveries?limit=101`, /limit must be an integer from 1 to 100/);
    await refused('GET', `/v1/repos/bad%20ns`, /invalid namespace name 'bad ns'/);
    await refused('GET', `/v1/repos/${ns}/x.git`, /invalid repository name 'x.git': must not end in .git/);
    // an empty value is absent: the default applies
    expect((await api('GET', `/v1/repos/${ns}?limit=&cursor=`)).json.repos.map((r: { name: string }) => r.name)).toEqual(['r']);
    expect((await api('GET', `${b}/events?after=0&limit=1`)).json.events).toHaveLength(1);

    // commit/read API (parsed by the repository's Durable Object, after authorisation)
    await refused('GET', `${b}/tree/main?recursive=maybe`, /"recursive"/);
    await refused('GET', `${b}/tree/main?recursiv=1`, /unknown query parameter "recursiv"/);
    await refused('GET', `${b}/log/main?limit=1001`, /limit must be an integer from 1 to 1000/);
    await refused('GET', `${b}/log/main?firstparent=1`, /unknown query parameter "firstparent"/);
    await refused('GET', `${b}/compare/main...main?format=html`, /format must be json, patch or diff/);
    await refused('GET', `${b}/refs?prefix=refs/heads/`, /unknown query parameter "prefix"/);
    await refused('GET', `${b}/blob/main/a?raw=1`, /unknown query parameter "raw"/);
    await refused('DELETE', `${b}/refs/heads/main?expectedOld=zz`, /"expectedOld"/);
    await refused('DELETE', `${b}/refs/heads/main?expected=${c.json.commit}`, /unknown query parameter "expected"/);
    expect((await api('GET', `${b}/refs`)).json.branches[0].sha).toBe(c.json.commit); // nothing deleted
    expect((await api('GET', `${b}/tree/main?recursive=true`)).status).toBe(200);
    expect((await api('GET', `${b}/log/main?limit=1&firstParent=0`)).json.commits).toHaveLength(1);
  });

  test('the OpenAPI document describes the parameters with the same schemas', async () => {
    const doc = (await api('GET', '/v1/openapi.json')).json;
    const params = (p: string, m: string) => Object.fromEntries(doc.paths[p][m].parameters.map((x: any) => [x.name, x]));
    const list = params('/v1/repos/{ns}', 'get');
    expect(list.limit.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 1000 });
    expect(list.ns.schema.pattern).toBe('^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$');
    expect(params('/v1/repos/{ns}/{name}/tokens/{id}', 'delete').id.schema.pattern).toBe('^tok_[0-9a-f]{16}$');
    expect(params('/v1/repos/{ns}/{name}/compare/{rest}', 'get').format.schema.enum).toEqual(['json', 'patch', 'diff']);
  });
});

describe('RPC arguments from the schemas', () => {
  test('a bad argument is a BadRequest naming the field, and nothing changes', async () => {
    const ns = `prpc-${uid()}`;
    await rpc.create(ns, 'r');
    const repo = rpc.repo(ns, 'r');
    expect(await rpcRefusal(rpc.list(ns, { limit: 0 }))).toMatch(/limit must be an integer from 1 to 1000/);
    expect(await rpcRefusal(rpc.list(ns, { limit: 5, page: 2 } as never))).toMatch(/unknown field "page"/);
    expect(await rpcRefusal(rpc.create(ns, 'a/b'))).toMatch(/invalid repository name 'a\/b'/);
    expect(await rpcRefusal(rpc.get(42 as never, 'r'))).toMatch(/namespace must be a string/);
    expect(await rpcRefusal(rpc.fork(ns, 'r', { name: 'f', readonly: true } as never))).toMatch(/unknown field "readonly"/);
    expect(await rpcRefusal(repo.createToken('admin' as never))).toMatch(/scope must be "read" or "write"/);
    expect(await rpcRefusal(repo.createToken('read', 10))).toMatch(/ttlSeconds must be an integer from 60 to 31536000/);
    expect(await rpcRefusal(repo.createToken('read', 600, 'a\u0000b'))).toMatch(/name must be a string of 1-100 characters/);
    expect(await rpcRefusal(repo.events({ after: -1 }))).toMatch(/after must be a non-negative integer/);
    expect(await rpcRefusal(repo.revokeToken('tok_x'))).toMatch(/invalid token id 'tok_x'/);
    expect(await rpcRefusal(repo.setRules([{ pattern: 'refs/heads/main', allowForcePush: 'yes' as never }]))).toMatch(/"rules\[0\]\.allowForcePush"/);
    expect(await rpcRefusal(repo.requestMaintenance({ tasks: ['vacuum' as never] }))).toMatch(/"tasks\[0\]"/);
    expect(await rpcRefusal(repo.updateMaintenance({ gracePeriodSeconds: -1 }))).toMatch(/gracePeriodSeconds/);
    expect(await rpcRefusal(repo.createWebhook({ url: 'https://example.com/h', secret: '' }))).toMatch(/"secret"/);
    const base = { branch: 'main', message: 'm', author: AUTHOR, changes: [{ action: 'create', path: 'a', content: 'a' }] };
    expect(await rpcRefusal(repo.commit({ ...base, expectedHaed: null } as never))).toMatch(/unknown field "expectedHaed"/);
    expect(await rpcRefusal(repo.commit({ ...base, changes: [{ action: 'create', path: 5 }] } as never))).toMatch(/"changes\[0\]\.path"/);
    expect(await rpcRefusal(repo.readFile('main', 7 as never))).toMatch(/"path"/);
    expect(await rpcRefusal(repo.readTree('main', '', { recursiv: true } as never))).toMatch(/unknown field "opts.recursiv"/);
    expect(await rpcRefusal(repo.log('main', { limit: 5000 }))).toMatch(/limit must be an integer from 1 to 1000/);
    expect(await rpcRefusal(repo.merge({ base: 'main', head: 'main', strategy: 'octopus' } as never))).toMatch(/"strategy"/);
    expect(await rpcRefusal(repo.writeRef({ name: 'refs/heads/x', sha: 'nope' }))).toMatch(/"sha"/);
    expect(await rpcRefusal(repo.deleteRef('refs/heads/main', 'nope'))).toMatch(/"expectedOld"/);
    expect(await rpcRefusal(repo.createTag({ name: 'v1', target: 'main', message: 'm' } as never))).toMatch(/"tagger"/);
    expect(await rpcRefusal(repo.fs({ readonly: true } as never))).toMatch(/unknown field "readonly"/);
    expect((await repo.listTokens()).length).toBe(1); // only the creation token: nothing was issued
    expect((await repo.commit(base as never)).branch).toBe('main');
    expect((await repo.log('main', { limit: 1, firstParent: true })).commits).toHaveLength(1);
  });
});
