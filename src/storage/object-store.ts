// Object store: the `objects` table indexes entries of pack files kept on DOFS. Reading an
// object inflates its entry and, for deltas, applies it to its base (resolved by oid, so a
// base may live in another pack: pushes may send thin packs).
import type { DOFS } from '../../dofs';
import type { ObjectType } from '../pack';
import { accel } from '../codec';
import { ByteLru } from './lru';
import { PackFiles } from './pack-files';
import { int, rowTuple } from './row-sql';
import { INSERT_RECORDS_SQL } from './row-records';
import { DyingPacks, UPSERT_DYING } from './dying';
import type { Snapshot } from './snapshot';

export const TYPE_NAMES: Record<number, ObjectType> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };
export const TYPE_NUMBERS: Record<ObjectType, number> = { commit: 1, tree: 2, blob: 3, tag: 4 };

export type ObjectRow = {
  oid: string;
  pack_id: number;
  offset: number;
  data_offset: number;
  end_offset: number;
  type: number;
  size: number;
  raw_type: number;
  raw_size: number;
  base_oid: string | null;
  depth: number;
};

export interface GitObject {
  type: ObjectType;
  data: Uint8Array;
}

export class MissingObjectError extends Error {
  constructor(readonly oid: string) {
    super(`object ${oid} not found`);
    this.name = 'MissingObjectError';
  }
}

export class ObjectStore {
  readonly packs: PackFiles;
  private readonly cache = new ByteLru<string, Uint8Array>(16 * 1024 * 1024);
  /**
   * Packs being streamed to clients (pack-out.ts), with the time each last sent something:
   * housekeeping waits for them before it moves index rows or deletes pack files.
   */
  readonly readers = new Map<object, number>();

  /**
   * A fork's snapshot (storage/snapshot.ts): its origin's published packs, looked up after the
   * DO's own index; their rows carry negative pack ids, which PackFiles reads from it.
   */
  snapshot: Snapshot | null = null;

  /** Packs a gc pruned whose rows are still being deleted: their rows read as absent (dying.ts). */
  readonly dying: DyingPacks;

  constructor(
    private readonly sql: SqlStorage,
    readonly fs: DOFS,
  ) {
    this.packs = new PackFiles(fs);
    this.dying = new DyingPacks(sql);
  }

  attachSnapshot(s: Snapshot | null): void {
    this.snapshot = s && !s.empty ? s : null;
    this.packs.snapshot = this.snapshot;
  }

  row(oid: string): ObjectRow | null {
    return this.sql.exec<ObjectRow>(`SELECT * FROM objects WHERE oid = ?${this.dying.filter()}`, oid).toArray()[0] ?? this.snapshot?.row(oid) ?? null;
  }

  has(oid: string): boolean {
    return this.sql.exec(`SELECT 1 FROM objects WHERE oid = ?${this.dying.filter()}`, oid).toArray().length > 0 || (this.snapshot?.has(oid) ?? false);
  }

  /** Which of `oids` are stored: 100 ids a query (the bound-parameter limit) instead of one. */
  hasMany(oids: readonly string[]): Set<string> {
    const found = new Set<string>();
    for (let i = 0; i < oids.length; i += 100) {
      const part = oids.slice(i, i + 100);
      const rows = this.sql.exec<{ oid: string }>(`SELECT oid FROM objects WHERE oid IN (${part.map(() => '?').join(',')})${this.dying.filter()}`, ...part);
      for (const r of rows) found.add(r.oid);
    }
    if (this.snapshot) for (const o of oids) if (!found.has(o) && this.snapshot.has(o)) found.add(o);
    return found;
  }

  typeOf(oid: string): ObjectType | null {
    const r = this.sql.exec<{ type: number }>(`SELECT type FROM objects WHERE oid = ?${this.dying.filter()}`, oid).toArray()[0] ?? this.snapshot?.row(oid);
    return r ? TYPE_NAMES[r.type] : null;
  }

  /** Object ids starting with a (lowercase hex) prefix, at most `limit`: abbreviated shas. */
  withPrefix(prefix: string, limit = 2): string[] {
    const local = this.sql
      .exec<{ oid: string }>(`SELECT oid FROM objects WHERE oid >= ? AND oid < ?${this.dying.filter()} ORDER BY oid LIMIT ?`, prefix, prefix + 'g', limit)
      .toArray()
      .map((r) => r.oid);
    if (!this.snapshot) return local;
    return [...new Set([...local, ...this.snapshot.withPrefix(prefix, limit)])].sort().slice(0, limit);
  }

  sizeOf(oid: string): number {
    const r = this.sql.exec<{ size: number }>(`SELECT size FROM objects WHERE oid = ?${this.dying.filter()}`, oid).toArray()[0] ?? this.snapshot?.row(oid);
    if (!r) throw new MissingObjectError(oid);
    return r.size;
  }

  /** How many objects are indexed (a fork: its own plus its snapshot's, an object in both counted twice). */
  count(): number {
    return this.localCount() + (this.snapshot?.count() ?? 0);
  }

  /** The DO's own index: a counter kept by insert(), so asking costs no table scan. */
  private localCount(): number {
    const r = this.sql.exec<{ value: string }>(`SELECT value FROM repo_meta WHERE key = 'object_count'`).toArray()[0];
    if (r) return Number(r.value);
    const n = this.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM objects`).one().n;
    this.setCount(n);
    return n;
  }

  /** How many objects are stored whole (not as a delta) with at least `minSize` bytes. */
  countWhole(minSize: number): number {
    return this.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM objects WHERE base_oid IS NULL AND size >= ?${this.dying.filter()}`, minSize).one().n;
  }

  /**
   * The one stored pack, if it holds exactly the indexed objects: no other pack, no snapshot, and
   * every entry of its file indexed once (the header's count is the index's). A full clone may
   * then send the file as it is (pack-out.ts).
   */
  verbatimPack(): { id: number; size: number } | null {
    if (this.snapshot) return null;
    const packs = this.sql.exec<{ id: number; size: number; objects: number }>(`SELECT id, size, objects FROM packs LIMIT 2`).toArray();
    if (packs.length !== 1 || packs[0].objects !== this.localCount()) return null;
    const { id, size, objects } = packs[0];
    const indexed = this.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM objects WHERE pack_id = ?`, id).one().n;
    return indexed === objects ? { id, size } : null;
  }

  /** Objects whose rows were deleted (housekeeping's prune). */
  noteRemoved(n: number): void {
    this.setCount(this.localCount() - n);
  }

  private setCount(n: number): void {
    this.sql.exec(`INSERT INTO repo_meta (key, value) VALUES ('object_count', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, String(n));
  }

  read(oid: string): GitObject {
    const obj = this.find(oid);
    if (!obj) throw new MissingObjectError(oid);
    return obj;
  }

  /** read() for an object that may be absent: null then (one row lookup; has() then read() is two). */
  find(oid: string): GitObject | null {
    const row = this.row(oid);
    return row ? { type: TYPE_NAMES[row.type], data: this.content(row) } : null;
  }

  /**
   * Caches the content of an object just stored (its id was computed from these bytes): the
   * commit API's new trees, which its next commit reads first (a 10,000-entry directory would
   * otherwise be rebuilt from its delta, 440 KB allocated and copied).
   */
  remember(oid: string, data: Uint8Array): void {
    this.cache.set(oid, data);
  }

  /** The content of `oid` if the cache holds it (housekeeping/chain-read.ts reads a chain in steps). */
  cached(oid: string): Uint8Array | undefined {
    return this.cache.get(oid);
  }

  /** Object content for a row; walks the delta chain iteratively (chains can be deep). */
  content(row: ObjectRow): Uint8Array {
    const hit = this.cache.get(row.oid);
    if (hit) return hit;
    const { chain, base: start, inflated } = this.deltaChain(row, (oid) => this.cache.get(oid));
    let base = start;
    if (inflated) this.cache.set(inflated.oid, base);
    for (let i = chain.length - 1; i >= 0; i--) {
      // The row knows the result's size: a delta (stored, so once checked) declaring more is corrupt.
      base = accel.applyDelta(base, this.inflateEntry(chain[i]), chain[i].size);
      this.cache.set(chain[i].oid, base);
    }
    return base;
  }

  /**
   * What reading `row` starts from: the rows of the deltas to apply, `row` first and the deepest
   * last, and the content they apply to, found by `cached` or, at a whole object, inflated (that
   * row is `inflated`, for the caller to cache). content() applies them at once;
   * housekeeping/chain-read.ts within a step's budget.
   */
  deltaChain(row: ObjectRow, cached: (oid: string) => Uint8Array | undefined): { chain: ObjectRow[]; base: Uint8Array; inflated: ObjectRow | null } {
    const chain: ObjectRow[] = [];
    let cur: ObjectRow = row;
    for (;;) {
      if (cur.base_oid === null) return { chain, base: this.inflateEntry(cur), inflated: cur };
      chain.push(cur);
      const hit = cached(cur.base_oid);
      if (hit) return { chain, base: hit, inflated: null };
      const next = this.row(cur.base_oid);
      if (!next) throw new MissingObjectError(cur.base_oid);
      if (chain.length > 10_000) throw new Error(`delta chain too deep at ${row.oid}`);
      cur = next;
    }
  }

  /** Inflated bytes of a stored entry: the object itself, or delta instructions. */
  inflateEntry(row: Pick<ObjectRow, 'pack_id' | 'data_offset' | 'end_offset' | 'raw_size'>): Uint8Array {
    const raw = this.packs.read(row.pack_id, row.data_offset, row.end_offset);
    return accel.inflateAt(raw, 0, row.raw_size).data;
  }

  /** The compressed bytes of a stored entry, for copying into an outgoing pack as is. */
  compressedEntry(row: ObjectRow): Uint8Array {
    return this.packs.read(row.pack_id, row.data_offset, row.end_offset);
  }

  /** Rows for many oids, in pack order (sequential reads when packing). */
  rows(oids: string[]): ObjectRow[] {
    const out: ObjectRow[] = [];
    for (let i = 0; i < oids.length; i += 90) {
      const part = oids.slice(i, i + 90);
      const q = `SELECT * FROM objects WHERE oid IN (${part.map(() => '?').join(',')})${this.dying.filter()}`;
      const before = out.length;
      for (const r of this.sql.exec<ObjectRow>(q, ...part)) out.push(r);
      if (this.snapshot && out.length - before < part.length) {
        const got = new Set(out.slice(before).map((r) => r.oid));
        for (const o of part) {
          const r = got.has(o) ? null : this.snapshot.row(o);
          if (r) {
            out.push(r);
            got.add(o);
          }
        }
      }
    }
    return out;
  }

  /** Every id of the DO's own index (not its snapshot's), streamed from SQLite. */
  *localOids(): Generator<{ oid: string }> {
    yield* this.sql.exec<{ oid: string }>(`SELECT oid FROM objects WHERE true${this.dying.filter()}`);
  }

  /** Every row in storage order (pack, offset), streamed from SQLite. */
  *allRows(): Generator<ObjectRow> {
    yield* this.sql.exec<ObjectRow>(`SELECT * FROM objects WHERE true${this.dying.filter()} ORDER BY pack_id, offset`);
  }

  /**
   * Inserts rows, hundreds per statement. A bound-parameter statement takes at most 100
   * parameters (9 rows), and per-statement overhead dominated a big push, so the values are
   * written into the SQL text instead (statements stay under the 100 KB limit); every value is
   * checked to be a 40-digit lowercase hex id or a safe integer first, so nothing else can
   * reach the SQL text. (A just-ingested pack's rows take insertRecords instead: ~13k rows per
   * statement in one bound blob, row-records.ts.) Callers should pass rows in oid order: the table is clustered by oid,
   * and ordered inserts touch each B-tree page once (measured ~2x faster than random order).
   *
   * `expected` is how many rows are coming. When they at least double the table (the first
   * push into a repository, an import), the (pack_id, offset) index is dropped and built again
   * afterwards: rows in oid order land at random places in that index, one B-tree descent
   * each, while CREATE INDEX sorts once and fills pages in order (measured on a 142k-object
   * push: 823 -> ~600 ms for the whole insert, index build ~75 ms). DDL is transactional, so
   * a failure in the caller's transaction puts the index back with everything else.
   */
  insert(rows: Iterable<ObjectRow>, expected = 0): void {
    this.insertTuples(map(rows, rowTuple), expected);
  }

  /** insert() for rows already written as checked SQL tuples (row-sql.ts: rowTuple, packTuples). */
  insertTuples(tuples: Iterable<string>, expected = 0): void {
    const MAX_SQL = 90_000 - UPSERT_DYING.length;
    const head = `INSERT INTO objects (oid, pack_id, offset, data_offset, end_offset, type, size, raw_type, raw_size, base_oid, depth) VALUES `;
    let sql = head;
    this.bulk(expected, () => {
      const flush = () => {
        if (sql.length === head.length) return;
        this.sql.exec(sql + UPSERT_DYING);
        sql = head;
      };
      for (const tuple of tuples) {
        if (sql.length + tuple.length + 1 > MAX_SQL) flush();
        sql += sql.length === head.length ? tuple : ',' + tuple;
      }
      flush();
    });
  }

  /** insert() for a pack's rows as fixed-width record blobs (row-records.ts: packRecords), all of pack `packId`. */
  insertRecords(packId: number, blobs: Iterable<ArrayBuffer>, expected = 0): void {
    this.bulk(expected, () => {
      for (const b of blobs) this.sql.exec(INSERT_RECORDS_SQL, b, b.byteLength, int(packId));
    });
  }

  /** Runs inserts of `expected` rows: the location index rebuilt around them if they are many, the count kept. */
  private bulk(expected: number, insert: () => void): void {
    const before = this.localCount();
    // total_changes(): rows inserted by the statements below (rowsWritten would count index
    // writes too; duplicates of live rows are ignored and count nothing; a dying row taken over
    // counts one, as the count left it out when it started dying).
    const changes = () => this.sql.exec<{ n: number }>(`SELECT total_changes() AS n`).one().n;
    const changes0 = changes();
    const rebuild = expected >= REBUILD_MIN_ROWS && expected >= before;
    if (rebuild) this.sql.exec(`DROP INDEX IF EXISTS ${LOCATION_INDEX}`);
    insert();
    if (rebuild) this.sql.exec(LOCATION_INDEX_DDL);
    const added = changes() - changes0;
    if (added > 0) this.setCount(before + added);
  }

  clearCaches(): void {
    this.cache.clear();
    this.packs.clear();
  }
}

/** Storage order of the objects (full clones copy entries in it); built by schema.ts too. */
export const LOCATION_INDEX = 'objects_by_location';
export const LOCATION_INDEX_DDL = `CREATE INDEX IF NOT EXISTS ${LOCATION_INDEX} ON objects (pack_id, offset)`;
/** Below this, keeping the index up to date row by row is cheap enough. */
const REBUILD_MIN_ROWS = 4096;

function* map<T, U>(items: Iterable<T>, f: (t: T) => U): Generator<U> {
  for (const t of items) yield f(t);
}
