import { describe, expect, it } from 'vitest';
import { DOFS, DofsStats } from '../index';
import { countRows, expectSameBytes, text, withFs } from './helpers';

describe('DOFS basics', () => {
  it('writes, reads, lists and stats files and directories', () =>
    withFs('basics', (fs) => {
      fs.mkdirSync('/a');
      fs.mkdirSync('/a/b');
      fs.writeFileSync('/a/b/c.txt', 'hello');
      fs.writeFileSync('/a/x.bin', new Uint8Array([1, 2, 3]));
      expect(fs.readFileSync('/a/b/c.txt', 'utf8')).toBe('hello');
      expect(fs.readFileSync('/a/b/c.txt', { encoding: 'utf8' })).toBe('hello');
      const raw = fs.readFileSync('/a/x.bin');
      expect(raw).toBeInstanceOf(Uint8Array);
      expectSameBytes(raw, new Uint8Array([1, 2, 3]));
      expect(fs.readdirSync('/a')).toEqual(['b', 'x.bin']);
      expect(fs.readdirSync('/')).toEqual(['a']);

      const st = fs.statSync('/a/b/c.txt');
      expect(st).toBeInstanceOf(DofsStats);
      expect(st.type).toBe('file');
      expect(st.isFile()).toBe(true);
      expect(st.isDirectory()).toBe(false);
      expect(st.isSymbolicLink()).toBe(false);
      expect(st.size).toBe(5);
      expect(st.mode).toBe(0o100644);
      expect(st.ino).toBeGreaterThan(1);
      expect(st.mtimeMs).toBeGreaterThan(0);
      expect(st.ctimeMs).toBeGreaterThan(0);
      expect(st.uid).toBe(0);
      expect(st.gid).toBe(0);
      expect(typeof st.dev).toBe('number');

      const dir = fs.statSync('/a');
      expect(dir.type).toBe('dir');
      expect(dir.isDirectory()).toBe(true);
      expect(dir.mode).toBe(0o040755);
      expect(fs.statSync('/').isDirectory()).toBe(true);
      expect(fs.statSync('/a').ino).not.toBe(fs.statSync('/a/b').ino);

      expect(fs.existsSync('/a/b/c.txt')).toBe(true);
      expect(fs.existsSync('/a/nope')).toBe(false);
      expect(fs.existsSync('/a/b/c.txt/deeper')).toBe(false);
      expect(fs.size('/a/b/c.txt')).toBe(5);
    }));

  it('normalises absolute, relative, dot, dot-dot and duplicate-slash paths', () =>
    withFs('paths', (fs) => {
      fs.mkdirSync('dir');
      fs.writeFileSync('./dir//f', 'x');
      expect(fs.readFileSync('/dir/f', 'utf8')).toBe('x');
      expect(fs.readFileSync('dir/./f', 'utf8')).toBe('x');
      expect(fs.readFileSync('/dir/sub/../f', 'utf8')).toBe('x');
      expect(fs.readFileSync('/../../dir/f', 'utf8')).toBe('x');
      expect(fs.readFileSync('dir/f/', 'utf8')).toBe('x');
      expect(fs.readdirSync('.')).toEqual(['dir']);
      expect(fs.readdirSync('//')).toEqual(['dir']);
      expect(fs.statSync('/dir/..').isDirectory()).toBe(true);
    }));

  it('overwrites in place, keeping the inode, and unlinks', () =>
    withFs('overwrite', (fs, state) => {
      fs.writeFileSync('/f', 'one');
      const ino = fs.statSync('/f').ino;
      fs.writeFileSync('/f', 'two!');
      expect(fs.readFileSync('/f', 'utf8')).toBe('two!');
      expect(fs.statSync('/f').ino).toBe(ino);
      expect(fs.statSync('/f').size).toBe(4);
      fs.unlinkSync('/f');
      expect(fs.existsSync('/f')).toBe(false);
      expect(countRows(state, 'dofs_chunks')).toBe(0);
      expect(countRows(state, 'dofs_nodes')).toBe(0);
    }));

  it('supports mkdir recursive, rmdir, rmdir recursive and rmrf', () =>
    withFs('dirs', (fs, state) => {
      fs.mkdirSync('/p/q/r', { recursive: true });
      fs.mkdirSync('/p/q/r', { recursive: true }); // existing dir: no error
      expect(fs.statSync('/p/q/r').isDirectory()).toBe(true);
      fs.writeFileSync('/p/q/r/f', 'data');
      fs.writeFileSync('/p/top', 'data');
      fs.rmdirSync('/p/q', { recursive: true });
      expect(fs.readdirSync('/p')).toEqual(['top']);
      fs.mkdirSync('/p/empty');
      fs.rmdirSync('/p/empty');
      expect(fs.readdirSync('/p')).toEqual(['top']);
      fs.mkdirSync('/p2/deep', { recursive: true });
      fs.writeFileSync('/p2/deep/file', 'z');
      fs.rmrf('/p');
      fs.rmrf('/p'); // absent: no error
      fs.rmrf('/nothing/here');
      expect(fs.readdirSync('/')).toEqual(['p2']);
      fs.rmrf('/p2/deep/file');
      expect(fs.readdirSync('/p2/deep')).toEqual([]);
      fs.writeFileSync('/p2/deep/file2', 'z');
      fs.rmrf('/');
      expect(fs.readdirSync('/')).toEqual([]);
      expect(fs.statSync('/').isDirectory()).toBe(true);
      expect(countRows(state, 'dofs_chunks')).toBe(0);
    }));

  it('does not confuse siblings sharing a name prefix (range scans)', () =>
    withFs('prefix', (fs) => {
      for (const d of ['/a', '/a-b', '/a.b', '/a0', '/ab']) {
        fs.mkdirSync(d);
        fs.writeFileSync(`${d}/f`, d);
      }
      fs.mkdirSync('/a/sub');
      fs.writeFileSync('/a/sub/g', 'g');
      expect(fs.readdirSync('/a')).toEqual(['f', 'sub']);
      fs.renameSync('/a', '/z');
      expect(fs.readdirSync('/')).toEqual(['a-b', 'a.b', 'a0', 'ab', 'z']);
      fs.rmdirSync('/z', { recursive: true });
      for (const d of ['/a-b', '/a.b', '/a0', '/ab']) expect(fs.readFileSync(`${d}/f`, 'utf8')).toBe(d);
    }));

  it('handles unicode names', () =>
    withFs('unicode', (fs) => {
      fs.mkdirSync('/dïr-😀');
      fs.writeFileSync('/dïr-😀/ファイル', 'ü');
      expect(fs.readdirSync('/dïr-😀')).toEqual(['ファイル']);
      fs.renameSync('/dïr-😀', '/d2-🎉');
      expect(fs.readFileSync('/d2-🎉/ファイル', 'utf8')).toBe('ü');
      expect(fs.readdirSync('/')).toEqual(['d2-🎉']);
    }));

  it('honours writeFile flags and modes, and appendFile', () =>
    withFs('flags', (fs) => {
      fs.writeFileSync('/f', 'a', { flag: 'wx' });
      fs.writeFileSync('/f', 'b', { flag: 'a' });
      fs.appendFile('/f', text('c'));
      fs.appendFile('/new', 'created');
      expect(fs.readFileSync('/f', 'utf8')).toBe('abc');
      expect(fs.readFileSync('/new', 'utf8')).toBe('created');
      fs.writeFileSync('/x', 'x', { mode: 0o755 });
      expect(fs.statSync('/x').mode).toBe(0o100755);
      fs.writeFileSync('/x', 'y', { mode: 0o600 }); // mode applies on creation only, as in Node
      expect(fs.statSync('/x').mode).toBe(0o100755);
    }));

  it('exposes a promises API that resolves and rejects like fs.promises', async () =>
    withFs('promises', async (fs) => {
      const p = fs.promises;
      expect(Object.getOwnPropertyDescriptor(fs, 'promises')?.enumerable).toBe(true);
      expect(p.rmdir.length).toBe(2); // isomorphic-git uses rmdir(path, {recursive}) only then
      await p.mkdir('/d');
      await p.writeFile('/d/f', 'hi', 'utf8');
      expect(await p.readFile('/d/f', 'utf8')).toBe('hi');
      expect(await p.readFile('/d/f', { encoding: 'utf8' })).toBe('hi');
      expect(await p.readFile('/d/f')).toBeInstanceOf(Uint8Array);
      expect(await p.readdir('/d')).toEqual(['f']);
      expect((await p.stat('/d/f')).size).toBe(2);
      expect((await p.lstat('/d')).isDirectory()).toBe(true);
      await p.symlink('f', '/d/l');
      expect(await p.readlink('/d/l')).toBe('f');
      await p.chmod('/d/f', 0o755);
      await p.rename('/d/f', '/d/g');
      await p.unlink('/d/g');
      await p.unlink('/d/l');
      await p.rmdir('/d');
      // Argument errors reject rather than throw: isomorphic-git probes readFile().
      const probe = (p.readFile as unknown as () => Promise<unknown>)();
      expect(probe).toBeInstanceOf(Promise);
      await expect(probe).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
      await expect(p.readFile('/missing')).rejects.toMatchObject({ code: 'ENOENT', syscall: 'open', path: '/missing' });
    }));

  it('rejects non-string and NUL-containing paths', () =>
    withFs('badpath', (fs) => {
      expect(() => fs.readFileSync(undefined as unknown as string)).toThrow(TypeError);
      expect(() => fs.readFileSync('/a\0b')).toThrow(/null bytes/);
      expect(() => fs.readFileSync('')).toThrow(/ENOENT/);
      expect(() => fs.readFileSync('/' + 'x'.repeat(5000))).toThrow(/ENAMETOOLONG/);
    }));

  it('creates its schema idempotently next to other tables and DOFS instances', () =>
    withFs('schema', (fs, state) => {
      state.storage.sql.exec('CREATE TABLE IF NOT EXISTS other_table (x)');
      fs.writeFileSync('/f', 'kept');
      const again = new DOFS(state.storage);
      const third = new DOFS(state.storage, { chunkSize: 4096 });
      expect(again.readFileSync('/f', 'utf8')).toBe('kept');
      expect(third.readFileSync('/f', 'utf8')).toBe('kept');
      const tables = state.storage.sql.exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'dofs%' ORDER BY name").toArray().map((r) => r.name);
      expect(tables).toEqual(['dofs_chunks', 'dofs_meta', 'dofs_nodes', 'dofs_pending']);
    }));
});
