// SSRF guards (src/net): loopback, private, link-local, CGNAT, multicast/reserved, mapped IPv6
// and local host names are refused in every spelling the URL parser accepts; redirects are
// followed by hand, every hop re-checked, the caller's headers dropped once the origin changes,
// at most MAX_REDIRECTS hops. Also through the import client (fetchRemote) and webhook input and
// delivery. Runs in workerd, so `new URL` is the runtime's own parser.
import { describe, expect, it } from 'vitest';
import { hostProblem, parseIPv4, parseIPv6 } from '../../../src/net/address';
import { DestinationError, MAX_REDIRECTS, destinationProblem, outboundFetch, privateNetworksAllowed } from '../../../src/net/outbound';
import { fetchRemote } from '../../../src/import/run';
import { ImportError } from '../../../src/import/errors';
import { checkWebhookInput } from '../../../src/service/webhook-input';
import { attempt } from '../../../src/repo/webhook-delivery';
import { withStore } from '../storage/helpers';

const refused = (u: string) => destinationProblem(new URL(u), false);

describe('destinations', () => {
  it('refuses loopback, private, link-local, CGNAT, reserved and mapped addresses in any spelling', () => {
    const bad = [
      'http://127.0.0.1/', 'http://127.9.9.9:8080/x', 'http://2130706433/', 'http://0x7f000001/', 'http://0177.0.0.1/', 'http://127.1/',
      'http://0x7f.1/', 'http://127.0.0.1./', 'http://[::1]/', 'http://[0:0:0:0:0:0:0:1]/', 'http://[::ffff:127.0.0.1]/', 'http://[::ffff:7f00:1]/',
      'http://[::ffff:169.254.169.254]/', 'http://[::127.0.0.1]/', 'http://[::8.8.8.8]/', 'http://[::]/', 'http://0.0.0.0/', 'http://0/',
      'http://localhost/', 'http://LOCALHOST./', 'http://api.localhost/', 'http://printer.local/', 'http://metadata.google.internal/',
      'http://169.254.169.254/latest/meta-data/', 'http://[fe80::1]/', 'http://[febf::1]/', 'http://[fd00::1]/', 'http://[fc00::1]/',
      'http://10.1.2.3/', 'http://172.16.0.1/', 'http://172.31.255.255/', 'http://192.168.1.1/', 'http://100.64.0.1/', 'http://100.127.255.255/',
      'http://224.0.0.1/', 'http://239.255.255.250/', 'http://240.0.0.1/', 'http://255.255.255.255/', 'http://[ff02::1]/', 'http://198.18.0.1/',
      'http://192.0.2.1/', 'http://[2002:7f00:1::]/', 'http://[64:ff9b::a9fe:a9fe]/', 'http://[2001:db8::1]/', 'http://[2001::1]/',
      'https://user:pw@example.com/', 'ftp://example.com/', 'file:///etc/passwd',
    ];
    for (const u of bad) expect(refused(u), u).not.toBeNull();
    const good = [
      'https://example.com/', 'http://8.8.8.8/', 'http://172.32.0.1/', 'http://172.15.255.255/', 'http://100.128.0.1/', 'http://192.169.0.1/',
      'http://[2606:4700:4700::1111]/', 'http://[64:ff9b::808:808]/', 'http://[2002:808:808::]/', 'http://localhost.example.com/', 'https://github.com:443/o/r.git',
      'http://11.0.0.1/', 'http://169.253.0.1/',
    ];
    for (const u of good) expect(refused(u), u).toBeNull();
    expect(refused('http://[::ffff:127.0.0.1]/')).toMatch(/IPv4-mapped/);
    expect(refused('http://169.254.169.254/')).toBe('169.254.169.254 is a link-local address: requests to private networks are refused');
    expect(destinationProblem(new URL('http://127.0.0.1/'), true)).toBeNull(); // ARBOR_ALLOW_PRIVATE_NETWORKS=1
    expect(destinationProblem(new URL('ftp://127.0.0.1/'), true)).not.toBeNull();
  });

  it('parses every IPv4 and IPv6 spelling itself too (not only after the URL parser)', () => {
    expect(['127.0.0.1', '2130706433', '0x7f000001', '017700000001', '127.1', '0x7f.0.0.1', '0177.0.0.01', '127.0.1'].map(parseIPv4)).toEqual(
      [0x7f000001, 0x7f000001, 0x7f000001, 0x7f000001, 0x7f000001, 0x7f000001, 0x7f000001, 0x7f000001],
    );
    for (const x of ['256.0.0.1', '1.2.3.4.5', '08.1.1.1', 'a.b.c.d', '4294967296', '']) expect(parseIPv4(x), x).toBeNull();
    expect(parseIPv6('[::ffff:127.0.0.1]')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]);
    expect(parseIPv6('1:2:3:4:5:6:7:8')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(parseIPv6('fe80::')).toEqual([0xfe80, 0, 0, 0, 0, 0, 0, 0]);
    for (const x of ['1::2::3', '1:2:3:4:5:6:7', '12345::', ':1::', '::1.2.3', '1:2:3:4:5:6:7:8:9']) expect(parseIPv6(x), x).toBeNull();
    for (const h of ['0x7f.1', '017700000001', '::ffff:7f00:1', 'LocalHost']) expect(hostProblem(h), h).not.toBeNull();
  });

  it('the setting is off unless set to 1/true/yes', () => {
    expect([undefined, '', '0', 'false', 'no'].map((v) => privateNetworksAllowed({ ARBOR_ALLOW_PRIVATE_NETWORKS: v }))).toEqual([false, false, false, false, false]);
    expect(['1', 'true', 'YES'].map((v) => privateNetworksAllowed({ ARBOR_ALLOW_PRIVATE_NETWORKS: v }))).toEqual([true, true, true]);
  });
});

type Seen = { url: string; method: string; headers: Record<string, string>; redirect: string | undefined };

/** A fake network: `routes` maps a URL to [status, location?]; every request is recorded. */
function network(routes: Record<string, [number, string?]>) {
  const seen: Seen[] = [];
  const fetchFn = async (input: string, init: RequestInit): Promise<Response> => {
    seen.push({ url: input, method: String(init.method), headers: Object.fromEntries(new Headers(init.headers).entries()), redirect: init.redirect });
    const [status, location] = routes[input] ?? [200];
    return new Response(status === 200 ? 'ok' : null, { status, headers: location ? { location } : {} });
  };
  return { seen, fetch: fetchFn };
}

describe('outboundFetch', () => {
  const get = { method: 'GET' as const, headers: { accept: '*/*' }, callerHeaders: { authorization: 'Bearer secret' } };

  it('re-checks every redirect hop and refuses one into a private network', async () => {
    const n = network({ 'https://a.example/x': [302, 'http://169.254.169.254/latest/meta-data/'] });
    const e = await outboundFetch(new URL('https://a.example/x'), get, { allowPrivate: false, fetch: n.fetch }).catch((x) => x);
    expect(e).toBeInstanceOf(DestinationError);
    expect(e.message).toMatch(/^redirected to a refused destination: 169\.254\.169\.254 is a link-local address/);
    expect(n.seen.map((s) => s.url)).toEqual(['https://a.example/x']); // the metadata service was never asked
    expect(n.seen[0].redirect).toBe('manual');
    const n2 = network({ 'https://a.example/x': [301, '//[::ffff:127.0.0.1]:8080/y'] });
    await expect(outboundFetch(new URL('https://a.example/x'), get, { allowPrivate: false, fetch: n2.fetch })).rejects.toThrow(/IPv4-mapped/);
  });

  it('sends the caller headers only to the origin the caller named, never again once it changed', async () => {
    const n = network({
      'https://a.example/x': [302, '/y'],
      'https://a.example/y': [307, 'https://b.example/z'],
      'https://b.example/z': [308, 'https://a.example/back'],
    });
    const { url } = await outboundFetch(new URL('https://a.example/x'), get, { allowPrivate: false, fetch: n.fetch });
    expect(url.href).toBe('https://a.example/back');
    expect(n.seen.map((s) => [s.url, s.headers.authorization ?? null, s.headers.accept])).toEqual([
      ['https://a.example/x', 'Bearer secret', '*/*'],
      ['https://a.example/y', 'Bearer secret', '*/*'],
      ['https://b.example/z', null, '*/*'],
      ['https://a.example/back', null, '*/*'],
    ]);
  });

  it('stops after MAX_REDIRECTS hops, and does not follow a POST', async () => {
    const routes: Record<string, [number, string?]> = {};
    for (let i = 0; i < 10; i++) routes[`https://a.example/${i}`] = [302, `/${i + 1}`];
    const n = network(routes);
    await expect(outboundFetch(new URL('https://a.example/0'), get, { allowPrivate: false, fetch: n.fetch })).rejects.toThrow(`more than ${MAX_REDIRECTS} redirects`);
    expect(n.seen.length).toBe(MAX_REDIRECTS + 1);
    const p = network({ 'https://a.example/0': [307, '/1'] });
    const { res } = await outboundFetch(new URL('https://a.example/0'), { ...get, method: 'POST', body: 'x' }, { allowPrivate: false, fetch: p.fetch });
    expect(res.status).toBe(307);
    expect(p.seen.length).toBe(1);
  });

  it('with the setting, private destinations are reached (local tests), still hop by hop', async () => {
    const n = network({ 'http://127.0.0.1:9/x': [302, 'http://localhost:9/y'] });
    const { url } = await outboundFetch(new URL('http://127.0.0.1:9/x'), get, { allowPrivate: true, fetch: n.fetch });
    expect(url.href).toBe('http://localhost:9/y');
  });
});

describe('import and webhooks use it', () => {
  it('an import whose discovery redirects to a private address fails without asking it; errors carry no runtime detail', async () => {
    const n = network({ 'https://git.example/o/r.git/info/refs?service=git-upload-pack': [302, 'http://10.0.0.5/o/r.git/info/refs?service=git-upload-pack'] });
    await withStore('ssrf-import', async (store) => {
      const e = await fetchRemote(store, { url: new URL('https://git.example/o/r.git'), headers: { Authorization: 'Bearer s3cret' }, fetch: n.fetch as typeof fetch }).catch((x) => x);
      expect(e).toBeInstanceOf(ImportError);
      expect(e.code).toBe('upstream_error');
      expect(e.message).toMatch(/redirected to a refused destination: 10\.0\.0\.5 is a private address/);
      expect(n.seen.length).toBe(1);
      const failing = (async () => {
        throw new TypeError('connect ECONNREFUSED 203.0.113.9:2375');
      }) as unknown as typeof fetch;
      const u = await fetchRemote(store, { url: new URL('https://git.example/o/r.git'), headers: {}, fetch: failing }).catch((x) => x);
      expect(u.code).toBe('upstream_unreachable');
      expect(u.message).toBe('cannot reach https://git.example/o/r.git');
      const html = (async () => new Response('<html>', { headers: { 'content-type': 'text/html; charset=utf-8' } })) as unknown as typeof fetch;
      const h = await fetchRemote(store, { url: new URL('https://git.example/o/r.git'), headers: {}, fetch: html }).catch((x) => x);
      expect(h.code).toBe('upstream_not_git');
      expect(h.message).not.toMatch(/html/);
    });
  });

  it('webhooks: a private URL is refused when created and not sent to when delivered', async () => {
    for (const url of ['http://169.254.169.254/latest', 'http://[::ffff:10.0.0.1]/', 'http://localhost:9/h', 'http://2130706433/']) {
      expect(() => checkWebhookInput({ url, secret: 's' }), url).toThrow(/requests to private networks are refused/);
      expect(checkWebhookInput({ url, secret: 's' }, true).url).toBe(new URL(url).href);
    }
    let sent = 0;
    const send = async () => (sent++, new Response(null, { status: 204 }));
    const due = { seq: 1, id: 'd', webhookId: 'wh_0', url: 'http://169.254.169.254/x', secret: 's', event: 'ping', body: '{}', attempts: 0, nextAt: 0 };
    const r = await attempt(due as never, 1000, send);
    expect(r).toEqual({ ok: false, status: null, error: 'not sent: 169.254.169.254 is a link-local address: requests to private networks are refused' });
    expect(sent).toBe(0);
    expect((await attempt(due as never, 1000, send, true)).ok).toBe(true);
    expect(sent).toBe(1);
  });
});
