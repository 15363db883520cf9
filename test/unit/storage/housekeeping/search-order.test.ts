// The delta search order (git's type_size_sort) by radix sort: the same order as the comparator
// sort it replaces, ties kept in listing order; sizes above 32 KiB in 1 KiB steps.
import { describe, expect, it } from 'vitest';
import { searchOrder } from '../../../../src/storage/housekeeping/search-order';
import { rng } from '../helpers';

describe('searchOrder', () => {
  it('is type, name hash, size descending, then listing order', () => {
    const n = 20_000;
    const r = rng(5);
    const type = new Uint8Array(n);
    const nameHash = new Uint32Array(n);
    const size = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      type[i] = 1 + (r() % 4);
      nameHash[i] = r() % 3 === 0 ? 0 : (r() % 50) * 0x1000193; // many ties
      size[i] = r() % 2 ? r() % 100 : r() % 32_000;
    }
    const items = Int32Array.from({ length: n }, (_, i) => n - 1 - i).filter((i) => i % 7 !== 0);
    const ref = [...items].sort((a, b) => type[a] - type[b] || nameHash[a] - nameHash[b] || size[b] - size[a] || 0);
    // ties keep listing order (items are listed backwards here): a stable comparator sort agrees
    expect([...searchOrder(items, type, nameHash, size)]).toEqual(ref);
  });

  it('orders big objects by KiB', () => {
    const type = Uint8Array.of(3, 3, 3, 3);
    const nameHash = Uint32Array.of(1, 1, 1, 1);
    const size = Uint32Array.of(40_000, 5_000_000, 40_500, 100_000);
    expect([...searchOrder(Int32Array.of(0, 1, 2, 3), type, nameHash, size)]).toEqual([1, 3, 0, 2]); // 40,000 and 40,500: same KiB step, listing order
  });
});
