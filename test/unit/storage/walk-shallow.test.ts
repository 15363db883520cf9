// Walks over a shallow repository (an import with a depth): the stored boundary commits are
// treated as parentless, and a fetch names the boundary commits it sends as shallow.
import { describe, expect, it } from 'vitest';
import { planFetch, type WalkRequest } from '../../../src/storage/walk';
import { linearHistory, withStore } from './helpers';

const T0 = 1_600_000_000;

function req(r: Partial<WalkRequest> & { wants: string[] }): WalkRequest {
  return { haves: [], deepen: false, includeTag: false, ...r };
}

describe('planFetch on a shallow repository', () => {
  const h = linearHistory(5, T0);
  const [c1, c2, c3, c4, c5] = h.commits;
  // Everything but the commits below the boundary (their trees may stay: unreachable, harmless).
  const keep = (o: { oid: string }) => o.oid !== c1.oid && o.oid !== c2.oid;

  async function shallowStore<T>(fn: (store: import('../../../src/storage/repo-store').RepoStore) => T): Promise<T> {
    return withStore('walk-shallow', async (store) => {
      const { buildPack } = await import('./helpers');
      const ing = store.beginPack(undefined, new Set([c3.oid]));
      ing.write(buildPack(h.all.filter(keep)));
      const pack = await ing.finish();
      const res = store.commitPush(pack, [{ name: 'refs/heads/main', oldOid: '0'.repeat(40), newOid: c5.oid }], true);
      expect(res.every((r) => r.ok)).toBe(true);
      return fn(store);
    });
  }

  it('a full fetch stops at the boundary and reports it as shallow', async () => {
    await shallowStore((store) => {
      expect(store.objects.has(c2.oid)).toBe(false);
      const p = planFetch(store.objects, req({ wants: [c5.oid], serverShallow: new Set([c3.oid]) }));
      expect(p.commits).toEqual([c5.oid, c4.oid, c3.oid]);
      expect(p.shallow).toEqual([c3.oid]);
      expect(p.objects.every((o) => store.objects.has(o))).toBe(true);
    });
  });

  it('a client that already has the boundary gets no new shallow line', async () => {
    await shallowStore((store) => {
      const p = planFetch(store.objects, req({ wants: [c5.oid], haves: [c4.oid], clientShallows: [c3.oid], serverShallow: new Set([c3.oid]) }));
      expect(p.commits).toEqual([c5.oid]);
      expect(p.shallow).toEqual([]);
    });
  });

  it('deepen beyond the stored history ends at the stored boundary', async () => {
    await shallowStore((store) => {
      const p = planFetch(store.objects, req({ wants: [c5.oid], deepen: true, depth: 10, serverShallow: new Set([c3.oid]) }));
      expect(p.commits).toEqual([c5.oid, c4.oid, c3.oid]);
      expect(p.shallow).toEqual([c3.oid]);
      const d2 = planFetch(store.objects, req({ wants: [c5.oid], deepen: true, depth: 2, serverShallow: new Set([c3.oid]) }));
      expect(d2.commits).toEqual([c5.oid, c4.oid]);
      expect(d2.shallow).toEqual([c4.oid]);
      const since = planFetch(store.objects, req({ wants: [c5.oid], deepen: true, since: T0, serverShallow: new Set([c3.oid]) }));
      expect(since.shallow).toEqual([c3.oid]);
    });
  });

  it('the boundary is stored per repository', async () => {
    await shallowStore((store) => {
      const a = store.forRepo('ns/a');
      a.shallow().set([c3.oid]);
      expect(a.shallowCommits()).toEqual(new Set([c3.oid]));
      expect(store.forRepo('ns/b').shallow().list()).toEqual([]);
    });
  });
});
