// Admin API: create / get / delete repos, repo tokens, auth and name validation; and that a
// created repo is a git remote right away (and stops being one once deleted).
import * as http from 'node:http';
import { describe, expect, test } from 'vitest';
import {
  adminToken, api, commitFiles, createRepo, createToken, git, initRepo, lsRemote, NS, origin, uniqueName, useArbor,
} from './harness';

useArbor();

/** arb_v1_<40 hex><6 base62 checksum>?expires=<unix seconds> (README: the checksum scheme). */
const TOKEN_RE = /^arb_v1_[0-9a-f]{40}[0-9A-Za-z]{6}\?expires=(\d+)$/;

function expectErrorShape(json: unknown): void {
  expect(json).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
}

/** Request with the path sent byte-for-byte (fetch() would normalise `..` and friends). */
function rawRequest(method: string, rawPath: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const u = new URL(origin());
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path: rawPath, headers }, (res) => {
      let body = '';
      res.on('data', (d) => { body += String(d); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('create / get / delete', () => {
  test('POST creates a repo: 201 with namespace, name, remote, token, defaultBranch', async () => {
    const name = uniqueName('create');
    const before = Math.floor(Date.now() / 1000);
    const res = await api('POST', `/v1/repos/${NS}/${name}`);
    expect(res.status, res.text).toBe(201);
    expect(res.headers.get('content-type') ?? '').toMatch(/application\/json/);
    expect(res.json).toMatchObject({
      namespace: NS,
      name,
      remote: `${origin()}/git/${NS}/${name}.git`,
      defaultBranch: 'main',
    });
    const m = TOKEN_RE.exec(res.json.token);
    expect(m, `token ${res.json.token}`).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(before);
  });

  test('GET returns the same shape; 404 when absent', async () => {
    const repo = await createRepo('get');
    const res = await api('GET', `/v1/repos/${NS}/${repo.name}`);
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ namespace: NS, name: repo.name, remote: repo.remote, defaultBranch: 'main' });

    const missing = await api('GET', `/v1/repos/${NS}/${uniqueName('absent')}`);
    expect(missing.status).toBe(404);
    expectErrorShape(missing.json);
  });

  test('POST twice: 409', async () => {
    const repo = await createRepo('dup');
    const res = await api('POST', `/v1/repos/${NS}/${repo.name}`);
    expect(res.status, res.text).toBe(409);
    expectErrorShape(res.json);
  });

  test('the same name in two namespaces is two repos', async () => {
    const name = uniqueName('ns');
    const a = await api('POST', `/v1/repos/${NS}/${name}`);
    const b = await api('POST', `/v1/repos/${NS}-other/${name}`);
    expect(a.status, a.text).toBe(201);
    expect(b.status, b.text).toBe(201);
    expect(a.json.remote).not.toBe(b.json.remote);
  });

  test('DELETE: 204/200, then GET 404, then git ls-remote fails (its token went with it)', async () => {
    const repo = await createRepo('del');
    expect(await lsRemote(repo.remote, { token: repo.token })).toEqual([]);
    const res = await api('DELETE', `/v1/repos/${NS}/${repo.name}`);
    expect([200, 204], res.text).toContain(res.status);
    const get = await api('GET', `/v1/repos/${NS}/${repo.name}`);
    expect(get.status).toBe(404);
    const r = await git(['ls-remote', repo.remote], { token: repo.token, allowFail: true });
    expect(r.code).not.toBe(0);
    // A deleted repository answers as any repository the token does not open (no existence oracle).
    expect(r.stderr).toMatch(/remote: invalid token: not a token of repository .*\n(.*\n)*.*403/);
    // A second delete is a 404, and the name can be used again.
    const again = await api('DELETE', `/v1/repos/${NS}/${repo.name}`);
    expect(again.status).toBe(404);
    const recreate = await api('POST', `/v1/repos/${NS}/${repo.name}`);
    expect(recreate.status, recreate.text).toBe(201);
    expect(await lsRemote(recreate.json.remote, { token: recreate.json.token })).toEqual([]);
  });

  test('a new repo is an empty git remote: ls-remote succeeds with no refs (v0 and v2)', async () => {
    const repo = await createRepo('empty');
    expect(await lsRemote(repo.remote, { token: repo.token, protocol: 0 })).toEqual([]);
    expect(await lsRemote(repo.remote, { token: repo.token, protocol: 2 })).toEqual([]);
  });
});

describe('names', () => {
  const bad: [string, string][] = [
    ['a/b', 'a%2Fb'],
    ['x.git', 'x.git'],
    ['64 chars', 'a'.repeat(64)],
    ['-a', '-a'],
    ['.hidden', '.hidden'],
    ['_under', '_under'],
    ['space', 'a%20b'],
    ['at sign', 'a@b'],
    ['unicode', encodeURIComponent('ünï')],
    ['tilde', 'a~b'],
  ];
  test.each(bad)('bad name %s -> 400 with error JSON', async (_label, encoded) => {
    const res = await api('POST', `/v1/repos/${NS}/${encoded}`);
    expect(res.status, res.text).toBe(400);
    expectErrorShape(res.json);
  });

  test('bad namespace -> 400', async () => {
    for (const ns of ['-a', 'x.git', 'a'.repeat(64)]) {
      const res = await api('POST', `/v1/repos/${ns}/${uniqueName('okname')}`);
      expect(res.status, `${ns}: ${res.text}`).toBe(400);
      expectErrorShape(res.json);
    }
  });

  test('"..", "." and empty names are refused (the runtime folds dot segments, so any 4xx)', async () => {
    const auth = { authorization: `Bearer ${adminToken()}` };
    for (const p of [`/v1/repos/${NS}/..`, `/v1/repos/${NS}/%2e%2e`, `/v1/repos/${NS}/.`, `/v1/repos/${NS}/`]) {
      const res = await rawRequest('POST', p, auth);
      expect(res.status, `${p}: ${res.body}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${p}: ${res.body}`).toBeLessThan(500);
    }
  });

  test('boundary names are valid: 63 chars, dots, dashes, underscores inside', async () => {
    const base = uniqueName('b');
    const names = [
      (base + 'x'.repeat(63)).slice(0, 63),
      `${base}.with.dots`,
      `${base}_under-dash`,
      `${base}.gitx`,
      `9${base}`,
    ];
    for (const name of names) {
      const res = await api('POST', `/v1/repos/${NS}/${name}`);
      expect(res.status, `${name}: ${res.text}`).toBe(201);
      expect(res.json.remote).toBe(`${origin()}/git/${NS}/${name}.git`);
    }
  });
});

describe('admin auth', () => {
  test('401 without or with a wrong admin token, on every admin route', async () => {
    const repo = await createRepo('auth');
    const routes: [string, string, unknown?][] = [
      ['POST', `/v1/repos/${NS}/${uniqueName('noauth')}`],
      ['GET', `/v1/repos/${NS}/${repo.name}`],
      ['DELETE', `/v1/repos/${NS}/${repo.name}`],
      ['POST', `/v1/repos/${NS}/${repo.name}/tokens`, { scope: 'read', ttlSeconds: 3600 }],
    ];
    for (const [method, p, body] of routes) {
      for (const token of [null, 'wrong-admin-token', repo.token, `${adminToken()}x`]) {
        const res = await api(method, p, { token, body });
        expect(res.status, `${method} ${p} with ${token === null ? 'no token' : token}: ${res.text}`).toBe(401);
        expectErrorShape(res.json);
      }
    }
    // Nothing above took effect.
    expect((await api('GET', `/v1/repos/${NS}/${repo.name}`)).status).toBe(200);
  });
});

describe('repo tokens', () => {
  test('POST tokens: read and write tokens with id, token, scope, expiresAt', async () => {
    const repo = await createRepo('tok');
    const now = Math.floor(Date.now() / 1000);
    for (const scope of ['read', 'write'] as const) {
      const res = await api('POST', `/v1/repos/${NS}/${repo.name}/tokens`, { body: { scope, ttlSeconds: 600 } });
      expect([200, 201], res.text).toContain(res.status);
      expect(res.json).toMatchObject({ id: expect.anything(), token: expect.any(String), scope });
      const m = TOKEN_RE.exec(res.json.token);
      expect(m, res.json.token).not.toBeNull();
      const exp = Number(m![1]);
      expect(exp).toBeGreaterThanOrEqual(now + 600 - 5);
      expect(exp).toBeLessThanOrEqual(now + 600 + 60);
      // expiresAt: unix seconds, milliseconds or an ISO date — whichever, the same instant.
      const ea = res.json.expiresAt;
      const eaSec = typeof ea === 'number' ? (ea > 1e11 ? ea / 1000 : ea) : Date.parse(String(ea)) / 1000;
      expect(Math.abs(eaSec - exp)).toBeLessThanOrEqual(2);
    }
  });

  test('a read token can ls-remote; a minted write token can push', async () => {
    const repo = await createRepo('tokuse');
    const read = await createToken(repo, 'read', 600);
    const write = await createToken(repo, 'write', 600);
    expect(await lsRemote(repo.remote, { token: read.token })).toEqual([]);
    const d = await initRepo('tokpush');
    await commitFiles(d, { 'a.txt': 'a\n' }, 'a');
    await git(['push', repo.remote, 'main'], { cwd: d, token: write.token });
    const refs = await lsRemote(repo.remote, { token: read.token });
    expect(refs.some((l) => l.endsWith('\trefs/heads/main'))).toBe(true);
  });

  test('a named token: the name and its last use (by git) are listed, never the secret', async () => {
    const repo = await createRepo('tokname');
    const made = await api('POST', `/v1/repos/${NS}/${repo.name}/tokens`, { body: { scope: 'read', ttlSeconds: 600, name: 'laptop clone' } });
    expect(made.status, made.text).toBe(201);
    expect(made.json.name).toBe('laptop clone');
    const listed = async () => (await api('GET', `/v1/repos/${NS}/${repo.name}/tokens`)).json.tokens.find((t: any) => t.id === made.json.id);
    expect(await listed()).toMatchObject({ name: 'laptop clone', scope: 'read', expired: false, lastUsedAt: null });
    const t0 = Date.now() - 1000;
    await lsRemote(repo.remote, { token: made.json.token });
    const after = await listed();
    expect(Date.parse(after.lastUsedAt)).toBeGreaterThanOrEqual(Math.floor(t0 / 1000) * 1000);
    const text = (await api('GET', `/v1/repos/${NS}/${repo.name}/tokens`)).text;
    expect(text).not.toContain(made.json.token.slice(7, 53));
  });

  test('bad token requests: ttl out of range, unknown scope, missing fields -> 400; unknown repo -> 404', async () => {
    const repo = await createRepo('tokbad');
    const p = `/v1/repos/${NS}/${repo.name}/tokens`;
    for (const body of [
      { scope: 'read', ttlSeconds: 59 },
      { scope: 'read', ttlSeconds: 31536001 },
      { scope: 'read', ttlSeconds: -1 },
      { scope: 'read', ttlSeconds: 'soon' },
      { scope: 'admin', ttlSeconds: 3600 },
      'not json',
    ]) {
      const res = await api('POST', p, { body });
      expect(res.status, `${JSON.stringify(body)}: ${res.text}`).toBe(400);
      expectErrorShape(res.json);
    }
    for (const ttlSeconds of [60, 31536000]) {
      const res = await api('POST', p, { body: { scope: 'read', ttlSeconds } });
      expect([200, 201], `ttl ${ttlSeconds}: ${res.text}`).toContain(res.status);
    }
    const missing = await api('POST', `/v1/repos/${NS}/${uniqueName('notthere')}/tokens`, { body: { scope: 'read', ttlSeconds: 3600 } });
    expect(missing.status, missing.text).toBe(404);
    expectErrorShape(missing.json);
  });
});
