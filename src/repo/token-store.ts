// Repo tokens in the repository's own SQLite: only hashes are stored, with a name the issuer
// gave, when each was last used (coarsely: a read must not cost a write every time) and when it
// expires. Rows expired for longer than PURGE_AFTER_S are deleted; until then an expired token
// is answered "expired" rather than "invalid", and still listed.
import { issueToken, safeEqual, type IssuedToken, type Scope } from '../auth/tokens';
import type { TokenListing } from './types';

export type TokenRow = {
  id: string;
  hash: string;
  scope: string;
  expires_at: number;
  created_at: number;
  name: string | null;
  last_used_at: number | null;
};

/** last_used_at is written at most this often per token (seconds). */
export const LAST_USED_GRANULARITY_S = 60;
/** Expired rows are deleted this long after their expiry (seconds): 30 days. */
export const PURGE_AFTER_S = 30 * 86_400;

const iso = (s: number) => new Date(s * 1000).toISOString();

/** The tokens of one repository (`repo` = its key; a DO may host a fork network). */
export class TokenStore {
  constructor(
    private readonly sql: SqlStorage,
    readonly repo: string,
  ) {}

  issue(scope: Scope, ttlSeconds: number, name: string | null = null): IssuedToken & { name: string | null } {
    const t = issueToken(scope, ttlSeconds);
    const now = Math.floor(Date.now() / 1000);
    this.purge(now);
    this.sql.exec(
      `INSERT INTO tokens (id, hash, scope, expires_at, created_at, repo, name) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      t.id, t.hash, t.scope, t.expiresAt, now, this.repo, name,
    );
    return { ...t, name };
  }

  /**
   * Lookup by hash (indexed), then a constant-time confirmation of the stored hash. A token of
   * another repository of the same network is no token here.
   */
  byHash(hash: string): TokenRow | null {
    const row = this.sql.exec<TokenRow & { repo: string }>(`SELECT * FROM tokens WHERE hash = ?`, hash).toArray()[0];
    return row && safeEqual(row.hash, hash) && row.repo === this.repo ? row : null;
  }

  /** Records a successful use, unless one was recorded less than a minute ago. */
  touch(row: TokenRow, now = Math.floor(Date.now() / 1000)): void {
    if (row.last_used_at !== null && now - row.last_used_at < LAST_USED_GRANULARITY_S) return;
    this.sql.exec(`UPDATE tokens SET last_used_at = ? WHERE id = ?`, now, row.id);
    row.last_used_at = now;
  }

  /** Deletes this repository's tokens that expired more than PURGE_AFTER_S ago. */
  purge(now = Math.floor(Date.now() / 1000)): number {
    return this.sql.exec(`DELETE FROM tokens WHERE repo = ? AND expires_at < ?`, this.repo, now - PURGE_AFTER_S).rowsWritten;
  }

  list(): TokenListing[] {
    const now = Math.floor(Date.now() / 1000);
    this.purge(now);
    return this.sql
      .exec<Omit<TokenRow, 'hash'>>(
        `SELECT id, scope, expires_at, created_at, name, last_used_at FROM tokens WHERE repo = ? ORDER BY created_at, id`,
        this.repo,
      )
      .toArray()
      .map((t) => ({
        id: t.id,
        name: t.name,
        scope: t.scope as Scope,
        createdAt: iso(t.created_at),
        expiresAt: iso(t.expires_at),
        expired: t.expires_at <= now,
        lastUsedAt: t.last_used_at === null ? null : iso(t.last_used_at),
      }));
  }

  revoke(id: string): boolean {
    return this.sql.exec(`DELETE FROM tokens WHERE id = ? AND repo = ?`, id, this.repo).rowsWritten > 0;
  }

  clear(): void {
    this.sql.exec(`DELETE FROM tokens WHERE repo = ?`, this.repo);
  }
}
