// Durability across eviction, atomicity under failure, value-size guard, wipe.
import { describe, expect, it } from 'vitest';
import { DOFS } from '../index';
import {
  bytes, countRows, evictDurableObject, expectCode, expectSameBytes, failingStorage, freshStub, inDO, MiB, maxStoredChunk, withFs,
} from './helpers';

describe('persistence', () => {
  it('reads back, from a fresh instance after eviction, everything written before', async () => {
    const stub = freshStub('evict');
    const big = bytes(3 * MiB + 17, 11);
    await inDO(stub, (fs) => {
      fs.mkdirSync('/repo/refs/heads', { recursive: true });
      fs.writeFileSync('/repo/refs/heads/main', 'abc\n');
      fs.writeFileSync('/repo/big', big);
      fs.symlinkSync('refs/heads/main', '/repo/HEADLINK');
      fs.chmodSync('/repo/big', 0o755);
      fs.appendFile('/repo/log', 'one\n');
    });
    await evictDurableObject(stub);
    await inDO(stub, (fs) => {
      expect(fs.readFileSync('/repo/refs/heads/main', 'utf8')).toBe('abc\n');
      expectSameBytes(fs.readFileSync('/repo/big'), big);
      expect(fs.readFileSync('/repo/HEADLINK', 'utf8')).toBe('abc\n');
      expect(fs.statSync('/repo/big').mode).toBe(0o100755);
      expect(fs.readdirSync('/repo')).toEqual(['HEADLINK', 'big', 'log', 'refs']);
      fs.appendFile('/repo/log', 'two\n');
    });
    await evictDurableObject(stub);
    await inDO(stub, (fs) => {
      expect(fs.readFileSync('/repo/log', 'utf8')).toBe('one\ntwo\n');
    });
  });
});

describe('atomicity and limits', () => {
  it('the constructor rejects a chunkSize over 2 MiB before touching storage', () =>
    withFs('ctor', (fs, state) => {
      fs.writeFileSync('/f', 'old');
      expect(DOFS.MAX_VALUE_BYTES).toBe(2 * 1024 * 1024);
      const e = expectCode(() => new DOFS(state.storage, { chunkSize: 3 * MiB }), 'EINVAL');
      expect(e.message).toMatch(/chunkSize/);
      expectCode(() => new DOFS(state.storage, { chunkSize: 1.5 }), 'EINVAL');
      expect(new DOFS(state.storage, { chunkSize: DOFS.MAX_VALUE_BYTES }).chunkSize).toBe(DOFS.MAX_VALUE_BYTES);
      expect(fs.readFileSync('/f', 'utf8')).toBe('old');
    }));

  it('refuses to store any value over 2 MiB (EFBIG) and keeps the old content', () =>
    withFs('efbig', (fs, state) => {
      const old = bytes(5_000, 1);
      fs.writeFileSync('/f', old);
      // Bypass the constructor check to prove the per-insert guard holds on its own.
      (fs as unknown as { chunkSize: number }).chunkSize = 3 * MiB;
      expectCode(() => fs.writeFileSync('/f', bytes(3 * MiB, 2)), 'EFBIG', 'write');
      expectCode(() => fs.writeFileSync('/new', bytes(2 * MiB + 1, 2)), 'EFBIG', 'write');
      const ws = fs.createWriteStream('/f');
      expectCode(() => ws.write(bytes(3 * MiB, 3)), 'EFBIG', 'write');
      expectCode(() => ws.close(), 'EBADF'); // the failed write aborted the stream
      expectSameBytes(fs.readFileSync('/f'), old);
      expect(fs.existsSync('/new')).toBe(false);
      expect(maxStoredChunk(state)).toBeLessThanOrEqual(DOFS.MAX_VALUE_BYTES);
      expect(countRows(state, 'dofs_chunks')).toBe(1);
      expect(countRows(state, 'dofs_pending')).toBe(0);
    }));

  it('a write that fails midway leaves the old file intact (writeFile, appendFile, create, stream close)', () =>
    withFs('inject', (fs, state) => {
      const old = bytes(2_500, 1);
      fs.writeFileSync('/f', old);
      const chunksBefore = countRows(state, 'dofs_chunks');
      const broken = new DOFS(failingStorage(state.storage, 2), { chunkSize: 1000 });
      expect(() => broken.writeFileSync('/f', bytes(5_000, 2))).toThrow('injected failure');
      expectSameBytes(fs.readFileSync('/f'), old);
      expect(fs.statSync('/f').size).toBe(2_500);

      const broken2 = new DOFS(failingStorage(state.storage, 1), { chunkSize: 1000 });
      expect(() => broken2.appendFile('/f', bytes(3_000, 3))).toThrow('injected failure');
      expectSameBytes(fs.readFileSync('/f'), old);

      const broken3 = new DOFS(failingStorage(state.storage, 2), { chunkSize: 1000 });
      expect(() => broken3.writeFileSync('/g', bytes(4_000, 4))).toThrow('injected failure');
      expect(fs.existsSync('/g')).toBe(false);

      const storage4 = failingStorage(state.storage, 2);
      const broken4 = new DOFS(storage4, { chunkSize: 1000 });
      const ws = broken4.createWriteStream('/f');
      ws.write(bytes(2_500, 5)); // two full chunks stored, 500 bytes buffered
      expect(() => ws.close()).toThrow('injected failure'); // the final chunk insert fails
      storage4.armed = false;
      expectSameBytes(fs.readFileSync('/f'), old);
      expect(countRows(state, 'dofs_chunks')).toBe(chunksBefore);
      expect(countRows(state, 'dofs_pending')).toBe(0);
      expect(countRows(state, 'dofs_nodes')).toBe(1);
    }, { chunkSize: 1000 }));

  it('joins a caller transaction: an outer rollback undoes DOFS writes too', () =>
    withFs('outer-tx', (fs, state) => {
      fs.writeFileSync('/f', 'before');
      expect(() => state.storage.transactionSync(() => {
        fs.writeFileSync('/f', 'after');
        fs.mkdirSync('/d');
        throw new Error('abort outer');
      })).toThrow('abort outer');
      expect(fs.readFileSync('/f', 'utf8')).toBe('before');
      expect(fs.existsSync('/d')).toBe(false);
    }));
});

describe('wipe', () => {
  it('deletes every DOFS row, leaves other tables alone, and stays usable', async () => {
    const stub = freshStub('wipe');
    await inDO(stub, (fs, state) => {
      state.storage.sql.exec('CREATE TABLE IF NOT EXISTS app_rows (x)');
      state.storage.sql.exec('INSERT INTO app_rows VALUES (1)');
      fs.mkdirSync('/a/b', { recursive: true });
      fs.writeFileSync('/a/b/f', bytes(3_000, 1));
      fs.symlinkSync('/a', '/l');
      fs.createWriteStream('/pending').write(bytes(10, 1));
      fs.wipe();
      for (const t of ['dofs_nodes', 'dofs_chunks', 'dofs_pending', 'dofs_meta']) expect(countRows(state, t)).toBe(0);
      expect(countRows(state, 'app_rows')).toBe(1);
      expect(fs.readdirSync('/')).toEqual([]);
      fs.writeFileSync('/again', 'ok');
    }, { chunkSize: 1000 });
    await evictDurableObject(stub);
    await inDO(stub, (fs) => {
      expect(fs.readdirSync('/')).toEqual(['again']);
    });
  });
});
