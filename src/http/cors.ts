// CORS for browser clients (isomorphic-git in a web page, fetch() against the REST API) on
// `/git/*` and `/v1/*`. Allowed origins come from ARBOR_CORS_ORIGINS (comma-separated, or `*`);
// unset means no CORS at all, which is what the git CLI and server-side callers need.
//
// Two modes, because the Fetch standard forbids `Access-Control-Allow-Origin: *` together with
// credentials: a list of origins is echoed back one at a time with
// `Access-Control-Allow-Credentials: true` (and `Vary: Origin`, so caches keep answers apart);
// `*` is sent as `*` with no credentials header. Tokens travel in the Authorization header, which a
// page sets itself, so both modes work for isomorphic-git; credentials only matter to a page that
// wants the browser's own Basic-auth prompt or cookies.

/** Paths that get CORS: git smart HTTP and the REST API. */
const CORS_PATH = /^\/(git|v1)\//;

/** What browsers may send: isomorphic-git's headers (Authorization, Git-Protocol, the git
 *  content types) and the REST API's conditional/range reads and gzip bodies. */
const ALLOW_HEADERS = [
  'accept', 'authorization', 'content-type', 'content-encoding', 'git-protocol',
  'if-match', 'if-none-match', 'if-range', 'range',
].join(', ');

/** What scripts may read beyond the CORS-safelisted headers: object metadata of the REST reads,
 *  where a created commit lives, why auth failed, and how long to wait. */
const EXPOSE_HEADERS = [
  'content-length', 'content-range', 'accept-ranges', 'etag', 'location', 'www-authenticate', 'retry-after',
  'x-git-object-id', 'x-git-object-type', 'x-git-mode', 'x-git-commit',
].join(', ');

const ALLOW_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';

/** Browsers cap this (Chromium at 2 h): one preflight per endpoint per 2 h at most. */
const MAX_AGE_SECONDS = 7200;

export interface CorsPolicy {
  any: boolean;
  origins: ReadonlySet<string>;
}

/** Parses ARBOR_CORS_ORIGINS: `*`, or origins like `https://app.example.com` (paths and a
 *  trailing slash are dropped: an Origin header never has them). Null when CORS is off. */
export function corsPolicy(value: string | undefined): CorsPolicy | null {
  const items = (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) return null;
  const origins = new Set<string>();
  let any = false;
  for (const item of items) {
    if (item === '*') any = true;
    else origins.add(normalizeOrigin(item));
  }
  return { any, origins };
}

function normalizeOrigin(s: string): string {
  try {
    return new URL(s).origin;
  } catch {
    return s.replace(/\/+$/, '').toLowerCase();
  }
}

/** The CORS headers for a request from `origin`, or null if that origin is not allowed. */
function allowHeaders(policy: CorsPolicy, origin: string): Record<string, string> | null {
  if (policy.origins.has(normalizeOrigin(origin))) {
    return { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true', vary: 'Origin' };
  }
  if (policy.any) return { 'access-control-allow-origin': '*' };
  return null;
}

function applies(request: Request, policy: CorsPolicy | null): policy is CorsPolicy {
  return policy !== null && request.headers.has('origin') && CORS_PATH.test(new URL(request.url).pathname);
}

/**
 * Answers a CORS preflight (OPTIONS with Origin and Access-Control-Request-Method) here in the
 * Worker, before any Durable Object is woken. Null for anything else. A preflight from an origin
 * not in the list gets a 403 without CORS headers, so the browser refuses the real request and
 * the developer sees why in the network panel.
 */
export function preflight(request: Request, value: string | undefined): Response | null {
  if (request.method !== 'OPTIONS' || !request.headers.has('access-control-request-method')) return null;
  const policy = corsPolicy(value);
  if (!applies(request, policy)) return null;
  const allowed = allowHeaders(policy, request.headers.get('origin')!);
  if (!allowed) {
    return new Response(`origin not allowed: add it to ARBOR_CORS_ORIGINS\n`, {
      status: 403,
      headers: { 'content-type': 'text/plain; charset=utf-8', vary: 'Origin' },
    });
  }
  return new Response(null, {
    status: 204,
    headers: {
      ...allowed,
      'access-control-allow-methods': ALLOW_METHODS,
      'access-control-allow-headers': ALLOW_HEADERS,
      'access-control-max-age': String(MAX_AGE_SECONDS),
    },
  });
}

/**
 * The response with CORS headers added when the request came from an allowed origin. Headers are
 * set in place where they can be (that keeps a raw-bytes answer's `encodeBody: 'manual'`); a
 * response from a Durable Object's fetch has immutable headers and is re-wrapped, its body
 * streaming through.
 */
export function withCors(request: Request, response: Response, value: string | undefined): Response {
  const policy = corsPolicy(value);
  if (!applies(request, policy)) return response;
  const allowed = allowHeaders(policy, request.headers.get('origin')!);
  if (!allowed || response.status === 101) return response; // a WebSocket upgrade cannot be re-wrapped
  try {
    return addHeaders(response, allowed);
  } catch {
    return addHeaders(new Response(response.body, response), allowed);
  }
}

function addHeaders(response: Response, allowed: Record<string, string>): Response {
  for (const [k, v] of Object.entries(allowed)) {
    if (k === 'vary') response.headers.append('vary', v);
    else response.headers.set(k, v);
  }
  response.headers.set('access-control-expose-headers', EXPOSE_HEADERS);
  return response;
}
