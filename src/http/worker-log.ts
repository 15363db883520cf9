// The Worker's request log: the line for each /v1 call and for what the Worker answers on /git
// by itself (src/http/log.ts has the line and who writes it).
import { credentialFrom, safeEqual } from '../auth/tokens';
import { RequestLog, TOKEN_ID_HEADER, gitOp, handedOver } from './log';

/** The Worker's log for a /v1, /git or /ui request (null for anything else). /git bodies are not
 *  touched here (the DO that serves them counts them). */
export function workerLog(request: Request): RequestLog | null {
  const path = new URL(request.url).pathname;
  if (path.startsWith('/v1/')) return new RequestLog(request, { op: request.method });
  if (path.startsWith('/git/')) return new RequestLog(request, { op: request.method }, { countIn: false });
  if (path === '/ui' || path.startsWith('/ui/')) return new RequestLog(request, { op: request.method }); // pages: the cookie is never logged
  return null;
}

/**
 * Writes the Worker's line once the router is done, unless a Durable Object took the request and
 * logs it itself. The op is the route's pattern (`POST /v1/repos/:ns/:name/tokens`), the repo its
 * `:ns/:name`, the token the one the DO names, or `admin` for the admin token.
 */
export function finishWorkerLog(log: RequestLog, response: Response, adminToken: string | undefined): Response {
  const req = log.request as Request & { route?: string; params?: Record<string, string> };
  if (handedOver(req)) return response;
  const p = req.params ?? {};
  const name = p.name ?? p.repo;
  const decode = (s: string) => { try { return decodeURIComponent(s); } catch { return s; } };
  const path = new URL(req.url).pathname;
  log.fields.op = path.startsWith('/git/') ? gitOp(path, new URL(req.url).searchParams.get('service'))
    : `${req.method} ${req.route ?? '(no route)'}`;
  log.fields.repo = p.ns ? (name ? `${decode(p.ns)}/${decode(name).replace(/\.git$/, '')}` : decode(p.ns)) : null;
  const cred = credentialFrom(req.headers.get('authorization'));
  log.fields.tokenId = response.headers.get(TOKEN_ID_HEADER) ?? (cred && adminToken && safeEqual(cred, adminToken) ? 'admin' : null);
  return log.finish(response);
}
