// Where the repository pages get their data: the same read routes the REST API serves (the
// repository's Durable Object authorises the token and runs src/commit's read code), called with
// the page's token as a Bearer credential. Nothing here reads storage itself.
import type { Env } from '../env';
import type { ApiRoute } from '../repo/rest-api';
import { repoKey } from '../service/names';

export type Fetched<T> = { ok: true; value: T; headers: Headers } | { ok: false; status: number; message: string };

async function call(env: Env, ns: string, name: string, route: ApiRoute, rest: string, token: string, query: Record<string, string>): Promise<Response> {
  const url = new URL('https://arbor.internal/ui');
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const request = new Request(url, { headers: { authorization: `Bearer ${token}` } });
  const key = repoKey(ns, name);
  return env.REPO.get(env.REPO.idFromName(key)).api(key, route, rest, request);
}

async function failure(res: Response): Promise<{ ok: false; status: number; message: string }> {
  let message = `HTTP ${res.status}`;
  try {
    const body = (await res.json()) as { error?: { message?: string } };
    if (body.error?.message) message = body.error.message;
  } catch {
    // not JSON: keep the status
  }
  return { ok: false, status: res.status, message };
}

/** A JSON read route (refs, commitInfo, tree, log, compare). `rest` is as in the REST URL (encoded segments). */
export async function readJson<T>(env: Env, ns: string, name: string, route: ApiRoute, rest: string, token: string, query: Record<string, string> = {}): Promise<Fetched<T>> {
  const res = await call(env, ns, name, route, rest, token, query);
  if (!res.ok) return failure(res);
  return { ok: true, value: (await res.json()) as T, headers: res.headers };
}

/** A file's bytes (the blob route), with its headers (x-git-object-id, content-type). */
export async function readBytes(env: Env, ns: string, name: string, rest: string, token: string, maxBytes: number): Promise<Fetched<Uint8Array>> {
  const res = await call(env, ns, name, 'blob', rest, token, {});
  if (!res.ok) return failure(res);
  const size = Number(res.headers.get('content-length') ?? '0');
  if (size > maxBytes) {
    await res.body?.cancel();
    return { ok: false, status: 413, message: `this file is ${size} bytes: the page shows files up to ${maxBytes} bytes` };
  }
  return { ok: true, value: new Uint8Array(await res.arrayBuffer()), headers: res.headers };
}
