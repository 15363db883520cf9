// Admin-only diagnostics. The accelerator's micro-benchmark must run inside workerd (that is
// where Wasm and the native twins are compared), so `npm run bench` reaches it over HTTP.
import type { IRequest } from 'itty-router';
import type { Env } from '../env';
import { requireAdmin } from '../http/admin';
import { handleMicroBenchRequest } from '../wasm/bench';

export function wasmBench(req: IRequest, env: Env): Response {
  requireAdmin(req as unknown as Request, env.ARBOR_ADMIN_TOKEN);
  return handleMicroBenchRequest(req as unknown as Request);
}
