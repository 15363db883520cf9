// rename of files and directory trees, symlinks, chmod.
import { describe, expect, it } from 'vitest';
import { bytes, countRows, expectCode, expectSameBytes, withFs } from './helpers';

describe('rename', () => {
  it('moves and replaces files, keeping the inode', () =>
    withFs('rename-file', (fs, state) => {
      fs.mkdirSync('/a');
      fs.mkdirSync('/b');
      fs.writeFileSync('/a/f', bytes(2_500, 1));
      const ino = fs.statSync('/a/f').ino;
      fs.renameSync('/a/f', '/b/g');
      expect(fs.existsSync('/a/f')).toBe(false);
      expect(fs.readdirSync('/a')).toEqual([]);
      expect(fs.readdirSync('/b')).toEqual(['g']);
      expect(fs.statSync('/b/g').ino).toBe(ino);
      expectSameBytes(fs.readFileSync('/b/g'), bytes(2_500, 1));
      // Replace an existing file: its data is freed.
      fs.writeFileSync('/b/h', bytes(3_000, 2));
      fs.renameSync('/b/g', '/b/h');
      expectSameBytes(fs.readFileSync('/b/h'), bytes(2_500, 1));
      expect(fs.readdirSync('/b')).toEqual(['h']);
      expect(countRows(state, 'dofs_chunks')).toBe(3);
      fs.renameSync('/b/h', '/b/h'); // same path: no-op
      fs.renameSync('b/h', './top'); // relative paths
      expectSameBytes(fs.readFileSync('/top'), bytes(2_500, 1));
    }, { chunkSize: 1000 }));

  it('moves whole directory trees, onto an absent or empty directory', () =>
    withFs('rename-dir', (fs) => {
      fs.mkdirSync('/src/x/y', { recursive: true });
      fs.writeFileSync('/src/top', 't');
      fs.writeFileSync('/src/x/mid', 'm');
      fs.writeFileSync('/src/x/y/deep', 'd');
      fs.symlinkSync('x/mid', '/src/link');
      fs.renameSync('/src', '/dst');
      expect(fs.existsSync('/src')).toBe(false);
      expect(fs.readdirSync('/')).toEqual(['dst']);
      expect(fs.readdirSync('/dst')).toEqual(['link', 'top', 'x']);
      expect(fs.readdirSync('/dst/x')).toEqual(['mid', 'y']);
      expect(fs.readFileSync('/dst/x/y/deep', 'utf8')).toBe('d');
      expect(fs.readFileSync('/dst/link', 'utf8')).toBe('m'); // relative link still works
      fs.mkdirSync('/empty');
      fs.renameSync('/dst', '/empty');
      expect(fs.readdirSync('/empty/x/y')).toEqual(['deep']);
      fs.mkdirSync('/n1/n2', { recursive: true });
      fs.renameSync('/empty', '/n1/n2/moved'); // deeper
      expect(fs.readFileSync('/n1/n2/moved/x/y/deep', 'utf8')).toBe('d');
      fs.renameSync('/n1/n2/moved/x', '/x'); // shallower, out of the tree
      expect(fs.readdirSync('/n1/n2/moved')).toEqual(['link', 'top']);
      expect(fs.readFileSync('/x/y/deep', 'utf8')).toBe('d');
      expect(fs.statSync('/x/y').isDirectory()).toBe(true);
      fs.rmdirSync('/x', { recursive: true });
      expect(fs.readdirSync('/')).toEqual(['n1']);
    }));

  it('renames a symlink itself, not its target', () =>
    withFs('rename-link', (fs) => {
      fs.writeFileSync('/t', 'target');
      fs.symlinkSync('/t', '/l');
      fs.renameSync('/l', '/l2');
      expect(fs.readlinkSync('/l2')).toBe('/t');
      expect(fs.readFileSync('/t', 'utf8')).toBe('target');
      expect(fs.existsSync('/l')).toBe(false);
    }));
});

describe('symlinks', () => {
  it('follows links for stat/read/write, not for lstat/readlink/unlink', () =>
    withFs('symlinks', (fs) => {
      fs.mkdirSync('/dir');
      fs.writeFileSync('/dir/file', 'content');
      fs.symlinkSync('/dir/file', '/abs');
      fs.symlinkSync('dir/file', '/rel');
      fs.symlinkSync('../dir', '/dir/up'); // relative to the link's own directory
      fs.symlinkSync('/dir', '/dirlink');
      fs.symlinkSync('/abs', '/chain');
      expect(fs.readFileSync('/abs', 'utf8')).toBe('content');
      expect(fs.readFileSync('/rel', 'utf8')).toBe('content');
      expect(fs.readFileSync('/chain', 'utf8')).toBe('content');
      expect(fs.readFileSync('/dirlink/file', 'utf8')).toBe('content'); // link in the middle of a path
      expect(fs.readFileSync('/dir/up/up/up/file', 'utf8')).toBe('content');
      expect(fs.readdirSync('/dirlink')).toEqual(['file', 'up']);
      expect(fs.statSync('/abs').isFile()).toBe(true);
      const l = fs.lstatSync('/abs');
      expect(l.isSymbolicLink()).toBe(true);
      expect(l.type).toBe('symlink');
      expect(l.mode).toBe(0o120777);
      expect(l.size).toBe('/dir/file'.length);
      expect(fs.readlinkSync('/rel')).toBe('dir/file');
      expect(new TextDecoder().decode(fs.readlinkSync('/rel', { encoding: 'buffer' }) as Uint8Array)).toBe('dir/file');
      fs.writeFileSync('/abs', 'through');
      expect(fs.readFileSync('/dir/file', 'utf8')).toBe('through');
      expect(fs.lstatSync('/abs').isSymbolicLink()).toBe(true);
      fs.writeFileSync('/dirlink/new', 'n');
      expect(fs.readFileSync('/dir/new', 'utf8')).toBe('n');
      fs.mkdirSync('/dirlink/sub');
      expect(fs.statSync('/dir/sub').isDirectory()).toBe(true);
      fs.unlinkSync('/abs');
      expect(fs.readFileSync('/dir/file', 'utf8')).toBe('through');
      expect(fs.existsSync('/abs')).toBe(false);
      fs.unlinkSync('/dirlink'); // unlink of a link to a directory removes the link
      expect(fs.statSync('/dir').isDirectory()).toBe(true);
    }));

  it('dangling links: lstat works, stat fails, writeFile creates the target', () =>
    withFs('dangling', (fs) => {
      fs.symlinkSync('/made-by-write', '/d');
      expect(fs.lstatSync('/d').isSymbolicLink()).toBe(true);
      expectCode(() => fs.statSync('/d'), 'ENOENT', 'stat');
      expect(fs.existsSync('/d')).toBe(false);
      fs.writeFileSync('/d', 'x');
      expect(fs.readFileSync('/made-by-write', 'utf8')).toBe('x');
    }));

  it('rmrf and rmdir recursive remove links, never their targets', () =>
    withFs('rm-links', (fs) => {
      fs.mkdirSync('/keep');
      fs.writeFileSync('/keep/f', 'kept');
      fs.mkdirSync('/tree');
      fs.symlinkSync('/keep', '/tree/link');
      fs.rmrf('/tree');
      expect(fs.readFileSync('/keep/f', 'utf8')).toBe('kept');
      fs.symlinkSync('/keep', '/link2');
      fs.rmrf('/link2');
      expect(fs.readdirSync('/')).toEqual(['keep']);
    }));
});

describe('chmod', () => {
  it('changes permission bits, keeps type bits, follows links', () =>
    withFs('chmod', (fs) => {
      fs.writeFileSync('/f', 'x');
      fs.chmodSync('/f', 0o755);
      expect(fs.statSync('/f').mode).toBe(0o100755);
      fs.chmodSync('/f', '600');
      expect(fs.statSync('/f').mode).toBe(0o100600);
      fs.mkdirSync('/d');
      fs.chmodSync('/d', 0o700);
      expect(fs.statSync('/d').mode).toBe(0o040700);
      expect(fs.statSync('/d').isDirectory()).toBe(true);
      fs.symlinkSync('/f', '/l');
      fs.chmodSync('/l', 0o644);
      expect(fs.statSync('/f').mode).toBe(0o100644);
      expect(fs.lstatSync('/l').mode).toBe(0o120777);
      expect(() => fs.chmodSync('/f', 'rwx')).toThrow(TypeError);
      fs.chmodSync('/', 0o700); // the root is virtual: accepted, unchanged
      expect(fs.statSync('/').mode).toBe(0o040755);
    }));
});
