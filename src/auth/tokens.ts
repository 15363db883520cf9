// Repo access tokens: `arb_v1_<40 hex><6 base62 checksum>?expires=<unix seconds>`. Only a SHA-256
// of the secret part (everything before `?`) is stored; comparisons run in constant time. The
// `?expires=` suffix is informational for the holder: the server trusts only its own stored expiry.
//
// The checksum lets a secret scanner tell a real token from a look-alike offline, as GitHub's
// tokens do: the CRC-32 (IEEE, as zlib's crc32) of the ASCII text `arb_v1_<40 hex>`, written in
// base62 (digits 0-9A-Za-z, most significant first), left-padded with '0' to 6 characters.
// Tokens issued before it existed (`arb_v1_<40 hex>`, no checksum) stay valid.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export type Scope = 'read' | 'write';
export const TOKEN_PREFIX = 'arb_v1_';
/** A token secret: the random part, then (tokens issued since the checksum) its checksum. */
const SECRET_RE = /^arb_v1_([0-9a-f]{40})([0-9A-Za-z]{6})?$/;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** CRC-32 (IEEE 802.3, reflected, as zlib) of an ASCII string; bitwise: it runs on 47 bytes. */
function crc32Ascii(s: string): number {
  let c = 0xffffffff;
  for (let i = 0; i < s.length; i++) {
    c ^= s.charCodeAt(i) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** The 6-character checksum of `arb_v1_<40 hex>`. */
export function tokenChecksum(body: string): string {
  let n = crc32Ascii(body);
  let out = '';
  for (let i = 0; i < 6; i++) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

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
  const body = TOKEN_PREFIX + randomBytes(20).toString('hex');
  const secret = body + tokenChecksum(body);
  const expiresAt = Math.floor(now / 1000) + ttlSeconds;
  return {
    id: 'tok_' + randomBytes(8).toString('hex'),
    token: `${secret}?expires=${expiresAt}`,
    hash: sha256Hex(secret),
    scope,
    expiresAt,
  };
}

/**
 * The secret part of a presented token (drops `?expires=`), or null if it is not one of ours:
 * malformed, or its checksum does not match (a typo or a made-up token: no lookup needed).
 */
export function tokenSecret(presented: string): string | null {
  const q = presented.indexOf('?');
  const secret = (q >= 0 ? presented.slice(0, q) : presented).trim();
  const m = SECRET_RE.exec(secret);
  if (!m) return null;
  if (m[2] !== undefined && m[2] !== tokenChecksum(TOKEN_PREFIX + m[1])) return null;
  return secret;
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
