// Control plane inside workerd: tokens (list/revoke), the registry (list repos, namespaces,
// pagination, 100,000 entries), repo info, ref-change events, and the ArborService RPC binding.
import { env, exports } from 'cloudflare:workers';
import { describe, expect, test } from 'vitest';
import type { ArborService } from '../../../src/rpc/arbor-service';
import { arborErrorName, isArborError } from '../../../src/rpc/errors';
import type { RegistryObject } from '../../../src/registry/registry-object';

const worker = (exports as unknown as { default: { fetch(input: string | Request, init?: RequestInit): Promise<Response> } }).default;
const rpc = (exports as unknown as { ArborService: Service<ArborService> }).ArborService;
const ADMIN = 'test-admin-token';
const ZERO = '0'.repeat(40);
const AUTHOR = { name: 'A U Thor', email: 'author@example.com', date: 1_700_000_000, timezone: '+0000' };

async function api(method: string, path: string, body?: unknown, token: string | null = ADMIN): Promise<{ status: number; json: any; text: string }> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await worker.fetch(`http://x${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json: any;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, json, text };
}

const uid = () => crypto.randomUUID().slice(0, 8);

async function gitInfoRefs(ns: string, name: string, token: string): Promise<number> {
  const res = await worker.fetch(`http://x/git/${ns}/${name}.git/info/refs?service=git-upload-pack`, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return res.status;
}

describe('tokens: list and revoke', () => {
  test('GET lists ids, scope, expiry and never the secret; DELETE revokes at once', async () => {
    const ns = `tok-${uid()}`;
    const created = await api('POST', `/v1/repos/${ns}/r`);
    expect(created.status).toBe(201);
    const read = await api('POST', `/v1/repos/${ns}/r/tokens`, { scope: 'read', ttlSeconds: 600 });
    expect(read.status).toBe(201);

    const list = await api('GET', `/v1/repos/${ns}/r/tokens`);
    expect(list.status).toBe(200);
    expect(list.json.tokens).toHaveLength(2);
    for (const t of list.json.tokens) {
      expect(Object.keys(t).sort()).toEqual(['createdAt', 'expired', 'expiresAt', 'id', 'lastUsedAt', 'name', 'scope']);
      expect(t.id).toMatch(/^tok_[0-9a-f]{16}$/);
    }
    expect(list.text).not.toContain('arb_v1_');
    expect(list.text).not.toContain(read.json.token.slice(7, 47));
    const mine = list.json.tokens.find((t: any) => t.id === read.json.id);
    expect(mine).toMatchObject({ scope: 'read', expiresAt: read.json.expiresAt, expired: false });

    expect(await gitInfoRefs(ns, 'r', read.json.token)).toBe(200);
    const del = await api('DELETE', `/v1/repos/${ns}/r/tokens/${read.json.id}`);
    expect(del.status).toBe(204);
    expect(await gitInfoRefs(ns, 'r', read.json.token)).toBe(403); // the very next request (a refused Bearer: 403, so git shows why)
    expect((await api('GET', `/v1/repos/${ns}/r/tokens`)).json.tokens).toHaveLength(1);
    // the write token from create still works
    expect(await gitInfoRefs(ns, 'r', created.json.token)).toBe(200);

    expect((await api('DELETE', `/v1/repos/${ns}/r/tokens/${read.json.id}`)).status).toBe(404);
    expect((await api('DELETE', `/v1/repos/${ns}/r/tokens/nope`)).status).toBe(400);
    expect((await api('GET', `/v1/repos/${ns}/absent/tokens`)).status).toBe(404);
    expect((await api('GET', `/v1/repos/${ns}/r/tokens`, undefined, null)).status).toBe(401);
    expect((await api('GET', `/v1/repos/${ns}/r/tokens`, undefined, created.json.token)).status).toBe(401);
  });
});

describe('registry: list repos and namespaces', () => {
  test('pages in stable name order; delete unregisters; namespaces come and go', async () => {
    const ns = `list-${uid()}`;
    const names = ['b', 'a', 'c-1', 'c-0', 'Z', '9x'];
    for (const n of names) expect((await api('POST', `/v1/repos/${ns}/${n}`)).status).toBe(201);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = await api('GET', `/v1/repos/${ns}?limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(r.status).toBe(200);
      expect(r.json.repos.length).toBeLessThanOrEqual(4);
      for (const e of r.json.repos) {
        expect(e).toMatchObject({ namespace: ns, remote: `http://x/git/${ns}/${e.name}.git`, createdAt: expect.any(String) });
        seen.push(e.name);
      }
      cursor = r.json.cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(2);
    expect(seen).toEqual([...names].sort());

    const nsl = await api('GET', `/v1/namespaces?limit=1000`);
    expect(nsl.status).toBe(200);
    expect(nsl.json.namespaces.map((n: any) => n.name)).toContain(ns);

    for (const n of names) expect((await api('DELETE', `/v1/repos/${ns}/${n}`)).status).toBe(204);
    expect((await api('GET', `/v1/repos/${ns}`)).json).toEqual({ repos: [], cursor: null });
    expect((await api('GET', `/v1/namespaces?limit=1000`)).json.namespaces.map((n: any) => n.name)).not.toContain(ns);

    expect((await api('GET', `/v1/repos/${ns}?limit=0`)).status).toBe(400);
    expect((await api('GET', `/v1/repos/${ns}?limit=abc`)).status).toBe(400);
    expect((await api('GET', `/v1/repos/bad..ns!`)).status).toBe(400);
    expect((await api('GET', `/v1/repos/${ns}`, undefined, null)).status).toBe(401);
    // a failed create (conflict) does not register twice
    expect((await api('POST', `/v1/repos/${ns}/dup`)).status).toBe(201);
    expect((await api('POST', `/v1/repos/${ns}/dup`)).status).toBe(409);
    expect((await api('GET', `/v1/repos/${ns}`)).json.repos.map((r: any) => r.name)).toEqual(['dup']);
  });

  test('a create or delete that missed the registry is repaired by retrying it', async () => {
    const ns = `heal-${uid()}`;
    const repos = (env as unknown as { REPO: DurableObjectNamespace<import('../../../src/repo/repo-object').RepoObject> }).REPO;
    const orphan = repos.get(repos.idFromName(`${ns}/orphan`));
    expect((await orphan.create(ns, 'orphan', 3600)).ok).toBe(true); // as if the registry step failed
    expect((await api('GET', `/v1/repos/${ns}`)).json.repos).toEqual([]);
    expect((await api('POST', `/v1/repos/${ns}/orphan`)).status).toBe(409);
    expect((await api('GET', `/v1/repos/${ns}`)).json.repos.map((r: any) => r.name)).toEqual(['orphan']);
    expect((await api('GET', '/v1/namespaces?limit=1000')).json.namespaces.map((n: any) => n.name)).toContain(ns);
    expect((await orphan.destroy(`${ns}/orphan`)).ok).toBe(true); // as if the unregister step failed
    expect((await api('DELETE', `/v1/repos/${ns}/orphan`)).status).toBe(404);
    expect((await api('GET', `/v1/repos/${ns}`)).json.repos).toEqual([]);
  });

  test('100,000 repos in one namespace: a page stays fast', async () => {
    const ns = `big-${uid()}`;
    const reg = (env as unknown as { REGISTRY: DurableObjectNamespace<RegistryObject> }).REGISTRY;
    const stub = reg.get(reg.idFromName(`ns/${ns}`));
    const N = 100_000;
    const t0 = Date.now();
    for (let i = 0; i < N; i += 10_000) {
      const batch = Array.from({ length: 10_000 }, (_, k) => `repo-${String(i + k).padStart(6, '0')}`);
      await stub.addMany(batch);
    }
    const seedMs = Date.now() - t0;
    expect(await stub.size()).toBe(N);
    // one real repo through the API as well, so the namespace is registered the normal way
    expect((await api('POST', `/v1/repos/${ns}/zzz-real`)).status).toBe(201);

    const times: number[] = [];
    let cursor: string | null = null;
    for (let p = 0; p < 5; p++) {
      const t = performance.now();
      const r = await api('GET', `/v1/repos/${ns}?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
      times.push(performance.now() - t);
      expect(r.status).toBe(200);
      expect(r.json.repos).toHaveLength(100);
      expect(r.json.repos[0].name).toBe(`repo-${String(p * 100).padStart(6, '0')}`);
      cursor = r.json.cursor;
    }
    // deep page: near the end
    let t = performance.now();
    const deep = await api('GET', `/v1/repos/${ns}?limit=1000&cursor=repo-099500`);
    times.push(performance.now() - t);
    expect(deep.json.repos).toHaveLength(500);
    expect(deep.json.repos.at(-1).name).toBe('zzz-real');
    expect(deep.json.cursor).toBeNull();
    t = performance.now();
    const ns1 = await api('GET', `/v1/namespaces`);
    const nsMs = performance.now() - t;
    expect(ns1.status).toBe(200);
    console.log(`[registry] seeded ${N} entries in ${seedMs} ms; list page times (ms): ${times.map((x) => x.toFixed(1)).join(', ')}; namespaces ${nsMs.toFixed(1)} ms`);
    // generous bound for a loaded 2-core CI box; typical is a few ms
    expect(Math.max(...times)).toBeLessThan(500);
  }, 120_000);
});

describe('repo info and events', () => {
  test('GET reports times, size, counts, readOnly, forkedFrom; commits append events', async () => {
    const ns = `ev-${uid()}`;
    const created = await api('POST', `/v1/repos/${ns}/r`);
    const info0 = await api('GET', `/v1/repos/${ns}/r`);
    expect(info0.json).toMatchObject({
      namespace: ns, name: 'r', defaultBranch: 'main', objects: 0, refs: 0, sizeBytes: 0, readOnly: false, forkedFrom: null,
    });
    expect(info0.json.updatedAt).toBe(info0.json.createdAt);

    const c1 = await api('POST', `/v1/repos/${ns}/r/commits`, { branch: 'main', message: 'one', author: AUTHOR, changes: [{ action: 'create', path: 'a.txt', content: 'a' }] }, created.json.token);
    expect(c1.status, c1.text).toBe(201);
    const c2 = await api('POST', `/v1/repos/${ns}/r/commits`, { branch: 'main', message: 'two', author: AUTHOR, changes: [{ action: 'create', path: 'b.txt', content: 'b' }] });
    expect(c2.status, c2.text).toBe(201);

    const info = await api('GET', `/v1/repos/${ns}/r`);
    expect(info.json.objects).toBeGreaterThanOrEqual(6);
    expect(info.json.refs).toBe(1);
    expect(info.json.sizeBytes).toBeGreaterThan(0);
    expect(Date.parse(info.json.updatedAt)).toBeGreaterThanOrEqual(Date.parse(info.json.createdAt));

    const ev = await api('GET', `/v1/repos/${ns}/r/events`);
    expect(ev.status).toBe(200);
    expect(ev.json.repo).toBe(`${ns}/r`);
    expect(ev.json.events).toHaveLength(2);
    const [e1, e2] = ev.json.events;
    expect(e1).toMatchObject({ ref: 'refs/heads/main', old: ZERO, new: c1.json.commit, actor: created.json.id ?? expect.stringMatching(/^tok_/) });
    expect(e2).toMatchObject({ ref: 'refs/heads/main', old: c1.json.commit, new: c2.json.commit, actor: null });
    expect(e2.id).toBeGreaterThan(e1.id);
    const after = await api('GET', `/v1/repos/${ns}/r/events?after=${e1.id}`);
    expect(after.json.events.map((e: any) => e.id)).toEqual([e2.id]);
    expect(after.json.next).toBe(e2.id);
    expect((await api('GET', `/v1/repos/${ns}/r/events?after=-1`)).status).toBe(400);
    expect((await api('GET', `/v1/repos/${ns}/nope/events`)).status).toBe(404);
  });
});

describe('ArborService (Workers RPC binding)', () => {
  test('create, get, list, repo handle tokens/info/commit, delete; typed errors', async () => {
    const ns = `rpc-${uid()}`;
    const created = await rpc.create(ns, 'one');
    expect(created).toMatchObject({ namespace: ns, name: 'one', defaultBranch: 'main', remote: `http://localhost:8787/git/${ns}/one.git` });
    expect(created.token).toMatch(/^arb_v1_/);

    let err: unknown;
    try { await rpc.create(ns, 'one'); } catch (e) { err = e; }
    expect(isArborError(err, 'Conflict'), String(err)).toBe(true);
    err = undefined;
    try { await rpc.get(ns, 'missing'); } catch (e) { err = e; }
    expect(arborErrorName(err)).toBe('NotFound');
    err = undefined;
    try { await rpc.create(ns, 'bad name'); } catch (e) { err = e; }
    expect(arborErrorName(err)).toBe('BadRequest');

    await rpc.create(ns, 'two');
    const page = await rpc.list(ns, { limit: 1 });
    expect(page.repos.map((r) => r.name)).toEqual(['one']);
    const page2 = await rpc.list(ns, { limit: 1, cursor: page.cursor });
    expect(page2.repos.map((r) => r.name)).toEqual(['two']);
    expect((await rpc.namespaces({ limit: 1000 })).namespaces.map((n) => n.name)).toContain(ns);

    // the REST surface sees what RPC did (one service layer)
    expect((await api('GET', `/v1/repos/${ns}/one`)).json.name).toBe('one');

    const repo = rpc.repo(ns, 'one');
    const tok = await repo.createToken('read', 600);
    expect(tok.scope).toBe('read');
    const listed = await repo.listTokens();
    expect(listed.map((t) => t.id)).toContain(tok.id);
    expect(await gitInfoRefs(ns, 'one', tok.token)).toBe(200);
    await repo.revokeToken(tok.id);
    expect(await gitInfoRefs(ns, 'one', tok.token)).toBe(403);

    const commit = await repo.commit({ branch: 'main', message: 'via rpc', author: AUTHOR, changes: [{ action: 'create', path: 'x.txt', content: 'hi' }] } as never);
    expect((commit as { commit: string }).commit).toMatch(/^[0-9a-f]{40}$/);
    const info = await repo.info();
    expect(info.refs).toBe(1);
    const events = await repo.events();
    expect(events.events).toHaveLength(1);

    await rpc.delete(ns, 'one');
    err = undefined;
    try { await repo.info(); } catch (e) { err = e; }
    expect(arborErrorName(err)).toBe('NotFound');
  });
});
