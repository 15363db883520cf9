// The repository pages for people (issue 21), in headless Chromium: sign in with a token (kept in
// an HttpOnly, SameSite=Strict, path-scoped cookie, never in a URL), browse the files, read a
// file, the commit log and a commit's diff. Screenshots are taken and checked (the diff's added
// and removed lines show in their colours). A file whose name and content try to inject markup
// is shown as text. Without Chromium the tests skip with the reason.
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  NS, PROJECT_ROOT, adminToken, commitFiles, createRepo, createToken, initRepo, origin, pushAll, revParse, useArbor, type RepoInfo,
} from './harness';
import { chromiumMissing, launchChromium } from './harness/browser';
import { countColour, readPng } from './harness/png';

const skipReason = chromiumMissing();
useArbor({ worker: !skipReason });

const XSS_NAME = '<img src=x onerror="window.__pwned=1">.txt';
const XSS_BODY = '<script>window.__pwned=2</script>\n"quoted" & <b>bold</b>\n';
const SHOTS = path.join(PROJECT_ROOT, '.tmp', 'screenshots');

let browser: Browser | undefined;
let repo: RepoInfo;
let first: string;
let head: string;
const pageErrors: string[] = [];

async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser!.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('dialog', (d) => { pageErrors.push(`dialog: ${d.message()}`); void d.dismiss(); });
  return { context, page };
}

async function signIn(page: Page, url: string, token: string): Promise<void> {
  const res = await page.goto(url);
  expect(res!.status()).toBe(401);
  await page.fill('input[name=token]', token);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
}

async function shot(page: Page, name: string): Promise<Buffer> {
  await mkdir(SHOTS, { recursive: true });
  const png = await page.screenshot({ fullPage: true });
  await writeFile(path.join(SHOTS, name), png);
  return png;
}

describe.skipIf(skipReason)(`repository pages in headless Chromium${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  beforeAll(async () => {
    repo = await createRepo('web');
    const local = await initRepo('web-seed');
    first = await commitFiles(local, { 'README.md': '# Web view\n', 'src/a.txt': 'one\ntwo\nthree\n' }, 'first commit');
    head = await commitFiles(local, { 'src/a.txt': 'one\nTWO\nthree\nfour\n', [XSS_NAME]: XSS_BODY }, 'second: <b>not bold</b>');
    await pushAll(local, repo.remote, repo.token);
    expect(await revParse(local, 'HEAD')).toBe(head);
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  test('sign in with a read token: the cookie is HttpOnly, SameSite=Strict, scoped to the repository, never in a URL', async () => {
    const read = await createToken(repo, 'read');
    const { context, page } = await newPage();
    const home = `${origin()}/ui/${NS}/${repo.name}/`;
    await signIn(page, home, read.token);
    expect(page.url()).toBe(home);
    expect(page.url()).not.toContain('arb_');
    const cookies = await context.cookies();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ name: 'arbor_repo', httpOnly: true, sameSite: 'Strict', path: `/ui/${NS}/${repo.name}/` });
    expect(await page.evaluate(() => (globalThis as any).document.cookie)).toBe(''); // no script can read it
    // The files at HEAD: directories first, the injected name shown as text.
    const rows = await page.$$eval('#tree tr', (trs) => trs.map((tr) => tr.textContent!.trim()));
    expect(rows[0]).toMatch(/src\/$/);
    expect(rows.some((r) => r.includes(XSS_NAME))).toBe(true);
    expect(await page.$$eval('#branches a', (as) => as.map((a) => a.textContent))).toEqual(['main']);
    expect(await page.$$('img')).toHaveLength(0);
    await shot(page, 'repo-home.png');
    // Another repository's page does not get this cookie.
    const other = await page.goto(`${origin()}/ui/${NS}/not-${repo.name}/`);
    expect(other!.status()).toBe(401);
    // Signing out drops the cookie: the next page asks again.
    await page.goto(home);
    await Promise.all([page.waitForNavigation(), page.click('form.signout button')]);
    expect(await context.cookies()).toEqual([]);
    expect(await page.$$('form.login')).toHaveLength(1);
    await context.close();
  });

  test('a file whose name and content are markup is shown as text; nothing runs', async () => {
    const { context, page } = await newPage();
    await signIn(page, `${origin()}/ui/${NS}/${repo.name}/`, repo.token);
    await Promise.all([page.waitForNavigation(), page.click(`#tree a:text-is(${JSON.stringify(XSS_NAME)})`)]);
    expect(await page.textContent('#content')).toBe(`1${XSS_BODY.split('\n')[0]}\n2${XSS_BODY.split('\n')[1]}\n`);
    expect(await page.$$('script, img, b')).toHaveLength(0);
    expect(await page.evaluate(() => (globalThis as any).__pwned)).toBeUndefined();
    expect(await page.title()).toContain(XSS_NAME);
    const csp = (await page.goto(page.url()))!.headers()['content-security-policy'];
    expect(csp).toMatch(/default-src 'none'/);
    expect(pageErrors).toEqual([]);
    await shot(page, 'repo-file.png');
    // The file's history: only the commit that added it.
    await Promise.all([page.waitForNavigation(), page.click('a:text-is("history")')]);
    expect(await page.$$eval('#log .subject', (e) => e.map((x) => x.textContent))).toEqual(['second: <b>not bold</b>']);
    await context.close();
  });

  test('the commit log and a commit diff with added and removed lines (screenshot checked)', async () => {
    const { context, page } = await newPage();
    await signIn(page, `${origin()}/ui/${NS}/${repo.name}/`, repo.token);
    await Promise.all([page.waitForNavigation(), page.click('nav.tabs a:text-is("Commits")')]);
    const log = await page.$$eval('#log tr', (trs) => trs.map((tr) => [tr.querySelector('a')!.textContent, tr.querySelector('.subject')!.textContent]));
    expect(log).toEqual([[head.slice(0, 12), 'second: <b>not bold</b>'], [first.slice(0, 12), 'first commit']]);
    await Promise.all([page.waitForNavigation(), page.click(`#log a:text-is("${head.slice(0, 12)}")`)]);
    expect(page.url()).toBe(`${origin()}/ui/${NS}/${repo.name}/commit/${head}`);
    expect(await page.textContent('#subject')).toBe('second: <b>not bold</b>');
    expect(await page.textContent('#stat')).toBe('2 files changed, 4 additions, 1 deletions');
    const files = await page.$$eval('#files tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent!.trim()).join(' ')));
    expect(files).toEqual([`A ${XSS_NAME} +2 -0`, 'M src/a.txt +2 -1']);
    expect(await page.$$eval('.diff .add', (e) => e.map((x) => x.textContent))).toEqual(['+<script>window.__pwned=2</script>', '+"quoted" & <b>bold</b>', '+TWO', '+four']);
    expect(await page.$$eval('.diff .del', (e) => e.map((x) => x.textContent))).toEqual(['-two']);
    expect(await page.$$eval('.diff .hunk', (e) => e.length)).toBe(2);
    expect(await page.$$('script, img, b')).toHaveLength(0);
    const png = readPng(await shot(page, 'repo-commit.png'));
    expect(png.width).toBe(1100);
    expect(countColour(png, '#dafbe1')).toBeGreaterThan(1000); // the added lines' green
    expect(countColour(png, '#ffebe9')).toBeGreaterThan(200); // the removed line's red
    expect(countColour(png, '#ddf4ff')).toBeGreaterThan(200); // hunk headers
    // The root commit lists what it added.
    await page.goto(`${origin()}/ui/${NS}/${repo.name}/commit/${first}`);
    expect(await page.$$eval('#files li', (e) => e.map((x) => x.textContent))).toEqual(['README.md', 'src/a.txt']);
    expect(pageErrors).toEqual([]);
    await context.close();
  });

  test('a wrong token is refused with the reason; pages without a cookie show only the form', async () => {
    const other = await createRepo('web-other');
    const { context, page } = await newPage();
    const res = await page.goto(`${origin()}/ui/${NS}/${repo.name}/tree/main/src`);
    expect(res!.status()).toBe(401);
    expect(await page.$$('#tree')).toHaveLength(0);
    await page.fill('input[name=token]', other.token);
    const [nav] = await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    expect(nav!.status()).toBe(401);
    expect(await page.textContent('#problem')).toMatch(/not valid for|invalid token/);
    expect(await context.cookies()).toEqual([]);
    // The right token brings the reader back to the page first asked for.
    await page.fill('input[name=token]', repo.token);
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    expect(page.url()).toBe(`${origin()}/ui/${NS}/${repo.name}/tree/main/src`);
    expect(await page.$$eval('#tree a', (as) => as.map((a) => a.textContent))).toEqual(['..', 'a.txt']);
    await context.close();
  });

  test('the namespace pages need the admin token; a repository token is not enough', async () => {
    const { context, page } = await newPage();
    await signIn(page, `${origin()}/ui/${NS}/`, repo.token);
    expect(await page.textContent('#problem')).toBe('invalid admin token');
    await page.fill('input[name=token]', adminToken());
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    expect(page.url()).toBe(`${origin()}/ui/${NS}/`);
    const names = await page.$$eval('#repos a', (as) => as.map((a) => a.textContent));
    expect(names).toContain(repo.name);
    const cookies = await context.cookies();
    expect(cookies.map((c) => [c.name, c.path, c.httpOnly, c.sameSite])).toEqual([['arbor_admin', '/ui/', true, 'Strict']]);
    // The admin cookie opens every repository's pages.
    await Promise.all([page.waitForNavigation(), page.click(`#repos a:text-is("${repo.name}")`)]);
    expect(await page.$$('#tree')).toHaveLength(1);
    await shot(page, 'namespace-repo.png');
    // A form posted from another site is refused (login CSRF).
    const forged = await fetch(`${origin()}/ui/`, {
      method: 'POST', redirect: 'manual',
      headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${encodeURIComponent(adminToken())}`,
    });
    expect(forged.status).toBe(400);
    expect(forged.headers.get('set-cookie')).toBeNull();
    await forged.arrayBuffer();
    await context.close();
  });
});
