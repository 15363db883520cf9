// The commit and read routes (POST .../commits, GET .../refs, commits, tree, blob, objects, log,
// compare), Worker side: each is forwarded untouched (streaming) with the name of its route to
// the repository's Durable Object, which authorises and serves it (src/repo/rest-api.ts).
import type { IRequest } from 'itty-router';
import type { Env } from '../env';
import type { ApiRoute } from '../repo/rest-api';
import { repoKey } from '../service/names';
import { requestParams } from './params';

/** Worker side: a route handler that forwards to the repository's Durable Object. */
export function forward(route: ApiRoute) {
  return (req: IRequest, env: Env): Promise<Response> | Response => {
    // Path parameters by the operation's schemas here; the query is parsed by the Durable Object,
    // once it has authorised the call (src/repo/rest-api.ts).
    const { ns, name } = requestParams<{ ns: string; name: string }>(req, { query: false }).path;
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

export const postCommit = forward('commit');
export const getRefs = forward('refs');
export const getCommitInfo = forward('commitInfo');
export const getTree = forward('tree');
export const getBlob = forward('blob');
export const getObject = forward('object');
export const getLog = forward('log');
export const getCompare = forward('compare');
export const postMerge = forward('merge');
export const postRef = forward('refWrite');
export const deleteRefRoute = forward('refDelete');
export const postTag = forward('tag');
