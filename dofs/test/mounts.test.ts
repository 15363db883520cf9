// Mounts: a provider serves a subtree; every call at or under the prefix goes to it.
import { describe, expect, it } from 'vitest';
import { MountRefusal, type DofsMount } from '../index';
import { expectCode, expectSameBytes, MemoryMount, text, withFs } from './helpers';

describe('mounts', () => {
  it('routes reads, writes, stat, readdir and unlink under the prefix to the provider', () =>
    withFs('mount-basic', async (fs, state) => {
      const m = new MemoryMount();
      m.files.set('ab/cdef', text('object'));
      fs.mkdirSync('/repo.git');
      fs.mount('/repo.git/objects', m);
      fs.mkdirSync('/repo.git/objects'); // mkdir under a mount succeeds silently
      fs.mkdirSync('/repo.git/objects/zz');
      fs.mkdirSync('/repo.git/objects/zz/deeper', { recursive: true });

      expect(fs.readFileSync('/repo.git/objects/ab/cdef', 'utf8')).toBe('object');
      expect(fs.readFileSync('repo.git//objects/./ab/cdef', 'utf8')).toBe('object'); // normalised first
      expectCode(() => fs.readFileSync('/repo.git/objects/ab/nope'), 'ENOENT', 'open');
      fs.writeFileSync('/repo.git/objects/12/3456', 'new');
      expectSameBytes(m.files.get('12/3456')!, text('new'));
      await fs.promises.writeFile('/repo.git/objects/12/7890', text('p'));
      expect(await fs.promises.readFile('/repo.git/objects/12/7890', 'utf8')).toBe('p');

      expect(fs.statSync('/repo.git/objects').isDirectory()).toBe(true);
      expect(fs.statSync('/repo.git/objects/ab').isDirectory()).toBe(true);
      const st = fs.statSync('/repo.git/objects/ab/cdef');
      expect(st.isFile()).toBe(true);
      expect(st.size).toBe(6);
      expect(fs.lstatSync('/repo.git/objects/ab/cdef').isFile()).toBe(true);
      expect(fs.size('/repo.git/objects/ab/cdef')).toBe(6);
      expectSameBytes(fs.read('/repo.git/objects/ab/cdef', 2, 3), text('jec'));
      expectCode(() => fs.statSync('/repo.git/objects/none'), 'ENOENT', 'stat');
      expect(fs.existsSync('/repo.git/objects/ab/cdef')).toBe(true);
      expect(fs.existsSync('/repo.git/objects/ab/x')).toBe(false);

      expect(fs.readdirSync('/repo.git/objects')).toEqual(['12', 'ab']);
      expect(fs.readdirSync('/repo.git/objects/12')).toEqual(['3456', '7890']);
      expectCode(() => fs.readdirSync('/repo.git/objects/pack'), 'ENOENT', 'scandir');
      expectCode(() => fs.readdirSync('/repo.git/objects/ab/cdef'), 'ENOTDIR', 'scandir');
      expect(fs.readdirSync('/repo.git')).toEqual(['objects']); // the mount point is listed in its parent

      fs.appendFile('/repo.git/objects/12/3456', '+more');
      expect(fs.readFileSync('/repo.git/objects/12/3456', 'utf8')).toBe('new+more');
      fs.unlinkSync('/repo.git/objects/12/3456');
      expect(m.files.has('12/3456')).toBe(false);
      expectCode(() => fs.unlinkSync('/repo.git/objects/12/3456'), 'ENOENT', 'unlink');
      expectCode(() => fs.unlinkSync('/repo.git/objects/ab'), 'EISDIR', 'unlink');
      expectCode(() => fs.writeFileSync('/repo.git/objects', 'x'), 'EISDIR');
      expectCode(() => fs.symlinkSync('/x', '/repo.git/objects/link'), 'EPERM', 'symlink');
      expectCode(() => fs.readlinkSync('/repo.git/objects/ab/cdef'), 'EINVAL', 'readlink');
      expectCode(() => fs.rmdirSync('/repo.git/objects'), 'EBUSY', 'rmdir');
      expectCode(() => fs.rmdirSync('/repo.git'), 'EBUSY', 'rmdir');
      expectCode(() => fs.rmdirSync('/repo.git/objects/ab'), 'ENOTEMPTY', 'rmdir');
      fs.chmodSync('/repo.git/objects/ab/cdef', 0o755); // accepted, providers have no modes

      // Nothing under the prefix was stored in DOFS's own tables.
      const dofsPaths = state.storage.sql.exec<{ path: string }>('SELECT path FROM dofs_nodes ORDER BY path').toArray().map((r) => r.path);
      expect(dofsPaths).toEqual(['/repo.git']);
    }));

  it('write streams, rename and rmrf across the mount boundary', () =>
    withFs('mount-cross', (fs) => {
      const m = new MemoryMount();
      fs.mount('/objects', m);
      const ws = fs.createWriteStream('/objects/aa/bb');
      ws.write(text('stre'));
      ws.write(text('amed'));
      expect(m.files.has('aa/bb')).toBe(false);
      ws.close();
      expect(fs.readFileSync('/objects/aa/bb', 'utf8')).toBe('streamed');
      const aborted = fs.createWriteStream('/objects/aa/cc');
      aborted.write(text('x'));
      aborted.abort();
      expect(m.files.has('aa/cc')).toBe(false);

      fs.writeFileSync('/tmp-pack', 'pack data');
      fs.renameSync('/tmp-pack', '/objects/pack/p1'); // into the mount: copy + delete
      expect(fs.existsSync('/tmp-pack')).toBe(false);
      expect(fs.readFileSync('/objects/pack/p1', 'utf8')).toBe('pack data');
      fs.renameSync('/objects/pack/p1', '/out'); // out of the mount
      expect(fs.readFileSync('/out', 'utf8')).toBe('pack data');
      expect(m.files.has('pack/p1')).toBe(false);
      fs.mkdirSync('/dir');
      expectCode(() => fs.renameSync('/dir', '/objects/dir'), 'EXDEV', 'rename');

      m.files.set('x/1', text('1'));
      m.files.set('x/y/2', text('2'));
      fs.rmrf('/objects/x');
      expect([...m.files.keys()]).toEqual(['aa/bb']);
      fs.rmdirSync('/objects/aa', { recursive: true });
      expect(m.files.size).toBe(0);
    }));

  it('resolves symlinks into a mount, picks the innermost mount, and unmounts', () =>
    withFs('mount-nested', (fs) => {
      const outer = new MemoryMount();
      const inner = new MemoryMount();
      outer.files.set('a', text('outer-a'));
      inner.files.set('b', text('inner-b'));
      fs.mount('/m', outer);
      fs.mount('/m/sub', inner);
      expect(fs.readFileSync('/m/a', 'utf8')).toBe('outer-a');
      expect(fs.readFileSync('/m/sub/b', 'utf8')).toBe('inner-b');
      fs.symlinkSync('/m/sub', '/shortcut');
      expect(fs.readFileSync('/shortcut/b', 'utf8')).toBe('inner-b');
      expect(fs.unmount('/m/sub')).toBe(true);
      expectCode(() => fs.readFileSync('/m/sub/b'), 'ENOENT');
      expectCode(() => fs.mount('/', outer), 'EINVAL');
    }));

  it('refuses unlink when the provider has no unlink (EPERM)', () =>
    withFs('mount-ro', (fs) => {
      const files = new Map([['f', text('ro')]]);
      const ro: DofsMount = {
        readFile: (rel) => files.get(rel) ?? null,
        writeFile: () => { throw new Error('read-only'); },
        stat: (rel) => (rel === '' ? { type: 'dir', size: 0 } : files.has(rel) ? { type: 'file', size: files.get(rel)!.byteLength } : null),
        readdir: (rel) => (rel === '' ? [...files.keys()] : null),
      };
      fs.mount('/ro', ro);
      expectCode(() => fs.unlinkSync('/ro/f'), 'EPERM', 'unlink');
      expectCode(() => fs.renameSync('/ro/f', '/g'), 'EPERM', 'rename');
      expect(fs.existsSync('/g')).toBe(false);
      expect(fs.readFileSync('/ro/f', 'utf8')).toBe('ro');
    }));

  it('awaits a provider that writes asynchronously (fs.promises only) and reports its refusals as Node errors', () =>
    withFs('mount-async', async (fs) => {
      const m = new MemoryMount();
      const log: string[] = [];
      const slow: DofsMount = {
        asyncWrites: true,
        readFile: (rel) => m.readFile(rel),
        stat: (rel) => m.stat(rel),
        readdir: (rel) => m.readdir(rel),
        async writeFile(rel, data) {
          await Promise.resolve();
          if (rel === 'locked') throw new MountRefusal('EROFS', 'this one is read-only');
          if (rel === 'stale') throw new MountRefusal('ESTALE', 'it moved meanwhile');
          log.push(`write ${rel}`);
          m.files.set(rel, data.slice());
        },
        async unlink(rel) {
          await Promise.resolve();
          log.push(`unlink ${rel}`);
          m.files.delete(rel);
        },
      };
      fs.mount('/a', slow);
      await fs.promises.writeFile('/a/x/y', 'hello');
      expect(log).toEqual(['write x/y']); // the promise resolved only after the provider finished
      expect(await fs.promises.readFile('/a/x/y', 'utf8')).toBe('hello');
      await expect(fs.promises.writeFile('/a/x/y', 'again', { flag: 'wx' })).rejects.toMatchObject({ code: 'EEXIST' });
      const refused = await fs.promises.writeFile('/a/locked', 'x').catch((e) => e);
      expect(refused).toMatchObject({ code: 'EROFS', errno: -30, syscall: 'open', path: '/a/locked' });
      expect(refused.message).toBe("EROFS: read-only file system, open '/a/locked': this one is read-only");
      await expect(fs.promises.writeFile('/a/stale', 'x')).rejects.toMatchObject({ code: 'ESTALE' });
      // Synchronous writes are refused before the provider is called.
      expectCode(() => fs.writeFileSync('/a/x/z', 'sync'), 'ENOTSUP', 'open');
      expectCode(() => fs.appendFile('/a/x/y', '+'), 'ENOTSUP', 'open');
      expectCode(() => fs.unlinkSync('/a/x/y'), 'ENOTSUP', 'unlink');
      expectCode(() => fs.createWriteStream('/a/x/s'), 'ENOTSUP', 'open');
      expectCode(() => fs.renameSync('/a/x/y', '/b'), 'ENOTSUP', 'rename');
      expectCode(() => fs.rmrf('/a/x'), 'ENOTSUP', 'rm');
      expect(log).toEqual(['write x/y']);
      await fs.promises.unlink('/a/x/y');
      expect(log).toEqual(['write x/y', 'unlink x/y']);
      await expect(fs.promises.unlink('/a/x/y')).rejects.toMatchObject({ code: 'ENOENT', syscall: 'unlink' });
    }));

  it('turns a MountRefusal from a synchronous provider into the caller\'s error', () =>
    withFs('mount-refusal', (fs) => {
      const m = new MemoryMount();
      m.files.set('f', text('x'));
      fs.mount('/r', {
        readFile: (rel) => m.readFile(rel),
        stat: (rel) => m.stat(rel),
        readdir: (rel) => m.readdir(rel),
        writeFile: () => { throw new MountRefusal('EROFS', 'nope'); },
        unlink: () => { throw new MountRefusal('EPERM', 'never'); },
      });
      expectCode(() => fs.writeFileSync('/r/f', 'y'), 'EROFS', 'open');
      expectCode(() => fs.unlinkSync('/r/f'), 'EPERM', 'unlink');
      expect(fs.readFileSync('/r/f', 'utf8')).toBe('x');
    }));
});
