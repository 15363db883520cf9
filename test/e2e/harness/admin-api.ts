// The admin API: repositories and tokens, and JSON calls.
import * as http from 'node:http';
import { NS, adminToken, origin } from './worker';

let nameCounter = 0;
export interface RepoInfo {
  namespace: string;
  name: string;
  remote: string;
  token: string;
  defaultBranch: string;
  [k: string]: unknown;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export async function api(
  method: string,
  pathname: string,
  opts: { body?: unknown; token?: string | null; headers?: Record<string, string> } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  const tok = opts.token === undefined ? adminToken() : opts.token;
  if (tok !== null) headers.authorization = `Bearer ${tok}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  }
  const res = await fetch(origin() + pathname, { method, headers, body, signal: AbortSignal.timeout(60_000) });
  const text = await res.text();
  let json: any;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json };
}

/** A unique valid repo name (≤ 63 chars). */
export function uniqueName(prefix = 'r'): string {
  const p = prefix.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 30);
  return `${p}-${Date.now().toString(36)}-${process.pid.toString(36)}-${++nameCounter}`;
}

/** Creates a fresh repo through the admin API (throws unless 201). */
export async function createRepo(prefix = 'r', ns = NS): Promise<RepoInfo> {
  const name = uniqueName(prefix);
  const res = await api('POST', `/v1/repos/${ns}/${name}`);
  if (res.status !== 201 || !res.json || typeof res.json.remote !== 'string' || typeof res.json.token !== 'string') {
    throw new Error(`create repo ${ns}/${name}: expected 201 with remote+token, got ${res.status}: ${res.text.slice(0, 500)}`);
  }
  return res.json as RepoInfo;
}

/** Forks `src` through the admin API with `body` ({name, namespace?, readOnly?, ...}); throws unless 201. */
export async function forkRepo(src: { namespace: string; name: string }, body: Record<string, unknown>): Promise<RepoInfo> {
  const r = await api('POST', `/v1/repos/${src.namespace}/${src.name}/fork`, { body });
  if (r.status !== 201) throw new Error(`fork: ${r.status} ${r.text}`);
  return r.json as RepoInfo;
}

export async function deleteRepo(repo: { namespace: string; name: string }): Promise<ApiResponse> {
  return api('DELETE', `/v1/repos/${repo.namespace}/${repo.name}`);
}

export interface TokenInfo { id: string; token: string; scope: string; expiresAt: unknown }

export async function createToken(repo: { namespace: string; name: string }, scope: 'read' | 'write', ttlSeconds = 3600): Promise<TokenInfo> {
  const res = await api('POST', `/v1/repos/${repo.namespace}/${repo.name}/tokens`, { body: { scope, ttlSeconds } });
  if (res.status !== 200 && res.status !== 201) {
    throw new Error(`create ${scope} token: got ${res.status}: ${res.text.slice(0, 500)}`);
  }
  return res.json as TokenInfo;
}

/** `http://x:<token>@host/...` — the token (with its `?expires=`) percent-encoded as the password. */
export function basicAuthUrl(remote: string, token: string, user = 'x'): string {
  const u = new URL(remote);
  u.username = user;
  u.password = encodeURIComponent(token);
  return u.href;
}

/** The secret part of a repo token (without `?expires=`). */
export function tokenWithoutExpiry(token: string): string {
  return token.split('?')[0];
}
