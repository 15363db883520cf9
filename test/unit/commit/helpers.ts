// Shared helpers for the commit/read API tests (inside workerd, through the Worker's router).
import { env, exports } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { expect } from 'vitest';
import type { RepoObject } from '../../../src/repo/repo-object';

export const worker = (exports as unknown as { default: { fetch(input: string | Request, init?: RequestInit): Promise<Response> } }).default;
export const ADMIN = 'test-admin-token';
export const NS = 'unit-commit';

export const AUTHOR = { name: 'A U Thor', email: 'author@example.com', date: 1_700_000_000, timezone: '+0000' };

export interface Repo {
  name: string;
  token: string;
  stub: DurableObjectStub<RepoObject>;
  /** `/v1/repos/<ns>/<name>/<rest>` */
  url(rest: string): string;
}

export interface ApiResult {
  status: number;
  headers: Headers;
  json: any;
  text: string;
  bytes: Uint8Array;
}

export async function newRepo(label: string): Promise<Repo> {
  const name = `${label}-${crypto.randomUUID().slice(0, 8)}`;
  const res = await worker.fetch(`http://x/v1/repos/${NS}/${name}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } });
  expect(res.status).toBe(201);
  const info = (await res.json()) as { token: string };
  const ns = (env as unknown as { REPO: DurableObjectNamespace<RepoObject> }).REPO;
  return {
    name,
    token: info.token,
    stub: ns.get(ns.idFromName(`${NS}/${name}`)),
    url: (rest) => `http://x/v1/repos/${NS}/${name}/${rest}`,
  };
}

export async function call(
  repo: Repo,
  method: string,
  rest: string,
  opts: { body?: unknown; token?: string | null; headers?: Record<string, string> } = {},
): Promise<ApiResult> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  const tok = opts.token === undefined ? ADMIN : opts.token;
  if (tok !== null) headers.authorization = `Bearer ${tok}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  }
  const res = await worker.fetch(repo.url(rest), { method, headers, body });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const text = new TextDecoder().decode(bytes);
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text, bytes };
}

export type Change = Record<string, unknown>;

/** POST /commits with defaults (branch main, AUTHOR). */
export async function commit(repo: Repo, changes: Change[], extra: Record<string, unknown> = {}, token?: string | null): Promise<ApiResult> {
  return call(repo, 'POST', 'commits', { body: { branch: 'main', message: 'test commit', author: AUTHOR, changes, ...extra }, token });
}

/** Like commit() but expects 201 and returns the new commit id. */
export async function commitOk(repo: Repo, changes: Change[], extra: Record<string, unknown> = {}): Promise<string> {
  const r = await commit(repo, changes, extra);
  if (r.status !== 201) throw new Error(`commit failed ${r.status}: ${r.text}`);
  return r.json.commit as string;
}

export const create = (path: string, content: string, more: Record<string, unknown> = {}): Change => ({ action: 'create', path, content, ...more });

/** All files of a revision as { path: content } (via the recursive tree and blob routes). */
export async function snapshot(repo: Repo, rev = 'main'): Promise<Record<string, string>> {
  const t = await call(repo, 'GET', `tree/${rev}?recursive=1`);
  expect(t.status).toBe(200);
  const out: Record<string, string> = {};
  for (const e of t.json.entries) {
    if (e.type !== 'blob') continue;
    const b = await call(repo, 'GET', `blob/${rev}/${e.path.split('/').map(encodeURIComponent).join('/')}`);
    expect(b.status).toBe(200);
    out[e.path] = b.text;
  }
  return out;
}

/** Storage counters that must not change when a request fails. */
export async function storageState(repo: Repo): Promise<{ objects: number; refs: string; packs: number; files: number }> {
  return runInDurableObject(repo.stub, (_i, state) => {
    const sql = state.storage.sql;
    return {
      objects: sql.exec<{ n: number }>('SELECT count(*) AS n FROM objects').one().n,
      refs: JSON.stringify(sql.exec('SELECT repo, name, oid, target FROM repo_refs ORDER BY repo, name').toArray()),
      packs: sql.exec<{ n: number }>('SELECT count(*) AS n FROM packs').one().n,
      files: sql.exec<{ n: number }>("SELECT count(*) AS n FROM dofs_nodes").one().n,
    };
  });
}

/** Writes hand-made objects into the repository (one pack) and sets refs, like a push would. */
export async function pushObjects(repo: Repo, objects: { type: 'commit' | 'tree' | 'blob' | 'tag'; data: Uint8Array }[], refs: Record<string, string>): Promise<void> {
  const { PackWriter } = await import('../../../src/pack');
  const nums = { commit: 1, tree: 2, blob: 3, tag: 4 } as const;
  await runInDurableObject(repo.stub, async (instance) => {
    const store = (instance as unknown as { host: import('../../../src/repo/host').RepoHost }).host.hosted(`${NS}/${repo.name}`)!.store;
    const w = new PackWriter(objects.length);
    const ing = store.beginPack();
    ing.write(w.header());
    for (const o of objects) ing.write(w.object(nums[o.type], o.data));
    ing.write(w.finish());
    const pack = await ing.finish();
    const updates = Object.entries(refs).map(([name, newOid]) => ({ name, oldOid: store.refs.get(name) ?? '0'.repeat(40), newOid }));
    const res = store.commitPush(pack, updates, true);
    if (!res.every((r) => r.ok)) throw new Error(`push failed: ${JSON.stringify(res)}`);
  });
}
