// The repository pages' building blocks (src/web): escaping, cookies, return paths, and the
// answers a browser gets without a valid token (the Chromium test covers the pages themselves).
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import worker from '../../../src/index';
import type { Env } from '../../../src/env';
import { Safe, esc, href, html, pageHeaders } from '../../../src/web/html';
import { cookies, safeNext, scopePath, setCookie } from '../../../src/web/session';

const call = (req: Request) => worker.fetch(req, env as unknown as Env, { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext);

describe('html', () => {
  it('escapes every interpolated value, keeps Safe ones, joins arrays', () => {
    const name = `<img src=x onerror="alert('1')">&`;
    expect(html`<a title="${name}">${name}</a>`.text).toBe(
      '<a title="&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;">&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;</a>',
    );
    expect(html`${[html`<b>${'<i>'}</b>`, '<u>']}`.text).toBe('<b>&lt;i&gt;</b>&lt;u&gt;');
    expect(html`${new Safe('<br>')}${null}${undefined}${false}${0}`.text).toBe('<br>0');
    expect(esc('"\'')).toBe('&quot;&#39;');
  });

  it('encodes each path segment (names may hold # ? % and spaces)', () => {
    expect(href('a b/c#d', 'e?f%')).toBe('a%20b/c%23d/e%3Ff%25');
  });

  it('pages allow no script', () => {
    const csp = pageHeaders()['content-security-policy'];
    expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).not.toMatch(/script-src|unsafe/);
  });
});

describe('session', () => {
  it('cookies: first of a name wins (the most specific path), undecodable ones are ignored', () => {
    const req = new Request('http://x/', { headers: { cookie: 'arbor_repo=a%3Fb; arbor_repo=other; bad=%E0%A4%A; arbor_admin=t' } });
    const c = cookies(req);
    expect(c.get('arbor_repo')).toBe('a?b');
    expect(c.get('arbor_admin')).toBe('t');
    expect(c.has('bad')).toBe(false);
  });

  it('the cookie is HttpOnly, SameSite=Strict, path-scoped, Secure only over https', () => {
    const path = scopePath('ns', 'repo');
    expect(path).toBe('/ui/ns/repo/');
    expect(setCookie(new Request('https://a/'), 'arbor_repo', 'arb_v1_x', path)).toBe('arbor_repo=arb_v1_x; Path=/ui/ns/repo/; HttpOnly; SameSite=Strict; Secure');
    expect(setCookie(new Request('http://a/'), 'arbor_admin', 't', scopePath(null, null))).toBe('arbor_admin=t; Path=/ui/; HttpOnly; SameSite=Strict');
  });

  it('a return path stays in its scope (no open redirect)', () => {
    const scope = '/ui/ns/repo/';
    expect(safeNext('/ui/ns/repo/tree/main/src', scope)).toBe('/ui/ns/repo/tree/main/src');
    for (const bad of ['https://evil.example/', '//evil.example/', '/ui/ns/other/', '/ui/ns/repo/..//evil', '/ui/ns/repo/\\evil', null]) {
      expect(safeNext(bad, scope)).toBe(scope);
    }
  });
});

describe('answers without a valid token', () => {
  it('a repository page shows only the sign-in form (401), for a name that does not exist too', async () => {
    const res = await call(new Request('http://arbor.test/ui/ns/nothing-here/tree/main/'));
    expect(res.status).toBe(401);
    const body = await res.text();
    expect(body).toContain('<form class="login" method="post" action="/ui/ns/nothing-here/">');
    expect(body).toContain('name="next" value="/ui/ns/nothing-here/tree/main/"');
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('a made-up token is refused with the reason, and no cookie is set', async () => {
    const form = new URLSearchParams({ token: 'arb_v1_' + '1'.repeat(40), next: '/ui/ns/nothing-here/' });
    const res = await call(new Request('http://arbor.test/ui/ns/nothing-here/', {
      method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
    }));
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('invalid token: not a token of repository ns/nothing-here');
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('a form from another site, or too big, is refused', async () => {
    const post = (headers: Record<string, string>, body: string) =>
      call(new Request('http://arbor.test/ui/', { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } }));
    const cross = await post({ 'sec-fetch-site': 'cross-site' }, 'token=x');
    expect(cross.status).toBe(400);
    await cross.arrayBuffer();
    const big = await post({}, 'token=' + 'x'.repeat(5000));
    expect(big.status).toBe(400);
    expect(await big.text()).toContain('form too large');
  });

  it('the namespace list needs the admin cookie; /ui goes to /ui/ (the cookie path)', async () => {
    const res = await call(new Request('http://arbor.test/ui/ns/'));
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('The namespace pages need the admin token.');
    const bare = await call(new Request('http://arbor.test/ui'));
    expect(bare.status).toBe(303);
    expect(bare.headers.get('location')).toBe('/ui/');
  });
});

describe('logs', () => {
  it('a page request writes one request line, and neither the form token nor the cookie appears in it', async () => {
    const secret = 'arb_v1_' + '7'.repeat(40);
    const lines: string[] = [];
    const orig = console.log;
    console.log = (...a: unknown[]) => { lines.push(a.map(String).join(' ')); };
    try {
      const res = await call(new Request('http://arbor.test/ui/ns/logged/', {
        method: 'POST', body: new URLSearchParams({ token: secret }),
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `arbor_repo=${secret}` },
      }));
      await res.arrayBuffer();
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      console.log = orig;
    }
    const requests = lines.filter((l) => l.includes('"type":"request"'));
    expect(requests).toHaveLength(1);
    expect(JSON.parse(requests[0])).toMatchObject({ repo: 'ns/logged', op: 'POST /ui/:ns/:name', status: 401, tokenId: null });
    expect(lines.join('\n')).not.toContain('7777777777');
  });
});
