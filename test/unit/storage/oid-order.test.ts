// inOidOrder (the order push rows are inserted in): the same order as a plain sort, with
// uniformly random ids and with many ids sharing their first 16 bits (a crafted pack).
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../../../src/pack';
import { inOidOrder } from '../../../src/storage/ingest';
import { rng } from './helpers';

function ids(n: number, seed: number, prefix?: string): { oid: string }[] {
  const next = rng(seed);
  const b = new Uint8Array(20);
  return Array.from({ length: n }, () => {
    for (let i = 0; i < 20; i++) b[i] = next() & 255;
    const h = bytesToHex(b);
    return { oid: prefix ? prefix + h.slice(prefix.length) : h };
  });
}

describe('inOidOrder', () => {
  it('sorts like Array.prototype.sort and keeps every record', () => {
    const recs = [...ids(30_000, 1), ...ids(300, 2, 'abcd'), ...ids(10, 3, 'abce'), ...ids(5, 4, '0000'), ...ids(3, 5, 'ffff')];
    recs.push(recs[7]); // the same record twice stays twice
    const got = inOidOrder(recs);
    const want = [...recs].sort((a, b) => (a.oid < b.oid ? -1 : a.oid > b.oid ? 1 : 0));
    expect(got.length).toBe(recs.length);
    expect(got.map((r) => r.oid)).toEqual(want.map((r) => r.oid));
    expect(new Set(got).size).toBe(new Set(recs).size);
    expect(inOidOrder([])).toEqual([]);
  });
});
