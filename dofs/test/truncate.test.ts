// truncateSync: Node's semantics (cut, or extend with zeros; follows symlinks; ENOENT, EISDIR,
// EINVAL), the chunk invariant kept (every chunk but the last full), and a big file freed a few
// chunks per call, as housekeeping deletes old packs.
import { describe, expect, it } from 'vitest';
import { DOFS } from '../index';
import { bytes, countRows, expectSameBytes, MiB, withFs } from './helpers';

const CHUNK = DOFS.DEFAULT_CHUNK_SIZE;

describe('truncateSync', () => {
  it('cuts inside a chunk, at a chunk boundary and to zero; the bytes left are the prefix', () =>
    withFs('cut', (fs, state) => {
      const data = bytes(3 * CHUNK + 100, 7);
      for (const len of [3 * CHUNK + 99, 2 * CHUNK + 5, 2 * CHUNK, 1, 0]) {
        fs.writeFileSync('/f', data);
        fs.truncateSync('/f', len);
        expect(fs.statSync('/f').size).toBe(len);
        expectSameBytes(fs.readFileSync('/f'), data.subarray(0, len));
        expect(countRows(state, 'dofs_chunks')).toBe(Math.ceil(len / CHUNK));
      }
    }));

  it('extends with zeros, topping up the short last chunk first; appends after it stay whole', () =>
    withFs('grow', (fs, state) => {
      const data = bytes(CHUNK - 10, 3);
      fs.writeFileSync('/g', data);
      fs.truncateSync('/g', 2 * CHUNK + 4);
      const want = new Uint8Array(2 * CHUNK + 4);
      want.set(data);
      expectSameBytes(fs.readFileSync('/g'), want);
      expect(countRows(state, 'dofs_chunks')).toBe(3);
      fs.appendFile('/g', bytes(20, 9));
      expectSameBytes(fs.readFileSync('/g').subarray(2 * CHUNK + 4), bytes(20, 9));
      fs.truncateSync('/g', 2 * CHUNK + 4); // no change in size: nothing happens
      expect(fs.statSync('/g').size).toBe(2 * CHUNK + 4);
    }));

  it('frees a 12 MiB file 4 MiB per call, every cut readable', () =>
    withFs('steps', (fs, state) => {
      const data = bytes(12 * MiB, 5);
      fs.writeFileSync('/big', data);
      for (let len = 8 * MiB; len >= 0; len -= 4 * MiB) {
        fs.truncateSync('/big', len);
        expect(countRows(state, 'dofs_chunks')).toBe(len / CHUNK);
        expectSameBytes(fs.read('/big', Math.max(0, len - 10), 10), data.subarray(Math.max(0, len - 10), len));
      }
      fs.unlinkSync('/big');
      expect(countRows(state, 'dofs_chunks')).toBe(0);
    }));

  it('errors as Node does: ENOENT, EISDIR, EINVAL; follows a symlink', () =>
    withFs('errors', (fs) => {
      expect(() => fs.truncateSync('/missing', 0)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
      fs.mkdirSync('/d');
      expect(() => fs.truncateSync('/d', 0)).toThrow(expect.objectContaining({ code: 'EISDIR' }));
      fs.writeFileSync('/t', 'hello');
      expect(() => fs.truncateSync('/t', -1)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
      fs.symlinkSync('/t', '/link');
      fs.truncateSync('/link', 2);
      expect(fs.readFileSync('/t', 'utf8')).toBe('he');
    }));
});
