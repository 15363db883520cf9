// Validation of what the caller says about the remote: the URL (http/https only, no embedded
// credentials — those go in `headers`, which are never stored) and the extra request headers.
import { ImportError } from './errors';

const bad = (msg: string) => new ImportError('bad_request', msg);

/** Headers the client itself sets (protocol, framing, encoding): the caller may not override them. */
const RESERVED = new Set([
  'host', 'content-length', 'content-type', 'content-encoding', 'transfer-encoding', 'connection', 'keep-alive',
  'upgrade', 'te', 'trailer', 'accept', 'accept-encoding', 'git-protocol', 'expect', 'proxy-authorization', 'cookie2',
]);
const TOKEN_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
export const MAX_HEADERS = 20;
export const MAX_HEADER_VALUE = 8192;

/**
 * The base URL of the remote repository (no trailing slash), e.g. https://host/owner/repo.git.
 * Throws a 400 ImportError for anything git would not fetch from over smart HTTP.
 */
export function parseRemoteUrl(raw: unknown): URL {
  if (typeof raw !== 'string' || raw.trim() === '') throw bad('url must be a non-empty string');
  if (raw.length > 2048) throw bad('url is longer than 2048 characters');
  if (/[\s\x00-\x1f\x7f]/.test(raw)) throw bad('url must not contain whitespace or control characters');
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw bad('url is not an absolute URL (use http:// or https://)');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw bad(`url scheme ${u.protocol.replace(/:$/, '')} is not supported (use http or https)`);
  // user:password@host would end up wherever the URL is shown: credentials belong in headers.
  const authority = raw.slice(raw.indexOf('//') + 2).split(/[/?#]/)[0];
  if (u.username || u.password || authority.includes('@')) {
    throw bad('url must not contain credentials: pass them in headers (e.g. Authorization), which are never stored');
  }
  if (u.hash || raw.includes('#')) throw bad('url must not contain a fragment');
  if (u.search) throw bad('url must not contain a query string');
  if (!u.hostname) throw bad('url has no host');
  u.pathname = u.pathname.replace(/\/+$/, '');
  return u;
}

/** The caller's extra headers as a plain map; never logged or stored. */
export function parseHeaders(raw: unknown): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw bad('headers must be an object of header name to string value');
  const out: Record<string, string> = {};
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > MAX_HEADERS) throw bad(`at most ${MAX_HEADERS} headers`);
  for (const [name, value] of entries) {
    if (!TOKEN_RE.test(name)) throw bad(`invalid header name '${name.slice(0, 40)}'`);
    if (RESERVED.has(name.toLowerCase())) throw bad(`header ${name} is set by the importer and cannot be given`);
    if (typeof value !== 'string') throw bad(`header ${name}: the value must be a string`);
    if (value.length > MAX_HEADER_VALUE || /[\r\n\x00]/.test(value)) throw bad(`header ${name}: invalid value`); // value not echoed
    out[name] = value;
  }
  return out;
}

/** `depth`: a positive integer (commits of history to keep on each imported tip), or undefined. */
export function parseDepth(raw: unknown): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1 || raw > 0x7fffffff) throw bad('depth must be a positive integer');
  return raw;
}

/** `branch`: a branch name ("main" or "refs/heads/main"), returned as the full ref name. */
export function parseBranch(raw: unknown): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string' || raw === '' || raw.length > 1000) throw bad('branch must be a non-empty string');
  return raw.startsWith('refs/heads/') ? raw : `refs/heads/${raw}`;
}
