// The ingest's buffers that are reused, not allocated per object (byte-ring.ts's cache, the
// delta result scratch, the parser's lent data, stored-only objects copied into it): a pack whose
// deltas reach back past what the 16 MiB cache holds, with blobs small (the Wasm walker) and big
// and incompressible (stored-only streams, the TS parser), comes out with every object intact.
import { describe, expect, it } from 'vitest';
import { blob, buildPack, ingestPack, rng, withStore, type Obj, type PackItem } from './helpers';
import { PackParser } from '../../../src/pack';
import { accel } from '../../../src/codec';
import { applyDelta, createDelta } from '../../../src/codec/delta';

function bytes(next: () => number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = next() & 255;
  return b;
}

function edit(next: () => number, base: Uint8Array): Uint8Array {
  const out = base.slice();
  for (let k = 0; k < 8; k++) out[next() % out.length] = next() & 255;
  return out;
}

function mixedPack(): { pack: Uint8Array; objects: Obj[] } {
  const next = rng(99);
  const items: PackItem[] = [];
  const objects: Obj[] = [];
  const bigs: Obj[] = [];
  for (let i = 0; i < 420; i++) {
    // 64 KiB incompressible blobs (stored-only streams) deltified against one far back: by the
    // end 27 MiB went through the cache, so early bases are rebuilt from the pack file.
    const base = bigs.length > 0 && i % 2 === 1 ? bigs[i % 3 === 0 ? 0 : bigs.length - 1 - (i % 40 < bigs.length ? i % 40 : 0)] : null;
    const big = blob(base ? edit(next, base.data) : bytes(next, 64 * 1024));
    items.push(base ? { obj: big, ofsDelta: base } : big);
    bigs.push(big);
    objects.push(big);
    // Small text blobs (the walker's) and their deltas.
    const small = blob(`small ${i} ${'x'.repeat(next() % 3000)}\n`);
    items.push(small);
    objects.push(small);
    if (i % 5 === 0) {
      const d = blob(`small ${i} changed ${'x'.repeat(next() % 3000)}\n`);
      items.push({ obj: d, ofsDelta: small });
      objects.push(d);
    }
  }
  return { pack: buildPack(items), objects };
}

describe('reused ingest buffers', () => {
  it('ingests a pack whose deltas outlive the cache, every object intact', async () => {
    const { pack, objects } = mixedPack();
    await withStore('lent', async (store) => {
      const p = await ingestPack(store, pack, 3, 5000);
      expect(p.objectCount).toBe(objects.length);
      for (const o of objects) {
        const got = p.read(o.oid);
        expect(got?.data.length).toBe(o.data.length);
        expect(got!.data).toEqual(o.data);
      }
      // What read() answers stays as it was while other objects are read after it.
      const first = p.read(objects[0].oid)!.data;
      for (const o of objects.slice(-50)) p.read(o.oid);
      expect(first).toEqual(objects[0].data);
    });
  });

  it('lendData parses to the same entries as fresh arrays, in any piece sizes', () => {
    const { pack } = mixedPack();
    for (const piece of [1000, 70_000, 300_000]) {
      const plain = new PackParser();
      const lent = new PackParser({ lendData: true });
      const want: Uint8Array[] = [];
      const got: Uint8Array[] = [];
      for (let at = 0; at < pack.length; at += piece) {
        const chunk = pack.subarray(at, at + piece);
        for (const e of plain.push(chunk)) want.push(e.data);
        for (const e of lent.push(chunk)) got.push(e.data.slice()); // valid until the next push
      }
      for (const e of plain.end().entries) want.push(e.data);
      for (const e of lent.end().entries) got.push(e.data.slice());
      expect(got.length).toBe(want.length);
      for (let i = 0; i < want.length; i++) expect(got[i]).toEqual(want[i]);
    }
  });

  it('applyDelta writes into a buffer given for the result when it fits, else a fresh array', () => {
    const next = rng(5);
    for (const n of [100, 1500, 5000, 70_000]) {
      const base = bytes(next, n);
      const target = edit(next, base);
      const delta = createDelta(base, target);
      const into = new Uint8Array(n + 10);
      for (const f of [accel.applyDelta, applyDelta]) {
        const r = f(base, delta, undefined, into);
        expect(r).toEqual(target);
        expect(r.buffer).toBe(into.buffer);
        const small = f(base, delta, undefined, new Uint8Array(n - 1));
        expect(small).toEqual(target);
        expect(small.length).toBe(n);
      }
    }
  });
});
