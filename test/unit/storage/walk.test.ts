// Fetch planning (planFetch, computeDeepen, limitCommits) and pack generation with reuse of
// stored deltas, over repositories stored in a real Durable Object.
import { describe, expect, it } from 'vitest';
import { PackParser, resolvePackInMemory, type PackEntry, type ResolvedObject } from '../../../src/pack';
import { generatePack, generateWholePack } from '../../../src/storage/pack-out';
import type { RepoStore } from '../../../src/storage/repo-store';
import { CommitCache, limitCommits, planFetch, type WalkRequest } from '../../../src/storage/walk';
import {
  blob, buildPack, commit, concat, enc, ingestPack, linearHistory, pushPack, sameBytes, tag, tree, withStore, type Obj,
} from './helpers';

const T0 = 1_600_000_000;

function req(r: Partial<WalkRequest> & { wants: string[] }): WalkRequest {
  return { haves: [], deepen: false, includeTag: false, ...r };
}

function packOf(store: RepoStore, oids: string[], opt: { ofsDelta?: boolean; thinPack?: boolean; clientHas?: Set<string> } = {}) {
  const bytes = concat([
    ...generatePack(store.objects, oids, { ofsDelta: opt.ofsDelta ?? false, thinPack: opt.thinPack ?? false, clientHas: opt.clientHas ?? new Set() }),
  ]);
  const parser = new PackParser({ keepCompressed: true });
  const entries: PackEntry[] = parser.push(bytes);
  entries.push(...parser.end().entries);
  const resolved = resolvePackInMemory(bytes, {
    externalBase: (oid) => (store.objects.has(oid) && opt.clientHas?.has(oid) ? store.objects.read(oid) : undefined),
  });
  return { bytes, entries, resolved };
}

function byOid(objs: ResolvedObject[]): Map<string, ResolvedObject> {
  return new Map(objs.map((o) => [o.oid, o]));
}

const sorted = (xs: Iterable<string>) => [...xs].sort();

describe('planFetch on a linear history', () => {
  const h = linearHistory(5, T0); // c1..c5 at T0+1000 .. T0+5000
  const [c1, c2, c3, c4, c5] = h.commits;

  async function withLinear(fn: (store: RepoStore) => void | Promise<void>) {
    await withStore('walk-linear', async (store) => {
      await pushPack(store, buildPack(h.all), { 'refs/heads/main': c5.oid });
      await fn(store);
    });
  }

  it('wants only: every object, commits first, newest first; the pack holds exactly those objects', async () => {
    await withLinear((store) => {
      const p = planFetch(store.objects, req({ wants: [c5.oid] }));
      expect(p.commits).toEqual([c5, c4, c3, c2, c1].map((c) => c.oid));
      expect(p.objects.slice(0, 5)).toEqual(p.commits);
      expect(sorted(p.objects)).toEqual(sorted(h.all.map((o) => o.oid)));
      expect(new Set(p.objects).size).toBe(p.objects.length);
      expect(p.shallow).toEqual([]);
      expect(p.unshallow).toEqual([]);
      expect(p.clientHas.size).toBe(0);
      const { resolved } = packOf(store, p.objects, { ofsDelta: true });
      expect(sorted(resolved.objects.map((o) => o.oid))).toEqual(sorted(p.objects));
      for (const o of resolved.objects) expect(sameBytes(o.data, store.objects.read(o.oid).data)).toBe(true);
    });
  });

  it('wants + haves: only what the client lacks', async () => {
    await withLinear((store) => {
      const p = planFetch(store.objects, req({ wants: [c5.oid], haves: [c2.oid] }));
      expect(p.commits).toEqual([c5.oid, c4.oid, c3.oid]);
      const missing = [...h.reach(c5)].filter((o) => !h.reach(c2).has(o));
      expect(sorted(p.objects)).toEqual(sorted(missing));
      // The client's side is described by the edge commit's tree.
      expect(p.clientHas.has(c2.oid)).toBe(true);
      for (const o of treeClosure(store, c2.oid)) expect(p.clientHas.has(o)).toBe(true);
      // An up-to-date client gets nothing.
      expect(planFetch(store.objects, req({ wants: [c5.oid], haves: [c5.oid] })).objects).toEqual([]);
      // Haves we do not know are ignored.
      const unknown = planFetch(store.objects, req({ wants: [c5.oid], haves: ['d'.repeat(40), c4.oid] }));
      expect(unknown.commits).toEqual([c5.oid]);
    });
  });

  it('depth 1 and 2: the shallow list is the boundary; only commits above it are sent', async () => {
    await withLinear((store) => {
      const p1 = planFetch(store.objects, req({ wants: [c5.oid], deepen: true, depth: 1 }));
      expect(p1.shallow).toEqual([c5.oid]);
      expect(p1.commits).toEqual([c5.oid]);
      // c5 plus its whole tree, nothing from older trees that c5 no longer uses.
      const treeOfC5 = treeClosure(store, c5.oid);
      expect(sorted(p1.objects)).toEqual(sorted([c5.oid, ...treeOfC5]));

      const p2 = planFetch(store.objects, req({ wants: [c5.oid], deepen: true, depth: 2 }));
      expect(p2.shallow).toEqual([c4.oid]);
      expect(p2.commits).toEqual([c5.oid, c4.oid]);
      expect(sorted(p2.objects)).toEqual(sorted(new Set([c5.oid, c4.oid, ...treeOfC5, ...treeClosure(store, c4.oid)])));

      // Deeper than the history: no boundary at all.
      const p9 = planFetch(store.objects, req({ wants: [c5.oid], deepen: true, depth: 9 }));
      expect(p9.shallow).toEqual([]);
      expect(p9.commits.length).toBe(5);
    });
  });

  it('deepening a shallow clone: unshallow the old boundary, send its parents', async () => {
    await withLinear((store) => {
      // The client has c5 with c4 as its shallow boundary (a depth-2 clone); it asks for depth 4.
      const p = planFetch(
        store.objects,
        req({ wants: [c5.oid], haves: [c5.oid], deepen: true, depth: 4, clientShallows: [c4.oid] }),
      );
      expect(p.shallow).toEqual([c2.oid]);
      expect(p.unshallow).toEqual([c4.oid]);
      expect(p.commits).toEqual([c3.oid, c2.oid]);
      expect(p.objects).toContain(c3.oid);
      expect(p.objects).not.toContain(c4.oid);
      expect(p.objects).not.toContain(c5.oid);
      // deepen-relative 1 from the boundary c4: one more commit.
      const r = planFetch(
        store.objects,
        req({ wants: [c5.oid], haves: [c5.oid], deepen: true, depth: 1, deepenRelative: true, clientShallows: [c4.oid] }),
      );
      expect(r.shallow).toEqual([c3.oid]);
      expect(r.unshallow).toEqual([c4.oid]);
      expect(r.commits).toEqual([c3.oid]);
    });
  });

  it('deepen-since and deepen-not', async () => {
    await withLinear((store) => {
      const since = planFetch(store.objects, req({ wants: [c5.oid], deepen: true, since: T0 + 2500 }));
      expect(since.shallow).toEqual([c3.oid]);
      expect(since.commits).toEqual([c5.oid, c4.oid, c3.oid]);
      const exact = planFetch(store.objects, req({ wants: [c5.oid], deepen: true, since: T0 + 3000 }));
      expect(exact.commits).toEqual([c5.oid, c4.oid, c3.oid]); // "since" is inclusive
      const not = planFetch(store.objects, req({ wants: [c5.oid], deepen: true, notRefs: [c2.oid] }));
      expect(not.shallow).toEqual([c3.oid]);
      expect(not.commits).toEqual([c5.oid, c4.oid, c3.oid]);
      expect(() => planFetch(store.objects, req({ wants: [c5.oid], deepen: true, since: T0 + 99_999 }))).toThrow(/no commits/);
    });
  });

  it('generatePack refuses objects the repository lacks', async () => {
    await withLinear((store) => {
      expect(() => [...generatePack(store.objects, [c1.oid, 'e'.repeat(40)], { ofsDelta: true, thinPack: false, clientHas: new Set() })]).toThrow(/missing/);
    });
  });
});

function treeClosure(store: RepoStore, commitOid: string): string[] {
  const out: string[] = [];
  const text = new TextDecoder().decode(store.objects.read(commitOid).data);
  const stack = [/^tree ([0-9a-f]{40})/.exec(text)![1]];
  while (stack.length) {
    const t = stack.pop()!;
    out.push(t);
    const data = store.objects.read(t).data;
    let p = 0;
    while (p < data.length) {
      const sp = data.indexOf(0x20, p);
      const nul = data.indexOf(0, sp);
      const mode = new TextDecoder().decode(data.subarray(p, sp));
      const oid = [...data.subarray(nul + 1, nul + 21)].map((x) => x.toString(16).padStart(2, '0')).join('');
      if (mode === '40000') stack.push(oid);
      else out.push(oid);
      p = nul + 21;
    }
  }
  return [...new Set(out)];
}

describe('planFetch on a merge history', () => {
  // r <- a1 <- a2 \
  //   <- b1 ------- m <- top
  const shared = blob('shared\n');
  const mk = (name: string, time: number, parents: Obj[]) => {
    const b = blob(`${name}\n`);
    const t = tree([
      { mode: '100644', name: 'shared.txt', oid: shared.oid },
      { mode: '100644', name: `${name}.txt`, oid: b.oid },
    ]);
    const c = commit({ tree: t.oid, parents: parents.map((p) => p.oid), time, message: name });
    return { b, t, c };
  };
  const r = mk('r', T0 + 1, []);
  const a1 = mk('a1', T0 + 2, [r.c]);
  const b1 = mk('b1', T0 + 3, [r.c]);
  const a2 = mk('a2', T0 + 4, [a1.c]);
  const m = mk('m', T0 + 5, [a2.c, b1.c]);
  const top = mk('top', T0 + 6, [m.c]);
  const nodes = [r, a1, b1, a2, m, top];
  const all = [shared, ...nodes.flatMap((n) => [n.b, n.t, n.c])];
  const v1 = tag({ object: b1.c.oid, type: 'commit', name: 'v1', time: T0 + 7 });

  async function withMerge(fn: (store: RepoStore) => void | Promise<void>) {
    await withStore('walk-merge', async (store) => {
      await pushPack(store, buildPack([...all, v1]), { 'refs/heads/main': top.c.oid, 'refs/tags/v1': v1.oid });
      await fn(store);
    });
  }

  it('wants only: all commits (each once) and every object', async () => {
    await withMerge((store) => {
      const p = planFetch(store.objects, req({ wants: [top.c.oid] }));
      expect(p.commits).toEqual([top, m, a2, b1, a1, r].map((n) => n.c.oid));
      expect(sorted(p.objects)).toEqual(sorted(all.map((o) => o.oid)));
    });
  });

  it('haves on one side of the merge: the other side and the merge are sent', async () => {
    await withMerge((store) => {
      const p = planFetch(store.objects, req({ wants: [top.c.oid], haves: [a2.c.oid] }));
      expect(sorted(p.commits)).toEqual(sorted([top, m, b1].map((n) => n.c.oid)));
      expect(sorted(p.objects)).toEqual(sorted([top, m, b1].flatMap((n) => [n.c.oid, n.t.oid, n.b.oid])));
      const both = planFetch(store.objects, req({ wants: [top.c.oid], haves: [a2.c.oid, b1.c.oid] }));
      expect(sorted(both.commits)).toEqual(sorted([top.c.oid, m.c.oid]));
    });
  });

  it('depth 3 through the merge marks both parents shallow', async () => {
    await withMerge((store) => {
      const p = planFetch(store.objects, req({ wants: [top.c.oid], deepen: true, depth: 3 }));
      expect(sorted(p.shallow)).toEqual(sorted([a2.c.oid, b1.c.oid]));
      expect(sorted(p.commits)).toEqual(sorted([top, m, a2, b1].map((n) => n.c.oid)));
      // deepen-not a1: a1 and r are cut off, a2 and b1 become the boundary.
      const not = planFetch(store.objects, req({ wants: [top.c.oid], deepen: true, notRefs: [a1.c.oid] }));
      expect(sorted(not.shallow)).toEqual(sorted([a2.c.oid, b1.c.oid]));
      expect(not.commits).not.toContain(r.c.oid);
    });
  });

  it('include-tag adds tags that point into the pack; a tag want sends the tag and its commit', async () => {
    await withMerge((store) => {
      const tags = new Map([[b1.c.oid, [v1.oid]]]);
      const withTag = planFetch(store.objects, req({ wants: [top.c.oid], includeTag: true, tagsByTarget: tags }));
      expect(withTag.objects).toContain(v1.oid);
      const without = planFetch(store.objects, req({ wants: [top.c.oid], haves: [b1.c.oid], includeTag: true, tagsByTarget: tags }));
      expect(without.objects).not.toContain(v1.oid);
      const tagWant = planFetch(store.objects, req({ wants: [v1.oid] }));
      expect(tagWant.objects).toContain(v1.oid);
      expect(tagWant.commits).toEqual([b1, r].map((n) => n.c.oid));
    });
  });

  it('limitCommits stops at the haves', async () => {
    await withMerge((store) => {
      const cc = new CommitCache(store.objects);
      const res = limitCommits(cc, [top.c.oid], [m.c.oid], new Set());
      expect(res.interesting).toEqual([top.c.oid]);
      expect(res.uninteresting.has(m.c.oid)).toBe(true);
    });
  });
});

describe('generatePack reuses stored entries', () => {
  const base = blob(enc('line of text that repeats\n'.repeat(400)));
  const v2 = blob(concat([base.data.subarray(0, 5000), enc('a change\n'), base.data.subarray(5000)]));
  const v3 = blob(concat([v2.data, enc('appended\n')]));
  const t1 = tree([{ mode: '100644', name: 'f', oid: base.oid }]);
  const c1 = commit({ tree: t1.oid, time: T0 });
  const t2 = tree([
    { mode: '100644', name: 'f', oid: v2.oid },
    { mode: '100644', name: 'g', oid: v3.oid },
  ]);
  const c2 = commit({ tree: t2.oid, parents: [c1.oid], time: T0 + 10 });

  async function withDeltas(fn: (store: RepoStore) => void | Promise<void>) {
    await withStore('pack-out', async (store) => {
      // First push: c1 with `base`. Second push is thin: v2 is a ref-delta on the stored `base`,
      // v3 an ofs-delta on v2.
      await pushPack(store, buildPack([c1, t1, base]), { 'refs/heads/main': c1.oid });
      await pushPack(store, buildPack([c2, t2, { obj: v2, refDelta: base }, { obj: v3, ofsDelta: v2 }]), { 'refs/heads/main': c2.oid });
      store.objects.clearCaches();
      await fn(store);
    });
  }

  it('ofs-delta: deltas whose base is in the pack are copied compressed, as OFS_DELTA', async () => {
    await withDeltas((store) => {
      const p = planFetch(store.objects, req({ wants: [c2.oid] }));
      const { entries, resolved } = packOf(store, p.objects, { ofsDelta: true });
      expect(sorted(resolved.objects.map((o) => o.oid))).toEqual(sorted([c1, t1, base, c2, t2, v2, v3].map((o) => o.oid)));
      const objs = byOid(resolved.objects);
      for (const o of [v2, v3]) {
        const got = objs.get(o.oid)!;
        expect(got.entryType, o.oid).toBe(6);
        const entry = entries.find((e) => e.offset === got.offset)!;
        const row = store.objects.row(o.oid)!;
        expect(sameBytes(entry.compressed!, store.objects.compressedEntry(row))).toBe(true);
        expect(sameBytes(got.data, o.data)).toBe(true);
      }
      expect(objs.get(v2.oid)!.baseOid).toBe(base.oid);
      expect(objs.get(v3.oid)!.baseOid).toBe(v2.oid);
      // Whole objects are copied compressed too.
      const whole = objs.get(base.oid)!;
      expect(whole.entryType).toBe(3);
      const e = entries.find((x) => x.offset === whole.offset)!;
      expect(sameBytes(e.compressed!, store.objects.compressedEntry(store.objects.row(base.oid)!))).toBe(true);
    });
  });

  it('without ofs-delta: the same deltas go out as REF_DELTA', async () => {
    await withDeltas((store) => {
      const p = planFetch(store.objects, req({ wants: [c2.oid] }));
      const { resolved } = packOf(store, p.objects, { ofsDelta: false });
      const objs = byOid(resolved.objects);
      expect(objs.get(v2.oid)!.entryType).toBe(7);
      expect(objs.get(v3.oid)!.entryType).toBe(7);
      expect(resolved.objects.every((o) => o.entryType !== 6)).toBe(true);
    });
  });

  it('a stored ref-delta that precedes its base goes out as REF_DELTA and resolves', async () => {
    const b = blob(enc('base content line\n'.repeat(300)));
    const d = blob(concat([b.data, enc('one more line\n')]));
    const t = tree([
      { mode: '100644', name: 'b', oid: b.oid },
      { mode: '100644', name: 'd', oid: d.oid },
    ]);
    const c = commit({ tree: t.oid, time: T0 });
    await withStore('pack-out-order', async (store) => {
      await pushPack(store, buildPack([c, t, { obj: d, refDelta: b }, b]), { 'refs/heads/main': c.oid });
      const p = planFetch(store.objects, req({ wants: [c.oid] }));
      const { resolved } = packOf(store, p.objects, { ofsDelta: true });
      const objs = byOid(resolved.objects);
      expect(objs.size).toBe(4);
      expect(objs.get(d.oid)!.entryType).toBe(7);
      expect(objs.get(d.oid)!.offset).toBeLessThan(objs.get(b.oid)!.offset);
      expect(sameBytes(objs.get(d.oid)!.data, d.data)).toBe(true);
    });
  });

  it('thin pack: a delta on an object the client has goes out as REF_DELTA on it; not thin: whole', async () => {
    await withDeltas((store) => {
      const p = planFetch(store.objects, req({ wants: [c2.oid], haves: [c1.oid] }));
      expect(sorted(p.objects)).toEqual(sorted([c2, t2, v2, v3].map((o) => o.oid)));
      expect(p.clientHas.has(base.oid)).toBe(true);
      const thin = packOf(store, p.objects, { ofsDelta: true, thinPack: true, clientHas: p.clientHas });
      const tObjs = byOid(thin.resolved.objects);
      expect(tObjs.size).toBe(4);
      expect(tObjs.get(v2.oid)!.entryType).toBe(7);
      expect(tObjs.get(v2.oid)!.baseOid).toBe(base.oid);
      expect(tObjs.get(v3.oid)!.entryType).toBe(6);
      expect(sameBytes(tObjs.get(v2.oid)!.data, v2.data)).toBe(true);

      const full = packOf(store, p.objects, { ofsDelta: true, thinPack: false, clientHas: p.clientHas });
      const fObjs = byOid(full.resolved.objects);
      expect(fObjs.get(v2.oid)!.entryType).toBe(3);
      expect(sameBytes(fObjs.get(v2.oid)!.data, v2.data)).toBe(true);
      expect(fObjs.get(v3.oid)!.entryType).toBe(6); // its base (v2) is in the pack
      // A resolver without external bases accepts the non-thin pack on its own.
      expect(resolvePackInMemory(full.bytes).objects.length).toBe(4);
      expect(() => resolvePackInMemory(thin.bytes)).toThrow();
      expect(thin.bytes.length).toBeLessThan(full.bytes.length);
    });
  });
});

describe('generateWholePack', () => {
  it('sends every stored object once, and a push landing mid-stream does not break the pack', async () => {
    let x = 5;
    const blobs = Array.from({ length: 4 }, () => {
      const b = new Uint8Array(600_000);
      for (let i = 0; i < b.length; i++) b[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
      return blob(b);
    });
    const t = tree(blobs.map((b, i) => ({ mode: '100644', name: `b${i}`, oid: b.oid })));
    const c = commit({ tree: t.oid, time: T0 });
    const nb = blob('late arrival\n');
    const nt = tree([{ mode: '100644', name: 'n', oid: nb.oid }]);
    const next = commit({ tree: nt.oid, parents: [c.oid], time: T0 + 1 });
    await withStore('whole-pack', async (store) => {
      await pushPack(store, buildPack([c, t, ...blobs]), { 'refs/heads/main': c.oid });
      const gen = generateWholePack(store.objects, { ofsDelta: true, thinPack: false, clientHas: new Set() });
      const first = gen.next();
      expect(first.done).toBe(false);
      const parts = [first.value as Uint8Array];
      // Another request's push commits while this clone is between chunks.
      const ing = await ingestPack(store, buildPack([next, nt, nb]));
      expect(store.commitPush(ing, [{ name: 'refs/heads/main', oldOid: c.oid, newOid: next.oid }], false)[0].ok).toBe(true);
      for (let r = gen.next(); !r.done; r = gen.next()) parts.push(r.value);
      const oids = resolvePackInMemory(concat(parts)).objects.map((o) => o.oid).sort();
      expect(oids).toEqual(sorted([c, t, ...blobs].map((o) => o.oid)));
    });
  });
});
