// Outbound HTTP for imports and webhooks: only to public destinations (src/net/address.ts) unless
// ARBOR_ALLOW_PRIVATE_NETWORKS=1 (local runs and tests, where the remote is on 127.0.0.1), and
// redirects followed by hand so every hop is checked again, at most MAX_REDIRECTS of them, and
// the caller's own headers (credentials) never reach another origin than the one they gave.
import { hostProblem } from './address';

export const MAX_REDIRECTS = 5;

/** The setting, from the Worker's environment: "1" or "true" allows private destinations. */
export function privateNetworksAllowed(env: { ARBOR_ALLOW_PRIVATE_NETWORKS?: string }): boolean {
  const v = (env.ARBOR_ALLOW_PRIVATE_NETWORKS ?? '').trim().toLowerCase();
  return v === '1' || v === 'true' || v === 'yes';
}

/** A destination the policy refuses; the message is safe to show to the caller. */
export class DestinationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DestinationError';
  }
}

/** Why a request must not go to `url`, or null. Only http(s), never with credentials. */
export function destinationProblem(url: URL, allowPrivate: boolean): string | null {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `scheme ${url.protocol.replace(/:$/, '')} is not allowed`;
  if (url.username || url.password) return 'credentials in the URL are not allowed';
  if (allowPrivate) return null;
  const why = hostProblem(url.hostname);
  return why && `${url.hostname} is a ${why}: requests to private networks are refused`;
}

export interface OutboundInit {
  method: 'GET' | 'POST';
  body?: Uint8Array | string;
  /** Headers of the protocol itself: sent on every hop. */
  headers: Record<string, string>;
  /** The caller's headers (e.g. Authorization): sent only to the origin the caller named. */
  callerHeaders?: Record<string, string>;
  /** That origin (default: url's). */
  callerOrigin?: string;
  signal?: AbortSignal;
}

export interface OutboundOptions {
  allowPrivate: boolean;
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  maxRedirects?: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * fetch() to a checked destination. A GET follows redirects (each target checked, caller headers
 * dropped once the origin changes); any other method gets the 3xx answer as it is. Returns the
 * answer and the URL that gave it. Throws DestinationError for a refused destination (the first
 * or a redirect target) or too many redirects; network errors are fetch's own.
 */
export async function outboundFetch(url: URL, init: OutboundInit, opts: OutboundOptions): Promise<{ res: Response; url: URL }> {
  const doFetch = opts.fetch ?? ((input, i) => fetch(input, i));
  const max = opts.maxRedirects ?? MAX_REDIRECTS;
  const origin = init.callerOrigin ?? url.origin;
  let current = url;
  let sameOrigin = true;
  for (let hop = 0; ; hop++) {
    const problem = destinationProblem(current, opts.allowPrivate);
    if (problem) throw new DestinationError(hop === 0 ? problem : `redirected to a refused destination: ${problem}`);
    sameOrigin &&= current.origin === origin; // once another origin answered, never again
    const headers = sameOrigin ? { ...init.callerHeaders, ...init.headers } : { ...init.headers };
    const res = await doFetch(current.href, { method: init.method, body: init.body, headers, redirect: 'manual', signal: init.signal });
    const location = res.headers.get('location');
    if (init.method !== 'GET' || !REDIRECTS.has(res.status) || location === null) return { res, url: current };
    await res.body?.cancel().catch(() => {});
    if (hop >= max) throw new DestinationError(`more than ${max} redirects`);
    let next: URL;
    try {
      next = new URL(location, current);
    } catch {
      throw new DestinationError('redirected to an invalid URL');
    }
    next.hash = '';
    current = next;
  }
}
