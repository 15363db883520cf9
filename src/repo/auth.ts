// Who may use a repository's git routes: the admin token, or a live token of this repository.
// A refusal says why, as far as this repository can know: an expired token is told so (until its
// row is purged); a well-formed token this repository does not know belongs to another repository
// or was revoked (tokens live with their repository, so no global lookup can tell which); anything
// else is not an Arbor token at all (mistyped, cut short, or a wrong admin token).
import { credentialFrom, safeEqual, sha256Hex, tokenSecret, type Scope } from '../auth/tokens';
import { PURGE_AFTER_S, type TokenStore } from './token-store';

export type Access = { ok: true; scope: Scope | 'admin'; tokenId: string | null } | { ok: false; status: 401 | 403; message: string };

/**
 * The tokens of a repository that does not exist: none. A request for it is answered exactly
 * as one for a repository the caller may not see (401, same message), so the answer does not
 * tell whether a name exists; only the admin token gets a 404.
 */
export const NO_TOKENS: Pick<TokenStore, 'byHash' | 'touch'> = { byHash: () => null, touch: () => {} };

/** The refusal texts (tests and clients match their starts). */
export const NOT_A_TOKEN = 'invalid token: not an Arbor token (they start with arb_v1_; was it copied whole?)';
export const notThisRepo = (repo?: string) =>
  `invalid token: not a token of ${repo ? `repository ${repo}` : 'this repository'} (a token of another repository, or revoked)`;

export function authorize(request: Request, adminToken: string | undefined, tokens: Pick<TokenStore, 'byHash' | 'touch'>, need: Scope, repo?: string): Access {
  const cred = credentialFrom(request.headers.get('authorization'));
  if (!cred) return { ok: false, status: 401, message: 'authentication required' };
  if (adminToken && safeEqual(cred, adminToken)) return { ok: true, scope: 'admin', tokenId: null };
  const secret = tokenSecret(cred);
  if (!secret) return { ok: false, status: 401, message: NOT_A_TOKEN };
  const row = tokens.byHash(sha256Hex(secret));
  const now = Math.floor(Date.now() / 1000);
  if (!row || row.expires_at + PURGE_AFTER_S < now) return { ok: false, status: 401, message: notThisRepo(repo) };
  if (row.expires_at <= now) {
    return { ok: false, status: 401, message: `token expired at ${new Date(row.expires_at * 1000).toISOString()}: issue a new one` };
  }
  if (need === 'write' && row.scope !== 'write') {
    return { ok: false, status: 403, message: 'this token is read-only: pushing needs a write token' };
  }
  tokens.touch(row, now);
  return { ok: true, scope: row.scope as Scope, tokenId: row.id };
}
