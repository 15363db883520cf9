// What the git CLI tells a user whose credential is refused (issue 21): why, in all three ways of
// giving git a token — an `Authorization: Bearer` header (http.extraHeader), the token as the
// password in the URL (Basic), and a credential helper (Basic, as the README shows). The reasons:
// not an Arbor token, a token of another repository (or revoked), an expired token. git prints a
// refusal's text/plain body as `remote: ...` (for a 401 only when it sent Basic credentials
// itself, hence a 403 for a refused Bearer header), and on a 401 it tells the helper to forget
// the credential.
import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  NS, basicAuthUrl, commitFiles, createRepo, createToken, git, initRepo, pushAll, sleep, tmpDir, useArbor, type GitOptions, type RepoInfo, type TokenInfo,
} from './harness';

useArbor();

let repo: RepoInfo;
let other: RepoInfo;
let src: string;
let short: TokenInfo;
let shortIssued = 0;

const NOT_A_TOKEN = 'remote: invalid token: not an Arbor token (they start with arb_v1_; was it copied whole?)';
const notThisRepo = () => `remote: invalid token: not a token of repository ${NS}/${repo.name} (a token of another repository, or revoked)`;
const EXPIRED = /remote: token expired at \d{4}-\d\d-\d\dT[\d:.]+Z: issue a new one/;

type Flow = 'header' | 'url' | 'helper';

/** git's URL and options for `token` given the `flow` way; for 'helper', the store file too. */
async function given(flow: Flow, token: string): Promise<{ url: string; opts: GitOptions; store?: string }> {
  if (flow === 'header') return { url: repo.remote, opts: { token } };
  if (flow === 'url') return { url: basicAuthUrl(repo.remote, token), opts: {} };
  const store = path.join(await tmpDir('cred'), 'store');
  const u = new URL(repo.remote);
  await writeFile(store, `${u.protocol}//x:${encodeURIComponent(token)}@${u.host}\n`);
  return { url: repo.remote, opts: { config: { 'credential.helper': `store --file=${store}` } }, store };
}

async function refused(flow: Flow, token: string, op: 'ls-remote' | 'push'): Promise<{ stderr: string; store?: string }> {
  const g = await given(flow, token);
  const args = op === 'ls-remote' ? ['ls-remote', g.url] : ['push', g.url, 'main:refs/heads/nope'];
  const r = await git(args, { ...g.opts, cwd: src, allowFail: true });
  expect(r.code, r.stderr).not.toBe(0);
  // The last line: why git gave up. A header's refusal is a 403; Basic ones a failed authentication.
  const fatal = flow === 'header' ? /fatal: unable to access '.*': The requested URL returned error: 403\n$/ : /fatal: Authentication failed for '.*'\n$/;
  expect(r.stderr).toMatch(fatal);
  expect(r.stderr).not.toMatch(/could not read Username/);
  return { stderr: r.stderr, store: g.store };
}

describe('git shows why a credential was refused', () => {
  beforeAll(async () => {
    repo = await createRepo('authmsg');
    other = await createRepo('authmsg-other');
    short = await createToken(repo, 'read', 60); // expires while the other tests run
    shortIssued = Date.now();
    src = await initRepo('authmsg-src');
    await commitFiles(src, { 'a.txt': 'a\n' }, 'a');
    await pushAll(src, repo.remote, repo.token);
  });

  test.each(['header', 'url', 'helper'] as const)('the right token works given as %s', async (flow) => {
    const g = await given(flow, repo.token);
    const r = await git(['ls-remote', g.url], g.opts);
    expect(r.stdout).toMatch(/\trefs\/heads\/main\n/);
  });

  test.each(['header', 'url', 'helper'] as const)('not an Arbor token (%s): ls-remote and push say so', async (flow) => {
    for (const op of ['ls-remote', 'push'] as const) {
      const { stderr } = await refused(flow, 'arb_v1_0123456789', op);
      expect(stderr).toContain(NOT_A_TOKEN);
    }
  });

  test.each(['header', 'url', 'helper'] as const)("another repository's token (%s): named as not a token of this repository", async (flow) => {
    for (const op of ['ls-remote', 'push'] as const) {
      const { stderr, store } = await refused(flow, other.token, op);
      expect(stderr).toContain(notThisRepo());
      // git told the helper to forget the refused credential (a 401 with Basic credentials).
      if (store) expect(await readFile(store, 'utf8')).toBe('');
    }
  });

  test('a read token pushing is told it is read-only, in all three ways', async () => {
    const read = await createToken(repo, 'read', 3600);
    for (const flow of ['header', 'url', 'helper'] as const) {
      const g = await given(flow, read.token);
      const r = await git(['push', g.url, 'main:refs/heads/nope'], { ...g.opts, cwd: src, allowFail: true });
      expect(r.code).not.toBe(0);
      expect(r.stderr, flow).toContain('remote: this token is read-only: pushing needs a write token');
      expect(r.stderr, flow).toMatch(/returned error: 403/);
    }
  });

  test.each(['header', 'url', 'helper'] as const)('an expired token (%s) is told it expired', async (flow) => {
    const wait = shortIssued + 62_000 - Date.now();
    if (wait > 0) await sleep(wait);
    for (const op of ['ls-remote', 'push'] as const) {
      const { stderr, store } = await refused(flow, short.token, op);
      expect(stderr).toMatch(EXPIRED);
      if (store) expect(await readFile(store, 'utf8')).toBe('');
    }
  }, 120_000);
});
