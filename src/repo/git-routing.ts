// Git smart HTTP inside the repository's Durable Object: which repository and service a request
// is for, who may use it (tokens, read-only forks), then src/repo/git-http.ts serves it. A name
// linked to another network's DO is forwarded there.
import type { Scope } from '../auth/tokens';
import { drainBody } from '../http/body';
import { RequestLog, gitOp, type LogFields } from '../http/log';
import { NO_TOKENS, authorize } from './auth';
import { bodyIdleMs } from '../http/body-idle';
import { infoRefs, receivePackHttp, uploadPack } from './git-http';
import type { RepoHost } from './host';

/** How long after a push the sweeper looks for what interrupted uploads left behind. */
export const SWEEP_DELAY_MS = 15 * 60 * 1000;
const READ_ONLY_PUSH = 'this repository is a read-only fork: pushes are refused';

type Service = 'git-upload-pack' | 'git-receive-pack';

/** `/git/<ns>/<name>.git/<rest>` as the Worker forwarded it. */
export async function serveGit(host: RepoHost, request: Request): Promise<Response> {
  const url = new URL(request.url);
  const m = /^\/git\/([^/]+)\/([^/]+?)(?:\.git)?\/(.*)$/.exec(url.pathname);
  if (!m) return text(404, 'not found');
  const key = `${decodeURIComponent(m[1])}/${decodeURIComponent(m[2])}`;
  const rest = m[3];
  if (!host.hosted(key)) {
    const s = host.linked(key);
    if (s) return s.fetch(request); // the network's own DO logs it
  }
  // One JSON line per git operation, written when the answer's last byte is out (src/http/log.ts).
  // A push body is counted by receive-pack as it reads it (see RequestLog's countIn).
  const push = request.method === 'POST' && rest === 'git-receive-pack';
  const log = new RequestLog(request, { repo: key, op: gitOp(url.pathname, url.searchParams.get('service')) }, { countIn: !push });
  return log.finish(await serveHosted(host, key, rest, url, log.request, log.fields));
}

async function serveHosted(host: RepoHost, key: string, rest: string, url: URL, request: Request, fields: LogFields): Promise<Response> {
  // A missing repository goes through the same checks as one the caller may not see (NO_TOKENS):
  // the answer must not tell which names exist.
  const h = host.hosted(key);
  let service: Service | null = null;
  if (rest === 'info/refs' && request.method === 'GET') {
    const sv = url.searchParams.get('service');
    if (sv !== 'git-upload-pack' && sv !== 'git-receive-pack') {
      return text(403, 'dumb HTTP is not supported: use a smart-HTTP git client');
    }
    service = sv;
  } else if ((rest === 'git-upload-pack' || rest === 'git-receive-pack') && request.method === 'POST') {
    service = rest;
  } else {
    await drainBody(request.body);
    return text(404, 'not found');
  }
  const need: Scope = service === 'git-receive-pack' ? 'write' : 'read';
  const access = authorize(request, host.env.ARBOR_ADMIN_TOKEN, h?.tokens ?? NO_TOKENS, need, key);
  const refuse = async (status: number, message: string, headers: Record<string, string> = {}) => {
    await drainBody(request.body); // refusing before the body is read loses the refusal (workerd#1741)
    return text(status, message, headers);
  };
  if (!access.ok) {
    // git shows a refusal's text (`remote: ...`) for a 401 only when it sent Basic credentials
    // itself; a refused Bearer header (http.extraHeader) on a 401 makes git ask for a username
    // instead ("could not read Username"). A refused Bearer token is therefore answered 403.
    const bearer = /^bearer\s+\S/i.test(request.headers.get('authorization') ?? '');
    if (access.status === 401 && !bearer) return refuse(401, access.message, { 'www-authenticate': 'Basic realm="arbor"' });
    return refuse(403, access.message);
  }
  if (!h) return refuse(404, 'repository not found'); // the admin may know
  const idleMs = bodyIdleMs(host.env.ARBOR_BODY_IDLE_TIMEOUT_MS);
  fields.tokenId = access.tokenId ?? (access.scope === 'admin' ? 'admin' : null);
  if (service === 'git-receive-pack' && h.store.meta('read_only') === '1') return refuse(403, READ_ONLY_PUSH);
  if (request.method === 'GET') return infoRefs(h.store, service, request);
  if (service === 'git-upload-pack') return uploadPack(h.store, request, fields, idleMs);
  // An interrupted upload leaves an unfinished pack file: sweep it later if no push does.
  host.jobs.set('sweep', Date.now() + SWEEP_DELAY_MS);
  await host.armAlarm();
  return receivePackHttp(h.store.withActor(access.tokenId), request, fields, idleMs);
}

function text(status: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(message + '\n', { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers } });
}
