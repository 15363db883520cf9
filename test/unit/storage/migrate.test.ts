// Schema 1 (one repository per DO, unkeyed refs/meta/tokens/events) migrates into the fork
// network schema: the repository keeps its refs, settings, tokens and events under its key.
import { describe, expect, it } from 'vitest';
import { RepoStore } from '../../../src/storage/repo-store';
import { TokenStore } from '../../../src/repo/token-store';
import { EventStore } from '../../../src/repo/event-store';
import { runInDurableObject } from 'cloudflare:test';
import { repoStub } from './helpers';

const OID = 'a'.repeat(40);

describe('schema migration', () => {
  it('moves a schema-1 repository under its key', async () => {
    await runInDurableObject(repoStub('migrate'), (_i, state) => {
      const sql = state.storage.sql;
      // The DO opened with the current schema: take it back to schema 1.
      for (const t of ['repos', 'repo_info', 'links', 'repo_refs', 'tokens', 'events', 'repo_meta']) sql.exec(`DROP TABLE IF EXISTS ${t}`);
      sql.exec(`CREATE TABLE repo_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
      sql.exec(`CREATE TABLE refs (name TEXT PRIMARY KEY, oid TEXT, target TEXT)`);
      sql.exec(`CREATE TABLE tokens (id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, scope TEXT NOT NULL, expires_at INTEGER NOT NULL, created_at INTEGER NOT NULL)`);
      sql.exec(`CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, ref TEXT NOT NULL, old_oid TEXT NOT NULL, new_oid TEXT NOT NULL, actor TEXT, time INTEGER NOT NULL)`);
      for (const [k, v] of [['namespace', 'ns'], ['name', 'old'], ['created_at', '2026-01-01T00:00:00.000Z'], ['default_branch', 'main'], ['next_pack_id', '4'], ['read_only', '0']]) {
        sql.exec(`INSERT INTO repo_meta VALUES (?, ?)`, k, v);
      }
      sql.exec(`INSERT INTO refs VALUES ('HEAD', NULL, 'refs/heads/main'), ('refs/heads/main', ?, NULL)`, OID);
      sql.exec(`INSERT INTO tokens VALUES ('tok_0123456789abcdef', 'h', 'write', 9999999999, 1)`);
      sql.exec(`INSERT INTO events (ref, old_oid, new_oid, actor, time) VALUES ('refs/heads/main', ?, ?, NULL, 1)`, '0'.repeat(40), OID);

      const store = new RepoStore(state.storage, 'ns/old');
      expect(store.hosts()).toBe(true);
      expect(store.refs.list()).toEqual([{ name: 'refs/heads/main', oid: OID }]);
      expect(store.refs.head()).toEqual({ target: 'refs/heads/main', oid: OID });
      expect(store.meta('created_at')).toBe('2026-01-01T00:00:00.000Z');
      expect(new TokenStore(sql, 'ns/old').list().map((t) => t.id)).toEqual(['tok_0123456789abcdef']);
      // columns added later (name, last_used_at) exist on the old table too
      expect(new TokenStore(sql, 'ns/old').list()[0]).toMatchObject({ name: null, lastUsedAt: null, expired: false });
      expect(new TokenStore(sql, 'ns/other').list()).toEqual([]);
      expect(new EventStore(sql, 'ns/old').list(0, 10).map((e) => e.new)).toEqual([OID]);
      // Store-wide settings stay; the old table is gone; a second open changes nothing.
      expect(sql.exec(`SELECT value FROM repo_meta WHERE key = 'next_pack_id'`).one().value).toBe('4');
      expect(sql.exec(`SELECT count(*) AS n FROM sqlite_master WHERE name = 'refs'`).one().n).toBe(0);
      expect(new RepoStore(state.storage, 'ns/old').refs.list()).toHaveLength(1);
    });
  });
});
