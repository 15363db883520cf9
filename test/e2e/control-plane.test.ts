// Control plane against a started worker with the real git CLI: token listing and revocation
// (a revoked token fails on the very next git request), namespace listing, repo info, and the
// ref-change events a push (create, update, delete) leaves behind with the pushing token's id.
import { describe, expect, test } from 'vitest';
import {
  api, commitFiles, createRepo, createToken, git, initRepo, lsRemote, NS, origin, pushAll, revParse, useArbor, ZERO_OID,
} from './harness';

useArbor();

describe('tokens', () => {
  test('list shows ids and scopes, never secrets; a revoked token fails on the next push and fetch', async () => {
    const repo = await createRepo('cp-tok');
    const w = await createToken(repo, 'write', 3600);
    const list = await api('GET', `/v1/repos/${NS}/${repo.name}/tokens`);
    expect(list.status, list.text).toBe(200);
    expect(list.json.tokens.map((t: any) => t.id)).toContain(w.id);
    expect(list.text).not.toMatch(/arb_v1_[0-9a-f]{40}/);

    const dir = await initRepo('cp-tok-src');
    await commitFiles(dir, { 'a.txt': 'one\n' }, 'one');
    await pushAll(dir, repo.remote, w.token);
    expect(await lsRemote(repo.remote, { token: w.token })).toHaveLength(2); // HEAD + main

    const del = await api('DELETE', `/v1/repos/${NS}/${repo.name}/tokens/${w.id}`);
    expect(del.status, del.text).toBe(204);
    await commitFiles(dir, { 'a.txt': 'two\n' }, 'two');
    const push = await pushAll(dir, repo.remote, w.token, { allowFail: true });
    expect(push.code).not.toBe(0);
    // A refused Bearer token: 403, and git shows why (test/e2e/git-auth-messages.test.ts).
    expect(push.stderr).toMatch(/remote: invalid token: not a token of repository .*\n(.*\n)*.*403/);
    const ls = await git(['ls-remote', repo.remote], { token: w.token, allowFail: true });
    expect(ls.code).not.toBe(0);
    // the original token is untouched
    expect(await lsRemote(repo.remote, { token: repo.token })).toHaveLength(2);
  });
});

describe('registry and info', () => {
  test('GET /v1/repos/:ns lists created repos in order; /v1/namespaces lists the namespace', async () => {
    const ns = `cp-${Date.now().toString(36)}-${process.pid.toString(36)}`;
    const names = ['delta', 'alpha', 'charlie', 'bravo'];
    for (const n of names) expect((await api('POST', `/v1/repos/${ns}/${n}`)).status).toBe(201);
    const p1 = await api('GET', `/v1/repos/${ns}?limit=3`);
    expect(p1.status, p1.text).toBe(200);
    expect(p1.json.repos.map((r: any) => r.name)).toEqual(['alpha', 'bravo', 'charlie']);
    expect(p1.json.repos[0].remote).toBe(`${origin()}/git/${ns}/alpha.git`);
    const p2 = await api('GET', `/v1/repos/${ns}?limit=3&cursor=${p1.json.cursor}`);
    expect(p2.json).toMatchObject({ repos: [{ name: 'delta' }], cursor: null });
    const nss = await api('GET', '/v1/namespaces?limit=1000');
    expect(nss.json.namespaces.map((n: any) => n.name)).toContain(ns);
  });

  test('GET /v1/repos/:ns/:name reports size, counts, times after a push', async () => {
    const repo = await createRepo('cp-info');
    const dir = await initRepo('cp-info-src');
    await commitFiles(dir, { 'a.txt': 'hello\n', 'b/c.txt': 'world\n' }, 'init');
    await pushAll(dir, repo.remote, repo.token);
    const info = await api('GET', `/v1/repos/${NS}/${repo.name}`);
    expect(info.json).toMatchObject({ objects: 5, refs: 1, readOnly: false, forkedFrom: null, defaultBranch: 'main' });
    expect(info.json.sizeBytes).toBeGreaterThan(0);
    expect(Date.parse(info.json.updatedAt)).toBeGreaterThanOrEqual(Date.parse(info.json.createdAt));
  });
});

describe('events', () => {
  test('push create/update/delete appends events with the token id; after= pages', async () => {
    const repo = await createRepo('cp-ev');
    const w = await createToken(repo, 'write', 3600);
    const dir = await initRepo('cp-ev-src');
    const c1 = await commitFiles(dir, { 'a.txt': '1\n' }, 'one');
    await pushAll(dir, repo.remote, w.token);
    const c2 = await commitFiles(dir, { 'a.txt': '2\n' }, 'two');
    await git(['push', repo.remote, 'main', 'main:refs/heads/topic'], { cwd: dir, token: w.token });
    await git(['push', repo.remote, ':refs/heads/topic'], { cwd: dir, token: repo.token });
    expect(await revParse(dir, 'main')).toBe(c2);

    const ev = await api('GET', `/v1/repos/${NS}/${repo.name}/events`);
    expect(ev.status, ev.text).toBe(200);
    const rows = ev.json.events.map((e: any) => [e.ref, e.old, e.new, e.actor]);
    expect(rows).toEqual([
      ['refs/heads/main', ZERO_OID, c1, w.id],
      ['refs/heads/main', c1, c2, w.id],
      ['refs/heads/topic', ZERO_OID, c2, w.id],
      ['refs/heads/topic', c2, ZERO_OID, expect.stringMatching(/^tok_/)],
    ]);
    expect(rows[3][3]).not.toBe(w.id);
    for (const e of ev.json.events) expect(Date.parse(e.time)).toBeGreaterThan(0);
    const after = await api('GET', `/v1/repos/${NS}/${repo.name}/events?after=${ev.json.events[1].id}`);
    expect(after.json.events).toHaveLength(2);

    // a rejected push (non-fast-forward) records nothing
    const other = await initRepo('cp-ev-other');
    await commitFiles(other, { 'z.txt': 'z\n' }, 'unrelated');
    const bad = await git(['push', repo.remote, 'main'], { cwd: other, token: w.token, allowFail: true });
    expect(bad.code).not.toBe(0);
    expect((await api('GET', `/v1/repos/${NS}/${repo.name}/events`)).json.events).toHaveLength(4);
  });
});

describe('OpenAPI', () => {
  test('/v1/openapi.json documents every route in src/index.ts, and every documented route answers', async () => {
    const { readFile } = await import('node:fs/promises');
    const { PROJECT_ROOT } = await import('./harness');
    const src = await readFile(`${PROJECT_ROOT}/src/index.ts`, 'utf8');
    const routes = [...src.matchAll(/\.(get|post|put|patch|delete)\(\s*'([^']+)'/g)].map(
      (m) => `${m[1].toUpperCase()} ${m[2].replace(/:(\w+)\+?/g, '{$1}')}`,
    );
    expect(routes.length).toBeGreaterThan(15);

    const res = await api('GET', '/v1/openapi.json', { token: null });
    expect(res.status, res.text).toBe(200);
    expect(res.json.openapi).toMatch(/^3\.1\./);
    const documented: string[] = [];
    for (const [p, ops] of Object.entries(res.json.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(ops)) {
        documented.push(`${method.toUpperCase()} ${p}`);
        expect(op.responses, `${method} ${p}`).toBeTruthy();
        for (const param of op.parameters.filter((x: any) => x.in === 'path')) expect(p).toContain(`{${param.name}}`);
      }
    }
    expect([...documented].sort()).toEqual([...routes].sort());

    // every documented route is served (anything but the router's "no route" 404)
    const repo = await createRepo('cp-openapi');
    const fill: Record<string, string> = { ns: NS, name: repo.name, repo: `${repo.name}.git`, id: 'tok_0000000000000000', rest: 'main' };
    for (const key of documented) {
      const [method, p] = key.split(' ');
      if (method === 'DELETE' && p === '/v1/repos/{ns}/{name}') continue; // would delete it mid-test
      const url = p.replace(/\{(\w+)\}/g, (_m, n: string) => fill[n]);
      const r = await fetch(origin() + url, {
        method,
        headers: { authorization: `Bearer ${(await import('./harness')).adminToken()}` },
        body: method === 'POST' ? '{}' : undefined,
      });
      const text = await r.text();
      expect(text, `${key} -> ${r.status}`).not.toMatch(/no route for/);
    }
  });
});
