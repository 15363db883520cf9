// PackWriter.rawEntryHead/rawEntryBody: a stored entry copied in pieces (housekeeping copies big
// objects a piece per step) makes the same pack, byte for byte, as the entry written at once; an
// entry left short or overrun is refused rather than written as a broken pack.
import { describe, expect, it } from 'vitest';
import { PackWriter, deflate, resolvePackInMemory } from '../../../src/pack';
import { concat, packErrorOf, randomBytes, rng, sameBytes } from './helpers';

describe('PackWriter entries in pieces', () => {
  it('head then body pieces: the same bytes, checksum and CRC as rawEntry', () => {
    const data = randomBytes(300_000, rng(5));
    const z = deflate(data);
    const whole = new PackWriter(2);
    const h = whole.header();
    const e1 = whole.rawEntry(3, data.length, z);
    const crcWhole = whole.lastCrc32;
    const a = concat(h, e1, whole.rawEntry(3, 5, deflate(new TextEncoder().encode('hello'))));
    const pieces = new PackWriter(2);
    const parts = [pieces.header(), ...pieces.rawEntryHead(3, data.length, z.length)];
    for (let at = 0; at < z.length; at += 65_536) {
      const p = z.subarray(at, Math.min(z.length, at + 65_536));
      pieces.rawEntryBody(p);
      parts.push(p);
    }
    const crcPieces = pieces.lastCrc32;
    parts.push(pieces.rawEntry(3, 5, deflate(new TextEncoder().encode('hello'))));
    const b = concat(...parts);
    const ta = whole.finish();
    const tb = pieces.finish();
    expect(sameBytes(concat(a, ta), concat(b, tb))).toBe(true);
    expect(pieces.checksum).toBe(whole.checksum);
    const r = resolvePackInMemory(concat(b, tb));
    expect(sameBytes(r.objects[0].data, data)).toBe(true);
    expect(crcPieces).toBe(crcWhole); // the .idx CRC of the entry, head and body
  });

  it('refuses a body overrun, a next entry or a finish before the body is complete', () => {
    const w = new PackWriter(2);
    w.header();
    w.rawEntryHead(3, 100, 10);
    expect(packErrorOf(() => w.rawEntryBody(new Uint8Array(11)))).toMatch(/overrun/);
    w.rawEntryBody(new Uint8Array(4));
    expect(packErrorOf(() => w.rawEntry(3, 1, new Uint8Array(3)))).toMatch(/not complete/);
    expect(packErrorOf(() => w.finish())).toMatch(/not complete/);
  });
});
