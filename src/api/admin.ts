// Admin-only diagnostics. The accelerator's micro-benchmark must run inside workerd (that is
// where Wasm and the native twins are compared), so `npm run bench` reaches it over HTTP.
import type { IRequest } from 'itty-router';
import type { Env } from '../env';
import { requireAdmin } from '../http/admin';
import { handleMicroBenchRequest } from '../wasm/bench';

export function wasmBench(req: IRequest, env: Env): Response {
  requireAdmin(req as unknown as Request, env.ARBOR_ADMIN_TOKEN);
  // The short run (~3 s) unless the caller asks for the full one with quick=0.
  const url = new URL(req.url);
  if (!url.searchParams.has('quick')) url.searchParams.set('quick', '1');
  return handleMicroBenchRequest(new Request(url));
}
