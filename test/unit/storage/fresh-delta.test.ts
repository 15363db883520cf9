// Small incremental fetches: objects a push stored whole go out as fresh REF_DELTAs against the
// client's object at the same path (git's pack-objects does the same delta search), so the
// thin pack is much smaller; without thin-pack, or when no base helps, whole objects go out.
import { describe, expect, it } from 'vitest';
import { PackParser, resolvePackInMemory, type PackEntry } from '../../../src/pack';
import { generatePack } from '../../../src/storage/pack-out';
import { planFetch } from '../../../src/storage/walk';
import { blob, buildPack, commit, concat, pushPack, tree, withStore } from './helpers';

const text = (n: number, edit = '') =>
  Array.from({ length: n }, (_, i) => `line ${i} ${'x'.repeat(i % 40)}${i === n >> 1 ? edit : ''}`).join('\n') + '\n';

describe('fresh deltas for small incremental fetches', () => {
  it('sends a changed file as a REF_DELTA against the client copy', async () => {
    await withStore('fresh-delta', async (store) => {
      const a1 = blob(text(400));
      const a2 = blob(text(400, ' edited'));
      const other = blob('unchanged\n');
      const t1 = tree([{ mode: '100644', name: 'a.txt', oid: a1.oid }, { mode: '100644', name: 'b.txt', oid: other.oid }]);
      const t2 = tree([{ mode: '100644', name: 'a.txt', oid: a2.oid }, { mode: '100644', name: 'b.txt', oid: other.oid }]);
      const c1 = commit({ tree: t1.oid, time: 1_700_000_000 });
      const c2 = commit({ tree: t2.oid, parents: [c1.oid], time: 1_700_000_100 });
      await pushPack(store, buildPack([c1, t1, a1, other]), { 'refs/heads/main': c1.oid });
      await pushPack(store, buildPack([c2, t2, a2]), { 'refs/heads/main': c2.oid }); // stored whole

      const plan = planFetch(store.objects, { wants: [c2.oid], haves: [c1.oid], deepen: false, includeTag: false });
      expect(plan.objects.sort()).toEqual([c2.oid, t2.oid, a2.oid].sort());
      expect(plan.deltaBases?.get(a2.oid)).toBe(a1.oid);
      expect(plan.deltaBases?.get(t2.oid)).toBe(t1.oid);

      const make = (thinPack: boolean) => {
        const bytes = concat([...generatePack(store.objects, plan.objects, { ofsDelta: true, thinPack, clientHas: plan.clientHas, deltaBases: plan.deltaBases })]);
        const parser = new PackParser();
        const entries: PackEntry[] = [...parser.push(bytes), ...parser.end().entries];
        const resolved = resolvePackInMemory(bytes, { externalBase: (oid) => (plan.clientHas.has(oid) ? store.objects.read(oid) : undefined) });
        return { bytes, entries, resolved };
      };
      const thin = make(true);
      const full = make(false);
      const blobEntry = thin.entries.find((e) => e.type === 7 && e.baseOid === a1.oid);
      expect(blobEntry).toBeDefined();
      expect(full.entries.every((e) => e.type !== 7 && e.type !== 6)).toBe(true);
      // identical objects either way, and the thin pack is much smaller
      const got = (p: typeof thin) => p.resolved.objects.map((o) => [o.oid, Buffer.from(o.data).toString('hex')]).sort();
      expect(got(thin)).toEqual(got(full));
      expect(thin.resolved.objects.find((o) => o.oid === a2.oid)!.data).toEqual(a2.data);
      expect(thin.bytes.length).toBeLessThan(full.bytes.length / 2);
    });
  });
});
