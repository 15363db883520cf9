// Repo tokens in the repository's own SQLite: only hashes are stored.
import { issueToken, safeEqual, type IssuedToken, type Scope } from '../auth/tokens';

export type TokenRow = {
  id: string;
  hash: string;
  scope: string;
  expires_at: number;
  created_at: number;
};

export class TokenStore {
  constructor(private readonly sql: SqlStorage) {}

  issue(scope: Scope, ttlSeconds: number): IssuedToken {
    const t = issueToken(scope, ttlSeconds);
    this.sql.exec(
      `INSERT INTO tokens (id, hash, scope, expires_at, created_at) VALUES (?, ?, ?, ?, ?)`,
      t.id, t.hash, t.scope, t.expiresAt, Math.floor(Date.now() / 1000),
    );
    return t;
  }

  /** Lookup by hash (indexed), then a constant-time confirmation of the stored hash. */
  byHash(hash: string): TokenRow | null {
    const row = this.sql.exec<TokenRow>(`SELECT * FROM tokens WHERE hash = ?`, hash).toArray()[0];
    return row && safeEqual(row.hash, hash) ? row : null;
  }

  list(): Omit<TokenRow, 'hash'>[] {
    return this.sql
      .exec<TokenRow>(`SELECT id, scope, expires_at, created_at FROM tokens ORDER BY created_at, id`)
      .toArray();
  }

  revoke(id: string): boolean {
    return this.sql.exec(`DELETE FROM tokens WHERE id = ?`, id).rowsWritten > 0;
  }
}
