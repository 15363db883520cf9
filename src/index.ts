// Worker entry: a routing table, nothing else. Control-plane calls go to api/, git traffic is
// forwarded untouched (streaming) to the repository's Durable Object.
import { Router, type IRequest } from 'itty-router';
import type { Env } from './env';
import {
  createRepo, createToken, deleteRepo, forkRepo, getRepo, listEvents, listNamespaces, listRepos, listTokens, revokeToken,
  createWebhook, deleteWebhook, listDeliveries, listWebhooks, getMaintenance, requestMaintenance, updateMaintenance,
} from './api/repos';
import { importRepo } from './api/repos';
import { nameProblem, repoKey } from './service/names';
import { drainBody, gitBodyLimit, tooLarge } from './http/body';
import { getOpenApi } from './api/openapi';
import { healthz } from './api/health';
import { getRules, putRules } from './api/rules';
import { deleteRefRoute, getBlob, getCommitInfo, getCompare, getLog, getObject, getRefs, getTree, postCommit, postMerge, postRef, postTag } from './api/repo-routes';
import { errorResponse, toErrorResponse } from './http/errors';
import { preflight, withCors } from './http/cors';
import { handOver } from './http/log';
import { finishWorkerLog, workerLog } from './http/worker-log';
import { webRouter } from './web/router';

export { RepoObject } from './repo/repo-object';
export { RegistryObject } from './registry/registry-object';
export { ArborService } from './rpc/arbor-service';

/**
 * Answers a refusal once the client has finished sending (or after a short wait, for a client that
 * declared more than it sends), draining in the background: answering while the upload is still
 * coming resets the connection under the client.
 */
async function refuseAfterDrain(res: Response, body: ReadableStream | null, ctx: ExecutionContext): Promise<Response> {
  const drained = drainBody(body, 4 * 1024 ** 3);
  ctx.waitUntil(drained);
  await Promise.race([drained, new Promise((r) => setTimeout(r, 3000))]);
  return res;
}

function gitRoute(req: IRequest, env: Env, ctx: ExecutionContext): Promise<Response> | Response {
  let ns: string;
  let name: string;
  try {
    ns = decodeURIComponent(req.params.ns);
    name = decodeURIComponent(req.params.repo).replace(/\.git$/, '');
  } catch {
    return new Response('malformed percent-encoding in the URL\n', { status: 400, headers: { 'content-type': 'text/plain' } });
  }
  if (nameProblem('namespace', ns) || nameProblem('repository', name)) {
    return new Response('repository not found\n', { status: 404, headers: { 'content-type': 'text/plain' } });
  }
  // Oversize bodies are refused here, before the Durable Object: a refusal from behind the DO
  // while the client is still sending gets lost in the local runtime (workerd#1741).
  const refused = req.method === 'POST' ? tooLarge(req as unknown as Request, gitBodyLimit(req.url)) : null;
  if (refused) return refuseAfterDrain(refused, (req as unknown as Request).body, ctx);
  return env.REPO.get(env.REPO.idFromName(repoKey(ns, name))).fetch(req as unknown as Request).then((res) => {
    handOver(req as unknown as Request); // the DO wrote this request's log line
    return res;
  });
}

const router = Router<IRequest, [Env, ExecutionContext]>();
router
  .get('/', () => new Response('Arbor: Git repositories on Durable Objects. See README.md.\n'))
  .get('/healthz', healthz)
  .get('/v1/openapi.json', getOpenApi)
  .all('/ui/*', webRouter.fetch) // the repository pages for people (src/web/router.ts)
  .get('/v1/namespaces', listNamespaces)
  .get('/v1/repos/:ns', listRepos)
  .post('/v1/repos/:ns/:name', createRepo)
  .get('/v1/repos/:ns/:name', getRepo)
  .delete('/v1/repos/:ns/:name', deleteRepo)
  .post('/v1/repos/:ns/:name/fork', forkRepo)
  .post('/v1/repos/:ns/:name/tokens', createToken)
  .get('/v1/repos/:ns/:name/tokens', listTokens)
  .delete('/v1/repos/:ns/:name/tokens/:id', revokeToken)
  .get('/v1/repos/:ns/:name/events', listEvents)
  .post('/v1/repos/:ns/:name/webhooks', createWebhook)
  .get('/v1/repos/:ns/:name/webhooks', listWebhooks)
  .delete('/v1/repos/:ns/:name/webhooks/:id', deleteWebhook)
  .get('/v1/repos/:ns/:name/webhooks/:id/deliveries', listDeliveries)
  .get('/v1/repos/:ns/:name/rules', getRules)
  .put('/v1/repos/:ns/:name/rules', putRules)
  .post('/v1/repos/:ns/:name/import', importRepo)
  .post('/v1/repos/:ns/:name/maintenance', requestMaintenance)
  .get('/v1/repos/:ns/:name/maintenance', getMaintenance)
  .patch('/v1/repos/:ns/:name/maintenance', updateMaintenance)
  .post('/v1/repos/:ns/:name/commits', postCommit)
  .get('/v1/repos/:ns/:name/refs', getRefs)
  .post('/v1/repos/:ns/:name/refs', postRef)
  .delete('/v1/repos/:ns/:name/refs/:rest+', deleteRefRoute)
  .post('/v1/repos/:ns/:name/tags', postTag)
  .post('/v1/repos/:ns/:name/merges', postMerge)
  .get('/v1/repos/:ns/:name/commits/:rest+', getCommitInfo)
  .get('/v1/repos/:ns/:name/tree/:rest+', getTree)
  .get('/v1/repos/:ns/:name/blob/:rest+', getBlob)
  .get('/v1/repos/:ns/:name/objects/:rest', getObject)
  .get('/v1/repos/:ns/:name/log/:rest+', getLog)
  .get('/v1/repos/:ns/:name/compare/:rest+', getCompare)
  .get('/git/:ns/:repo/info/refs', gitRoute)
  .post('/git/:ns/:repo/git-upload-pack', gitRoute)
  .post('/git/:ns/:repo/git-receive-pack', gitRoute);

async function route(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  try {
    const res = await router.fetch(request, env, ctx);
    return res ?? errorResponse(404, 'not_found', `no route for ${request.method} ${new URL(request.url).pathname}`);
  } catch (e) {
    return toErrorResponse(e);
  }
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    // Browser preflights are answered here: no Durable Object is woken for them.
    const pre = preflight(request, env.ARBOR_CORS_ORIGINS);
    if (pre) return pre;
    const log = workerLog(request); // one JSON line per API call (src/http/log.ts)
    const res = withCors(request, await route(log?.request ?? request, env, ctx), env.ARBOR_CORS_ORIGINS);
    return log ? finishWorkerLog(log, res, env.ARBOR_ADMIN_TOKEN) : res;
  },
} satisfies ExportedHandler<Env>;
