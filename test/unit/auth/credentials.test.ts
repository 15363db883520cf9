// src/auth/tokens.ts: what a presented credential is (Bearer, or Basic with any username), the
// secret part of a repo token, and the constant-time comparison.
import { describe, expect, it } from 'vitest';
import { credentialFrom, issueToken, safeEqual, sha256Hex, tokenSecret } from '../../../src/auth/tokens';

describe('credentials', () => {
  it('Bearer and Basic (username ignored, password UTF-8); anything else is none', () => {
    expect(credentialFrom('Bearer abc')).toBe('abc');
    expect(credentialFrom(`Basic ${btoa('git:s3cret')}`)).toBe('s3cret');
    expect(credentialFrom(`Basic ${btoa('only-password')}`)).toBe('only-password');
    expect(credentialFrom('Basic !!!not-base64')).toBeNull();
    expect(credentialFrom('Digest x')).toBeNull();
    expect(credentialFrom('Bearer ')).toBeNull();
    expect(credentialFrom(null)).toBeNull();
  });

  it('a token: its secret with or without ?expires=, hashed with SHA-256; others are not ours', () => {
    const t = issueToken('read', 60, 1_700_000_000_000);
    expect(t.token).toMatch(/^arb_v1_[0-9a-f]{40}[0-9A-Za-z]{6}\?expires=1700000060$/); // 6: the checksum (tokens.test.ts)
    const secret = t.token.split('?')[0];
    expect(tokenSecret(t.token)).toBe(secret);
    expect(tokenSecret(secret)).toBe(secret);
    expect(sha256Hex(secret)).toBe(t.hash);
    expect(tokenSecret('ghp_something')).toBeNull();
    expect(tokenSecret('arb_v1_short')).toBeNull();
  });

  it('safeEqual compares whole strings', () => {
    expect(safeEqual('admin-token', 'admin-token')).toBe(true);
    expect(safeEqual('admin-token', 'admin-tokeN')).toBe(false);
    expect(safeEqual('admin', 'admin-token')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
  });
});
