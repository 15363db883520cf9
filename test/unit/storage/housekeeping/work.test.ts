// The repack's work list sized once from the packs' object counts (WorkList.reserve): the arrays
// are exactly that long, items past the reservation still grow it, and every id is found.
import { describe, expect, it } from 'vitest';
import type { ObjectRow } from '../../../../src/storage/object-store';
import { WorkList } from '../../../../src/storage/housekeeping/work';

const oid = (i: number) => i.toString(16).padStart(8, '0').repeat(5);
const row = (i: number, base: number | null = null): ObjectRow =>
  ({ oid: oid(i), pack_id: 1, offset: 12 + i * 10, data_offset: 14 + i * 10, end_offset: 22 + i * 10, type: 3, size: 8, raw_type: base === null ? 3 : 6, raw_size: 8, base_oid: base === null ? null : oid(base), depth: base === null ? 0 : 1 }) as ObjectRow;

describe('WorkList.reserve', () => {
  it('sizes every column once, then grows past it when more objects arrive', () => {
    const W = new WorkList(16);
    W.reserve(5000);
    expect(W.type.length).toBe(5000);
    expect(W.oids.length).toBe(5000 * 20);
    const before = W.bytes();
    for (let i = 0; i < 5000; i++) expect(W.add(row(i, i > 0 ? i - 1 : null), 0)).toBe(i);
    expect(W.bytes()).toBe(before); // no regrowth of the columns or the index
    for (let i = 5000; i < 5100; i++) W.add(row(i), 0); // a pack that arrived after the count
    expect(W.n).toBe(5100);
    expect(W.type.length).toBeGreaterThanOrEqual(5100);
    W.linkBases();
    for (let i = 0; i < 5100; i++) expect(W.findHex(oid(i))).toBe(i);
    expect(W.baseIdx[1]).toBe(0);
    expect(W.baseIdx[4999]).toBe(4998);
    expect(W.add(row(7), 0)).toBe(-1); // listed once
    W.reserve(10); // never shrinks
    expect(W.type.length).toBeGreaterThanOrEqual(5100);
  });
});
