// The delta search's stored entries read ahead in pack order (prefetch.ts): every entry given out
// is the stored one, byte for byte, whatever the search order; a batch reads each DOFS chunk's
// span once (not a window per entry); the reads are budget units, and a batch spent over several
// budgets is complete before the search takes from it.
import { describe, expect, it } from 'vitest';
import type { ObjectRow } from '../../../../src/storage/object-store';
import { Budget } from '../../../../src/storage/housekeeping/budget';
import { Prefetch } from '../../../../src/storage/housekeeping/prefetch';
import { WorkList } from '../../../../src/storage/housekeeping/work';
import { blob, buildPack, commit, pushPack, tree, withStore } from '../helpers';

describe('Prefetch', () => {
  it('gives out each stored entry as stored, reading a chunk span once per batch', async () => {
    await withStore('hk-prefetch', async (store, state) => {
      // ~2.3 MB of incompressible blobs: the pack spans three 1 MiB DOFS chunks
      const blobs = Array.from({ length: 300 }, () => blob(crypto.getRandomValues(new Uint8Array(7700))));
      const t = tree(blobs.map((b, i) => ({ mode: '100644', name: `b${i}`, oid: b.oid })));
      const c = commit({ tree: t.oid, time: 1 });
      await pushPack(store, buildPack([c, t, ...blobs]), { 'refs/heads/main': c.oid });
      const W = new WorkList(16);
      for (const r of state.storage.sql.exec<ObjectRow>(`SELECT * FROM objects ORDER BY pack_id, offset`)) W.add(r, 0);
      // a search order that jumps around the pack: odd items backwards, then even ones
      const order = Int32Array.from([...Array.from({ length: W.n }, (_, i) => i).filter((i) => i % 2).reverse(), ...Array.from({ length: W.n }, (_, i) => i).filter((i) => i % 2 === 0)]);
      const p = new Prefetch(store.objects, W, order, (i) => W.type[i] === 3);
      let budgets = 0;
      while (!p.ready(0, new Budget(1000, 100_000))) budgets++;
      expect(budgets).toBeGreaterThanOrEqual(1); // a small budget takes a few chunk reads per turn
      expect(p.reads).toBeLessThanOrEqual(4); // three chunks (a span reaching into the next at most once more)
      for (const i of order) {
        const got = p.take(i);
        if (W.type[i] !== 3) {
          expect(got).toBeUndefined();
          continue;
        }
        expect(got).toEqual(store.objects.packs.read(W.pack[i], W.dataOffset[i], W.end[i]));
        expect(p.take(i)).toBeUndefined(); // given out once
      }
      expect(p.ready(order.length, new Budget())).toBe(true); // nothing left to plan
    });
  });
});
