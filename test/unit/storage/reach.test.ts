// What a repository reaches (src/storage/reach.ts) and how a fork network's shared store uses it:
// the lazy walker answers like a full walk would, does little work for the questions a push asks,
// respects the shallow boundary, and every route of a push (new tips, tree and tag entries, thin
// delta bases) refuses a sibling's object exactly as a missing one, leaving storage untouched.
import { describe, expect, it } from 'vitest';
import { log, mergeBase, resolveRev } from '../../../src/commit';
import { parseTree } from '../../../src/pack';
import { ReachWalker } from '../../../src/storage/reach';
import { IngestError, type RepoStore } from '../../../src/storage/repo-store';
import {
  blob, buildPack, commit, ingestPack, linearHistory, pushPack, storageSnapshot, tag, tree, withStore, ZERO, type Obj, type PackItem,
} from './helpers';

const T0 = 1_600_000_000;

/** Repositories `ns/<name>` of one network in the store's DO, as RepoObject makes them. */
function network(store: RepoStore, ...names: string[]): RepoStore[] {
  return names.map((n) => {
    const r = store.forRepo(`ns/${n}`);
    r.register();
    r.setMeta('all_reachable', '0');
    r.markShared();
    return r;
  });
}

/** A walker's counters (RepoStore keeps one per repository). */
function walkerStats(r: RepoStore): { commits: number; trees: number } | null {
  const cache = (r as unknown as { shared: { reach: { map: Map<string, { walker: ReachWalker }> } } }).shared.reach.map;
  return cache.get(r.repo)?.walker.stats ?? null;
}

describe('ReachWalker', () => {
  it('answers as the closure of the tips, and nothing of another history in the same store', async () => {
    await withStore('reach-basic', async (store) => {
      const h = linearHistory(12, T0);
      const ob = blob('another repository');
      const ot = tree([{ mode: '100644', name: 'o', oid: ob.oid }]);
      const oc = commit({ tree: ot.oid, parents: [h.commits[5].oid], time: T0 + 50_000 });
      await pushPack(store, buildPack([...h.all, ob, ot, oc]), { 'refs/heads/main': h.commits[11].oid, 'refs/heads/x': oc.oid });
      const w = new ReachWalker(store.objects, [h.commits[8].oid]);
      const reach = h.reach(h.commits[8]);
      for (const o of [...h.all, ob, ot, oc]) expect(w.has(o.oid), `${o.type} ${o.oid}`).toBe(reach.has(o.oid));
      expect(w.has(h.commits[9].oid)).toBe(false); // a descendant is not reachable
      expect(w.has('0123456789012345678901234567890123456789')).toBe(false);
    });
  });

  it('a question about the tip tree opens only that tree; a commit question walks only commits', async () => {
    await withStore('reach-cost', async (store) => {
      const h = linearHistory(200, T0);
      await pushPack(store, buildPack(h.all), { 'refs/heads/main': h.commits[199].oid });
      const tip = h.commits[199];
      const w = new ReachWalker(store.objects, [tip.oid]);
      const rootTree = new TextDecoder().decode(store.objects.read(tip.oid).data).slice(5, 45); // "tree <oid>"
      expect(w.has(rootTree)).toBe(true);
      expect(w.stats).toEqual({ commits: 1, trees: 0 });
      const newest = [...h.reach(tip)].find((o) => store.objects.typeOf(o) === 'blob' && !h.reach(h.commits[198]).has(o))!;
      expect(w.has(newest)).toBe(true);
      expect(w.stats.commits).toBe(1);
      expect(w.stats.trees).toBeLessThanOrEqual(2); // the root: dir/ and file.txt, then dir/
      // An old commit: commits only, no tree is opened.
      expect(w.has(h.commits[3].oid)).toBe(true);
      expect(w.stats.trees).toBeLessThanOrEqual(2);
      expect(w.stats.commits).toBeLessThanOrEqual(197);
      // An unreachable object costs one full walk; after that, answers are lookups.
      const stray = blob('not in any tree');
      await pushPack(store, buildPack([stray]), { 'refs/tags/stray': stray.oid });
      expect(w.has(stray.oid)).toBe(false);
      const after = { ...w.stats };
      expect(after.commits).toBe(200);
      expect(w.has(stray.oid)).toBe(false);
      expect(w.stats).toEqual(after);
    });
  });

  it('stops at the shallow boundary, follows tags and tag chains', async () => {
    await withStore('reach-shallow', async (store) => {
      const h = linearHistory(6, T0);
      const t1 = tag({ object: h.commits[1].oid, type: 'commit', name: 'v1', time: T0 + 10 });
      const t2 = tag({ object: t1.oid, type: 'tag', name: 'v1-again', time: T0 + 11 });
      const b = blob('tagged blob');
      const tb = tag({ object: b.oid, type: 'blob', name: 'b', time: T0 + 12 });
      await pushPack(store, buildPack([...h.all, t1, t2, b, tb]), { 'refs/heads/main': h.commits[5].oid, 'refs/tags/v1': t2.oid, 'refs/tags/b': tb.oid });
      const shallow = new ReachWalker(store.objects, [h.commits[5].oid], new Set([h.commits[3].oid]));
      expect(shallow.has(h.commits[3].oid)).toBe(true);
      expect(shallow.has(h.commits[2].oid)).toBe(false); // stored, but past the boundary
      expect(shallow.has(t1.oid)).toBe(false);
      const tags = new ReachWalker(store.objects, [t2.oid, tb.oid]);
      for (const o of [t2, t1, h.commits[1], h.commits[0], tb, b]) expect(tags.has(o.oid), o.type).toBe(true);
      expect(tags.has(h.commits[2].oid)).toBe(false);
    });
  });
});

describe('a fork network: each repository uses only what it reaches', () => {
  /** origin o with a history, forks a and b with o's refs; b then pushes a secret on its branch. */
  async function setup(store: RepoStore) {
    const [o, a, b] = network(store, 'o', 'a', 'b');
    const h = linearHistory(5, T0);
    await pushPack(o, buildPack(h.all), { 'refs/heads/main': h.commits[4].oid });
    for (const f of [a, b]) f.refs.copyFrom('ns/o');
    const secretBlob = blob('the secret of b, long enough to be a delta base '.repeat(4));
    const secretTree = tree([{ mode: '100644', name: 'secret.txt', oid: secretBlob.oid }]);
    const secret = commit({ tree: secretTree.oid, parents: [h.commits[4].oid], time: T0 + 9000 });
    await pushPack(b, buildPack([secretBlob, secretTree, secret]), { 'refs/heads/secret': secret.oid });
    return { o, a, b, h, secretBlob, secretTree, secret };
  }

  it('push commands, tree and tag entries, thin bases: refused as missing, storage unchanged', async () => {
    await withStore('reach-net', async (store, state) => {
      const { a, b, h, secretBlob, secretTree, secret } = await setup(store);
      const tip = h.commits[4].oid;
      expect(b.visible(secretBlob.oid)).toBe(true);
      expect(a.visible(secretBlob.oid)).toBe(false);
      expect(a.visible(h.commits[0].oid)).toBe(true);

      const before = storageSnapshot(a, state);
      // A new tip naming b's commit, with and without a pack.
      expect(a.commitPush(null, [{ name: 'refs/heads/stolen', oldOid: ZERO, newOid: secret.oid }], false)).toEqual([
        { name: 'refs/heads/stolen', ok: false, error: 'missing necessary objects' },
      ]);
      const filler = blob('filler');
      const p = await ingestPack(a, buildPack([filler]));
      expect(a.commitPush(p, [{ name: 'refs/tags/stolen', oldOid: ZERO, newOid: secretBlob.oid }], false)[0].error).toBe('missing necessary objects');
      const after = storageSnapshot(a, state);
      expect({ ...after, packFiles: before.packFiles }).toEqual(before); // the caller removes the unused file

      // Entries naming b's objects.
      const viaTree = tree([{ mode: '100644', name: 'x', oid: secretBlob.oid }]);
      const viaDir = tree([{ mode: '40000', name: 'd', oid: secretTree.oid }]);
      const viaRoot = commit({ tree: secretTree.oid, parents: [tip], time: T0 + 9500 });
      const bx = blob('x');
      const tx = tree([{ mode: '100644', name: 'x', oid: bx.oid }]);
      const viaParent = commit({ tree: tx.oid, parents: [secret.oid], time: T0 + 9600 });
      const viaTag = tag({ object: secret.oid, type: 'commit', name: 'stolen', time: T0 + 9700 });
      const cases: [PackItem[], string][] = [
        [[viaTree, commit({ tree: viaTree.oid, parents: [tip], time: T0 + 9400 })], secretBlob.oid],
        [[viaDir, commit({ tree: viaDir.oid, parents: [tip], time: T0 + 9401 })], secretTree.oid],
        [[viaRoot], secretTree.oid],
        [[bx, tx, viaParent], secret.oid],
        [[viaTag], secret.oid],
      ];
      for (const [items, named] of cases) {
        const snap = storageSnapshot(a, state);
        await expect(ingestPack(a, buildPack(items))).rejects.toThrow(new IngestError(`missing object ${named} referenced by the pack`));
        expect(storageSnapshot(a, state)).toEqual(snap);
        await expect(ingestPack(b, buildPack(items))).resolves.toBeTruthy(); // b reaches what they name
      }
      // A thin delta against b's blob: the base is missing for a, whatever the delta says.
      const thin = buildPack([{ obj: blob('the secret of b, changed'), refDelta: secretBlob }]);
      await expect(ingestPack(a, thin)).rejects.toThrow(new IngestError(`missing delta base ${secretBlob.oid}`));
      await expect(ingestPack(b, thin)).resolves.toBeTruthy();
      // The same object sent whole: a may store what it brings itself.
      const own = await ingestPack(a, buildPack([secretBlob]));
      expect(a.commitPush(own, [{ name: 'refs/tags/mine', oldOid: ZERO, newOid: secretBlob.oid }], false)[0].ok).toBe(true);
      expect(a.visible(secretBlob.oid)).toBe(true);
      expect(a.visible(secret.oid)).toBe(false);
    });
  });

  it('the walker follows fast-forwards, forgets deleted refs, and a thin push on the tip stays cheap', async () => {
    await withStore('reach-moves', async (store) => {
      const [o, a] = network(store, 'o', 'a');
      const h = linearHistory(300, T0);
      await pushPack(o, buildPack(h.all), { 'refs/heads/main': h.commits[299].oid });
      a.refs.copyFrom('ns/o');
      const tip = h.commits[299];
      // A thin push on a's tip: a new file next to the tip's unchanged entries.
      const rootOid = new TextDecoder().decode(store.objects.read(tip.oid).data).slice(5, 45);
      const added = blob('a new file');
      const rootEntries = parseTree(store.objects.read(rootOid).data).map((e) => ({ mode: e.mode, name: e.name, oid: e.oid }));
      const newRoot = tree([...rootEntries, { mode: '100644', name: 'added.txt', oid: added.oid }]);
      const c1 = commit({ tree: newRoot.oid, parents: [tip.oid], time: T0 + 400_000 });
      await pushPack(a, buildPack([added, newRoot, c1]), { 'refs/heads/main': c1.oid });
      const s1 = walkerStats(a)!;
      expect(s1.commits).toBe(1); // the old tip only
      expect(s1.trees).toBeLessThanOrEqual(1); // its root tree: dir/ and file.txt are found there
      // The next push extends the same walker (a fast-forward): again almost no work.
      const added2 = blob('another new file');
      const newRoot2 = tree([...rootEntries, { mode: '100644', name: 'added.txt', oid: added.oid }, { mode: '100644', name: 'b.txt', oid: added2.oid }]);
      const c2 = commit({ tree: newRoot2.oid, parents: [c1.oid], time: T0 + 400_100 });
      await pushPack(a, buildPack([added2, newRoot2, c2]), { 'refs/heads/main': c2.oid });
      const s2 = walkerStats(a)!;
      expect(s2).toBe(s1); // same walker
      expect(s2.commits).toBeLessThanOrEqual(2);
      expect(s2.trees).toBeLessThanOrEqual(3); // the new root, and dir/ (named by the first push)

      // A branch of its own, then deleted: what only it reached is no longer a's.
      const lone = blob('only on the side branch');
      const sideTree = tree([{ mode: '100644', name: 'lone', oid: lone.oid }]);
      const side = commit({ tree: sideTree.oid, parents: [c2.oid], time: T0 + 400_200 });
      await pushPack(a, buildPack([lone, sideTree, side]), { 'refs/heads/side': side.oid });
      expect(a.visible(lone.oid)).toBe(true);
      expect(a.commitPush(null, [{ name: 'refs/heads/side', oldOid: side.oid, newOid: ZERO }], false)[0].ok).toBe(true);
      expect(a.visible(lone.oid)).toBe(false);
      expect(a.visible(c2.oid)).toBe(true);
      expect(o.visible(c1.oid)).toBe(false); // the origin never reached a's work
      expect(o.visible(h.commits[0].oid)).toBe(true);
    });
  });
});

describe('the all-reachable fast path', () => {
  it('is never taken for a key that is not registered in a shared store', async () => {
    await withStore('reach-unregistered', async (store) => {
      const [a] = network(store, 'a');
      a.setMeta('all_reachable', '1');
      const h = linearHistory(2, T0);
      await pushPack(a, buildPack(h.all), { 'refs/heads/main': h.commits[1].oid });
      const b = store.forRepo('ns/b'); // refs, but no registration (so no flag kept for it)
      b.refs.copyFrom('ns/a');
      const later = commit({ tree: tree([]).oid, time: T0 + 99 });
      await pushPack(a, buildPack([tree([]), later]), { 'refs/heads/later': later.oid });
      expect(b.allReachable()).toBe(false);
      expect(b.visible(later.oid)).toBe(false);
      expect(b.visible(h.commits[0].oid)).toBe(true);
      expect(a.allReachable()).toBe(true);
    });
  });
});

describe('a shallow repository of a network', () => {
  it('reads stop at its boundary even where another repository has the history', async () => {
    await withStore('reach-shallow-net', async (store) => {
      const [o, a] = network(store, 'o', 'a');
      const h = linearHistory(6, T0);
      await pushPack(o, buildPack(h.all), { 'refs/heads/main': h.commits[5].oid });
      a.refs.copyFrom('ns/o');
      a.shallow().set([h.commits[3].oid]); // a's history ends at c4 (index 3)
      const ctx = { store: a };
      expect(resolveRev(ctx, 'main~2')).toBe(h.commits[3].oid);
      expect(() => resolveRev(ctx, 'main~3')).toThrow(/history is shorter/);
      expect(() => resolveRev(ctx, `${h.commits[3].oid}^1`)).toThrow(/has no parent 1/);
      expect(() => resolveRev(ctx, h.commits[2].oid)).toThrow(/unknown revision/);
      expect(log(ctx, 'main', {}).commits.map((c) => c.sha)).toEqual([h.commits[5].oid, h.commits[4].oid, h.commits[3].oid]);
      expect(log({ store: o }, 'main', {}).commits).toHaveLength(6);
      expect(mergeBase(ctx, h.commits[5].oid, h.commits[3].oid)).toBe(h.commits[3].oid);
    });
  });
});

describe('a push on a wide tree reads the paths it changes, not the whole tip tree', () => {
  /** 60 directories of 5 subdirectories of 4 files (361 trees); `tag` changes file f1 of d<d>/s<s>. */
  const sub = (d: number, s: number, tag: string) => {
    const files = [0, 1, 2, 3].map((f) => blob(`d${d} s${s} f${f}` + (f === 1 ? tag : '')));
    return { files, tree: tree(files.map((b, f) => ({ mode: '100644', name: `f${f}`, oid: b.oid }))) };
  };
  const dir = (d: number, tags: string[]) => {
    const subs = [0, 1, 2, 3, 4].map((s) => sub(d, s, tags[s] ?? ''));
    return { subs, tree: tree(subs.map((x, s) => ({ mode: '40000', name: `s${s}`, oid: x.tree.oid }))) };
  };
  type Dir = ReturnType<typeof dir>;
  const rootOf = (dirs: Dir[]) => tree(dirs.map((x, d) => ({ mode: '40000', name: `d${d}`, oid: x.tree.oid })));

  /** The pack of a commit changing d<d>/s<s>/f1 on top of `dirs` (whole objects or thin deltas). */
  function change(dirs: Dir[], parent: Obj, d: number, s: number, time: number, thin: boolean) {
    const next = dirs.slice();
    next[d] = dir(d, Array.from({ length: 5 }, (_, i) => (i === s ? ` changed at ${time}` : '')));
    const root = rootOf(next);
    const c = commit({ tree: root.oid, parents: [parent.oid], time });
    const pairs: [Obj, Obj][] = [[root, rootOf(dirs)], [next[d].tree, dirs[d].tree], [next[d].subs[s].tree, dirs[d].subs[s].tree], [next[d].subs[s].files[1], dirs[d].subs[s].files[1]]];
    const items: PackItem[] = [c, ...pairs.map(([o, base]) => (thin ? { obj: o, refDelta: base } : o))];
    return { dirs: next, commit: c, items };
  }

  for (const thin of [false, true]) {
    it(thin ? 'thin packs (deltas against the old versions)' : 'whole objects (no deltas)', async () => {
      await withStore(`reach-wide-${thin}`, async (store) => {
        const [o, a] = network(store, 'o', 'a');
        const dirs = Array.from({ length: 60 }, (_, d) => dir(d, []));
        const c0 = commit({ tree: rootOf(dirs).oid, time: T0 });
        const all = [...dirs.flatMap((x) => [...x.subs.flatMap((y) => [...y.files, y.tree]), x.tree]), rootOf(dirs), c0];
        await pushPack(o, buildPack(all), { 'refs/heads/main': c0.oid });
        a.refs.copyFrom('ns/o');
        const p1 = change(dirs, c0, 37, 2, T0 + 10, thin);
        await pushPack(a, buildPack(p1.items), { 'refs/heads/main': p1.commit.oid });
        const s = walkerStats(a)!;
        expect(s.commits).toBe(1);
        expect(s.trees).toBeLessThanOrEqual(4); // root, d37, d37/s2 (of 361)
        // The next push resumes the same walker: again the changed paths only.
        const p2 = change(p1.dirs, p1.commit, 12, 4, T0 + 20, thin);
        await pushPack(a, buildPack(p2.items), { 'refs/heads/main': p2.commit.oid });
        expect(walkerStats(a)).toBe(s);
        expect(s.commits).toBe(2);
        expect(s.trees).toBeLessThanOrEqual(8);
        expect(a.refs.get('refs/heads/main')).toBe(p2.commit.oid);
      });
    });
  }
});
