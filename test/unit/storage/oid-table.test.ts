// OidTable: raw 20-byte ids to small values, checked against a Map on many random ids.
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../../../src/pack';
import { OidTable } from '../../../src/storage/oid-table';
import { rng } from './helpers';

describe('OidTable', () => {
  it('agrees with a Map through growth, updates and lookups by bytes or hex', () => {
    const next = rng(7);
    const t = new OidTable(16);
    const m = new Map<string, number>();
    const buf = new Uint8Array(20 * 5000);
    for (let i = 0; i < buf.length; i++) buf[i] = next() & 255;
    // ids that share their first 4 bytes (the hash) must still be told apart
    buf.copyWithin(20, 0, 4);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 5000; i++) {
        const hex = bytesToHex(buf, i * 20);
        const v = 1 + ((i + round) % 4);
        expect(t.set(buf, i * 20, v)).toBe(m.get(hex) ?? 0);
        m.set(hex, v);
      }
    }
    expect(t.size).toBe(m.size);
    for (const [hex, v] of m) expect(t.getHex(hex)).toBe(v);
    expect(new Map(t.entries())).toEqual(m);
    expect(t.getHex('0'.repeat(40))).toBe(0);
    expect(() => t.set(buf, 0, 0)).toThrow(RangeError);
  });
});
