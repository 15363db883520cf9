import { describe, expect, it } from 'vitest';
import { buildIdxV2, hexToBytes, IdxColumns, readIdxV2, PackError } from '../../../src/pack';
import { fixtureIdx, fixtures, hex, rng } from './helpers';

describe('pack idx v2', () => {
  it('reads git idx files and rebuilds them byte for byte', () => {
    for (const name of Object.keys(fixtures)) {
      const git = fixtureIdx(name);
      const parsed = readIdxV2(git);
      expect(parsed.packChecksum).toBe(fixtures[name].checksum);
      expect(parsed.entries.length).toBe(fixtures[name].objects.length);
      const offsets = new Map(fixtures[name].objects.map((o) => [o.oid, o.offset]));
      for (const e of parsed.entries) expect(e.offset).toBe(offsets.get(e.oid));
      // Input order must not matter.
      const shuffled = parsed.entries.slice().reverse();
      expect(hex(buildIdxV2(shuffled, parsed.packChecksum))).toBe(hex(git));
      // In order but for the last two (the sorted-input check must look at every pair).
      const late = parsed.entries.slice();
      late.push(...late.splice(-2).reverse());
      expect(hex(buildIdxV2(late, parsed.packChecksum))).toBe(hex(git));
    }
  });

  it('builds the same bytes from raw ids (addRaw) as from hex ids', () => {
    for (const name of Object.keys(fixtures)) {
      const git = fixtureIdx(name);
      const parsed = readIdxV2(git);
      const raw = new Uint8Array(parsed.entries.length * 20 + 7);
      const cols = new IdxColumns(1); // grows
      parsed.entries.forEach((e, i) => {
        hexToBytes(e.oid, raw, 7 + i * 20);
        cols.addRaw(raw, 7 + i * 20, e.offset, e.crc32);
      });
      expect(hex(cols.build(parsed.packChecksum))).toBe(hex(git));
    }
  });

  it('uses the 64-bit offset table for offsets >= 2^31', () => {
    const rand = rng(1);
    const oid = () => Array.from({ length: 20 }, () => (rand() & 0xff).toString(16).padStart(2, '0')).join('');
    const entries = [
      { oid: oid(), offset: 12, crc32: 1 },
      { oid: oid(), offset: 0x7fffffff, crc32: 0xffffffff },
      { oid: oid(), offset: 0x80000000, crc32: 3 },
      { oid: oid(), offset: 5 * 2 ** 32 + 7, crc32: 4 },
    ];
    const idx = buildIdxV2(entries, 'ab'.repeat(20));
    expect(idx.length).toBe(8 + 1024 + 4 * 28 + 2 * 8 + 40);
    const back = readIdxV2(idx);
    const sorted = entries.slice().sort((a, b) => (a.oid < b.oid ? -1 : 1));
    expect(back.entries).toEqual(sorted);
    const bad = idx.slice();
    bad[100] ^= 1;
    expect(() => readIdxV2(bad)).toThrow(PackError);
  });
});
