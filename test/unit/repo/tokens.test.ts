// Repo tokens as the big hosts keep them (src/auth/tokens.ts, src/repo/token-store.ts, auth.ts):
// a checksum a secret scanner verifies offline, old checksum-less tokens still valid, a name,
// a coarse last-used time, "expired" told apart from "invalid", long-expired rows purged.
// Inside workerd, through the Worker's own routes; rows are aged by hand in the DO's SQLite.
import { env, exports } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, test } from 'vitest';
import { sha256Hex, tokenChecksum, tokenSecret } from '../../../src/auth/tokens';
import { crc32 } from '../../../src/pack';
import { LAST_USED_GRANULARITY_S, PURGE_AFTER_S } from '../../../src/repo/token-store';

const worker = (exports as unknown as { default: { fetch(input: string | Request, init?: RequestInit): Promise<Response> } }).default;
const ADMIN = 'test-admin-token';
const REPO = (env as unknown as { REPO: DurableObjectNamespace }).REPO;
const uid = () => crypto.randomUUID().slice(0, 8);

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any; text: string }> {
  const headers: Record<string, string> = { authorization: `Bearer ${ADMIN}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await worker.fetch(`http://x${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json: any;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, json, text };
}

async function infoRefs(ns: string, token: string): Promise<{ status: number; text: string }> {
  const res = await worker.fetch(`http://x/git/${ns}/r.git/info/refs?service=git-upload-pack`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, text: await res.text() };
}

/** Runs SQL in the repository's Durable Object (to age rows, as time would). */
async function sql<T = Record<string, SqlStorageValue>>(ns: string, query: string, ...args: SqlStorageValue[]): Promise<T[]> {
  return runInDurableObject(REPO.get(REPO.idFromName(`${ns}/r`)), (_i, state) => state.storage.sql.exec(query, ...args).toArray() as T[]);
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The checksum as a scanner would compute it, with an independent CRC-32 (the pack layer's). */
function scannerChecksum(body: string): string {
  let n = crc32(new TextEncoder().encode(body)) >>> 0;
  let s = '';
  for (let i = 0; i < 6; i++, n = Math.floor(n / 62)) s = BASE62[n % 62] + s;
  return s;
}

async function repo(): Promise<{ ns: string; token: string }> {
  const ns = `tokx-${uid()}`;
  const r = await api('POST', `/v1/repos/${ns}/r`);
  expect(r.status).toBe(201);
  return { ns, token: r.json.token };
}

describe('token format', () => {
  test('arb_v1_<40 hex><6 base62 CRC-32>?expires=<unix>: a scanner can verify it offline', async () => {
    const { ns, token } = await repo();
    const m = /^(arb_v1_[0-9a-f]{40})([0-9A-Za-z]{6})\?expires=(\d+)$/.exec(token);
    expect(m, token).not.toBeNull();
    expect(m![2]).toBe(scannerChecksum(m![1]));
    expect(tokenChecksum(m![1])).toBe(m![2]);
    const t = await api('POST', `/v1/repos/${ns}/r/tokens`, { scope: 'read', ttlSeconds: 600 });
    const n = /^(arb_v1_[0-9a-f]{40})([0-9A-Za-z]{6})\?expires=\d+$/.exec(t.json.token);
    expect(n![2]).toBe(scannerChecksum(n![1]));
    // a one-character typo in the checksum (or the body) is refused before any lookup
    const bad = m![1] + (m![2][0] === 'a' ? 'b' : 'a') + m![2].slice(1);
    expect(tokenSecret(bad)).toBeNull();
    expect(tokenSecret(m![1].slice(0, -1) + (m![1].endsWith('0') ? '1' : '0') + m![2])).toBeNull();
    expect((await infoRefs(ns, bad)).status).toBe(403);
    expect(tokenSecret(token)).toBe(m![1] + m![2]);
    expect(tokenSecret(`${m![1]}${m![2]}x`)).toBeNull();
    expect(tokenChecksum('arb_v1_' + '0'.repeat(40))).toBe(scannerChecksum('arb_v1_' + '0'.repeat(40)));
  });

  test('a token issued before the checksum (arb_v1_<40 hex>) still works', async () => {
    const { ns } = await repo();
    const legacy = 'arb_v1_' + 'ab'.repeat(20);
    const exp = Math.floor(Date.now() / 1000) + 600;
    await sql(ns, `INSERT INTO tokens (id, hash, scope, expires_at, created_at, repo) VALUES ('tok_00000000000000aa', ?, 'read', ?, ?, ?)`,
      sha256Hex(legacy), exp, exp - 600, `${ns}/r`);
    expect(tokenSecret(`${legacy}?expires=${exp}`)).toBe(legacy);
    expect((await infoRefs(ns, `${legacy}?expires=${exp}`)).status).toBe(200);
    expect((await infoRefs(ns, legacy)).status).toBe(200);
  });
});

describe('name, last use, expiry, purge', () => {
  test('a name is kept and listed; bad names are refused', async () => {
    const { ns } = await repo();
    const t = await api('POST', `/v1/repos/${ns}/r/tokens`, { scope: 'read', ttlSeconds: 600, name: 'CI: nightly mirror ✓' });
    expect(t.status, t.text).toBe(201);
    expect(t.json).toMatchObject({ scope: 'read', name: 'CI: nightly mirror ✓' });
    const list = (await api('GET', `/v1/repos/${ns}/r/tokens`)).json.tokens;
    expect(list.find((x: any) => x.id === t.json.id).name).toBe('CI: nightly mirror ✓');
    expect(list.find((x: any) => x.id !== t.json.id).name).toBeNull(); // the create token has none
    for (const name of ['', '   ', 'x'.repeat(101), 'a\nb', 5]) {
      const r = await api('POST', `/v1/repos/${ns}/r/tokens`, { scope: 'read', ttlSeconds: 600, name });
      expect(r.status, JSON.stringify(name)).toBe(400);
      expect(r.json.error.message).toMatch(/name must be/);
    }
  });

  test('last use is recorded, at most once a minute per token', async () => {
    const { ns, token } = await repo();
    const before = (await api('GET', `/v1/repos/${ns}/r/tokens`)).json.tokens[0];
    expect(before.lastUsedAt).toBeNull();
    const t0 = Math.floor(Date.now() / 1000);
    expect((await infoRefs(ns, token)).status).toBe(200);
    const [row] = await sql<{ last_used_at: number }>(ns, `SELECT last_used_at FROM tokens`);
    expect(row.last_used_at).toBeGreaterThanOrEqual(t0);
    // within the minute: no write (set it 30 s back; a use must leave it there)
    await sql(ns, `UPDATE tokens SET last_used_at = ?`, t0 - 30);
    expect((await infoRefs(ns, token)).status).toBe(200);
    expect((await sql<{ last_used_at: number }>(ns, `SELECT last_used_at FROM tokens`))[0].last_used_at).toBe(t0 - 30);
    // older than a minute: the next use records it
    await sql(ns, `UPDATE tokens SET last_used_at = ?`, t0 - LAST_USED_GRANULARITY_S - 1);
    expect((await infoRefs(ns, token)).status).toBe(200);
    expect((await sql<{ last_used_at: number }>(ns, `SELECT last_used_at FROM tokens`))[0].last_used_at).toBeGreaterThanOrEqual(t0);
    const listed = (await api('GET', `/v1/repos/${ns}/r/tokens`)).json.tokens[0];
    expect(Date.parse(listed.lastUsedAt) / 1000).toBeGreaterThanOrEqual(t0);
    // a refused use (a read token pushing) records nothing
    const read = await api('POST', `/v1/repos/${ns}/r/tokens`, { scope: 'read', ttlSeconds: 600 });
    const push = await worker.fetch(`http://x/git/${ns}/r.git/info/refs?service=git-receive-pack`, { headers: { authorization: `Bearer ${read.json.token}` } });
    expect(push.status).toBe(403);
    await push.arrayBuffer();
    expect((await sql<{ last_used_at: number | null }>(ns, `SELECT last_used_at FROM tokens WHERE id = ?`, read.json.id))[0].last_used_at).toBeNull();
  });

  test('an expired token is told it expired (not "invalid"); 30 days later it is purged and just invalid', async () => {
    const { ns, token } = await repo();
    const now = Math.floor(Date.now() / 1000);
    await sql(ns, `UPDATE tokens SET expires_at = ?`, now - 10);
    const r = await infoRefs(ns, token);
    expect(r.status).toBe(403); // a refused Bearer token: git shows the text
    expect(r.text.trim()).toBe(`token expired at ${new Date((now - 10) * 1000).toISOString()}: issue a new one`);
    const api401 = await worker.fetch(`http://x/v1/repos/${ns}/r/refs`, { headers: { authorization: `Bearer ${token}` } });
    expect(api401.status).toBe(401);
    expect((await api401.json() as any).error.message).toMatch(/^token expired at /);
    expect((await infoRefs(ns, 'arb_v1_' + '12'.repeat(20))).text.trim()).toBe(`invalid token: not a token of repository ${ns}/r (a token of another repository, or revoked)`);
    expect((await infoRefs(ns, 'arb_v1_12')).text.trim()).toBe('invalid token: not an Arbor token (they start with arb_v1_; was it copied whole?)');
    // still listed while recent, marked expired
    expect((await api('GET', `/v1/repos/${ns}/r/tokens`)).json.tokens).toMatchObject([{ expired: true }]);
    // long expired: refused as invalid, and gone from the table at the next listing or issue
    await sql(ns, `UPDATE tokens SET expires_at = ?`, now - PURGE_AFTER_S - 10);
    expect((await infoRefs(ns, token)).text.trim()).toBe(`invalid token: not a token of repository ${ns}/r (a token of another repository, or revoked)`);
    expect((await api('GET', `/v1/repos/${ns}/r/tokens`)).json.tokens).toEqual([]);
    expect(await sql(ns, `SELECT id FROM tokens`)).toEqual([]);
  });
});
