// RepoObject's token and event calls (control plane): issue, list, revoke tokens; read events.
import type { Scope } from '../auth/tokens';
import type { RefEvent } from './event-store';
import type { RepoHost } from './host';
import { notFound, type RpcResult, type TokenListing } from './types';

export type IssuedToken = { id: string; token: string; scope: Scope; expiresAt: string; name: string | null };

/** `name`: the issuer's note (what the token is for), listed with the token. */
export function createToken(host: RepoHost, key: string, scope: Scope, ttlSeconds: number, name: string | null = null): Promise<RpcResult<IssuedToken>> {
  return host.on<RpcResult<IssuedToken>>(
    key,
    (h) => {
      const t = h.tokens.issue(scope, ttlSeconds, name);
      return { ok: true, value: { id: t.id, token: t.token, scope: t.scope, expiresAt: new Date(t.expiresAt * 1000).toISOString(), name: t.name } };
    },
    (s) => s.createToken(key, scope, ttlSeconds, name),
    notFound,
  );
}

/** Tokens of this repository: ids, names, scope, times — never the secret or its hash. */
export function listTokens(host: RepoHost, key: string): Promise<RpcResult<TokenListing[]>> {
  return host.on<RpcResult<TokenListing[]>>(key, (h) => ({ ok: true, value: h.tokens.list() }), (s) => s.listTokens(key), notFound);
}

/** Revokes a token: its next request fails (every git request looks the hash up here). */
export function revokeToken(host: RepoHost, key: string, id: string): Promise<RpcResult<null>> {
  return host.on<RpcResult<null>>(
    key,
    (h) => (h.tokens.revoke(id) ? { ok: true, value: null } : { ok: false, status: 404, code: 'not_found', message: `no token ${id} on this repository` }),
    (s) => s.revokeToken(key, id),
    notFound,
  );
}

/** Ref-change events with id > after, oldest first. */
export function listEvents(host: RepoHost, key: string, after: number, limit: number): Promise<RpcResult<RefEvent[]>> {
  return host.on<RpcResult<RefEvent[]>>(key, (h) => ({ ok: true, value: h.events.list(after, limit) }), (s) => s.listEvents(key, after, limit), notFound);
}
