// A pack's index rows as fixed-width record blobs split inside SQLite (row-records.ts): more rows
// than one blob holds, the widest values each field takes, both kinds of delta base and
// duplicates must come out of SQLite exactly as the checked SQL tuples (row-sql.ts) put them in;
// a value too wide for its field or a bad ref-delta base id is refused, never cut.
import { describe, expect, it } from 'vitest';
import { PackEntries } from '../../../src/storage/entries';
import type { ObjectRow } from '../../../src/storage/object-store';
import { packRecords, RECORD_BYTES, RECORDS_PER_BLOB } from '../../../src/storage/row-records';
import { packTuples } from '../../../src/storage/row-sql';
import { rng, withStore } from './helpers';

/** n entries with random ids: whole objects, ofs-deltas and ref-deltas, some at extreme values. */
function entries(n: number, seed: number): PackEntries {
  const E = new PackEntries();
  const next = rng(seed);
  const id = new Uint8Array(20);
  let offset = 12;
  for (let i = 0; i < n; i++) {
    const wide = i % 997 === 5;
    const rawType = i < 2 ? 3 : [1, 2, 3, 4, 6, 6, 7][i % 7];
    const start = wide ? 999_999_000_000 + i : offset;
    const e = E.add(start, start + (wide ? 39 : 2), start + (wide ? 500 : 30), rawType, wide ? 4_294_967_295 : i);
    if (rawType === 6) E.base[e] = e - 1;
    if (rawType === 7) E.refBase.set(e, E.oidHex(0));
    E.type[e] = rawType >= 6 ? 3 : rawType;
    E.size[e] = wide ? 4_294_967_295 : i * 3;
    E.depth[e] = rawType >= 6 ? (wide ? 4095 : 1 + (i % 50)) : 0;
    for (let j = 0; j < 20; j++) id[j] = next() & 255;
    // every 500th entry repeats an earlier id: only the first copy gets a row
    E.setOidBytes(e, i % 500 === 499 ? E.oids.subarray(0, 20) : id);
    offset += 30;
  }
  return E;
}

describe('pack rows as record blobs', () => {
  it('indexes the same rows as the SQL tuples, across blobs', async () => {
    const n = RECORDS_PER_BLOB + 1500;
    const E = entries(n, 7);
    const blobs = [...packRecords(E)];
    expect(blobs.length).toBe(2);
    expect(blobs[0].byteLength).toBe(RECORDS_PER_BLOB * RECORD_BYTES);
    expect(blobs.every((b) => b.byteLength <= 2_000_000)).toBe(true);
    await withStore('row-records', (store, state) => {
      store.objects.insertRecords(9, packRecords(E), n);
      const got = state.storage.sql.exec<ObjectRow>(`SELECT * FROM objects ORDER BY oid`).toArray();
      store.objects.insertTuples(packTuples(E, 9), 0); // the same rows again: all ignored
      expect(store.objects.count()).toBe(got.length);
      state.storage.sql.exec(`DELETE FROM objects`);
      store.objects.insertTuples(packTuples(E, 9), n);
      const want = state.storage.sql.exec<ObjectRow>(`SELECT * FROM objects ORDER BY oid`).toArray();
      expect(got.length).toBe(n - Math.floor(n / 500));
      expect(got).toEqual(want);
      expect(got.some((r) => r.offset === 999_999_000_005 && r.size === 4_294_967_295 && r.depth === 4095)).toBe(true);
      expect(got.filter((r) => r.raw_type === 7).every((r) => r.base_oid === E.oidHex(0))).toBe(true);
      expect(got.filter((r) => r.raw_type < 6).every((r) => r.base_oid === null)).toBe(true);
      expect(typeof got[0].oid).toBe('string');
    });
  });

  it('refuses what does not fit a field or is not an id', () => {
    const E = entries(10, 3);
    E.depth[4] = 4095;
    E.end[3] = 1e12; // 13 digits
    expect(() => [...packRecords(E)]).toThrow(/does not fit 12 digits/);
    const F = entries(10, 3);
    F.refBase.set(6, "'); DROP TABLE objects; --'.padEnd(40)");
    expect(() => [...packRecords(F)]).toThrow(/not an object id/);
  });
});
