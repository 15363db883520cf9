// Streaming push ingest (PackIngest) and RepoStore.commitPush inside a real Durable Object:
// packs built by hand with whole objects, ref-deltas and ofs-deltas, fed in random-size chunks;
// hostile packs must throw IngestError and leave refs, the object index and DOFS untouched.
import { describe, expect, it } from 'vitest';
import { deflate, type PackWriter } from '../../../src/pack';
import { IngestError } from '../../../src/storage/repo-store';
import { rowTuple } from '../../../src/storage/row-sql';
import type { RepoStore } from '../../../src/storage/repo-store';
import {
  blob, buildPack, commit, concat, enc, ingestPack, linearHistory, pushPack, rng, sameBytes, storageSnapshot, tag, tree,
  obj, withStore, ZERO, type Obj, type PackItem,
} from './helpers';

const T0 = 1_700_000_000;

function randomText(n: number, seed: number): Uint8Array {
  const r = rng(seed);
  const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', '\n'];
  let s = '';
  while (s.length < n) s += words[r() % words.length] + ' ';
  return enc(s.slice(0, n));
}

function edit(data: Uint8Array, seed: number): Uint8Array {
  const r = rng(seed);
  const at = r() % (data.length - 100);
  return concat([data.subarray(0, at), enc(`<edit ${seed}>`), data.subarray(at + 37)]);
}

/** A commit whose tree holds the given blobs as f0, f1, ... */
function snapshot(blobs: Obj[], time: number, parents: string[] = []): { tree: Obj; commit: Obj } {
  const t = tree(blobs.map((b, i) => ({ mode: '100644', name: `f${i}`, oid: b.oid })));
  return { tree: t, commit: commit({ tree: t.oid, parents, time }) };
}

function expectStored(store: RepoStore, objs: Obj[]): void {
  for (const o of objs) {
    const got = store.objects.read(o.oid);
    expect(got.type, o.oid).toBe(o.type);
    expect(sameBytes(got.data, o.data), `content of ${o.type} ${o.oid}`).toBe(true);
  }
}

/** Runs a bad ingest: it must throw IngestError (from write or finish) and change nothing. */
async function expectRejected(
  store: RepoStore,
  state: DurableObjectState,
  pack: Uint8Array,
  pattern: RegExp,
  seed = 7,
): Promise<void> {
  const before = storageSnapshot(store, state);
  let err: unknown = null;
  try {
    await ingestPack(store, pack, seed);
  } catch (e) {
    err = e;
  }
  expect(err, 'the ingest should have failed').toBeInstanceOf(IngestError);
  expect((err as Error).message).toMatch(pattern);
  const after = storageSnapshot(store, state);
  expect(after).toEqual(before);
  expect(after.pendingStreams).toBe(0);
  expect(after.orphanChunks).toBe(0);
}

describe('PackIngest + commitPush', () => {
  it('stores whole objects, ref-deltas and ofs-deltas (any chunking) with identical bytes', async () => {
    const b1 = blob(randomText(4000, 1));
    const b2 = blob(edit(b1.data, 2)); // ofs-delta on b1
    const b3 = blob(edit(b2.data, 3)); // ofs-delta on b2 (chain of 2)
    const b4 = blob(edit(b1.data, 4)); // ref-delta on b1
    const b5 = blob(edit(b1.data, 5)); // ref-delta whose base (b6) comes later in the pack
    const b6 = blob(edit(b1.data, 6));
    const exe = blob('#!/bin/sh\necho hi\n');
    const link = blob('f0');
    const sub = tree([{ mode: '100644', name: 'deep.txt', oid: b3.oid }]);
    const root = tree([
      { mode: '100644', name: 'a.txt', oid: b1.oid },
      { mode: '100644', name: 'b.txt', oid: b2.oid },
      { mode: '100644', name: 'd.txt', oid: b4.oid },
      { mode: '100644', name: 'e.txt', oid: b5.oid },
      { mode: '100644', name: 'f.txt', oid: b6.oid },
      { mode: '100755', name: 'run.sh', oid: exe.oid },
      { mode: '120000', name: 'link', oid: link.oid },
      { mode: '40000', name: 'sub', oid: sub.oid },
      { mode: '160000', name: 'module', oid: 'f'.repeat(40) }, // gitlink: not our object
    ]);
    const c1 = commit({ tree: root.oid, time: T0 });
    const t1 = tag({ object: c1.oid, type: 'commit', name: 'v1', time: T0 + 1 });
    const items: PackItem[] = [
      c1, t1, root, sub, b1,
      { obj: b2, ofsDelta: b1 },
      { obj: b3, ofsDelta: b2 },
      { obj: b4, refDelta: b1 },
      { obj: b5, refDelta: b6 },
      b6, exe, link,
    ];
    const pack = buildPack(items);
    const objs = [c1, t1, root, sub, b1, b2, b3, b4, b5, b6, exe, link];
    for (const [seed, max] of [[1, 7], [2, 300], [3, 5000], [4, pack.length]] as const) {
      await withStore('ingest-ok', async (store, state) => {
        const ing = await ingestPack(store, pack, seed, max);
        expect(ing.objectCount).toBe(objs.length);
        expect(ing.size).toBe(pack.length);
        // The index rows written straight from the entry columns are the checked rows' tuples.
        expect([...ing.tuples()]).toEqual([...ing.rows()].map(rowTuple));
        // Nothing is visible before commitPush.
        expect(store.objects.has(c1.oid)).toBe(false);
        expect(store.objects.count()).toBe(0);
        const res = store.commitPush(
          ing,
          [
            { name: 'refs/heads/main', oldOid: ZERO, newOid: c1.oid },
            { name: 'refs/tags/v1', oldOid: ZERO, newOid: t1.oid },
          ],
          false,
        );
        expect(res).toEqual([
          { name: 'refs/heads/main', ok: true },
          { name: 'refs/tags/v1', ok: true },
        ]);
        expect(store.refs.get('refs/heads/main')).toBe(c1.oid);
        expect(store.refs.head().oid).toBe(c1.oid);
        expect(store.objects.count()).toBe(objs.length);
        // The rows commitPush indexed (record blobs split inside SQLite) are the checked rows.
        for (const r of ing.rows()) expect(store.objects.row(r.oid)).toEqual(r);
        expectStored(store, objs);
        expect(store.peeled(t1.oid)).toBe(c1.oid);
        expect(store.peeled(c1.oid)).toBeNull();
        // Rows describe the stored entries: deltas keep their base, depth counts the chain.
        expect(store.objects.row(b2.oid)).toMatchObject({ raw_type: 6, type: 3, base_oid: b1.oid, depth: 1 });
        expect(store.objects.row(b3.oid)).toMatchObject({ raw_type: 6, base_oid: b2.oid, depth: 2 });
        expect(store.objects.row(b4.oid)).toMatchObject({ raw_type: 7, base_oid: b1.oid, depth: 1 });
        expect(store.objects.row(b5.oid)).toMatchObject({ raw_type: 7, base_oid: b6.oid, depth: 1 });
        expect(store.objects.row(c1.oid)).toMatchObject({ raw_type: 1, type: 1, base_oid: null, depth: 0, size: c1.data.length });
        // The pack file is kept as received.
        const files = store.fs.readdirSync('/packs');
        expect(files).toEqual([`pack-${ing.packId}.pack`]);
        expect(sameBytes(store.fs.readFileSync(`/packs/${files[0]}`) as Uint8Array, pack)).toBe(true);
        const s = storageSnapshot(store, state);
        expect(s.packRows).toEqual([ing.packId]);
        expect(s.pendingStreams).toBe(0);
      });
    }
  });

  it('resolves deltas that arrive before their bases (ref-delta chains and ofs-deltas on them)', async () => {
    const b = blob(randomText(3000, 30));
    const d1 = blob(edit(b.data, 31));
    const d2 = blob(edit(d1.data, 32));
    const d3 = blob(edit(d2.data, 33));
    const o1 = blob(edit(d1.data, 34));
    const s = snapshot([b, d1, d2, d3, o1], T0);
    // d3 -> d2 -> d1 -> b, each ref-delta written before its base; o1 is an ofs-delta on d1.
    const pack = buildPack([
      s.commit,
      { obj: d3, refDelta: d2 },
      { obj: d2, refDelta: d1 },
      { obj: d1, refDelta: b },
      { obj: o1, ofsDelta: d1 },
      s.tree,
      b,
    ]);
    await withStore('ingest-reverse', async (store) => {
      await pushPack(store, pack, { 'refs/heads/main': s.commit.oid }, 5);
      store.objects.clearCaches();
      expectStored(store, [d3, d2, d1, o1, b, s.tree, s.commit]);
      expect(store.objects.row(d3.oid)).toMatchObject({ raw_type: 7, base_oid: d2.oid, depth: 3 });
      expect(store.objects.row(o1.oid)).toMatchObject({ raw_type: 6, base_oid: d1.oid, depth: 2 });
    });
  });

  it('reads a 2.3 MB object across read windows and DOFS chunks, with a delta on top', async () => {
    const r = rng(99);
    const big = new Uint8Array(2_300_000);
    for (let i = 0; i < big.length; i++) big[i] = r() & 0xff; // incompressible
    const b1 = blob(big);
    const b2 = blob(concat([big.subarray(0, 700_000), enc('inserted in the middle'), big.subarray(700_010)]));
    const { tree: t, commit: c } = snapshot([b1, b2], T0);
    const pack = buildPack([c, t, b1, { obj: b2, ofsDelta: b1 }]);
    await withStore('ingest-big', async (store, state) => {
      await pushPack(store, pack, { 'refs/heads/main': c.oid }, 11);
      // Stored in chunks within the production value limit (2 MiB), though the pack is larger.
      const max = state.storage.sql.exec<{ m: number }>('SELECT max(length(data)) AS m FROM dofs_chunks').one().m;
      expect(pack.length).toBeGreaterThan(2 * 1024 * 1024);
      expect(max).toBeLessThanOrEqual(2 * 1024 * 1024);
      store.objects.clearCaches();
      expectStored(store, [b2, b1, t, c]);
      expect(store.objects.row(b2.oid)!.raw_type).toBe(6);
    });
  });

  it('accepts a thin pack: a ref-delta against an object stored by an earlier push', async () => {
    const base = blob(randomText(3000, 10));
    const first = snapshot([base], T0);
    const next = blob(edit(base.data, 11));
    const second = snapshot([next], T0 + 10, [first.commit.oid]);
    await withStore('ingest-thin', async (store) => {
      await pushPack(store, buildPack([first.commit, first.tree, base]), { 'refs/heads/main': first.commit.oid });
      const thin = buildPack([second.commit, second.tree, { obj: next, refDelta: base }]);
      const ing = await ingestPack(store, thin, 3, 50);
      const res = store.commitPush(ing, [{ name: 'refs/heads/main', oldOid: first.commit.oid, newOid: second.commit.oid }], false);
      expect(res[0].ok).toBe(true);
      expect(store.refs.get('refs/heads/main')).toBe(second.commit.oid);
      store.objects.clearCaches();
      expectStored(store, [next, second.tree, second.commit, base]);
      expect(store.objects.row(next.oid)).toMatchObject({ raw_type: 7, base_oid: base.oid, pack_id: ing.packId });
      expect(store.objects.row(base.oid)!.pack_id).not.toBe(ing.packId);
    });
  });

  it('indexes a pack pushed without ref updates, and a second push of known objects changes nothing', async () => {
    const h = linearHistory(2, T0);
    await withStore('ingest-noref', async (store) => {
      const ing = await ingestPack(store, buildPack(h.all));
      expect(store.commitPush(ing, [], false)).toEqual([]);
      expect(store.objects.count()).toBe(h.all.length);
      // A new branch on a stored commit needs only an empty pack.
      const empty = await ingestPack(store, buildPack([]));
      const res = store.commitPush(empty, [{ name: 'refs/heads/b', oldOid: ZERO, newOid: h.commits[0].oid }], false);
      expect(res[0].ok).toBe(true);
      expect(store.objects.count()).toBe(h.all.length);
      expectStored(store, h.all);
      // The same objects pushed again are ignored: the kept counter agrees with the table.
      const again = await ingestPack(store, buildPack(h.all), 7);
      store.commitPush(again, [], false);
      const n = (store.objects as unknown as { sql: SqlStorage }).sql.exec<{ n: number }>('SELECT count(*) AS n FROM objects').one().n;
      expect(store.objects.count()).toBe(n);
      expect(n).toBe(h.all.length);
    });
  });
});

describe('commitPush ref rules', () => {
  it('refuses non-commits on branches, missing objects and funny names; accepts tags of any object', async () => {
    const b = blob('just a blob\n');
    const { tree: t, commit: c } = snapshot([b], T0);
    const tg = tag({ object: c.oid, type: 'commit', name: 'v1', time: T0 });
    await withStore('push-rules', async (store) => {
      const ing = await ingestPack(store, buildPack([c, t, b, tg]));
      const res = store.commitPush(
        ing,
        [
          { name: 'refs/heads/x', oldOid: ZERO, newOid: b.oid },
          { name: 'refs/heads/y', oldOid: ZERO, newOid: tg.oid },
          { name: 'refs/heads/z', oldOid: ZERO, newOid: 'e'.repeat(40) },
          { name: 'refs/heads/bad..name', oldOid: ZERO, newOid: c.oid },
          { name: 'HEAD', oldOid: ZERO, newOid: c.oid },
          { name: 'refs/tags/v1', oldOid: ZERO, newOid: tg.oid },
          { name: 'refs/tags/blob', oldOid: ZERO, newOid: b.oid },
          { name: 'refs/heads/main', oldOid: ZERO, newOid: c.oid },
        ],
        false,
      );
      expect(res.map((r) => [r.name, r.ok, r.error ?? ''])).toEqual([
        ['refs/heads/x', false, 'trying to write non-commit object to branch'],
        ['refs/heads/y', false, 'trying to write non-commit object to branch'],
        ['refs/heads/z', false, 'missing necessary objects'],
        ['refs/heads/bad..name', false, 'funny refname'],
        ['HEAD', false, 'funny refname'],
        ['refs/tags/v1', true, ''],
        ['refs/tags/blob', true, ''],
        ['refs/heads/main', true, ''],
      ]);
      expect(store.refs.list().map((r) => r.name)).toEqual(['refs/heads/main', 'refs/tags/blob', 'refs/tags/v1']);
      expect(store.refs.get('HEAD')).toBeNull();
      expect(store.refs.head()).toEqual({ target: 'refs/heads/main', oid: c.oid });
    });
  });

  it('atomic: one refused update keeps every ref and indexes no object', async () => {
    const b = blob('atomic\n');
    const { tree: t, commit: c } = snapshot([b], T0);
    await withStore('push-atomic', async (store, state) => {
      const before = storageSnapshot(store, state);
      const ing = await ingestPack(store, buildPack([c, t, b]));
      const res = store.commitPush(
        ing,
        [
          { name: 'refs/heads/main', oldOid: ZERO, newOid: c.oid },
          { name: 'refs/heads/blob', oldOid: ZERO, newOid: b.oid },
        ],
        true,
      );
      expect(res.map((r) => r.ok)).toEqual([false, false]);
      expect(res[0].error).toMatch(/atomic/);
      expect(res[1].error).toMatch(/non-commit/);
      const after = storageSnapshot(store, state);
      expect(after.refs).toEqual(before.refs);
      expect(after.objects).toEqual([]);
      expect(after.packRows).toEqual([]);
    });
  });

  it('deletes a ref without a pack, checking the old value', async () => {
    const h = linearHistory(2, T0);
    await withStore('push-delete', async (store) => {
      await pushPack(store, buildPack(h.all), { 'refs/heads/main': h.commits[1].oid, 'refs/heads/old': h.commits[0].oid });
      const res = store.commitPush(
        null,
        [
          { name: 'refs/heads/old', oldOid: h.commits[0].oid, newOid: ZERO },
          { name: 'refs/heads/main', oldOid: h.commits[0].oid, newOid: ZERO }, // stale
          { name: 'refs/heads/moved', oldOid: ZERO, newOid: h.commits[0].oid }, // objects already stored
        ],
        false,
      );
      expect(res.map((r) => r.ok)).toEqual([true, false, true]);
      expect(res[1].error).toMatch(/fetch first/);
      expect(store.refs.list().map((r) => r.name)).toEqual(['refs/heads/main', 'refs/heads/moved']);
    });
  });

  it('two pushes from the same old value: exactly one wins, the loser indexes nothing', async () => {
    const h = linearHistory(1, T0);
    const c1 = h.commits[0];
    const mk = (n: number) => {
      const b = blob(`branch ${n}\n`);
      const s = snapshot([b], T0 + 100 + n, [c1.oid]);
      return { b, ...s, pack: buildPack([s.commit, s.tree, b]) };
    };
    const x = mk(1);
    const y = mk(2);
    await withStore('push-race', async (store) => {
      await pushPack(store, buildPack(h.all), { 'refs/heads/main': c1.oid });
      // Both ingests interleave chunk by chunk, as two concurrent requests would.
      const feed = async (pack: Uint8Array, seed: number) => {
        const ing = store.beginPack();
        for (const chunk of [pack.subarray(0, 40), pack.subarray(40, 90), pack.subarray(90)]) {
          ing.write(chunk);
          await new Promise((r) => setTimeout(r, seed));
        }
        return ing.finish();
      };
      const [px, py] = await Promise.all([feed(x.pack, 1), feed(y.pack, 2)]);
      expect(px.packId).not.toBe(py.packId);
      const rx = store.commitPush(px, [{ name: 'refs/heads/main', oldOid: c1.oid, newOid: x.commit.oid }], false);
      const ry = store.commitPush(py, [{ name: 'refs/heads/main', oldOid: c1.oid, newOid: y.commit.oid }], false);
      expect([rx[0].ok, ry[0].ok]).toEqual([true, false]);
      expect(ry[0].error).toMatch(/fetch first/);
      expect(store.refs.get('refs/heads/main')).toBe(x.commit.oid);
      expect(store.objects.has(x.commit.oid)).toBe(true);
      expect(store.objects.has(y.commit.oid)).toBe(false);
      expect(store.objects.has(y.b.oid)).toBe(false);
    });
  });
});

describe('hostile packs: IngestError, and nothing changes', () => {
  const b = blob(randomText(2000, 20));
  const { tree: goodTree, commit: goodCommit } = snapshot([b], T0 + 50);
  const good = buildPack([goodCommit, goodTree, b]);
  const h = linearHistory(2, T0);

  /** A store that already holds a small repository, so "unchanged" means something. */
  async function withSeeded(label: string, fn: (store: RepoStore, state: DurableObjectState) => Promise<void>) {
    await withStore(label, async (store, state) => {
      await pushPack(store, buildPack(h.all), { 'refs/heads/main': h.commits[1].oid });
      await fn(store, state);
      // The repository still works afterwards.
      const ok = await ingestPack(store, good);
      expect(store.commitPush(ok, [{ name: 'refs/heads/after', oldOid: ZERO, newOid: goodCommit.oid }], false)[0].ok).toBe(true);
      expectStored(store, [goodCommit, goodTree, b, ...h.all]);
    });
  }

  it('framing: truncated pack, truncated trailer, bad trailer checksum, trailing garbage, bad header', async () => {
    await withSeeded('bad-framing', async (store, state) => {
      await expectRejected(store, state, good.subarray(0, Math.floor(good.length * 0.6)), /truncated/);
      await expectRejected(store, state, good.subarray(0, good.length - 5), /truncated|trailer/);
      const badSum = good.slice();
      badSum[badSum.length - 1] ^= 0x01;
      await expectRejected(store, state, badSum, /checksum|trailer/i);
      await expectRejected(store, state, concat([good, enc('garbage')]), /after the pack trailer/);
      const badMagic = good.slice();
      badMagic[0] = 0x51;
      await expectRejected(store, state, badMagic, /./);
      const badVersion = good.slice();
      badVersion[7] = 9;
      await expectRejected(store, state, badVersion, /./);
    });
  });

  it('bit-flipped zlib data in every entry', async () => {
    // Positions inside the commit's, the tree's and the blob's compressed data.
    const flips = [30, 120, good.length - 200, good.length - 40];
    await withSeeded('bad-zlib', async (store, state) => {
      for (const at of flips) {
        const bad = good.slice();
        bad[at] ^= 0x10;
        await expectRejected(store, state, bad, /./, at);
      }
    });
  });

  it('delta problems: missing base, base of the wrong size, ofs-delta to a non-entry', async () => {
    const other = blob(randomText(2000, 21));
    const target = blob(edit(b.data, 22));
    const s = snapshot([target], T0 + 60);
    await withSeeded('bad-delta', async (store, state) => {
      await expectRejected(store, state, buildPack([s.commit, s.tree, { obj: target, refDelta: other }]), /missing delta base/);
      // A delta made against `b` but claiming `other` (same oid namespace, wrong content).
      const wrongBase: PackItem = {
        raw: (w: PackWriter) => {
          const delta = buildDeltaBytes(b.data, target.data);
          return w.refDelta(h.all[0].oid, delta); // h.all[0] is a stored blob of another size
        },
      };
      await expectRejected(store, state, buildPack([s.commit, s.tree, wrongBase]), /delta/);
      const badOfs: PackItem = {
        raw: (w: PackWriter) =>
          w.rawEntry(6, 5, deflate(new Uint8Array([1, 1, 0x90, 1, 0])), { ofs: 3 }), // lands inside the header
      };
      await expectRejected(store, state, buildPack([b, badOfs]), /./);
    });
  });

  it('connectivity: commit without its tree, tree without its blob, parent missing, tag of nothing', async () => {
    const lost = blob('never sent\n');
    const t = tree([{ mode: '100644', name: 'x', oid: lost.oid }]);
    const cNoTree = commit({ tree: t.oid, time: T0 + 70 });
    const cNoParent = commit({ tree: goodTree.oid, parents: ['9'.repeat(40)], time: T0 + 71 });
    const tagNothing = tag({ object: '8'.repeat(40), type: 'commit', name: 'ghost', time: T0 + 72 });
    await withSeeded('bad-connectivity', async (store, state) => {
      await expectRejected(store, state, buildPack([cNoTree]), /missing object/);
      await expectRejected(store, state, buildPack([cNoTree, t]), new RegExp(`missing object ${lost.oid}`));
      await expectRejected(store, state, buildPack([cNoParent, goodTree, b]), /missing object 9{40}/);
      await expectRejected(store, state, buildPack([tagNothing]), /missing object 8{40}/);
      // A parent header past the committer line counts too (parseCommit's reading), and a tree id in
      // upper case names the same object as in lower case.
      const late = enc(`tree ${goodTree.oid}\nauthor X <x@y> 1 +0000\ncommitter X <x@y> 1 +0000\nparent ${'7'.repeat(40)}\n\nlate parent\n`);
      await expectRejected(store, state, buildPack([{ raw: (w) => w.object(1, late) }, goodTree, b]), /missing object 7{40}/);
      const upper = enc(`tree ${t.oid.toUpperCase()}\nauthor X <x@y> 1 +0000\ncommitter X <x@y> 1 +0000\n\nupper\n`);
      await expectRejected(store, state, buildPack([{ raw: (w) => w.object(1, upper) }]), new RegExp(`missing object ${t.oid}`));
    });
  });

  it('fsck: bad modes, "..", ".git" spellings, unsorted and duplicate entries, broken commits', async () => {
    const entry = (mode: string, name: string) => tree([{ mode, name, oid: b.oid }], { sort: false });
    const badTrees = [
      entry('100600', 'file'),
      entry('040000', 'zero-padded'),
      entry('100644', '..'),
      entry('100644', '.'),
      entry('40000', '.git'),
      entry('100644', '.GIT'),
      entry('100644', 'git~1'),
      entry('100644', 'a/b'),
      tree(
        [
          { mode: '100644', name: 'b', oid: b.oid },
          { mode: '100644', name: 'a', oid: b.oid },
        ],
        { sort: false },
      ),
      tree(
        [
          { mode: '100644', name: 'a', oid: b.oid },
          { mode: '100644', name: 'a', oid: b.oid },
        ],
        { sort: false },
      ),
    ];
    const badCommits = [
      enc(`tree ${goodTree.oid}\ncommitter X <x@y> 1 +0000\n\nno author\n`),
      enc(`tree nothex\nauthor X <x@y> 1 +0000\ncommitter X <x@y> 1 +0000\n\nm\n`),
      enc(`tree ${goodTree.oid}\nauthor X x@y 1 +0000\ncommitter X <x@y> 1 +0000\n\nbad ident\n`),
    ];
    await withSeeded('bad-fsck', async (store, state) => {
      for (const t of badTrees) {
        const c = commit({ tree: t.oid, time: T0 + 80 });
        await expectRejected(store, state, buildPack([c, t, b]), /invalid tree/);
      }
      for (const data of badCommits) {
        await expectRejected(store, state, buildPack([{ raw: (w) => w.object(1, data) }, goodTree, b]), /invalid commit/);
      }
    });
  });

  it('tree deltas: entries made from a misaligned piece of a checked base, new entries pointing at nothing', async () => {
    // A copy-only delta, then an insert: [base size][result size][copy off,len][insert bytes]
    const handDelta = (baseLen: number, off: number, len: number, insert: Uint8Array = new Uint8Array(0)) => {
      const hdr = (n: number) => (n < 128 ? [n] : [(n & 127) | 128, n >> 7]);
      const ins = insert.length ? [insert.length, ...insert] : [];
      return Uint8Array.from([...hdr(baseLen), ...hdr(len + insert.length), 0x80 | 0x01 | 0x10, off, len, ...ins]);
    };
    const viaDelta = (base: Obj, delta: Uint8Array, extra: PackItem[]) => {
      let baseAt = 0;
      return buildPack([
        ...extra,
        { raw: (w: PackWriter) => ((baseAt = w.offset), w.object(2, base.data)) },
        { raw: (w: PackWriter) => w.ofsDelta(baseAt, delta) },
        b,
      ]);
    };
    // "100644 x40000 .git\0<id>" is a harmless name; read from byte 8 on it is a directory named .git
    const carrier = tree([{ mode: '100644', name: 'x40000 .git', oid: b.oid }]);
    const evil = carrier.data.subarray(8);
    const cEvil = commit({ tree: obj('tree', evil).oid, time: T0 + 90 });
    const lost = blob('not in any pack\n');
    const plus = tree([{ mode: '100644', name: 'zz', oid: lost.oid }]).data;
    const grown = concat([goodTree.data, plus]);
    const cGrown = commit({ tree: obj('tree', grown).oid, time: T0 + 91 });
    await withSeeded('bad-tree-delta', async (store, state) => {
      await expectRejected(store, state, viaDelta(carrier, handDelta(carrier.data.length, 8, evil.length), [cEvil]), /invalid tree.*\(\.git\)/);
      await expectRejected(store, state, viaDelta(goodTree, handDelta(goodTree.data.length, 0, goodTree.data.length, plus), [cGrown]),
        new RegExp(`missing object ${lost.oid}`));
    });
  });

  it('a pack over the size limit', async () => {
    await withSeeded('bad-size', async (store, state) => {
      const before = storageSnapshot(store, state);
      const ing = store.beginPack(100);
      expect(() => {
        for (let o = 0; o < good.length; o += 64) ing.write(good.subarray(o, o + 64));
      }).toThrow(IngestError);
      ing.abort();
      expect(storageSnapshot(store, state)).toEqual(before);
    });
  });

  it('an entry whose declared size disagrees with its data', async () => {
    const lying: PackItem = {
      raw: (w: PackWriter) => w.rawEntry(3, b.data.length + 1, deflate(b.data)),
    };
    await withSeeded('bad-size-field', async (store, state) => {
      await expectRejected(store, state, buildPack([lying]), /./);
    });
  });
});

/** A delta by hand: "copy all of base" would need its size; instead insert the whole target. */
function buildDeltaBytes(base: Uint8Array, target: Uint8Array): Uint8Array {
  const varint = (n: number) => {
    const out: number[] = [];
    do {
      let c = n & 0x7f;
      n = Math.floor(n / 128);
      if (n > 0) c |= 0x80;
      out.push(c);
    } while (n > 0);
    return out;
  };
  const ins: number[] = [];
  for (let o = 0; o < target.length; o += 127) {
    const part = target.subarray(o, o + 127);
    ins.push(part.length, ...part);
  }
  return new Uint8Array([...varint(base.length), ...varint(target.length), ...ins]);
}

