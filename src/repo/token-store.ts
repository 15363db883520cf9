// Repo tokens in the repository's own SQLite: only hashes are stored.
import { issueToken, safeEqual, type IssuedToken, type Scope } from '../auth/tokens';

export type TokenRow = {
  id: string;
  hash: string;
  scope: string;
  expires_at: number;
  created_at: number;
};

/** The tokens of one repository (`repo` = its key; a DO may host a fork network). */
export class TokenStore {
  constructor(
    private readonly sql: SqlStorage,
    readonly repo: string,
  ) {}

  issue(scope: Scope, ttlSeconds: number): IssuedToken {
    const t = issueToken(scope, ttlSeconds);
    this.sql.exec(
      `INSERT INTO tokens (id, hash, scope, expires_at, created_at, repo) VALUES (?, ?, ?, ?, ?, ?)`,
      t.id, t.hash, t.scope, t.expiresAt, Math.floor(Date.now() / 1000), this.repo,
    );
    return t;
  }

  /**
   * Lookup by hash (indexed), then a constant-time confirmation of the stored hash. A token of
   * another repository of the same network is no token here.
   */
  byHash(hash: string): TokenRow | null {
    const row = this.sql.exec<TokenRow & { repo: string }>(`SELECT * FROM tokens WHERE hash = ?`, hash).toArray()[0];
    return row && safeEqual(row.hash, hash) && row.repo === this.repo ? row : null;
  }

  list(): Omit<TokenRow, 'hash'>[] {
    return this.sql
      .exec<TokenRow>(`SELECT id, scope, expires_at, created_at FROM tokens WHERE repo = ? ORDER BY created_at, id`, this.repo)
      .toArray();
  }

  revoke(id: string): boolean {
    return this.sql.exec(`DELETE FROM tokens WHERE id = ? AND repo = ?`, id, this.repo).rowsWritten > 0;
  }

  clear(): void {
    this.sql.exec(`DELETE FROM tokens WHERE repo = ?`, this.repo);
  }
}
