// ObjectStore.insert around big inserts: the (pack_id, offset) index is dropped and rebuilt, and
// must come back complete (full clones read the store in its order), also when the transaction
// around the insert fails; small inserts keep it in place.
import { describe, expect, it } from 'vitest';
import type { ObjectRow } from '../../../src/storage/object-store';
import { bytesToHex } from '../../../src/pack';
import { rng, withStore } from './helpers';

function rows(n: number, packId: number, seed: number): ObjectRow[] {
  const next = rng(seed);
  const b = new Uint8Array(20);
  const out: ObjectRow[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 20; j++) b[j] = next() & 255;
    out.push({ oid: bytesToHex(b), pack_id: packId, offset: 12 + i * 10, data_offset: 14 + i * 10, end_offset: 22 + i * 10, type: 3, size: 5, raw_type: 3, raw_size: 5, base_oid: null, depth: 0 });
  }
  return out.sort((a, b) => (a.oid < b.oid ? -1 : 1));
}

const indexSql = (sql: SqlStorage) =>
  sql.exec<{ sql: string }>(`SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'objects_by_location'`).toArray()[0]?.sql ?? null;

describe('ObjectStore.insert and the location index', () => {
  it('rebuilds the index after a big insert, keeps it for a small one, and rolls back with the transaction', async () => {
    await withStore('location-index', (store, state) => {
      const sql = state.storage.sql;
      const before = indexSql(sql);
      expect(before).toContain('pack_id, offset');
      const big = rows(5000, 1, 1);
      store.objects.insert(big, big.length);
      expect(indexSql(sql)).toBe(before);
      const small = rows(50, 2, 2);
      store.objects.insert(small, small.length);
      expect(store.objects.count()).toBe(5050);
      // The index answers the storage-order scan, with every row in it.
      const plan = sql.exec<{ detail: string }>(`EXPLAIN QUERY PLAN SELECT * FROM objects ORDER BY pack_id, offset`).toArray();
      expect(plan.map((p) => p.detail).join(' ')).toContain('objects_by_location');
      const inOrder = [...store.objects.allRows()].map((r) => `${r.pack_id}:${r.offset}`);
      const byOffset = (rs: ObjectRow[]) => [...rs].sort((a, b) => a.offset - b.offset).map((r) => `${r.pack_id}:${r.offset}`);
      expect(inOrder).toEqual([...byOffset(big), ...byOffset(small)]);
      // A failing transaction after a big insert: rows and index as they were.
      const again = rows(6000, 3, 3);
      expect(() =>
        state.storage.transactionSync(() => {
          store.objects.insert(again, again.length);
          throw new Error('refused');
        }),
      ).toThrow('refused');
      expect(indexSql(sql)).toBe(before);
      expect(sql.exec<{ n: number }>(`SELECT count(*) AS n FROM objects`).one().n).toBe(5050);
      expect(sql.exec<{ n: number }>(`SELECT count(*) AS n FROM objects INDEXED BY objects_by_location WHERE pack_id >= 0`).one().n).toBe(5050);
    });
  });
});
