// isomorphic-git in a real browser against Arbor (CORS, issue 21). Headless Chromium (Debian's
// package) loads a page served here on 127.0.0.1 that runs isomorphic-git's browser build with its
// web http client and an IndexedDB fs: it clones, commits and pushes to a local Arbor started with
// ARBOR_CORS_ORIGINS set to the page's origin, then reads the branch through the REST API. The git
// CLI then judges the result (clone, fsck --strict, the commit is there). A page from an origin not
// in the list gets nothing: the browser refuses, and the server sent no CORS headers.
// Without Chromium the tests skip with the reason; they never fail for it.
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  PROJECT_ROOT, cloneRepo, commitFiles, createRepo, freePort, fsckStrict, git, gitOut, initRepo, origin, pushAll, revParse, useArbor,
} from './harness';
import { bufferShim, chromiumMissing, launchChromium, serveStatic, type StaticFiles, type StaticServer } from './harness/browser';

const external = Boolean(process.env.ARBOR_E2E_ORIGIN || process.env.ARBOR_E2E_REFERENCE);
const skipReason = external ? 'ARBOR_CORS_ORIGINS cannot be set on an external server' : chromiumMissing();

const pagePort = await freePort();
const pageOrigin = `http://127.0.0.1:${pagePort}`;
useArbor({ worker: !skipReason, vars: { ARBOR_CORS_ORIGINS: `https://elsewhere.example, ${pageOrigin}` } });

const mod = (p: string) => path.join(PROJECT_ROOT, 'node_modules', p);
const FILES: StaticFiles = {
  '/': path.join(PROJECT_ROOT, 'test/fixtures/browser/index.html'),
  '/app.js': path.join(PROJECT_ROOT, 'test/fixtures/browser/app.js'),
  '/isomorphic-git.js': mod('isomorphic-git/index.umd.min.js'),
  '/http-web.js': mod('isomorphic-git/http/web/index.umd.js'),
  '/lightning-fs.js': mod('@isomorphic-git/lightning-fs/dist/lightning-fs.min.js'),
  '/favicon.ico': { body: '', type: '.ico' }, // so the page's console has no 404 of its own
};

let browser: Browser | undefined;
let allowedSite: StaticServer | undefined;
let otherSite: StaticServer | undefined;
const pageErrors: string[] = [];

async function openPage(site: StaticServer): Promise<Page> {
  const page = await browser!.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });
  await page.goto(site.origin + '/');
  await page.waitForFunction(() => typeof (globalThis as any).arborClonePushed === 'function' && typeof (globalThis as any).git === 'object');
  return page;
}

describe.skipIf(skipReason)(`isomorphic-git in headless Chromium${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  beforeAll(async () => {
    FILES['/buffer.js'] = await bufferShim();
    allowedSite = await serveStatic(FILES, pagePort);
    otherSite = await serveStatic(FILES); // another port: another origin, not in the list
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await allowedSite?.close();
    await otherSite?.close();
  });

  test('clone, commit and push from the page; the git CLI finds the commit and fsck --strict passes', async () => {
    const repo = await createRepo('browser');
    const local = await initRepo('browser-seed');
    await commitFiles(local, { 'README.md': '# seeded by the git CLI\n', 'src/a.txt': 'a\n' }, 'seed');
    await commitFiles(local, { 'src/b.txt': 'b\n' }, 'second');
    await pushAll(local, repo.remote, repo.token);
    const seeded = await revParse(local, 'main');

    const page = await openPage(allowedSite!);
    const api = `${origin()}/v1/repos/${repo.namespace}/${repo.name}/refs`;
    const out = await page.evaluate((args) => (globalThis as any).arborClonePushed(args), {
      remote: repo.remote, api, token: repo.token, branch: 'main', fsName: `fs-${repo.name}`,
    });
    expect(pageErrors).toEqual([]);
    expect(out.cloned).toBe(seeded);
    expect(out.before.sort()).toEqual(['.git', 'README.md', 'src']);
    expect(out.push.ok).toBe(true);
    expect(out.push.refs['refs/heads/main']).toMatchObject({ ok: true });
    expect(out.refsStatus).toBe(200);
    expect(out.refs.head.sha).toBe(out.commit);
    await page.close();

    // The judges: a fresh CLI clone has the browser's commit on top of the seed, and is sound.
    const { dir } = await cloneRepo(repo.remote, { token: repo.token, label: 'browser-check' });
    await fsckStrict(dir);
    expect(await revParse(dir, 'HEAD')).toBe(out.commit);
    expect(await revParse(dir, 'HEAD^')).toBe(seeded);
    expect(await gitOut(dir, ['log', '-1', '--format=%an <%ae>%n%s'])).toBe('Browser User <browser@example.com>\ncommit from the browser');
    expect(await gitOut(dir, ['show', 'HEAD:from-browser.txt'])).toBe('written by isomorphic-git in Chromium');
    expect((await gitOut(dir, ['ls-tree', '-r', '--name-only', 'HEAD'])).split('\n').sort()).toEqual(['README.md', 'from-browser.txt', 'src/a.txt', 'src/b.txt']);
    await git(['count-objects'], { cwd: dir });
  });

  test('a page from an origin not in ARBOR_CORS_ORIGINS is refused by the browser; the server sends it no CORS headers', async () => {
    const repo = await createRepo('browser-denied');
    const local = await initRepo('browser-denied-seed');
    await commitFiles(local, { 'a.txt': 'a\n' }, 'seed');
    await pushAll(local, repo.remote, repo.token);

    const page = await openPage(otherSite!);
    const infoRefs = `${repo.remote}/info/refs?service=git-upload-pack`;
    const tried = await page.evaluate((args) => (globalThis as any).arborTryFetch(args), { url: infoRefs, token: repo.token });
    expect(tried.error).toMatch(/TypeError|Failed to fetch/);
    const cloned = await page.evaluate((args) => (globalThis as any).arborTryClone(args), { remote: repo.remote, token: repo.token, fsName: `fs-denied-${repo.name}` });
    expect(cloned.ok).toBe(false);
    await page.close();

    // What the browser saw, asked directly: the preflight is refused and carries no CORS header,
    // and neither does the real answer (which the server still gives a CORS-less client).
    const pre = await fetch(infoRefs, {
      method: 'OPTIONS',
      headers: { origin: otherSite!.origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    expect(pre.status).toBe(403);
    await pre.arrayBuffer();
    expect([...pre.headers.keys()].filter((k) => k.startsWith('access-control-'))).toEqual([]);
    const real = await fetch(infoRefs, { headers: { origin: otherSite!.origin, authorization: `Bearer ${repo.token}` } });
    expect(real.status).toBe(200);
    await real.arrayBuffer();
    expect([...real.headers.keys()].filter((k) => k.startsWith('access-control-'))).toEqual([]);
    // The allowed origin, for contrast, gets the preflight through.
    const ok = await fetch(infoRefs, {
      method: 'OPTIONS',
      headers: { origin: pageOrigin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(pageOrigin);
  });
});
