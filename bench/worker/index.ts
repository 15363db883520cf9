// The bench worker: Arbor itself plus the benchmark routes and their scratch Durable Object.
// Built only by `npm run bench` and the tests that cover the bench (bench/wrangler.toml), so
// benchmark and profiling code never ships in the production bundle (wrangler.toml -> src/index.ts).
import arbor from '../../src/index';
import { toErrorResponse } from '../../src/http/errors';
import { indexBench, wasmBench, type BenchEnv } from './routes';
import { isogitBench } from './isogit';
import { sha1Sizes } from './sha1-sizes';
import { requireAdmin } from '../../src/http/admin';

export { RegistryObject, ArborService } from '../../src/index';
export { RepoObject } from './isogit'; // Arbor's, plus the isomorphic-git bench method
export { BenchObject } from './bench-object';

export default {
  async fetch(request: Request, env: BenchEnv, ctx: ExecutionContext): Promise<Response> {
    const { pathname } = new URL(request.url);
    try {
      if (pathname === '/v1/admin/bench/wasm' && request.method === 'GET') return wasmBench(request, env);
      if (pathname === '/v1/admin/bench/index' && request.method === 'POST') return await indexBench(request, env);
      if (pathname === '/v1/admin/bench/sha1' && request.method === 'GET') {
        requireAdmin(request, env.ARBOR_ADMIN_TOKEN);
        return Response.json(await sha1Sizes());
      }
      if (pathname === '/v1/admin/bench/isogit' && request.method === 'GET') return await isogitBench(request, env);
    } catch (e) {
      return toErrorResponse(e);
    }
    return arbor.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<BenchEnv>;
