// The benchmark routes (admin-only), served by the bench worker only: the accelerator's
// micro-benchmark must run inside workerd (that is where Wasm and the native twins are
// compared), and the pack indexing benchmark runs the push indexer in a scratch Durable Object.
import type { Env } from '../../src/env';
import { requireAdmin } from '../../src/http/admin';
import { badRequest, HttpError, jsonResponse } from '../../src/http/errors';
import { drainBody } from '../../src/http/body';
import type { BenchObject } from './bench-object';
import { handleMicroBenchRequest } from './micro';

export interface BenchEnv extends Env {
  BENCH: DurableObjectNamespace<BenchObject>;
}

/** GET /v1/admin/bench/wasm: the short run (~3 s) unless the caller asks for the full one with quick=0. */
export function wasmBench(request: Request, env: BenchEnv): Response {
  requireAdmin(request, env.ARBOR_ADMIN_TOKEN);
  const url = new URL(request.url);
  if (!url.searchParams.has('quick')) url.searchParams.set('quick', '1');
  return handleMicroBenchRequest(new Request(url));
}

/**
 * POST /v1/admin/bench/index: the body is a raw self-contained .pack, indexed as a push would in
 * a throwaway Durable Object (index-pack.ts). Answers the timings as JSON, or with
 * `Accept: application/octet-stream` the .idx v2 bytes (timings in the x-arbor-bench header).
 * `?from=memory`: the body is read whole before the clock starts (index-pack.ts).
 */
export async function indexBench(request: Request, env: BenchEnv): Promise<Response> {
  try {
    requireAdmin(request, env.ARBOR_ADMIN_TOKEN);
    if (!request.body) throw badRequest('the request body must be a .pack file');
  } catch (e) {
    await drainBody(request.body, 4 * 1024 ** 3);
    throw e;
  }
  const stub = env.BENCH.get(env.BENCH.idFromName(crypto.randomUUID()));
  const r = await stub.benchIndex(request.body, { fromMemory: new URL(request.url).searchParams.get('from') === 'memory' });
  if (!r.ok) throw new HttpError(r.status, r.code, r.message);
  const { idx, ...stats } = r.value;
  if ((request.headers.get('accept') ?? '').includes('application/octet-stream')) {
    return new Response(idx, { headers: { 'content-type': 'application/octet-stream', 'x-arbor-bench': JSON.stringify(stats), 'cache-control': 'no-store' } });
  }
  return jsonResponse(stats);
}
