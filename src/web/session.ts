// How a browser holds its token for the repository pages. The token is typed once into a login
// form (POSTed, never in a URL) and kept in a cookie that only the pages see: HttpOnly (no script
// reads it), SameSite=Strict (no other site's page can make the browser send it), Path-scoped
// (an admin token to /ui/, a repository token to /ui/<ns>/<name>/ only), Secure over https, and
// gone when the browser closes. Logs never see it: the request log names no cookie.
import { safeEqual, tokenSecret } from '../auth/tokens';
import { href } from './html';

export const ADMIN_COOKIE = 'arbor_admin';
export const REPO_COOKIE = 'arbor_repo';
/** A login form is a token and a return path: anything bigger is not one. */
export const MAX_FORM_BYTES = 4096;

export function cookies(request: Request): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (request.headers.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const k = part.slice(0, eq).trim();
    if (out.has(k)) continue; // the most specific path comes first
    try {
      out.set(k, decodeURIComponent(part.slice(eq + 1).trim()));
    } catch {
      // a cookie we did not write: ignore it
    }
  }
  return out;
}

/** The path a scope's cookie is sent to: the namespace list for the admin, one repository otherwise. */
export function scopePath(ns: string | null, name: string | null): string {
  return ns !== null && name !== null ? `/ui/${href(ns)}/${href(name)}/` : '/ui/';
}

function attributes(request: Request, path: string): string {
  const secure = new URL(request.url).protocol === 'https:' ? '; Secure' : '';
  return `Path=${path}; HttpOnly; SameSite=Strict${secure}`;
}

export function setCookie(request: Request, name: string, value: string, path: string): string {
  return `${name}=${encodeURIComponent(value)}; ${attributes(request, path)}`;
}

export function clearCookie(request: Request, name: string, path: string): string {
  return `${name}=; Max-Age=0; ${attributes(request, path)}`;
}

/** The admin token from its cookie, if it is the admin token. */
export function adminFrom(request: Request, adminToken: string | undefined): string | null {
  const v = cookies(request).get(ADMIN_COOKIE);
  return v && adminToken && safeEqual(v, adminToken) ? v : null;
}

/** What a repository page authenticates with: its repository cookie, else the admin's. */
export function repoTokenFrom(request: Request): string | null {
  const c = cookies(request);
  return c.get(REPO_COOKIE) || c.get(ADMIN_COOKIE) || null;
}

/** The form's token as the server stores it: a repository token loses its `?expires=` note. */
export function normaliseToken(presented: string): string {
  const t = presented.trim();
  return tokenSecret(t) ?? t;
}

/**
 * A request a page of another site made: browsers say so in Sec-Fetch-Site; for the rest, an
 * Origin whose host is not the Host asked for. (The URL's own origin is not used: a local dev
 * server may rewrite it.)
 */
function crossSite(request: Request): boolean {
  const site = request.headers.get('sec-fetch-site');
  if (site !== null) return site !== 'same-origin' && site !== 'none';
  const origin = request.headers.get('origin');
  if (origin === null) return false;
  try {
    return new URL(origin).host !== request.headers.get('host');
  } catch {
    return true;
  }
}

/**
 * Reads a login form (application/x-www-form-urlencoded). A form posted from another site is
 * refused: SameSite covers the cookie, this covers login CSRF (being logged in as someone else).
 */
export async function readForm(request: Request): Promise<URLSearchParams | string> {
  if (crossSite(request)) return 'a form from another site';
  if (!(request.headers.get('content-type') ?? '').startsWith('application/x-www-form-urlencoded')) return 'not a form';
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > MAX_FORM_BYTES) return 'form too large';
  const reader = request.body?.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  if (reader) {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > MAX_FORM_BYTES) {
        await reader.cancel();
        return 'form too large';
      }
      parts.push(value);
    }
  }
  const bytes = new Uint8Array(size);
  let o = 0;
  for (const p of parts) {
    bytes.set(p, o);
    o += p.length;
  }
  return new URLSearchParams(new TextDecoder().decode(bytes));
}

/** A return path after login: only a page of the same scope (no open redirect). */
export function safeNext(next: string | null, scope: string): string {
  return next && next.startsWith(scope) && !next.includes('//') && !next.includes('\\') ? next : scope;
}
