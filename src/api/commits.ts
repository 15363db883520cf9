// POST /v1/repos/:ns/:name/commits — many file changes in one atomic commit. Thin: the Worker
// forwards the request to the repository's Durable Object (`forward`, below), where this
// handler reads the JSON body and calls the commit service.
import { createCommit, type RepoContext } from '../commit';
import { HttpError, errorResponse, jsonResponse } from '../http/errors';
import type { IRequest } from 'itty-router';
import type { Env } from '../env';
import type { ApiRoute } from './reads';
import { nameProblem, repoKey } from './names';

/** Largest accepted request body (JSON, base64 content included). */
export const MAX_COMMIT_BODY_BYTES = 48 * 1024 * 1024;

/** Worker side: a route handler that forwards to the repository's Durable Object. */
export function forward(route: ApiRoute) {
  return (req: IRequest, env: Env): Promise<Response> | Response => {
    let ns: string;
    let name: string;
    try {
      ns = decodeURIComponent(req.params.ns);
      name = decodeURIComponent(req.params.name);
    } catch {
      return errorResponse(400, 'bad_request', 'malformed percent-encoding in the URL');
    }
    if (nameProblem('namespace', ns) || nameProblem('repository', name)) return errorResponse(404, 'not_found', 'repository not found');
    const stub = env.REPO.get(env.REPO.idFromName(repoKey(ns, name)));
    return withLength(stub.api(repoKey(ns, name), route, String(req.params.rest ?? ''), req as unknown as Request));
  };
}

/**
 * Raw-bytes responses (blob, object) state their Content-Length. A Response that crossed RPC has
 * a streamed body and would go out chunked, and the runtime's automatic gzip would drop the length
 * and break byte ranges: a FixedLengthStream and encodeBody 'manual' send the bytes as they are.
 */
async function withLength(pending: Promise<Response>): Promise<Response> {
  const res = await pending;
  const len = res.headers.get('content-length');
  if (!res.body || len === null || !/^\d{1,15}$/.test(len)) return res;
  return new Response(res.body.pipeThrough(new FixedLengthStream(Number(len))), {
    status: res.status,
    statusText: res.statusText,
    headers: res.headers,
    encodeBody: 'manual',
  });
}

/** Worker side: the route handler in src/index.ts. */
export const postCommit = forward('commit');

async function readJsonBody(request: Request, max: number): Promise<unknown> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (declared > max) throw new HttpError(413, 'too_large', `request body exceeds ${max} bytes`);
  if (!request.body) throw new HttpError(400, 'bad_request', 'request body must be a JSON object');
  const reader = request.body.getReader();
  const parts: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    n += value.length;
    if (n > max) {
      await reader.cancel().catch(() => {});
      throw new HttpError(413, 'too_large', `request body exceeds ${max} bytes`);
    }
    parts.push(value);
  }
  const buf = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    buf.set(p, o);
    o += p.length;
  }
  try {
    return JSON.parse(new TextDecoder().decode(buf));
  } catch {
    throw new HttpError(400, 'bad_request', 'request body is not valid JSON');
  }
}

/** DO side: reads the body and makes the commit. */
export async function handleCommit(ctx: RepoContext, request: Request): Promise<Response> {
  const body = await readJsonBody(request, MAX_COMMIT_BODY_BYTES);
  const result = await createCommit(ctx, body);
  const location = `${new URL(request.url).pathname.replace(/\/+$/, '')}/${result.commit}`;
  return jsonResponse(result, 201, { location });
}
