// The git directory view (src/storage/git-view): isomorphic-git reads a repository pushed into
// the store and writes through the view land in the store (one pack per ref write), under the
// rules of a push: compare-and-swap, hash and fsck checks, read-only refusal.
import git from 'isomorphic-git';
import { describe, expect, it } from 'vitest';
import { openGitView } from '../../../src/storage/git-view';
import { looseSize, looseStored, parseLoose } from '../../../src/storage/git-view/loose';
import * as zlib from 'node:zlib';
import { blob, buildPack, commit, dec, enc, linearHistory, pushPack, tag, tree, withStore, ZERO } from './helpers';

const author = { name: 'View Test', email: 'view@example.com', timestamp: 1_700_000_000, timezoneOffset: 0 };

describe('loose form', () => {
  it('stored-block zlib streams inflate to the object, for empty, small and multi-block objects; sizes are exact', () => {
    for (const n of [0, 1, 100, 65_535 - 9, 65_535, 200_000]) {
      const data = new Uint8Array(n).map((_, i) => (i * 7) & 0xff);
      const loose = looseStored('blob', data);
      expect(loose.length).toBe(looseSize('blob', n));
      const raw = zlib.inflateSync(loose);
      expect(dec(raw.subarray(0, raw.indexOf(0)))).toBe(`blob ${n}`);
      const back = parseLoose(loose, 1 << 20);
      expect(back.type).toBe('blob');
      expect(Buffer.from(back.data).equals(Buffer.from(data))).toBe(true);
    }
    expect(() => parseLoose(zlib.deflateSync(enc('blob 5\0abc')), 100)).toThrow(/header says 5/);
    expect(() => parseLoose(zlib.deflateSync(enc('blab 3\0abc')), 100)).toThrow(/bad object header/);
    expect(() => parseLoose(zlib.deflateSync(new Uint8Array(5000)), 100)).toThrow();
    expect(() => parseLoose(enc('not zlib'), 100)).toThrow(/zlib/);
  });
});

describe('git directory view', () => {
  it('isomorphic-git reads refs, HEAD, objects and history of a pushed repository', () =>
    withStore('view-read', async (store) => {
      const h = linearHistory(30);
      const head = h.commits[29];
      const t = tag({ object: h.commits[9].oid, type: 'commit', name: 'v1', time: 5 });
      await pushPack(store, buildPack([...h.all, t]), { 'refs/heads/main': head.oid, 'refs/heads/topic/one': h.commits[20].oid, 'refs/tags/v1': t.oid, 'refs/tags/light': h.commits[3].oid });
      store.refs.setHead('refs/heads/main');
      const { fs, gitdir } = openGitView(store);

      expect(await git.listBranches({ fs, gitdir })).toEqual(['main', 'topic/one']);
      expect(await git.listTags({ fs, gitdir })).toEqual(['light', 'v1']);
      expect(await git.currentBranch({ fs, gitdir })).toBe('main');
      expect(await git.resolveRef({ fs, gitdir, ref: 'HEAD' })).toBe(head.oid);
      expect(await git.resolveRef({ fs, gitdir, ref: 'v1' })).toBe(t.oid);
      const log = await git.log({ fs, gitdir, ref: 'main' });
      expect(log.map((e) => e.oid)).toEqual([...h.commits].reverse().map((c) => c.oid));
      const { tag: read } = await git.readTag({ fs, gitdir, oid: t.oid });
      expect(read.object).toBe(h.commits[9].oid);
      const files = await git.listFiles({ fs, gitdir, ref: 'main' });
      expect(files).toContain('dir/n30.txt');
      const { blob: b } = await git.readBlob({ fs, gitdir, oid: head.oid, filepath: 'dir/common.txt' });
      expect(dec(b)).toBe('shared by every commit\n');
      expect(await git.expandOid({ fs, gitdir, oid: head.oid.slice(0, 7) })).toBe(head.oid);
      expect(await git.isDescendent({ fs, gitdir, oid: head.oid, ancestor: h.commits[0].oid })).toBe(true);
      expect(await git.getConfig({ fs, gitdir, path: 'core.bare' })).toBe(true);
      // objects/pack is empty: isomorphic-git never loads a packfile.
      expect(await fs.promises.readdir(`${gitdir}/objects/pack`)).toEqual([]);
      expect(fs.readFileSync(`${gitdir}/packed-refs`, 'utf8')).toMatch(/^# pack-refs/);
    }));

  it('commit, branch, tag, writeRef and deleteRef through the view move the store\'s refs; objects arrive as one pack per ref write', () =>
    withStore('view-write', async (store, state) => {
      const h = linearHistory(3);
      await pushPack(store, buildPack(h.all), { 'refs/heads/main': h.commits[2].oid });
      const packs = () => state.storage.sql.exec<{ n: number }>('SELECT count(*) AS n FROM packs').one().n;
      const { fs, gitdir } = openGitView(store);
      const b1 = await git.writeBlob({ fs, gitdir, blob: enc('new file\n') });
      const base = await git.readTree({ fs, gitdir, oid: h.commits[2].oid });
      const t1 = await git.writeTree({ fs, gitdir, tree: [...base.tree, { mode: '100644', path: 'new.txt', oid: b1, type: 'blob' }] });
      expect(store.objects.has(b1)).toBe(false); // pending until a ref uses it
      const before = packs();
      const c = await git.commit({ fs, gitdir, ref: 'refs/heads/main', message: 'through the view\n', author, tree: t1 });
      expect(packs()).toBe(before + 1);
      expect(store.refs.get('refs/heads/main')).toBe(c);
      for (const o of [b1, t1, c]) expect(store.objects.has(o)).toBe(true);
      expect(store.objects.read(c).type).toBe('commit');

      await git.branch({ fs, gitdir, ref: 'feature', object: h.commits[0].oid });
      expect(store.refs.get('refs/heads/feature')).toBe(h.commits[0].oid);
      await git.tag({ fs, gitdir, ref: 'v2', object: c });
      expect(store.refs.get('refs/tags/v2')).toBe(c);
      const at = await git.annotatedTag({ fs, gitdir, ref: 'v3', object: c, message: 'three', tagger: author });
      const v3 = store.refs.get('refs/tags/v3')!;
      expect(store.objects.read(v3).type).toBe('tag');
      expect(at).toBeUndefined();
      await git.writeRef({ fs, gitdir, ref: 'refs/heads/feature', value: h.commits[1].oid, force: true });
      expect(store.refs.get('refs/heads/feature')).toBe(h.commits[1].oid);
      await git.deleteBranch({ fs, gitdir, ref: 'feature' });
      expect(store.refs.get('refs/heads/feature')).toBeNull();
      await git.deleteRef({ fs, gitdir, ref: 'refs/tags/v2' });
      expect(store.refs.get('refs/tags/v2')).toBeNull();
      expect(await git.listBranches({ fs, gitdir })).toEqual(['main']);
    }));

  it('a stale ref write fails with ESTALE and changes nothing; a fresh read makes the next write succeed', () =>
    withStore('view-stale', async (store) => {
      const h = linearHistory(3);
      await pushPack(store, buildPack(h.all), { 'refs/heads/main': h.commits[1].oid });
      const { fs, gitdir } = openGitView(store);
      const parent = await git.resolveRef({ fs, gitdir, ref: 'refs/heads/main' });
      expect(parent).toBe(h.commits[1].oid);
      // A push moves main after the session read it.
      expect(store.commitPush(null, [{ name: 'refs/heads/main', oldOid: h.commits[1].oid, newOid: h.commits[2].oid }], false)[0].ok).toBe(true);
      const tree = (await git.readCommit({ fs, gitdir, oid: parent })).commit.tree;
      const c = await git.writeCommit({ fs, gitdir, commit: { tree, parent: [parent], author, committer: author, message: 'late\n' } });
      const err = await git.writeRef({ fs, gitdir, ref: 'refs/heads/main', value: c, force: true }).catch((e) => e);
      expect(err.code).toBe('ESTALE');
      expect(err.message).toMatch(/refs\/heads\/main is at [0-9a-f]{40}, but this session last saw it at/);
      expect(store.refs.get('refs/heads/main')).toBe(h.commits[2].oid);
      expect(store.objects.has(c)).toBe(false);
      // git.commit reads the branch first, so it works on the new tip.
      const c2 = await git.commit({ fs, gitdir, ref: 'refs/heads/main', message: 'on top\n', author, tree });
      expect((await git.readCommit({ fs, gitdir, oid: c2 })).commit.parent).toEqual([h.commits[2].oid]);
      expect(store.refs.get('refs/heads/main')).toBe(c2);
      // Creating a branch that appeared meanwhile: branch() saw it absent.
      const exists = await fs.promises.stat(`${gitdir}/refs/heads/racy`).catch((e) => e.code);
      expect(exists).toBe('ENOENT');
      store.commitPush(null, [{ name: 'refs/heads/racy', oldOid: ZERO, newOid: h.commits[0].oid }], false);
      const e2 = await fs.promises.writeFile(`${gitdir}/refs/heads/racy`, `${h.commits[1].oid}\n`).catch((e) => e);
      expect(e2.code).toBe('ESTALE');
    }));

  it('refuses bad objects, bad refs and writes to a read-only view, leaving the store as it was', () =>
    withStore('view-refuse', async (store) => {
      const h = linearHistory(2);
      await pushPack(store, buildPack(h.all), { 'refs/heads/main': h.commits[1].oid });
      const { fs, gitdir } = openGitView(store);
      const good = blob('hello\n');
      const loose = zlib.deflateSync(Buffer.concat([enc(`blob ${good.data.length}\0`), good.data]));
      const wrongName = 'ab' + good.oid.slice(2, 40).replace(/^./, (c) => (c === '0' ? '1' : '0'));
      const e1 = await fs.promises.writeFile(`${gitdir}/objects/${wrongName.slice(0, 2)}/${wrongName.slice(2)}`, loose).catch((e) => e);
      expect(e1.code).toBe('EINVAL');
      expect(e1.message).toMatch(/hashes to/);
      // A tree with a bad entry name fails the fsck checks a push makes.
      const bad = tree([{ mode: '100644', name: '.git', oid: good.oid }]);
      const badLoose = zlib.deflateSync(Buffer.concat([enc(`tree ${bad.data.length}\0`), bad.data]));
      const e2 = await fs.promises.writeFile(`${gitdir}/objects/${bad.oid.slice(0, 2)}/${bad.oid.slice(2)}`, badLoose).catch((e) => e);
      expect(e2.code).toBe('EINVAL');
      expect(e2.message).toMatch(/invalid/);
      // A ref to an object nobody wrote; a blob on a branch; a funny ref name.
      const e3 = await fs.promises.writeFile(`${gitdir}/refs/heads/x`, `${'1'.repeat(40)}\n`).catch((e) => e);
      expect(e3.code).toBe('EINVAL');
      const blobOid = await git.writeBlob({ fs, gitdir, blob: enc('a blob\n') });
      const e4 = await fs.promises.writeFile(`${gitdir}/refs/heads/x`, `${blobOid}\n`).catch((e) => e);
      expect(e4.message).toMatch(/non-commit/);
      expect(store.refs.get('refs/heads/x')).toBeNull();
      expect(store.objects.has(blobOid)).toBe(false);
      const e5 = await fs.promises.writeFile(`${gitdir}/index`, 'x').catch((e) => e);
      expect(e5.code).toBe('EPERM');

      const ro = openGitView(store, { readOnly: true });
      expect(await git.listBranches({ fs: ro.fs, gitdir: ro.gitdir })).toEqual(['main']);
      const e6 = await git.branch({ fs: ro.fs, gitdir: ro.gitdir, ref: 'nope', object: h.commits[0].oid }).catch((e) => e);
      expect(e6.code).toBe('EROFS');
      store.setMeta('read_only', '1');
      const e7 = await git.branch({ fs, gitdir, ref: 'nope', object: h.commits[0].oid }).catch((e) => e);
      expect(e7.code).toBe('EROFS');
      expect(e7.message).toMatch(/read-only fork/);
      expect(store.refs.list().map((r) => r.name)).toEqual(['refs/heads/main']);
    }));

  it('every repository of a fork network has its own view: refs, pending objects and what it may read', () =>
    withStore('view-forks', async (store) => {
      const a = store.forRepo('ns/a');
      const b = store.forRepo('ns/b');
      // Both hosted (as create and fork make them), so a push to one tells the other that it may
      // no longer reach every stored object.
      a.register();
      b.register();
      const h = linearHistory(2);
      await pushPack(a, buildPack(h.all), { 'refs/heads/main': h.commits[1].oid });
      b.refs.copyFrom('ns/a');
      a.markShared();
      const empty = tree([]);
      const other = commit({ tree: empty.oid, time: 9 });
      await pushPack(a, buildPack([empty, other]), { 'refs/heads/only-a': other.oid });
      const va = openGitView(a);
      const vb = openGitView(b);
      expect(await git.listBranches({ fs: va.fs, gitdir: va.gitdir })).toEqual(['main', 'only-a']);
      expect(await git.listBranches({ fs: vb.fs, gitdir: vb.gitdir })).toEqual(['main']);
      // b cannot read a's commit by id, a can.
      expect((await git.readCommit({ fs: va.fs, gitdir: va.gitdir, oid: other.oid })).oid).toBe(other.oid);
      await expect(git.readCommit({ fs: vb.fs, gitdir: vb.gitdir, oid: other.oid })).rejects.toThrow(/Could not find/);
      // a's pending blob is not b's.
      const p = await git.writeBlob({ fs: va.fs, gitdir: va.gitdir, blob: enc('a only\n') });
      expect(await va.fs.promises.stat(`${va.gitdir}/objects/${p.slice(0, 2)}/${p.slice(2)}`)).toBeTruthy();
      await expect(vb.fs.promises.stat(`${vb.gitdir}/objects/${p.slice(0, 2)}/${p.slice(2)}`)).rejects.toMatchObject({ code: 'ENOENT' });
    }));

  it('git.merge through the view: fast-forward, a true merge, and a conflict that writes nothing', () =>
    withStore('view-merge', async (store, state) => {
      const h = linearHistory(2);
      await pushPack(store, buildPack(h.all), { 'refs/heads/main': h.commits[1].oid });
      const { fs, gitdir } = openGitView(store);
      const edit = async (branch: string, path: string, content: string, from: string) => {
        const b = await git.writeBlob({ fs, gitdir, blob: enc(content) });
        const base = await git.readTree({ fs, gitdir, oid: from });
        const entries = base.tree.filter((e) => e.path !== path).concat([{ mode: '100644', path, oid: b, type: 'blob' as const }]);
        const t = await git.writeTree({ fs, gitdir, tree: entries });
        return git.commit({ fs, gitdir, ref: `refs/heads/${branch}`, message: `${branch}: ${path}\n`, author, tree: t, parent: [from] });
      };
      const a = await edit('a', 'a.txt', 'a\n', h.commits[1].oid);
      const b = await edit('b', 'b.txt', 'b\n', h.commits[1].oid);
      const ff = await git.merge({ fs, gitdir, ours: 'main', theirs: 'a', author });
      expect(ff).toMatchObject({ oid: a, fastForward: true });
      expect(store.refs.get('refs/heads/main')).toBe(a);
      const m = await git.merge({ fs, gitdir, ours: 'main', theirs: 'b', author, message: 'merge b\n' });
      expect(m.mergeCommit).toBe(true);
      expect(store.refs.get('refs/heads/main')).toBe(m.oid);
      const mc = await git.readCommit({ fs, gitdir, oid: m.oid! });
      expect(mc.commit.parent).toEqual([a, b]);
      expect((await git.listFiles({ fs, gitdir, ref: 'main' })).filter((f) => !f.includes('/'))).toEqual(['a.txt', 'b.txt', 'file.txt']);
      // Both sides change file.txt: a conflict, nothing moves, nothing is stored.
      const x = await edit('x', 'file.txt', 'x side\n', m.oid!);
      const y = await edit('y', 'file.txt', 'y side\n', m.oid!);
      const objects = () => state.storage.sql.exec<{ n: number }>('SELECT count(*) AS n FROM objects').one().n;
      const before = objects();
      const err = await git.merge({ fs, gitdir, ours: 'x', theirs: 'y', author }).catch((e) => e);
      expect(err.code).toBe('MergeConflictError');
      expect(err.data.filepaths).toEqual(['file.txt']);
      expect(store.refs.get('refs/heads/x')).toBe(x);
      expect(store.refs.get('refs/heads/y')).toBe(y);
      expect(objects()).toBe(before);
    }));
});
