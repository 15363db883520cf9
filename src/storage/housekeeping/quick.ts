// The quick merge: packs that arrive while a long run is building (a commit burst during a
// deltifying repack of the whole store) are folded together without waiting for that run. A run
// only merges the packs it started with, so before this an agent committing back to back piled
// up 60 packs during one long run (issue 19 wants ~20 at most).
//
// One synchronous step does it all, so it is bounded by what it selects (QUICK_MAX_OBJECTS small
// objects, QUICK_MAX_BYTES): list the arrivals' rows, write one pack with a delta search among
// them (pack-builder.ts: consecutive versions of a state file become deltas), then in one
// transaction index it, point the rows at it and drop the old packs' rows; their files go last.
// Being one step, an interruption leaves nothing half done: the Durable Object commits a step's
// writes together (a lost isolate loses them all), and a file no row names is swept like an
// interrupted upload's. It runs only when no pack stream reads rows or files (like migrate and
// cleanup) and never touches the long run's packs, new pack or work rows. The objects it writes
// are self-contained (a stored delta whose base is not among them is searched again), so a gc
// finishing later finds no delta in it based on something it drops.
import type { ObjectRow, ObjectStore } from '../object-store';
import { packPath } from '../pack-files';
import { Budget, PER_OBJECT } from './budget';
import { PackBuilder, type BuiltEntry } from './pack-builder';
import { WorkList } from './work';

/** A quick merge once this many arrivals fit the bounds below. */
export const QUICK_MIN_PACKS = 5;
export const QUICK_MAX_OBJECTS = 400;
export const QUICK_MAX_BYTES = 1 << 20;

interface Arrival {
  id: number;
  objects: number;
  size: number;
  created: number;
}

/** The packs a quick merge would take now (smallest first, within the bounds), or null. */
export function quickSelection(sql: SqlStorage, after: number, exclude: number | null): Arrival[] | null {
  const arrivals = sql
    .exec<Arrival & Record<string, number>>(`SELECT id, objects, size, created FROM packs WHERE id > ? AND id != ? ORDER BY objects, id`, after, exclude ?? -1)
    .toArray();
  if (arrivals.length < QUICK_MIN_PACKS) return null;
  const take: Arrival[] = [];
  let objects = 0;
  let bytes = 0;
  for (const p of arrivals) {
    if (objects + p.objects > QUICK_MAX_OBJECTS || bytes + p.size > QUICK_MAX_BYTES) break;
    take.push(p);
    objects += p.objects;
    bytes += p.size;
  }
  return take.length >= QUICK_MIN_PACKS ? take : null;
}

export interface QuickHost {
  sql: SqlStorage;
  transaction<T>(fn: () => T): T;
  objects: ObjectStore;
  allocatePackId(): number;
}

/** Merges `packs` into one new pack (see the file comment); returns its id. */
export function quickMerge(h: QuickHost, packs: Arrival[]): number {
  const ids = packs.map((p) => p.id).join(',');
  const W = new WorkList(QUICK_MAX_OBJECTS);
  for (const r of h.sql.exec<ObjectRow>(`SELECT * FROM objects WHERE pack_id IN (${ids}) ORDER BY pack_id, offset`)) W.add(r, 0);
  W.linkBases();
  const id = h.allocatePackId();
  const stream = h.objects.fs.createWriteStream(packPath(id));
  const entries: BuiltEntry[] = [];
  const builder = new PackBuilder(h.objects, W, () => true, (b) => stream.write(b), (e) => entries.push(e));
  let stats = null;
  try {
    // bounded by the selection, not by a time budget: it must finish within this one step
    while (!(stats = builder.step(new Budget(Infinity, Infinity))));
    stream.close();
  } catch (e) {
    stream.abort();
    throw e;
  }
  const created = Math.max(...packs.map((p) => p.created));
  h.transaction(() => {
    h.sql.exec(`INSERT INTO packs (id, path, size, checksum, objects, created) VALUES (?, ?, ?, ?, ?, ?)`, id, `pack-${id}`, stats.bytes, stats.checksum, stats.objects, created);
    h.sql.exec(`INSERT OR IGNORE INTO hk_packs (id) VALUES (?)`, id);
    for (let k = 0; k < entries.length; k += 200) {
      const values = entries.slice(k, k + 200).map((e) => {
        const i = e.item;
        const base = e.base >= 0 ? `'${W.oidHex(e.base)}'` : 'NULL';
        return `('${W.oidHex(i)}',${id},${e.offset},${e.dataOffset},${e.end},${W.type[i]},${W.size[i]},${e.rawType},${e.rawSize},${base},${e.depth})`;
      });
      h.sql.exec(`INSERT OR REPLACE INTO objects (oid, pack_id, offset, data_offset, end_offset, type, size, raw_type, raw_size, base_oid, depth) VALUES ${values.join(',')}`);
    }
    h.sql.exec(`DELETE FROM packs WHERE id IN (${ids})`);
    h.sql.exec(`DELETE FROM hk_packs WHERE id IN (${ids})`);
  });
  for (const p of packs) {
    h.objects.fs.rmrf(packPath(p.id));
    h.objects.packs.forget(p.id);
  }
  return id;
}

/** Quick merges of one instance; a failed one pauses them for a minute (the long run goes on). */
export class QuickMerger {
  merges = 0;
  private offUntil = 0;

  constructor(private readonly h: QuickHost) {}

  /** Merges the packs that arrived after pack `after` (not `exclude`), if enough did; returns
   *  the work done in budget units (0: no merge), so that a turn goes on with the long run when
   *  the merge was small: a whole turn per merge let the long run fall behind a commit burst. */
  maybe(after: number, exclude: number | null): number {
    if (Date.now() < this.offUntil) return 0;
    const take = quickSelection(this.h.sql, after, exclude);
    if (!take) return 0;
    try {
      quickMerge(this.h, take);
      this.merges++;
      return take.reduce((a, p) => a + p.objects * PER_OBJECT + p.size, 0);
    } catch (e) {
      // its transaction rolled back (or never ran): the arrivals stay as they are
      console.error('housekeeping: quick merge failed', e);
      this.offUntil = Date.now() + 60_000;
      return 0;
    }
  }
}
