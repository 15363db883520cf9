// The ref advertisement peels annotated tags without reading them: one query gives the refs with
// the known targets (kept by tag id when a push brings the tags, or when a tag is first
// advertised). Before, every tag ref cost a read and parse of the tag object per info/refs.
import { describe, expect, it } from 'vitest';
import { advertisedRefs } from '../../../src/repo/git-http';
import { lsRefs } from '../../../src/protocol/upload-pack';
import type { RepoStore } from '../../../src/storage/repo-store';
import { StoreFetchSource } from '../../../src/storage/fetch-source';
import { blob, buildPack, commit, pushPack, tag, tree, withStore, ZERO, type Obj } from './helpers';
import { collect, parseLines, show } from '../protocol/wire';

const T0 = 1_700_000_000;
const file = blob('tagged\n');
const root = tree([{ mode: '100644', name: 'f', oid: file.oid }]);
const c1 = commit({ tree: root.oid, time: T0 });
const N = 300;
const tags: Obj[] = Array.from({ length: N }, (_, i) => tag({ object: c1.oid, type: 'commit', name: `v${i}`, time: T0 + i }));
const ofTag = tag({ object: tags[0].oid, type: 'tag', name: 'of-v0', time: T0 + 5000 }); // a tag of a tag
const ofTree = tag({ object: root.oid, type: 'tree', name: 'tree', time: T0 + 5001 });

/** Counts object reads on the store while fn runs. */
function reads<T>(store: RepoStore, fn: () => T): { value: T; reads: number } {
  const objects = store.objects as unknown as { read: (oid: string) => unknown };
  const orig = objects.read;
  let n = 0;
  objects.read = function (this: unknown, oid: string) {
    n++;
    return orig.call(this, oid);
  };
  try {
    return { value: fn(), reads: n };
  } finally {
    objects.read = orig;
  }
}

describe('advertised refs peel tags from one query', () => {
  it(`${N} annotated tags pushed with their pack: the advertisement reads no object`, async () => {
    await withStore('peel-pushed', async (store) => {
      const refs: Record<string, string> = { 'refs/heads/main': c1.oid, 'refs/tags/of-v0': ofTag.oid, 'refs/tags/tree': ofTree.oid };
      tags.forEach((t, i) => (refs[`refs/tags/v${i}`] = t.oid));
      await pushPack(store, buildPack([file, root, c1, ...tags, ofTag, ofTree]), refs);
      const { value, reads: n } = reads(store, () => advertisedRefs(store));
      expect(n).toBe(0);
      expect(value).toHaveLength(N + 3);
      const byName = new Map(value.map((r) => [r.name, r]));
      expect(byName.get('refs/heads/main')).toEqual({ name: 'refs/heads/main', oid: c1.oid });
      expect(byName.get('refs/tags/v7')).toEqual({ name: 'refs/tags/v7', oid: tags[7].oid, peeled: c1.oid });
      expect(byName.get('refs/tags/of-v0')?.peeled).toBe(c1.oid); // through the chain
      expect(byName.get('refs/tags/tree')?.peeled).toBe(root.oid);
      // v2 ls-refs peel: the same, without reads either.
      const ls = reads(store, () => collect(lsRefs(new StoreFetchSource(store), ['peel', 'ref-prefix refs/tags/v1'])));
      expect(ls.reads).toBe(0);
      expect(show(parseLines(await ls.value))).toContain(`${tags[1].oid} refs/tags/v1 peeled:${c1.oid}`);
    });
  });

  it('a ref moved to a tag the store already had is peeled once, then from the cache', async () => {
    await withStore('peel-later', async (store) => {
      await pushPack(store, buildPack([file, root, c1, tags[0], tags[1]]), { 'refs/heads/main': c1.oid });
      expect(store.refs.update([{ name: 'refs/tags/late', oldOid: ZERO, newOid: tags[1].oid }], false)[0].ok).toBe(true);
      const first = reads(store, () => advertisedRefs(store));
      expect(first.reads).toBeGreaterThan(0);
      expect(first.value.find((r) => r.name === 'refs/tags/late')?.peeled).toBe(c1.oid);
      const again = reads(store, () => advertisedRefs(store));
      expect(again.reads).toBe(0);
      expect(again.value).toEqual(first.value);
    });
  });
});
