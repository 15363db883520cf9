// Repo access tokens: `arb_v1_<40 hex>?expires=<unix seconds>`. Only a SHA-256 of the secret
// part is stored; comparisons run in constant time. The `?expires=` suffix is informational
// for the holder: the server trusts only its own stored expiry.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export type Scope = 'read' | 'write';
export const TOKEN_PREFIX = 'arb_v1_';
const SECRET_RE = /^arb_v1_[0-9a-f]{40}$/;

export interface IssuedToken {
  id: string;
  token: string;
  hash: string;
  scope: Scope;
  expiresAt: number; // unix seconds
}

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

export function issueToken(scope: Scope, ttlSeconds: number, now = Date.now()): IssuedToken {
  const secret = TOKEN_PREFIX + randomBytes(20).toString('hex');
  const expiresAt = Math.floor(now / 1000) + ttlSeconds;
  return {
    id: 'tok_' + randomBytes(8).toString('hex'),
    token: `${secret}?expires=${expiresAt}`,
    hash: sha256Hex(secret),
    scope,
    expiresAt,
  };
}

/** The secret part of a presented token (drops `?expires=`), or null if it is not one of ours. */
export function tokenSecret(presented: string): string | null {
  const q = presented.indexOf('?');
  const secret = (q >= 0 ? presented.slice(0, q) : presented).trim();
  return SECRET_RE.test(secret) ? secret : null;
}

/** Constant-time string equality (hashes first so lengths never leak). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

/**
 * Extracts the credential from an Authorization header: `Bearer <x>` or `Basic base64(user:x)`
 * (the username is ignored, as git sends whatever the URL or helper gave it).
 */
export function credentialFrom(header: string | null): string | null {
  if (!header) return null;
  const sp = header.indexOf(' ');
  if (sp < 0) return null;
  const kind = header.slice(0, sp).toLowerCase();
  const value = header.slice(sp + 1).trim();
  if (kind === 'bearer') return value || null;
  if (kind === 'basic') {
    let decoded: string;
    try {
      decoded = atob(value);
    } catch {
      return null;
    }
    const colon = decoded.indexOf(':');
    const pass = colon >= 0 ? decoded.slice(colon + 1) : decoded;
    try {
      return decodeURIComponent(escape(pass)) || null; // bytes → UTF-8 string
    } catch {
      return pass || null;
    }
  }
  return null;
}
