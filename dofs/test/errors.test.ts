// Every error code in the situations where Node's fs gives it.
import { describe, expect, it } from 'vitest';
import { DOFS } from '../index';
import { expectCode, withFs } from './helpers';

describe('Node-style errors', () => {
  it('ENOENT', () =>
    withFs('enoent', (fs) => {
      fs.mkdirSync('/d');
      fs.symlinkSync('/nowhere', '/dangling');
      const e = expectCode(() => fs.readFileSync('/x'), 'ENOENT', 'open', '/x');
      expect(e.message).toBe("ENOENT: no such file or directory, open '/x'");
      expectCode(() => fs.readFileSync('/d/missing/x'), 'ENOENT', 'open');
      expectCode(() => fs.readFileSync('/dangling'), 'ENOENT', 'open');
      expectCode(() => fs.statSync('/nope'), 'ENOENT', 'stat', '/nope');
      expectCode(() => fs.lstatSync('/nope'), 'ENOENT', 'lstat');
      expectCode(() => fs.readdirSync('/nope'), 'ENOENT', 'scandir');
      expectCode(() => fs.unlinkSync('/nope'), 'ENOENT', 'unlink');
      expectCode(() => fs.rmdirSync('/nope'), 'ENOENT', 'rmdir');
      expectCode(() => fs.rmdirSync('/nope', { recursive: true }), 'ENOENT', 'rmdir');
      expectCode(() => fs.writeFileSync('/nodir/f', 'x'), 'ENOENT', 'open', '/nodir/f');
      expectCode(() => fs.appendFile('/nodir/f', 'x'), 'ENOENT', 'open');
      expectCode(() => fs.createWriteStream('/nodir/f'), 'ENOENT', 'open');
      expectCode(() => fs.mkdirSync('/a/b'), 'ENOENT', 'mkdir');
      expectCode(() => fs.readlinkSync('/nope'), 'ENOENT', 'readlink');
      expectCode(() => fs.chmodSync('/nope', 0o644), 'ENOENT', 'chmod');
      expectCode(() => fs.symlinkSync('t', '/nodir/l'), 'ENOENT', 'symlink');
      expectCode(() => fs.read('/nope', 0, 1), 'ENOENT', 'read');
      expectCode(() => fs.size('/nope'), 'ENOENT', 'stat');
      const r = expectCode(() => fs.renameSync('/nope', '/d/x'), 'ENOENT', 'rename', '/nope');
      expect(r.dest).toBe('/d/x');
      expect(r.message).toBe("ENOENT: no such file or directory, rename '/nope' -> '/d/x'");
      fs.writeFileSync('/f', 'x');
      expectCode(() => fs.renameSync('/f', '/nodir/f'), 'ENOENT', 'rename');
      expect(fs.readFileSync('/f', 'utf8')).toBe('x');
    }));

  it('ENOTDIR', () =>
    withFs('enotdir', (fs) => {
      fs.writeFileSync('/file', 'x');
      fs.mkdirSync('/dir');
      fs.symlinkSync('/dir', '/link');
      expectCode(() => fs.readdirSync('/file'), 'ENOTDIR', 'scandir');
      expectCode(() => fs.readFileSync('/file/x'), 'ENOTDIR', 'open');
      expectCode(() => fs.statSync('/file/x/y'), 'ENOTDIR', 'stat');
      expectCode(() => fs.writeFileSync('/file/x', 'y'), 'ENOTDIR', 'open');
      expectCode(() => fs.mkdirSync('/file/x'), 'ENOTDIR', 'mkdir');
      expectCode(() => fs.mkdirSync('/file/x/y', { recursive: true }), 'ENOTDIR', 'mkdir');
      expectCode(() => fs.rmdirSync('/file'), 'ENOTDIR', 'rmdir');
      expectCode(() => fs.rmdirSync('/file', { recursive: true }), 'ENOTDIR', 'rmdir');
      expectCode(() => fs.rmdirSync('/link'), 'ENOTDIR', 'rmdir'); // rmdir does not follow symlinks
      expectCode(() => fs.renameSync('/dir', '/file'), 'ENOTDIR', 'rename');
      expect(fs.existsSync('/file/x')).toBe(false);
    }));

  it('EEXIST', () =>
    withFs('eexist', (fs) => {
      fs.mkdirSync('/dir');
      fs.writeFileSync('/file', 'x');
      fs.symlinkSync('/nowhere', '/dangling');
      const e = expectCode(() => fs.mkdirSync('/dir'), 'EEXIST', 'mkdir', '/dir');
      expect(e.message).toBe("EEXIST: file already exists, mkdir '/dir'");
      expectCode(() => fs.mkdirSync('/'), 'EEXIST', 'mkdir');
      expectCode(() => fs.mkdirSync('/file'), 'EEXIST', 'mkdir');
      expectCode(() => fs.mkdirSync('/dangling'), 'EEXIST', 'mkdir');
      expectCode(() => fs.mkdirSync('/file', { recursive: true }), 'EEXIST', 'mkdir');
      const s = expectCode(() => fs.symlinkSync('/t', '/file'), 'EEXIST', 'symlink');
      expect(s.message).toBe("EEXIST: file already exists, symlink '/t' -> '/file'");
      expectCode(() => fs.symlinkSync('/t', '/dangling'), 'EEXIST', 'symlink');
      expectCode(() => fs.writeFileSync('/file', 'y', { flag: 'wx' }), 'EEXIST', 'open');
      expect(fs.readFileSync('/file', 'utf8')).toBe('x');
    }));

  it('ENOTEMPTY', () =>
    withFs('enotempty', (fs) => {
      fs.mkdirSync('/a');
      fs.writeFileSync('/a/f', 'x');
      fs.mkdirSync('/b');
      fs.writeFileSync('/b/g', 'y');
      const e = expectCode(() => fs.rmdirSync('/a'), 'ENOTEMPTY', 'rmdir', '/a');
      expect(e.message).toBe("ENOTEMPTY: directory not empty, rmdir '/a'");
      expectCode(() => fs.renameSync('/a', '/b'), 'ENOTEMPTY', 'rename');
      expect(fs.readdirSync('/a')).toEqual(['f']);
      expect(fs.readdirSync('/b')).toEqual(['g']);
    }));

  it('EISDIR', () =>
    withFs('eisdir', (fs) => {
      fs.mkdirSync('/dir');
      fs.writeFileSync('/file', 'x');
      expectCode(() => fs.readFileSync('/dir'), 'EISDIR');
      expectCode(() => fs.readFileSync('/'), 'EISDIR');
      expectCode(() => fs.writeFileSync('/dir', 'x'), 'EISDIR', 'open');
      expectCode(() => fs.appendFile('/dir', 'x'), 'EISDIR', 'open');
      expectCode(() => fs.createWriteStream('/dir'), 'EISDIR', 'open');
      expectCode(() => fs.unlinkSync('/dir'), 'EISDIR', 'unlink');
      expectCode(() => fs.renameSync('/file', '/dir'), 'EISDIR', 'rename');
      expectCode(() => fs.read('/dir', 0, 1), 'EISDIR');
      expectCode(() => fs.size('/dir'), 'EISDIR');
      expect(fs.readFileSync('/file', 'utf8')).toBe('x');
    }));

  it('EINVAL', () =>
    withFs('einval', (fs, state) => {
      fs.mkdirSync('/dir/sub', { recursive: true });
      fs.writeFileSync('/file', 'x');
      expectCode(() => fs.readlinkSync('/file'), 'EINVAL', 'readlink');
      expectCode(() => fs.readlinkSync('/dir'), 'EINVAL', 'readlink');
      expectCode(() => fs.renameSync('/dir', '/dir/sub/inside'), 'EINVAL', 'rename');
      expectCode(() => fs.read('/file', -1, 1), 'EINVAL');
      expectCode(() => fs.read('/file', 0, 1.5), 'EINVAL');
      expectCode(() => new DOFS(state.storage, { chunkSize: 0 }), 'EINVAL');
      expectCode(() => new DOFS(state.storage, { chunkSize: DOFS.MAX_VALUE_BYTES + 1 }), 'EINVAL');
      expect(fs.readdirSync('/dir')).toEqual(['sub']);
    }));

  it('EBUSY and ELOOP', () =>
    withFs('ebusy', (fs) => {
      expectCode(() => fs.rmdirSync('/'), 'EBUSY', 'rmdir');
      fs.mkdirSync('/d');
      expectCode(() => fs.renameSync('/d', '/'), 'EBUSY', 'rename');
      expectCode(() => fs.renameSync('/', '/d/x'), 'EBUSY', 'rename');
      fs.symlinkSync('/loop2', '/loop1');
      fs.symlinkSync('/loop1', '/loop2');
      expectCode(() => fs.readFileSync('/loop1'), 'ELOOP', 'open');
      expectCode(() => fs.statSync('/loop1/x'), 'ELOOP', 'stat');
      expect(fs.lstatSync('/loop1').isSymbolicLink()).toBe(true);
    }));
});
