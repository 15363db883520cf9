// Admin-only diagnostics. The accelerator's micro-benchmark must run inside workerd (that is
// where Wasm and the native twins are compared), so `npm run bench` reaches it over HTTP.
import type { IRequest } from 'itty-router';
import type { Env } from '../env';
import { requireAdmin } from '../http/admin';
import { badRequest, HttpError, jsonResponse } from '../http/errors';
import { drainBody } from '../repo/git-http';
import { handleMicroBenchRequest } from '../wasm/bench';

export function wasmBench(req: IRequest, env: Env): Response {
  requireAdmin(req as unknown as Request, env.ARBOR_ADMIN_TOKEN);
  // The short run (~3 s) unless the caller asks for the full one with quick=0.
  const url = new URL(req.url);
  if (!url.searchParams.has('quick')) url.searchParams.set('quick', '1');
  return handleMicroBenchRequest(new Request(url));
}

/**
 * Pack indexing benchmark: the body is a raw self-contained .pack, indexed as a push would in a
 * throwaway Durable Object (src/storage/index-bench.ts). Answers the timings as JSON, or with
 * `Accept: application/octet-stream` the .idx v2 bytes (timings in the x-arbor-bench header).
 */
export async function indexBench(req: IRequest, env: Env): Promise<Response> {
  const request = req as unknown as Request;
  try {
    requireAdmin(request, env.ARBOR_ADMIN_TOKEN);
    if (!request.body) throw badRequest('the request body must be a .pack file');
  } catch (e) {
    await drainBody(request.body, 4 * 1024 ** 3);
    throw e;
  }
  // '__bench/…' can never be a repository's key (names start with a letter or digit).
  const stub = env.REPO.get(env.REPO.idFromName(`__bench/${crypto.randomUUID()}`));
  const r = await stub.benchIndex(request.body);
  if (!r.ok) throw new HttpError(r.status, r.code, r.message);
  const { idx, ...stats } = r.value;
  if ((request.headers.get('accept') ?? '').includes('application/octet-stream')) {
    return new Response(idx, { headers: { 'content-type': 'application/octet-stream', 'x-arbor-bench': JSON.stringify(stats), 'cache-control': 'no-store' } });
  }
  return jsonResponse(stats);
}
