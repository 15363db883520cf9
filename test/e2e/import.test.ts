// Import from a smart-HTTP remote (POST /v1/repos/:ns/:name/import) against native
// `git http-backend` served from this process: plain (protocol v2), forced v0 (the server never
// sees Git-Protocol), gzip-compressed answers, another Arbor repository behind a token, shallow
// imports, one branch, and the error cases, each of which must leave no repository behind.
import * as fs from 'node:fs/promises';
import * as http from 'node:http';
import type * as net from 'node:net';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  api, buildSampleRepo, cloneRepo, commitFiles, createRepo, createToken, fsckStrict, git, gitOut, lsRemote, NS, pushAll,
  runHttpBackend, tmpDir, uniqueName, useArbor,
} from './harness';

useArbor();

let root = '';
let server: http.Server;
let base = '';
let srcDir = '';
let gzipped = 0;
/** The same routes on another port: another origin, for redirects. */
let other: http.Server;
let otherBase = '';
/** Every request: which origin it reached, its path, its Authorization header. */
const seen: { host: string; path: string; auth: string | null }[] = [];

/**
 * Routes: /plain/<repo> (http-backend), /v0/<repo> (Git-Protocol stripped), /gzip/<repo> (gzip
 * answers), /html, /auth, /garbage, /moved/<repo> (302 to /plain on the other origin), /loop.
 */
async function startSources(): Promise<void> {
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const [, kind, ...rest] = u.pathname.split('/');
    const pathInfo = '/' + rest.join('/');
    seen.push({ host: req.headers.host ?? '', path: u.pathname, auth: req.headers.authorization ?? null });
    if (kind === 'moved') {
      res.writeHead(302, { location: `${otherBase}/plain${pathInfo}${u.search}` });
      return void res.end();
    }
    if (kind === 'loop') {
      res.writeHead(302, { location: `/loop${pathInfo}${u.search}` });
      return void res.end();
    }
    if (kind === 'plain') return void runHttpBackend(req, res, root, pathInfo);
    if (kind === 'v0') {
      delete req.headers['git-protocol'];
      return void runHttpBackend(req, res, root, pathInfo);
    }
    if (kind === 'gzip') {
      // A proxy that gzips every answer of the plain route (http-backend itself never does).
      const headers = { ...req.headers };
      delete headers.host;
      const up = http.request(`${base}/plain${pathInfo}${u.search}`, { method: req.method, headers }, (ur) => {
        gzipped++;
        const headers = { ...ur.headers, 'content-encoding': 'gzip' };
        delete headers['content-length'];
        res.writeHead(ur.statusCode ?? 500, headers);
        ur.pipe(zlib.createGzip()).pipe(res);
      });
      req.pipe(up);
      return;
    }
    if (kind === 'html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return void res.end('<!doctype html><html><body>Welcome</body></html>');
    }
    if (kind === 'auth') {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="x"', 'content-type': 'text/plain' });
      return void res.end('nope');
    }
    if (kind === 'garbage') {
      res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-advertisement' });
      return void res.end('zzzz this is not a pkt-line');
    }
    res.writeHead(404);
    res.end();
  };
  server = http.createServer(handler);
  other = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  otherBase = `http://127.0.0.1:${(other.address() as net.AddressInfo).port}`;
}

beforeAll(async () => {
  root = await tmpDir('import-sources');
  srcDir = await buildSampleRepo('import-sample');
  await git(['clone', '-q', '--bare', srcDir, path.join(root, 'src.git')]);
  // a longer history for shallow imports
  const long = path.join(root, 'long.git');
  await git(['init', '-q', '--bare', '-b', 'main', long]);
  const work = await tmpDir('import-long');
  await git(['clone', '-q', long, work]);
  for (let i = 0; i < 12; i++) await commitFiles(work, { 'n.txt': `${i}\n`, [`f${i % 3}.txt`]: `v${i}\n` }, `c${i}`);
  await git(['branch', 'side', 'HEAD~4'], { cwd: work });
  await git(['tag', '-a', 'v-old', '-m', 'old', 'HEAD~8'], { cwd: work });
  await git(['push', '-q', 'origin', 'main', 'side', 'v-old'], { cwd: work });
  await git(['init', '-q', '--bare', '-b', 'main', path.join(root, 'empty.git')]);
  await startSources();
}, 120_000);

afterAll(async () => {
  for (const s of [server, other]) {
    s?.closeAllConnections();
    await new Promise((r) => s?.close(r));
  }
});

const importRepo = (name: string, body: unknown) => api('POST', `/v1/repos/${NS}/${name}/import`, { body });

async function expectNoRepo(name: string): Promise<void> {
  expect((await api('GET', `/v1/repos/${NS}/${name}`)).status).toBe(404);
  const list = await api('GET', `/v1/repos/${NS}?limit=1000`);
  expect(list.json.repos.map((r: any) => r.name)).not.toContain(name);
}

async function sameRefs(arborRemote: string, token: string, nativeUrl: string): Promise<string[]> {
  const mine = await lsRemote(arborRemote, { token });
  expect(mine).toEqual(await lsRemote(nativeUrl));
  return mine;
}

describe('import', () => {
  test('all branches and tags over protocol v2: ls-remote equal, clone fsck-clean, push on top', async () => {
    const name = uniqueName('imp');
    const r = await importRepo(name, { url: `${base}/plain/src.git` });
    expect(r.status, r.text).toBe(201);
    expect(r.json).toMatchObject({ namespace: NS, name, defaultBranch: 'main', imported: { refs: 4, head: 'refs/heads/main', shallow: 0, protocol: 2 } });
    expect(r.json.token).toMatch(/^arb_v1_/);
    expect(r.json.imported.objects).toBeGreaterThan(10);
    await sameRefs(r.json.remote, r.json.token, `${base}/plain/src.git`);
    const { dir } = await cloneRepo(r.json.remote, { token: r.json.token });
    await fsckStrict(dir);
    expect(await gitOut(dir, ['rev-parse', 'HEAD'])).toBe(await gitOut(srcDir, ['rev-parse', 'main']));
    await commitFiles(dir, { 'new.txt': 'on top\n' }, 'on top');
    await git(['push', '-q', 'origin', 'main'], { cwd: dir, token: r.json.token });
    const again = await cloneRepo(r.json.remote, { token: r.json.token });
    await fsckStrict(again.dir);
    const info = await api('GET', `/v1/repos/${NS}/${name}`);
    expect(info.json).toMatchObject({ refs: 4 });
    const list = await api('GET', `/v1/repos/${NS}?limit=1000`);
    expect(list.json.repos.map((x: any) => x.name)).toContain(name);
  });

  test("HEAD follows the remote's HEAD (a non-main default branch)", async () => {
    const name = uniqueName('imp-head');
    await git(['symbolic-ref', 'HEAD', 'refs/heads/side'], { cwd: path.join(root, 'long.git') });
    try {
      const r = await importRepo(name, { url: `${base}/plain/long.git` });
      expect(r.status, r.text).toBe(201);
      expect(r.json).toMatchObject({ defaultBranch: 'side', imported: { head: 'refs/heads/side' } });
      const sym = await lsRemote(r.json.remote, { token: r.json.token, args: ['--symref'] });
      expect(sym).toContain('ref: refs/heads/side\tHEAD');
    } finally {
      await git(['symbolic-ref', 'HEAD', 'refs/heads/main'], { cwd: path.join(root, 'long.git') });
    }
  });

  test('protocol v0 fallback (server ignores Git-Protocol)', async () => {
    const name = uniqueName('imp-v0');
    const r = await importRepo(name, { url: `${base}/v0/src.git` });
    expect(r.status, r.text).toBe(201);
    expect(r.json.imported).toMatchObject({ protocol: 0, refs: 4, head: 'refs/heads/main' });
    await sameRefs(r.json.remote, r.json.token, `${base}/plain/src.git`);
    const { dir } = await cloneRepo(r.json.remote, { token: r.json.token });
    await fsckStrict(dir);
  });

  test('gzip-compressed answers', async () => {
    const name = uniqueName('imp-gz');
    const before = gzipped;
    const r = await importRepo(name, { url: `${base}/gzip/src.git` });
    expect(r.status, r.text).toBe(201);
    expect(gzipped - before).toBe(3); // info/refs, ls-refs, fetch
    expect(r.json.imported).toMatchObject({ protocol: 2, refs: 4 });
    await sameRefs(r.json.remote, r.json.token, `${base}/plain/src.git`);
  });

  test('one branch: only that branch, HEAD on it, no tags', async () => {
    const name = uniqueName('imp-br');
    const r = await importRepo(name, { url: `${base}/plain/src.git`, branch: 'dev' });
    expect(r.status, r.text).toBe(201);
    expect(r.json).toMatchObject({ defaultBranch: 'dev', imported: { refs: 1, head: 'refs/heads/dev' } });
    const lines = await lsRemote(r.json.remote, { token: r.json.token });
    const dev = await gitOut(srcDir, ['rev-parse', 'dev']);
    expect(lines).toEqual([`${dev}\tHEAD`, `${dev}\trefs/heads/dev`]);
    const { dir } = await cloneRepo(r.json.remote, { token: r.json.token });
    await fsckStrict(dir);
    const missing = await importRepo(uniqueName('imp-nobr'), { url: `${base}/plain/src.git`, branch: 'nope' });
    expect(missing.status, missing.text).toBe(422);
    expect(missing.json.error.code).toBe('branch_not_found');
  });

  for (const proto of [2, 0] as const) {
    test(`depth (shallow import, protocol v${proto}): clones are shallow and fsck-clean, pushes on top work, v0 and v2 clients`, async () => {
      const name = uniqueName(`imp-shallow${proto}`);
      const r = await importRepo(name, { url: `${base}/${proto === 2 ? 'plain' : 'v0'}/long.git`, depth: 2 });
      expect(r.status, r.text).toBe(201);
      expect(r.json.imported.protocol).toBe(proto);
      expect(r.json.imported.shallow).toBeGreaterThan(0);
      await sameRefs(r.json.remote, r.json.token, `${base}/plain/long.git`);
      const log = await api('GET', `/v1/repos/${NS}/${name}/log/main`);
      expect(log.status, log.text).toBe(200);
      expect(log.json.commits).toHaveLength(2); // history ends at the boundary
      for (const client of [2, 0] as const) {
        const { dir } = await cloneRepo(r.json.remote, { token: r.json.token, protocol: client });
        const shallow = (await fs.readFile(path.join(dir, '.git', 'shallow'), 'utf8')).split('\n').filter(Boolean);
        expect(shallow.length).toBeGreaterThan(0);
        await fsckStrict(dir);
        expect((await gitOut(dir, ['rev-list', '--count', 'HEAD'])).trim()).toBe('2');
      }
      // a push on top, then a fetch into an older clone and a fresh clone
      const { dir: a } = await cloneRepo(r.json.remote, { token: r.json.token });
      const { dir: b } = await cloneRepo(r.json.remote, { token: r.json.token });
      await commitFiles(a, { 'top.txt': 'top\n' }, 'top');
      await git(['push', '-q', 'origin', 'main'], { cwd: a, token: r.json.token });
      await git(['pull', '-q', '--ff-only', 'origin', 'main'], { cwd: b, token: r.json.token });
      expect(await gitOut(b, ['rev-parse', 'HEAD'])).toBe(await gitOut(a, ['rev-parse', 'HEAD']));
      await fsckStrict(b);
      const { dir: c } = await cloneRepo(r.json.remote, { token: r.json.token, protocol: 0 });
      await fsckStrict(c);
      expect((await gitOut(c, ['rev-list', '--count', 'HEAD'])).trim()).toBe('3');
    });
  }

  test('from another Arbor repository with a read token in headers (never echoed)', async () => {
    const source = await createRepo('imp-arbor-src');
    await pushAll(srcDir, source.remote, source.token);
    const read = await createToken(source, 'read', 3600);
    const name = uniqueName('imp-arbor');
    const r = await importRepo(name, { url: source.remote, headers: { Authorization: `Bearer ${read.token}` } });
    expect(r.status, r.text).toBe(201);
    expect(r.text).not.toContain(read.token.split('?')[0]);
    expect(r.json.imported.refs).toBe(4);
    expect(await lsRemote(r.json.remote, { token: r.json.token })).toEqual(await lsRemote(source.remote, { token: source.token }));
    // without the token: the remote refuses
    const name2 = uniqueName('imp-arbor-noauth');
    const denied = await importRepo(name2, { url: source.remote });
    expect(denied.status, denied.text).toBe(502);
    expect(denied.json.error.code).toBe('upstream_auth_failed');
    await expectNoRepo(name2);
  });

  test('redirects: followed by hand, the caller headers stay with the origin the caller named, at most 5 hops', async () => {
    seen.length = 0;
    const name = uniqueName('imp-moved');
    const r = await importRepo(name, { url: `${base}/moved/src.git`, headers: { Authorization: 'Bearer only-for-the-first-origin' } });
    expect(r.status, r.text).toBe(201);
    expect(r.json.imported.refs).toBe(4);
    const hosts = seen.map((s) => [new URL(`http://${s.host}`).origin, s.path.split('/')[1], s.auth]);
    expect(hosts[0]).toEqual([base, 'moved', 'Bearer only-for-the-first-origin']);
    expect(hosts.length).toBeGreaterThan(2); // discovery, then ls-refs and fetch where it ended
    for (const h of hosts.slice(1)) expect(h).toEqual([otherBase, 'plain', null]);
    const loop = await importRepo(uniqueName('imp-loop'), { url: `${base}/loop/src.git` });
    expect(loop.status, loop.text).toBe(502);
    expect(loop.json.error).toEqual({ code: 'upstream_error', message: `${base}/loop/src.git: more than 5 redirects` });
  });

  test('an empty remote imports as an empty repository', async () => {
    const name = uniqueName('imp-empty');
    const r = await importRepo(name, { url: `${base}/plain/empty.git` });
    expect(r.status, r.text).toBe(201);
    expect(r.json).toMatchObject({ refs: 0, objects: 0, imported: { refs: 0, objects: 0 } });
    expect(await lsRemote(r.json.remote, { token: r.json.token })).toEqual([]);
  });

  test('errors answer clean JSON and create nothing', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = http.createServer();
      s.listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const cases: [unknown, number, string][] = [
      [{ url: 'ftp://example.com/x.git' }, 400, 'bad_request'],
      [{ url: 'not a url' }, 400, 'bad_request'],
      [{ url: `http://user:secret@127.0.0.1:1/x.git` }, 400, 'bad_request'],
      [{}, 400, 'bad_request'],
      [{ url: `${base}/plain/src.git`, depth: 0 }, 400, 'bad_request'],
      [{ url: `${base}/plain/src.git`, headers: { 'Git-Protocol': 'version=0' } }, 400, 'bad_request'],
      [{ url: `${base}/plain/src.git`, headers: { 'X-Bad': 'a\r\nb' } }, 400, 'bad_request'],
      [{ url: `http://127.0.0.1:${closed}/x.git` }, 502, 'upstream_unreachable'],
      [{ url: `${base}/html/x.git` }, 502, 'upstream_not_git'],
      [{ url: `${base}/garbage/x.git` }, 502, 'upstream_not_git'],
      [{ url: `${base}/auth/x.git`, headers: { Authorization: 'Bearer very-secret-value' } }, 502, 'upstream_auth_failed'],
      [{ url: `${base}/plain/missing.git` }, 502, 'upstream_not_found'],
    ];
    for (const [body, status, code] of cases) {
      const name = uniqueName('imp-err');
      const r = await importRepo(name, body);
      expect(r.status, `${JSON.stringify(body)}: ${r.text}`).toBe(status);
      expect(r.json.error.code, r.text).toBe(code);
      expect(r.text).not.toContain('very-secret-value');
      expect(r.text).not.toContain('secret@');
      // no oracle: neither the runtime's network error nor what else answered there
      expect(r.text).not.toMatch(/ECONNREFUSED|connection refused|text\/html|charset/i);
      await expectNoRepo(name);
    }
    // the name exists already
    const existing = await createRepo('imp-exists');
    const r = await importRepo(existing.name, { url: `${base}/plain/src.git` });
    expect(r.status, r.text).toBe(409);
    expect(r.json.error.code).toBe('conflict');
    expect((await api('GET', `/v1/repos/${NS}/${existing.name}`)).json.refs).toBe(0);
  });
});
