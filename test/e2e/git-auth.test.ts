// Git over HTTP with repo tokens: Bearer and Basic forms, wrong/other-repo/missing tokens (401
// with a Basic challenge), read tokens that cannot push (403), unknown repos (answered as a repo
// the token does not open: 401, so the answer does not tell which names exist; 404 for the admin).
import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import {
  adminToken, api, basicAuthUrl, cloneRepo, commitFiles, createRepo, createToken, fsckStrict, git, initRepo, lsRemote, origin,
  rawInfoRefs, rawService, revParse, sleep, tokenWithoutExpiry, treeOf, uniqueName, useArbor, NS, FLUSH, pkt,
  type RepoInfo,
} from './harness';

useArbor();

async function repoWithCommit(label: string): Promise<{ repo: RepoInfo; src: string; head: string }> {
  const repo = await createRepo(label);
  const src = await initRepo(label);
  const head = await commitFiles(src, { 'a.txt': 'a\n' }, 'a');
  await git(['push', repo.remote, 'main'], { cwd: src, token: repo.token });
  return { repo, src, head };
}

function fakeToken(): string {
  return `arb_v1_${randomBytes(20).toString('hex')}?expires=${Math.floor(Date.now() / 1000) + 3600}`;
}

/** Every smart-HTTP endpoint of a repo, as [label, request]. */
function endpoints(remote: string) {
  const v0Want = Buffer.concat([pkt(`want ${'1'.repeat(40)}\n`), FLUSH, pkt('done\n')]);
  return (auth: Record<string, string>) => [
    ['GET info/refs upload-pack', () => rawInfoRefs(remote, 'git-upload-pack', { headers: auth })],
    ['GET info/refs receive-pack', () => rawInfoRefs(remote, 'git-receive-pack', { headers: auth })],
    ['POST git-upload-pack', () => rawService(remote, 'git-upload-pack', v0Want, { headers: auth })],
    ['POST git-receive-pack', () => rawService(remote, 'git-receive-pack', FLUSH, { headers: auth })],
  ] as const;
}

/** Refused everywhere: 401 with a Basic challenge, except a refused Bearer header, which gets a
 *  403 without one (git prints a 403's text; on a 401 it would ask for a username instead). */
async function expect401Everywhere(remote: string, auth: Record<string, string>, what: string): Promise<void> {
  const bearer = /^bearer \S/i.test(auth.authorization ?? ''); // an empty one is no credential: 401
  for (const [label, req] of endpoints(remote)(auth)) {
    const res = await req();
    expect(res.status, `${what}: ${label}: ${JSON.stringify(res.text.slice(0, 200))}`).toBe(bearer ? 403 : 401);
    if (bearer) expect(res.headers.get('www-authenticate'), `${what}: ${label}`).toBeNull();
    else expect(res.headers.get('www-authenticate') ?? '', `${what}: ${label}`).toMatch(/^Basic realm="arbor"/i);
  }
}

describe('accepted credentials', () => {
  test('Bearer token (http.extraHeader): ls-remote, clone, push', async () => {
    const { repo, head } = await repoWithCommit('bearer');
    expect(await lsRemote(repo.remote, { token: repo.token })).toContain(`${head}\trefs/heads/main`);
    const { dir } = await cloneRepo(repo.remote, { token: repo.token });
    const next = await commitFiles(dir, { 'b.txt': 'b\n' }, 'b');
    await git(['push', 'origin', 'main'], { cwd: dir, token: repo.token });
    expect(await lsRemote(repo.remote, { token: repo.token })).toContain(`${next}\trefs/heads/main`);
  });

  test.each([
    ['with the ?expires= suffix', (t: string) => t],
    ['without the ?expires= suffix', tokenWithoutExpiry],
  ])('Basic auth, token %s as the password: clone, push, fetch', async (_label, form) => {
    const { repo } = await repoWithCommit('basic');
    for (const user of ['x', 'git', 'some.user']) {
      const url = basicAuthUrl(repo.remote, form(repo.token), user);
      expect((await lsRemote(url)).length).toBeGreaterThan(0);
    }
    const url = basicAuthUrl(repo.remote, form(repo.token));
    const { dir } = await cloneRepo(url);
    const next = await commitFiles(dir, { 'basic.txt': 'basic\n' }, 'via basic');
    await git(['push', 'origin', 'main'], { cwd: dir });
    await git(['fetch', 'origin'], { cwd: dir });
    expect(await revParse(dir, 'origin/main')).toBe(next);
    await fsckStrict(dir);
  });

  test('a raw Basic header works for every endpoint (no git involved)', async () => {
    const { repo } = await repoWithCommit('rawbasic');
    const auth = { authorization: `Basic ${Buffer.from(`anyone:${repo.token}`).toString('base64')}` };
    const res = await rawInfoRefs(repo.remote, 'git-upload-pack', { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-git-upload-pack-advertisement');
    const rp = await rawInfoRefs(repo.remote, 'git-receive-pack', { headers: auth });
    expect(rp.status).toBe(200);
    expect(rp.headers.get('content-type')).toBe('application/x-git-receive-pack-advertisement');
  });

  test('a read token can clone and fetch', async () => {
    const { repo, src } = await repoWithCommit('readclone');
    const read = await createToken(repo, 'read', 3600);
    const { dir } = await cloneRepo(repo.remote, { token: read.token });
    expect(await treeOf(dir)).toEqual(await treeOf(src));
    const { dir: viaBasic } = await cloneRepo(basicAuthUrl(repo.remote, read.token));
    expect(await treeOf(viaBasic)).toEqual(await treeOf(src));
  });
});

describe('refused credentials', () => {
  test('no credentials: 401 with a Basic challenge, and git fails without prompting', async () => {
    const { repo } = await repoWithCommit('nocreds');
    await expect401Everywhere(repo.remote, {}, 'no credentials');
    const r = await git(['ls-remote', repo.remote], { allowFail: true });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/could not read Username|terminal prompts disabled|Authentication failed|401/);
  });

  test('wrong tokens: 401 (Bearer and Basic), for fetch and push', async () => {
    const { repo, src } = await repoWithCommit('wrongtok');
    const wrong = [fakeToken(), tokenWithoutExpiry(fakeToken()), 'nonsense', '', `${tokenWithoutExpiry(repo.token)}0`,
      // one character changed in the random part, or in the checksum
      repo.token.replace(/[0-9a-f](?=[0-9A-Za-z]{6}\?)/, (c) => (c === '0' ? '1' : '0')),
      repo.token.replace(/[0-9A-Za-z](?=\?)/, (c) => (c === 'A' ? 'B' : 'A'))];
    for (const t of wrong.slice(-2)) expect(t).not.toBe(repo.token);
    for (const t of wrong) {
      await expect401Everywhere(repo.remote, { authorization: `Bearer ${t}` }, `bearer ${JSON.stringify(t)}`);
      await expect401Everywhere(repo.remote, { authorization: `Basic ${Buffer.from(`x:${t}`).toString('base64')}` }, `basic ${JSON.stringify(t)}`);
    }
    const ls = await git(['ls-remote', repo.remote], { token: fakeToken(), allowFail: true });
    expect(ls.code).not.toBe(0);
    const push = await git(['push', basicAuthUrl(repo.remote, fakeToken()), 'main:refs/heads/evil'], { cwd: src, allowFail: true });
    expect(push.code).not.toBe(0);
    expect(push.stderr).toMatch(/Authentication failed|401/);
    expect((await lsRemote(repo.remote, { token: repo.token })).some((l) => l.includes('evil'))).toBe(false);
  });

  test("another repo's token: 401", async () => {
    const a = await repoWithCommit('tok-a');
    const b = await repoWithCommit('tok-b');
    await expect401Everywhere(a.repo.remote, { authorization: `Bearer ${b.repo.token}` }, "b's token on a");
    const readB = await createToken(b.repo, 'read', 3600);
    await expect401Everywhere(a.repo.remote, { authorization: `Bearer ${readB.token}` }, "b's read token on a");
    const r = await git(['ls-remote', a.repo.remote], { token: b.repo.token, allowFail: true });
    expect(r.code).not.toBe(0);
    // The same name in another namespace is another repo.
    const name = uniqueName('samename');
    const r1 = await api('POST', `/v1/repos/${NS}/${name}`);
    const r2 = await api('POST', `/v1/repos/${NS}-b/${name}`);
    expect([r1.status, r2.status]).toEqual([201, 201]);
    await expect401Everywhere(r1.json.remote, { authorization: `Bearer ${r2.json.token}` }, 'same name, other namespace');
  });

  test('a read token cannot push: 403, git shows the message, refs unchanged', async () => {
    const { repo, src, head } = await repoWithCommit('readpush');
    const read = await createToken(repo, 'read', 3600);
    const info = await rawInfoRefs(repo.remote, 'git-receive-pack', { token: read.token });
    expect(info.status, JSON.stringify(info.text.slice(0, 200))).toBe(403);
    const post = await rawService(repo.remote, 'git-receive-pack', FLUSH, { token: read.token });
    expect(post.status, JSON.stringify(post.text.slice(0, 200))).toBe(403);

    await commitFiles(src, { 'nope.txt': 'nope\n' }, 'should not land');
    for (const [how, url, token] of [
      ['bearer', repo.remote, read.token],
      ['basic', basicAuthUrl(repo.remote, read.token), undefined],
    ] as const) {
      const r = await git(['push', url, 'main'], { cwd: src, token, allowFail: true });
      expect(r.code, how).not.toBe(0);
      expect(r.stderr, how).toMatch(/403/);
      // git prints a text/plain error body as "remote: <message>".
      const msg = info.text.trim().split('\n')[0];
      if (/^text\/plain/.test(info.headers.get('content-type') ?? '') && msg) expect(r.stderr, how).toContain(msg);
    }
    expect(await lsRemote(repo.remote, { token: repo.token })).toEqual([`${head}\tHEAD`, `${head}\trefs/heads/main`]);
  });

  test('unknown repo: answered as a repo the token does not open (401); 404 "repository not found" for the admin', async () => {
    const remote = `${origin()}/git/${NS}/${uniqueName('never')}.git`;
    await expect401Everywhere(remote, {}, 'unknown repo, no credentials');
    await expect401Everywhere(remote, { authorization: `Bearer ${fakeToken()}` }, 'unknown repo, a token');
    const res = await rawInfoRefs(remote, 'git-upload-pack', { token: adminToken() });
    expect(res.status).toBe(404);
    expect(res.text).toMatch(/repository not found/i);
    const r = await git(['ls-remote', remote], { token: fakeToken(), allowFail: true });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/remote: invalid token: not a token of repository .*\n.*403/);
    const c = await git(['clone', remote, 'x'], { cwd: await initRepo('unknown'), token: fakeToken(), allowFail: true });
    expect(c.code).not.toBe(0);
  });

  test.runIf(process.env.ARBOR_E2E_SLOW)('an expired token is refused, and told it expired (waits 62 s)', async () => {
    const { repo } = await repoWithCommit('expiry');
    const short = await createToken(repo, 'read', 60);
    expect((await lsRemote(repo.remote, { token: short.token })).length).toBeGreaterThan(0);
    await sleep(62_000);
    await expect401Everywhere(repo.remote, { authorization: `Bearer ${short.token}` }, 'expired token');
    const res = await rawInfoRefs(repo.remote, 'git-upload-pack', { headers: { authorization: `Bearer ${short.token}` } });
    expect(res.text).toMatch(/^token expired at \d{4}-\d\d-\d\dT[\d:.]+Z: issue a new one/);
    // git shows the server's text on a 401 with Basic credentials: the user learns why
    const ls = await git(['ls-remote', basicAuthUrl(repo.remote, short.token)], { allowFail: true });
    expect(ls.code).not.toBe(0);
    expect(ls.stderr).toMatch(/remote: token expired at /);
  }, 120_000);
});
