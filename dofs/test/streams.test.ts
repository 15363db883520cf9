// Write streams: chunked as they fill, invisible until close(), atomic replace,
// abort, and sweeping what abandoned streams leave behind.
import { describe, expect, it } from 'vitest';
import { DOFS } from '../index';
import { bytes, countRows, evictDurableObject, expectCode, expectSameBytes, freshStub, inDO, withFs } from './helpers';

const CS = 1000; // small chunks so a few KB cross several boundaries

describe('write streams', () => {
  it('stores chunks as they fill but shows the file only on close', () =>
    withFs('stream-basic', (fs, state) => {
      fs.mkdirSync('/d');
      const data = bytes(4_321, 5);
      const ws = fs.createWriteStream('/d/out');
      ws.write(data.subarray(0, 10));
      ws.write(data.subarray(10, 2_500)); // crosses two boundaries in one call
      ws.write(new Uint8Array(0));
      ws.write(data.subarray(2_500));
      expect(ws.bytesWritten).toBe(4_321);
      expect(countRows(state, 'dofs_chunks')).toBe(4); // full chunks already stored; 321 bytes still buffered
      expect(fs.existsSync('/d/out')).toBe(false);
      expect(fs.readdirSync('/d')).toEqual([]);
      ws.close();
      expectSameBytes(fs.readFileSync('/d/out'), data);
      expect(fs.statSync('/d/out').size).toBe(4_321);
      expect(countRows(state, 'dofs_chunks')).toBe(5);
      expect(countRows(state, 'dofs_pending')).toBe(0);
      expectCode(() => ws.write(new Uint8Array(1)), 'EBADF');
      expectCode(() => ws.close(), 'EBADF');
      ws.abort(); // no-op after close
      expectSameBytes(fs.readFileSync('/d/out'), data);
    }, { chunkSize: CS }));

  it('replaces an existing file atomically on close', () =>
    withFs('stream-replace', (fs, state) => {
      const old = bytes(3_500, 1);
      const next = bytes(1_200, 2);
      fs.writeFileSync('/f', old);
      const oldIno = fs.statSync('/f').ino;
      const ws = fs.createWriteStream('/f');
      ws.write(next);
      expectSameBytes(fs.readFileSync('/f'), old); // old content until close
      ws.close();
      expectSameBytes(fs.readFileSync('/f'), next);
      expect(fs.statSync('/f').ino).not.toBe(oldIno);
      expect(countRows(state, 'dofs_chunks')).toBe(2); // the old file's 4 chunks are gone
    }, { chunkSize: CS }));

  it('abort discards everything and leaves any old file intact', () =>
    withFs('stream-abort', (fs, state) => {
      fs.writeFileSync('/f', 'old');
      const ws = fs.createWriteStream('/f');
      ws.write(bytes(5_000, 3));
      ws.abort();
      ws.abort();
      expect(fs.readFileSync('/f', 'utf8')).toBe('old');
      expect(countRows(state, 'dofs_chunks')).toBe(1);
      expect(countRows(state, 'dofs_pending')).toBe(0);
      expectCode(() => ws.write(new Uint8Array(1)), 'EBADF');
      const fresh = fs.createWriteStream('/new');
      fresh.write(bytes(10, 1));
      fresh.abort();
      expect(fs.existsSync('/new')).toBe(false);
    }, { chunkSize: CS }));

  it('writes empty files and files through symlinks', () =>
    withFs('stream-edge', (fs) => {
      const empty = fs.createWriteStream('/empty');
      empty.close();
      expect(fs.statSync('/empty').size).toBe(0);
      fs.mkdirSync('/real');
      fs.symlinkSync('/real', '/via');
      const ws = fs.createWriteStream('/via/f');
      ws.write(bytes(2_000, 4));
      ws.close();
      expectSameBytes(fs.readFileSync('/real/f'), bytes(2_000, 4));
    }, { chunkSize: CS }));

  it('a close that cannot link the file fails cleanly and leaves nothing', () =>
    withFs('stream-fail', (fs, state) => {
      fs.mkdirSync('/d');
      const ws = fs.createWriteStream('/d/f');
      ws.write(bytes(2_500, 1));
      fs.rmdirSync('/d');
      expectCode(() => ws.close(), 'ENOENT', 'open');
      expect(countRows(state, 'dofs_chunks')).toBe(0);
      expect(countRows(state, 'dofs_pending')).toBe(0);

      const ws2 = fs.createWriteStream('/x');
      ws2.write(bytes(10, 1));
      fs.mkdirSync('/x'); // the target became a directory meanwhile
      expectCode(() => ws2.close(), 'EISDIR');
      expect(fs.statSync('/x').isDirectory()).toBe(true);
      expect(countRows(state, 'dofs_chunks')).toBe(0);
    }, { chunkSize: CS }));

  it('unclosed streams leave only invisible garbage that sweepOrphans() deletes after eviction', async () => {
    const stub = freshStub('stream-orphans');
    await inDO(stub, (fs, state) => {
      fs.writeFileSync('/keep', bytes(1_500, 8));
      const ws = fs.createWriteStream('/keep');
      ws.write(bytes(3_000, 9)); // never closed
      const other = fs.createWriteStream('/gone');
      other.write(bytes(1_000, 9));
      expect(fs.sweepOrphans()).toBe(0); // both streams are live in this isolate
      // A second DOFS on the same storage sees them as live too.
      expect(new DOFS(state.storage).sweepOrphans()).toBe(0);
      expect(countRows(state, 'dofs_pending')).toBe(2);
    }, { chunkSize: CS });
    await evictDurableObject(stub);
    await inDO(stub, (fs, state) => {
      expectSameBytes(fs.readFileSync('/keep'), bytes(1_500, 8)); // readers never saw the garbage
      expect(fs.existsSync('/gone')).toBe(false);
      expect(countRows(state, 'dofs_chunks')).toBe(6);
      expect(fs.sweepOrphans()).toBe(2);
      expect(countRows(state, 'dofs_chunks')).toBe(2);
      expect(countRows(state, 'dofs_pending')).toBe(0);
      expect(fs.sweepOrphans({ deep: true })).toBe(0);
      // Deep mode also finds chunks that no node or stream owns.
      state.storage.sql.exec('INSERT INTO dofs_chunks (ino, idx, data) VALUES (999999, 0, ?)', new Uint8Array(3));
      expect(fs.sweepOrphans()).toBe(0);
      expect(fs.sweepOrphans({ deep: true })).toBe(1);
      expectSameBytes(fs.readFileSync('/keep'), bytes(1_500, 8));
    }, { chunkSize: CS });
  });

  it('wipe() kills open streams', () =>
    withFs('stream-wipe', (fs, state) => {
      const ws = fs.createWriteStream('/f');
      ws.write(bytes(1_500, 1));
      fs.wipe();
      expectCode(() => ws.write(bytes(10, 1)), 'EBADF');
      expectCode(() => ws.close(), 'EBADF');
      expect(countRows(state, 'dofs_chunks')).toBe(0);
      expect(fs.existsSync('/f')).toBe(false);
    }, { chunkSize: CS }));
});
