// isomorphic-git on DOFS: a bare repository built with plumbing and porcelain
// commands, read back after the Durable Object is evicted; a non-bare flow
// (add / commit / status / checkout); and a repository whose objects directory
// is served by a mount.
import { env } from 'cloudflare:workers';
import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import git from 'isomorphic-git';
import { describe, expect, it } from 'vitest';
import { DOFS } from '../index';
import type { DofsMount } from '../index';

const author = { name: 'Arbor Test', email: 'test@arbor.invalid', timestamp: 1_700_000_000, timezoneOffset: 0 };
const gitdir = '/repo.git';

const REPO = (env as unknown as { REPO: DurableObjectNamespace }).REPO;

function stubFor(label: string) {
  return REPO.get(REPO.idFromName(`isogit-dofs-${label}-${crypto.randomUUID()}`));
}

function bigBlob(n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) { x = (x * 1103515245 + 12345) >>> 0; out[i] = x >>> 24; }
  return out;
}

describe('isomorphic-git on DOFS', () => {
  it('builds a bare repo (init, writeBlob, writeTree, commit, branch, writeRef) and reads it back after eviction', async () => {
    const stub = stubFor('bare');
    const big = bigBlob(3 * 1024 * 1024 + 5); // incompressible: its loose object spans several chunks
    const first = await runInDurableObject(stub, async (_instance, state) => {
      const fs = new DOFS(state.storage);
      await git.init({ fs, dir: '/', gitdir, bare: true, defaultBranch: 'main' });
      expect(fs.readFileSync(`${gitdir}/HEAD`, 'utf8')).toBe('ref: refs/heads/main\n');

      const blob = await git.writeBlob({ fs, gitdir, blob: new TextEncoder().encode('hello dofs\n') });
      const tree = await git.writeTree({ fs, gitdir, tree: [{ mode: '100644', path: 'hello.txt', oid: blob, type: 'blob' }] });
      const c1 = await git.commit({ fs, gitdir, message: 'first', author, tree, ref: 'refs/heads/main' });

      const bigOid = await git.writeBlob({ fs, gitdir, blob: big });
      const tree2 = await git.writeTree({
        fs, gitdir, tree: [
          { mode: '100644', path: 'big.bin', oid: bigOid, type: 'blob' },
          { mode: '100644', path: 'hello.txt', oid: blob, type: 'blob' },
        ],
      });
      const c2 = await git.commit({ fs, gitdir, message: 'second', author, tree: tree2, parent: [c1], ref: 'refs/heads/main' });
      await git.branch({ fs, gitdir, ref: 'feature', object: c1 });
      await git.writeRef({ fs, gitdir, ref: 'refs/tags/v1', value: c1 });

      const log = await git.log({ fs, gitdir, ref: 'main' });
      expect(log.map((e) => e.oid)).toEqual([c2, c1]);
      expect(log.map((e) => e.commit.message)).toEqual(['second\n', 'first\n']);
      const { blob: read } = await git.readBlob({ fs, gitdir, oid: blob });
      expect(new TextDecoder().decode(read)).toBe('hello dofs\n');
      expect(await git.listBranches({ fs, gitdir })).toEqual(['feature', 'main']);
      // Every stored value respects the production limit.
      const max = state.storage.sql.exec<{ m: number }>('SELECT max(length(data)) AS m FROM dofs_chunks').one().m;
      expect(max).toBeLessThanOrEqual(DOFS.MAX_VALUE_BYTES);
      return { blob, bigOid, c1, c2 };
    });

    await evictDurableObject(stub);

    await runInDurableObject(stub, async (_instance, state) => {
      const fs = new DOFS(state.storage);
      const log = await git.log({ fs, gitdir, ref: 'main' });
      expect(log.map((e) => e.oid)).toEqual([first.c2, first.c1]);
      expect(log[0].commit.author.name).toBe('Arbor Test');
      const { blob } = await git.readBlob({ fs, gitdir, oid: first.blob });
      expect(new TextDecoder().decode(blob)).toBe('hello dofs\n');
      const viaPath = await git.readBlob({ fs, gitdir, oid: first.c2, filepath: 'big.bin' });
      expect(viaPath.oid).toBe(first.bigOid);
      expect(viaPath.blob.byteLength).toBe(big.byteLength);
      expect(Buffer.from(viaPath.blob).equals(Buffer.from(big))).toBe(true);
      expect(await git.resolveRef({ fs, gitdir, ref: 'feature' })).toBe(first.c1);
      expect(await git.resolveRef({ fs, gitdir, ref: 'v1' })).toBe(first.c1);
      expect(await git.currentBranch({ fs, gitdir })).toBe('main');
      const files = await git.listFiles({ fs, gitdir, ref: 'main' });
      expect(files).toEqual(['big.bin', 'hello.txt']);
    });
  });

  it('works with a working tree: add, commit, statusMatrix, branch checkout, remove', async () => {
    const stub = stubFor('worktree');
    await runInDurableObject(stub, async (_instance, state) => {
      const fs = new DOFS(state.storage);
      const dir = '/work';
      await git.init({ fs, dir, defaultBranch: 'main' });
      await fs.promises.mkdir(`${dir}/src`);
      await fs.promises.writeFile(`${dir}/README.md`, '# readme\n');
      await fs.promises.writeFile(`${dir}/src/run.sh`, '#!/bin/sh\necho hi\n', { mode: 0o755 });
      await git.add({ fs, dir, filepath: '.' });
      const c1 = await git.commit({ fs, dir, message: 'init', author });
      expect(await git.statusMatrix({ fs, dir })).toEqual([
        ['README.md', 1, 1, 1],
        ['src/run.sh', 1, 1, 1],
      ]);
      const tree = await git.readTree({ fs, dir, oid: c1, filepath: 'src' });
      expect(tree.tree[0].mode).toBe('100755');

      await git.branch({ fs, dir, ref: 'topic', checkout: true });
      await fs.promises.writeFile(`${dir}/README.md`, '# changed\n');
      expect(await git.status({ fs, dir, filepath: 'README.md' })).toBe('*modified');
      await git.add({ fs, dir, filepath: 'README.md' });
      await git.remove({ fs, dir, filepath: 'src/run.sh' });
      await fs.promises.unlink(`${dir}/src/run.sh`);
      await git.commit({ fs, dir, message: 'change', author });

      await git.checkout({ fs, dir, ref: 'main' });
      expect(await fs.promises.readFile(`${dir}/README.md`, 'utf8')).toBe('# readme\n');
      expect((await fs.promises.stat(`${dir}/src/run.sh`)).mode & 0o111).not.toBe(0);
      await git.checkout({ fs, dir, ref: 'topic' });
      expect(await fs.promises.readFile(`${dir}/README.md`, 'utf8')).toBe('# changed\n');
      expect(fs.existsSync(`${dir}/src/run.sh`)).toBe(false);
      expect((await git.log({ fs, dir })).length).toBe(2);
    });
  });

  it('serves objects/ from a mount provider', async () => {
    const stub = stubFor('mount');
    const objects = new Map<string, Uint8Array>();
    const provider: DofsMount = {
      readFile: (rel) => objects.get(rel) ?? null,
      writeFile: (rel, data) => { objects.set(rel, data.slice()); },
      stat: (rel) => {
        const f = objects.get(rel);
        if (f) return { type: 'file', size: f.byteLength };
        if (rel === '' || [...objects.keys()].some((k) => k.startsWith(rel + '/'))) return { type: 'dir', size: 0 };
        return null;
      },
      readdir: (rel) => {
        const prefix = rel === '' ? '' : rel + '/';
        const names = [...objects.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length).split('/')[0]);
        return names.length || rel === '' ? [...new Set(names)] : null;
      },
      unlink: (rel) => { objects.delete(rel); },
    };
    await runInDurableObject(stub, async (_instance, state) => {
      const fs = new DOFS(state.storage);
      fs.mount(`${gitdir}/objects`, provider);
      await git.init({ fs, dir: '/', gitdir, bare: true, defaultBranch: 'main' });
      const blob = await git.writeBlob({ fs, gitdir, blob: new TextEncoder().encode('mounted\n') });
      const tree = await git.writeTree({ fs, gitdir, tree: [{ mode: '100644', path: 'm.txt', oid: blob, type: 'blob' }] });
      const c = await git.commit({ fs, gitdir, message: 'via mount', author, tree, ref: 'refs/heads/main' });
      expect(objects.has(`${blob.slice(0, 2)}/${blob.slice(2)}`)).toBe(true);
      expect(objects.size).toBe(3); // blob, tree, commit
      const inDofs = state.storage.sql.exec<{ n: number }>(
        "SELECT count(*) AS n FROM dofs_nodes WHERE path LIKE '/repo.git/objects/%'").one().n;
      expect(inDofs).toBe(0);
      expect((await git.log({ fs, gitdir })).map((e) => e.oid)).toEqual([c]);
      expect(new TextDecoder().decode((await git.readBlob({ fs, gitdir, oid: blob })).blob)).toBe('mounted\n');
    });
  });
});
