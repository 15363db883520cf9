// Chunking: boundary sizes, the 2 MiB value limit, random access, appends.
import { describe, expect, it } from 'vitest';
import { DOFS } from '../index';
import { bytes, countRows, expectSameBytes, freshStub, inDO, MiB, maxStoredChunk, withFs } from './helpers';

const CHUNK = DOFS.DEFAULT_CHUNK_SIZE;

describe('chunked file data', () => {
  it('round-trips files at chunk boundaries (0 B, 1 B, one chunk, one chunk + 1, 2 MiB + 1)', () =>
    withFs('boundaries', (fs, state) => {
      expect(CHUNK).toBe(MiB);
      const sizes = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * MiB, 2 * MiB + 1];
      sizes.forEach((n, i) => fs.writeFileSync(`/f${i}`, bytes(n, i + 1)));
      sizes.forEach((n, i) => {
        expectSameBytes(fs.readFileSync(`/f${i}`), bytes(n, i + 1));
        expect(fs.statSync(`/f${i}`).size).toBe(n);
        expect(fs.size(`/f${i}`)).toBe(n);
      });
      const chunksOf = (path: string) => state.storage.sql.exec<{ n: number }>(
        'SELECT count(*) AS n FROM dofs_chunks c JOIN dofs_nodes f ON f.ino = c.ino WHERE f.path = ?', path).one().n;
      expect(sizes.map((_, i) => chunksOf(`/f${i}`))).toEqual([0, 1, 1, 1, 2, 2, 3]);
      expect(maxStoredChunk(state)).toBeLessThanOrEqual(DOFS.MAX_VALUE_BYTES);
      expect(maxStoredChunk(state)).toBe(CHUNK);
    }));

  it('round-trips a 25 MiB file with no stored value over 2 MiB', () =>
    withFs('big', (fs, state) => {
      const data = bytes(25 * MiB, 42);
      fs.writeFileSync('/big.bin', data);
      expect(fs.statSync('/big.bin').size).toBe(25 * MiB);
      expectSameBytes(fs.readFileSync('/big.bin'), data);
      expect(maxStoredChunk(state)).toBeLessThanOrEqual(2 * MiB);
      expect(countRows(state, 'dofs_chunks')).toBe(25);
      // Random access spanning several chunk boundaries.
      const off = 3 * MiB - 10;
      expectSameBytes(fs.read('/big.bin', off, 2 * MiB + 20), data.subarray(off, off + 2 * MiB + 20));
    }));

  it('reads random ranges across chunk boundaries, short at EOF', () =>
    withFs('ranges', (fs) => {
      const size = 10_000;
      const data = bytes(size, 7);
      fs.writeFileSync('/f', data);
      const cases: [number, number][] = [
        [0, 0], [0, 1], [0, 1000], [999, 2], [1000, 1000], [1500, 3000], [0, size], [9_990, 100], [size, 5], [size + 100, 5],
      ];
      for (const [off, len] of cases) expectSameBytes(fs.read('/f', off, len), data.subarray(off, off + len));
      expect(fs.read('/f', 9_990, 100).byteLength).toBe(10);
      for (let i = 0; i < 200; i++) {
        const off = Math.floor(Math.random() * (size + 50));
        const len = Math.floor(Math.random() * 3000);
        expectSameBytes(fs.read('/f', off, len), data.subarray(off, off + len));
      }
    }, { chunkSize: 1000 }));

  it('appends atomically across chunk boundaries, keeping chunks full', () =>
    withFs('append', (fs, state) => {
      const parts = [bytes(0, 1), bytes(7, 2), bytes(3, 3), bytes(10, 4), bytes(1, 5), bytes(25, 6), bytes(9, 7)];
      const expected: number[] = [];
      for (const p of parts) {
        fs.appendFile('/log', p);
        expected.push(...p);
        expectSameBytes(fs.readFileSync('/log'), new Uint8Array(expected));
      }
      const lens = state.storage.sql.exec<{ n: number }>(
        'SELECT length(data) AS n FROM dofs_chunks c JOIN dofs_nodes f ON f.ino = c.ino WHERE f.path = ? ORDER BY idx', '/log')
        .toArray().map((r) => r.n);
      expect(lens).toEqual([8, 8, 8, 8, 8, 8, 7]); // 55 bytes in chunks of 8
      expectSameBytes(fs.read('/log', 5, 20), new Uint8Array(expected.slice(5, 25)));
    }, { chunkSize: 8 }));

  it('reads files written with another chunk size (csize is stored per file)', async () => {
    const stub = freshStub('mixed');
    const data = bytes(100_000, 9);
    await inDO(stub, (fs) => fs.writeFileSync('/f', data), { chunkSize: 4096 });
    await inDO(stub, (fs) => {
      expectSameBytes(fs.readFileSync('/f'), data);
      expectSameBytes(fs.read('/f', 4000, 5000), data.subarray(4000, 9000));
      fs.appendFile('/f', bytes(10_000, 10)); // continues in the file's own 4096-byte chunks
      const all = fs.readFileSync('/f');
      expectSameBytes(all.subarray(0, 100_000), data);
      expectSameBytes(all.subarray(100_000), bytes(10_000, 10));
      fs.writeFileSync('/f', data); // a full rewrite adopts this instance's chunk size
    }, { chunkSize: 1000 });
    await inDO(stub, (fs, state) => {
      expectSameBytes(fs.readFileSync('/f'), data);
      expect(maxStoredChunk(state)).toBe(1000);
    });
  });

  it('stores zero-length files without chunks and reads them back', () =>
    withFs('empty', (fs, state) => {
      fs.writeFileSync('/e', new Uint8Array(0));
      fs.writeFileSync('/s', '');
      expect(fs.readFileSync('/e').byteLength).toBe(0);
      expect(fs.readFileSync('/s', 'utf8')).toBe('');
      expect(fs.read('/e', 0, 10).byteLength).toBe(0);
      expect(countRows(state, 'dofs_chunks')).toBe(0);
    }));

  it('accepts Buffer, DataView and other views without copying the wrong bytes', () =>
    withFs('views', (fs) => {
      const backing = bytes(100, 3);
      fs.writeFileSync('/sub', backing.subarray(10, 20));
      expectSameBytes(fs.readFileSync('/sub'), backing.subarray(10, 20));
      fs.writeFileSync('/dv', new DataView(backing.buffer, 50, 5));
      expectSameBytes(fs.readFileSync('/dv'), backing.subarray(50, 55));
      fs.writeFileSync('/buf', Buffer.from('buffer!'));
      expect(fs.readFileSync('/buf', 'utf8')).toBe('buffer!');
    }));
});
