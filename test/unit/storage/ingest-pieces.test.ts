// The ingest gathers small pieces into runs and hands big ones on as they are: a big piece that
// follows small ones must come after them. Fed before them, a valid pack was refused ("corrupt
// zlib stream") whenever a piece of 128 KiB or more came after a few gathered bytes.
import { describe, expect, it } from 'vitest';
import { hashObject } from '../../../src/pack';
import { blob, buildPack, commit, tree, withStore, ZERO } from './helpers';

describe('PackIngest piece order', () => {
  it('a big piece after gathered small ones keeps the pack in order', async () => {
    await withStore('ingest-pieces', async (store) => {
      const blobs = Array.from({ length: 12 }, () => blob(crypto.getRandomValues(new Uint8Array(64 << 10))));
      const t = tree(blobs.map((b, i) => ({ mode: '100644', name: `b${i}`, oid: b.oid })));
      const c = commit({ tree: t.oid, time: 1 });
      const pack = buildPack([c, t, ...blobs]);
      // pieces: a few small ones, then big (>= 128 KiB) ones with small ones between
      const sizes = [100, 3000, 150_000, 7, 200_000, 5000, 140_000];
      const ing = store.beginPack();
      let at = 0;
      for (let k = 0; at < pack.length; k++) {
        const n = Math.min(sizes[k % sizes.length], pack.length - at);
        ing.write(pack.subarray(at, at + n));
        at += n;
      }
      const got = await ing.finish();
      expect(got.objectCount).toBe(14);
      expect(store.commitPush(got, [{ name: 'refs/heads/main', oldOid: ZERO, newOid: c.oid }], true)[0].ok).toBe(true);
      for (const o of [c, t, ...blobs]) {
        const r = store.objects.read(o.oid);
        expect(hashObject(r.type, r.data)).toBe(o.oid);
      }
    });
  });
});
