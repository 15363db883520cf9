import { describe, expect, it } from 'vitest';
import { resolvePackInMemory, PackWriter, createDelta, hashObject, PackError } from '../../../src/pack';
import { concat, enc } from './helpers';

describe('resolvePackInMemory', () => {
  const base = enc('the quick brown fox jumps over the lazy dog\n'.repeat(20));
  const target = concat(base, enc('one more line\n'));
  const baseOid = hashObject('blob', base);

  function thinPack(): Uint8Array {
    const w = new PackWriter(1);
    return concat(w.header(), w.refDelta(baseOid, createDelta(base, target)), w.finish());
  }

  it('resolves thin packs with externally supplied bases', () => {
    const r = resolvePackInMemory(thinPack(), {
      externalBase: (oid) => (oid === baseOid ? { type: 'blob', data: base } : undefined),
    });
    expect(r.objects[0].oid).toBe(hashObject('blob', target));
    expect(r.objects[0].baseOid).toBe(baseOid);
  });

  it('fails clearly when a base is missing', () => {
    expect(() => resolvePackInMemory(thinPack())).toThrow(PackError);
    expect(() => resolvePackInMemory(thinPack())).toThrow(new RegExp(`base ${baseOid} is missing`));
  });

  it('resolves a ref-delta whose base comes later in the pack', () => {
    const w = new PackWriter(2);
    const pack = concat(w.header(), w.refDelta(baseOid, createDelta(base, target)), w.object(3, base), w.finish());
    const r = resolvePackInMemory(pack);
    expect(r.objects.map((o) => o.oid)).toEqual([hashObject('blob', target), baseOid]);
    expect(r.objects[0].depth).toBe(1);
  });

  it('resolves long delta chains', () => {
    const n = 50;
    const w = new PackWriter(n);
    const parts = [w.header(), w.object(3, base)];
    let prev = base;
    let prevOffset = w.lastOffset;
    for (let i = 1; i < n; i++) {
      const next = concat(prev, enc(`line ${i}\n`));
      parts.push(w.ofsDelta(prevOffset, createDelta(prev, next)));
      prevOffset = w.lastOffset;
      prev = next;
    }
    parts.push(w.finish());
    const r = resolvePackInMemory(concat(...parts));
    expect(r.objects[n - 1].depth).toBe(n - 1);
    expect(r.objects[n - 1].oid).toBe(hashObject('blob', prev));
  });

  it('rejects deltas with a bad copy range or a wrong result size inside a pack', () => {
    const bad = (delta: number[]) => {
      const w = new PackWriter(2);
      const parts = [w.header(), w.object(3, base)];
      parts.push(w.ofsDelta(12, new Uint8Array(delta)), w.finish());
      return () => resolvePackInMemory(concat(...parts));
    };
    const n = base.length; // 880: varint 0xf0 0x06
    expect(bad([0xf0, 0x06, 40, 0x93, 0x66, 0x03, 0x20])).toThrow(/copies bytes 870\.\.902 from a base of 880 bytes/);
    expect(bad([0xf0, 0x06, 10, 0x90, 0x05])).toThrow(/produced 5 bytes but declares a result of 10/);
    expect(bad([0xf0, 0x06, 10, 0x00])).toThrow(PackError);
    expect(n).toBe(880);
  });
});
