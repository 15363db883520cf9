import { describe, expect, it } from 'vitest';
import {
  PackWriter,
  PackParser,
  createDelta,
  deflate,
  encodeEntryHeader,
  encodeOfsDistance,
  hashObject,
  resolvePackInMemory,
  buildIdxV2,
  readIdxV2,
  type BaseTypeNum,
} from '../../../src/pack';
import { concat, enc, fixturePack, hex, packErrorOf, randomBytes, rng, sameBytes } from './helpers';

describe('entry header encoding', () => {
  it('encodes type and size like git', () => {
    expect([...encodeEntryHeader(3, 0)]).toEqual([0x30]);
    expect([...encodeEntryHeader(3, 15)]).toEqual([0x3f]);
    expect([...encodeEntryHeader(1, 16)]).toEqual([0x90, 0x01]);
    expect([...encodeEntryHeader(2, 0x7ff)]).toEqual([0xaf, 0x7f]);
    expect([...encodeEntryHeader(7, 2 ** 32)]).toEqual([0xf0, 0x80, 0x80, 0x80, 0x80, 0x01]);
  });

  it('encodes ofs-delta distances like git (base 128 with +1 per continuation)', () => {
    expect([...encodeOfsDistance(1)]).toEqual([0x01]);
    expect([...encodeOfsDistance(127)]).toEqual([0x7f]);
    expect([...encodeOfsDistance(128)]).toEqual([0x80, 0x00]);
    expect([...encodeOfsDistance(16511)]).toEqual([0xff, 0x7f]);
    expect([...encodeOfsDistance(16512)]).toEqual([0x80, 0x80, 0x00]);
  });
});

describe('PackWriter', () => {
  it('writes packs that the parser reads back, with ref and ofs deltas', () => {
    const rand = rng(3);
    const base = randomBytes(20_000, rand, 0x3f);
    const edited = concat(base.subarray(0, 9000), enc('an insertion'), base.subarray(9100));
    const edited2 = concat(edited.subarray(500), enc('tail'));
    const commit = enc(`tree ${'4b825dc642cb6eb9a060e54bf8d69288fbee4904'}\nauthor A <a@b> 1 +0000\ncommitter A <a@b> 1 +0000\n\nm\n`);
    const w = new PackWriter(5);
    const parts: Uint8Array[] = [w.header()];
    expect(w.offset).toBe(12);
    parts.push(w.object(3, base));
    const baseOffset = w.lastOffset;
    expect(baseOffset).toBe(12);
    parts.push(w.refDelta(hashObject('blob', base), createDelta(base, edited)));
    parts.push(w.ofsDelta(baseOffset, createDelta(base, edited2)));
    parts.push(w.object(1, commit));
    const commitCrc = w.lastCrc32;
    const commitOffset = w.lastOffset;
    parts.push(w.rawEntry(3, 5, deflate(enc('hello'))));
    parts.push(w.finish());
    const pack = concat(...parts);
    expect(w.offset).toBe(pack.length);
    expect(w.checksum).toBe(hex(pack.subarray(pack.length - 20)));

    const r = resolvePackInMemory(pack);
    expect(r.checksum).toBe(w.checksum);
    expect(r.objects.map((o) => o.type)).toEqual(['blob', 'blob', 'blob', 'commit', 'blob']);
    expect(r.objects.map((o) => o.entryType)).toEqual([3, 7, 6, 1, 3]);
    expect(sameBytes(r.objects[1].data, edited)).toBe(true);
    expect(sameBytes(r.objects[2].data, edited2)).toBe(true);
    expect(new TextDecoder().decode(r.objects[4].data)).toBe('hello');
    expect(r.objects[3].crc32).toBe(commitCrc);
    expect(r.objects[3].offset).toBe(commitOffset);
    // Deltas are much smaller than their targets.
    expect(r.objects[1].entrySize).toBeLessThan(200);
  });

  it('round-trips a git pack entry by entry through rawEntry (no recompression)', () => {
    const pack = fixturePack('small-ofs');
    const p = new PackParser({ keepCompressed: true });
    const entries = [...p.push(pack), ...p.end().entries];
    const w = new PackWriter(entries.length);
    const out: Uint8Array[] = [w.header()];
    for (const e of entries) {
      const base = e.type === 6 ? { ofs: e.offset - e.baseOffset! } : e.type === 7 ? { oid: e.baseOid! } : undefined;
      const parts = w.rawEntryParts(e.type, e.size, e.compressed!, base);
      expect(w.lastCrc32).toBe(e.crc32);
      out.push(...parts);
    }
    out.push(w.finish());
    expect(hex(concat(...out))).toBe(hex(pack)); // byte-identical
  });

  it('round-trips many random objects and produces a matching idx', () => {
    const rand = rng(11);
    const objs: { type: BaseTypeNum; data: Uint8Array }[] = [];
    for (let i = 0; i < 300; i++) objs.push({ type: ((i % 4) + 1) as BaseTypeNum, data: randomBytes(rand() % 3000, rand, 0x1f) });
    const w = new PackWriter(objs.length, { level: 1 });
    const parts = [w.header()];
    const idxEntries = [];
    for (const o of objs) {
      parts.push(w.object(o.type, o.data));
      idxEntries.push({ oid: hashObject(['commit', 'tree', 'blob', 'tag'][o.type - 1] as 'blob', o.data), offset: w.lastOffset, crc32: w.lastCrc32 });
    }
    parts.push(w.finish());
    const pack = concat(...parts);
    const r = resolvePackInMemory(pack);
    expect(r.objects.map((o) => o.oid)).toEqual(idxEntries.map((e) => e.oid));
    const idx = readIdxV2(buildIdxV2(idxEntries, w.checksum));
    expect(idx.packChecksum).toBe(w.checksum);
    expect(idx.entries.length).toBe(300);
  });

  it('enforces the protocol: header first, declared count, valid delta bases', () => {
    const w = new PackWriter(1);
    expect(packErrorOf(() => w.object(3, enc('x')))).toMatch(/header not written/);
    w.header();
    expect(packErrorOf(() => w.header())).toMatch(/already written/);
    expect(packErrorOf(() => w.finish())).toMatch(/declared 1 objects but 0 were written/);
    expect(packErrorOf(() => w.rawEntry(6, 1, deflate(enc('x')), { ofs: 5 }))).toMatch(/ofs-delta needs a distance/);
    expect(packErrorOf(() => w.rawEntry(7, 1, deflate(enc('x'))))).toMatch(/ref-delta needs a base oid/);
    w.object(3, enc('x'));
    expect(packErrorOf(() => w.object(3, enc('y')))).toMatch(/declared 1 objects; writing one more/);
    expect(w.finish().length).toBe(20);
    expect(packErrorOf(() => w.finish())).toMatch(/already finished/);
  });
});
