// The pack bound (issue 19: at most ~20 packs at every point, however fast an agent commits).
// Runs (run.ts) merge and deltify, but they only get the turns traffic.ts grants them between
// requests, so a commit loop that never leaves a gap outran them (33 packs seen over 10,000
// commits). A fold is what keeps the count down without them: past FOLD_AT packs, the smallest
// packs no run is working on are concatenated, byte for byte, into one new pack.
//
// Why a concatenation: it costs only the bytes it copies (no inflate, no delta search, no object
// read through a delta chain), so it is bounded by what it selects (FOLD_MAX_BYTES,
// FOLD_MAX_OBJECTS) whatever the history, and cheap enough to run at the end of the request that
// added a pack, before its answer goes out (Traffic.afterRequest), and at every housekeeping
// step. Each source pack's entries stay contiguous and in order, so an OFS_DELTA's distance to
// its base is unchanged; a REF_DELTA names its base by id, wherever it is. An index row moves
// by the shift of its pack's entries (one UPDATE per source pack). Entries no row names (a
// duplicate some other pack indexes) come along as they were: the header counts them, so
// verbatimPack() still sees the pack is not exactly the index. Deltifying what a fold
// concatenated is left to the next geometric run, which takes the fold's pack like any other.
//
// Being one synchronous step, an interruption leaves nothing half done: the file is complete
// before the transaction that indexes it, moves the rows and drops the old packs' rows; a file
// no row names (the isolate died in between) is swept like an interrupted upload's. The old
// files go once no request is in flight (Folder.sweep). It never
// touches a run's packs or its new pack, runs only when no pack stream reads rows or files, and
// a gc finishing later checks the fold's deltas like any other arrival's (recheck.ts: the fold's
// id is above the run's maxPackAtStart).
import { createHash } from 'node:crypto';
import { bytesToHex } from '../../pack';
import type { ObjectStore } from '../object-store';
import { packPath } from '../pack-files';
import { newPacksOf } from './parts';
import type { RunState } from './state';

/** A fold when there are more packs than this. The bound stated is FOLD_AT + 2 = 20: a run's
 *  new pack (indexed by a step, folded at the next) and a concurrent upload's (folded when its
 *  request ends) can each be on top for a moment. It holds while two of the packs outside the
 *  current run fit one fold's caps, i.e. while that run ends before its arrivals fill every
 *  fold pack to the caps (~200 commit packs each, twice that past the bound), and while no
 *  pack stream is being read (a clone: folds wait for it). */
export const FOLD_AT = 18;
/** What one fold may copy and move. Measured in workerd (fold.test.ts, 2 cores, load ~4): a fold
 *  costs ~0.7 ms per source pack (its file read and deleted), ~20 us per index row moved and
 *  ~30 ns per byte; 43 packs, 1,462 rows and 512 KB took 81 ms. These caps keep one under ~30 ms
 *  there; a commit's pack (~1 KB, 5 objects) folds in well under a ms. */
export const FOLD_MAX_BYTES = 256 << 10;
export const FOLD_MAX_OBJECTS = 1000;
export const FOLD_MAX_PACKS = 16;
/** Bytes copied per read from the source files. */
const COPY_BYTES = 256 << 10;

export interface FoldPack {
  id: number;
  objects: number;
  size: number;
  created: number;
}

/**
 * The packs a fold takes now, or null: smallest first, as many as bring the count back to `at`,
 * and then any next one no bigger than what is taken so far (git's geometric rule with factor 1:
 * equal packs merge, so a byte is copied O(log n) times, and a fold leaves some room below `at`
 * instead of one fold per commit each copying the same growing pack); within the caps, at least
 * two.
 */
export function foldSelection(
  sql: SqlStorage,
  exclude: ReadonlySet<number>,
  at = FOLD_AT,
  caps = { bytes: FOLD_MAX_BYTES, objects: FOLD_MAX_OBJECTS, packs: FOLD_MAX_PACKS },
): FoldPack[] | null {
  const n = sql.exec<{ n: number }>(`SELECT count(*) AS n FROM packs`).one().n;
  if (n <= at) return null;
  const need = n - at + 1;
  // Past the stated bound (a run outlasted what folds at the caps absorb: its arrivals filled
  // every fold pack), twice the caps: folds of ~25 ms instead of a count that keeps growing.
  if (n > at + 2) caps = { bytes: caps.bytes * 2, objects: caps.objects * 2, packs: caps.packs };
  const take: FoldPack[] = [];
  let bytes = 0;
  let objects = 0;
  for (const p of sql.exec<FoldPack & Record<string, number>>(`SELECT id, objects, size, created FROM packs WHERE id > 0 ORDER BY size, id`)) {
    if (exclude.has(p.id)) continue;
    if (take.length >= need && p.size > bytes) break;
    if (take.length >= caps.packs || bytes + p.size > caps.bytes || objects + p.objects > caps.objects) break;
    take.push({ id: p.id, objects: p.objects, size: p.size, created: p.created });
    bytes += p.size;
    objects += p.objects;
  }
  return take.length >= 2 ? take : null;
}

export interface FoldHost {
  sql: SqlStorage;
  transaction<T>(fn: () => T): T;
  objects: ObjectStore;
  allocatePackId(): number;
}

/** Concatenates `packs` into one new pack (see the file comment); returns its id. The old
 *  files stay: the caller deletes them (Folder.sweep) once no request that may hold their rows
 *  is in flight. */
export function fold(h: FoldHost, packs: FoldPack[]): number {
  const id = h.allocatePackId();
  const fs = h.objects.fs;
  const stream = fs.createWriteStream(packPath(id));
  const hash = createHash('sha1');
  const put = (b: Uint8Array) => {
    hash.update(b);
    stream.write(b);
  };
  let count = 0;
  const shifts: number[] = [];
  let size = 12;
  try {
    const heads = packs.map((p) => {
      const head = fs.read(packPath(p.id), 0, 12);
      const v = new DataView(head.buffer, head.byteOffset, 12);
      if (head.length < 12 || v.getUint32(0) !== 0x5041434b || p.size < 32) throw new Error(`pack ${p.id}: not a pack file`);
      return v.getUint32(8);
    });
    for (const c of heads) count += c;
    const header = new Uint8Array(12);
    header.set([0x50, 0x41, 0x43, 0x4b, 0, 0, 0, 2]);
    new DataView(header.buffer).setUint32(8, count);
    put(header);
    for (const p of packs) {
      shifts.push(size - 12); // an entry at offset o of the source is at o + shift here
      if (fs.size(packPath(p.id)) !== p.size) throw new Error(`pack ${p.id}: its file is not the size its row says`);
      const end = p.size - 20; // the source's trailer is not copied
      for (let o = 12; o < end; o += COPY_BYTES) {
        const part = fs.read(packPath(p.id), o, Math.min(COPY_BYTES, end - o));
        put(part);
        size += part.length;
      }
    }
    const sum = new Uint8Array(hash.digest());
    stream.write(sum);
    size += 20;
    stream.close();
    const created = Math.max(...packs.map((p) => p.created));
    const ids = packs.map((p) => p.id).join(',');
    h.transaction(() => {
      const housekept = h.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM hk_packs WHERE id IN (${ids})`).one().n === packs.length;
      h.sql.exec(`INSERT INTO packs (id, path, size, checksum, objects, created) VALUES (?, ?, ?, ?, ?, ?)`, id, `pack-${id}`, size, bytesToHex(sum), count, created);
      if (housekept) h.sql.exec(`INSERT OR IGNORE INTO hk_packs (id) VALUES (?)`, id);
      packs.forEach((p, k) => {
        const s = shifts[k];
        h.sql.exec(
          `UPDATE objects SET pack_id = ?, offset = offset + ?, data_offset = data_offset + ?, end_offset = end_offset + ? WHERE pack_id = ?`,
          id, s, s, s, p.id,
        );
      });
      h.sql.exec(`DELETE FROM packs WHERE id IN (${ids})`);
      h.sql.exec(`DELETE FROM hk_packs WHERE id IN (${ids})`);
    });
  } catch (e) {
    stream.abort(); // no-op once closed: then the unindexed file is removed below
    if (fs.existsSync(packPath(id)) && h.sql.exec(`SELECT 1 FROM packs WHERE id = ?`, id).toArray().length === 0) fs.rmrf(packPath(id));
    throw e;
  }
  return id;
}

/** Folds of one instance; a failed one pauses them for a minute (runs go on). */
export class Folder {
  folds = 0;
  bytes = 0;
  private offUntil = 0;
  /** Packs folded whose files are still there (see sweep). */
  private retired: number[] = [];

  /** `idle`: no request is in flight (none can hold index rows read before a fold). */
  constructor(
    private readonly h: FoldHost,
    private readonly idle: () => boolean = () => true,
  ) {}

  /** Whether the count is past FOLD_AT and automatic housekeeping is on (and, first, the old
   *  files of earlier folds go if they can). */
  due(): boolean {
    this.sweep();
    return packCount(this.h.sql) > FOLD_AT && !autoTurnedOff(this.h.sql);
  }

  /** Folds if there are more than FOLD_AT packs and two or more fit the bounds, never the
   *  current run's packs or new pack; returns the bytes copied (0: no fold). */
  maybe(run: Pick<RunState, 'packs' | 'newPack' | 'parts'> | null): number {
    this.sweep();
    if (Date.now() < this.offUntil) return 0;
    const exclude = new Set<number>(run ? [...run.packs, ...newPacksOf(run)] : []);
    const take = foldSelection(this.h.sql, exclude);
    if (!take) return 0;
    try {
      fold(this.h, take);
    } catch (e) {
      // its transaction rolled back (or never ran): the packs stay as they are
      console.error('housekeeping: fold failed', e);
      this.offUntil = Date.now() + 60_000;
      return 0;
    }
    this.folds++;
    this.retired.push(...take.map((p) => p.id));
    this.sweep();
    const bytes = take.reduce((a, p) => a + p.size, 0);
    this.bytes += bytes;
    return bytes;
  }

  /**
   * Deletes the folded packs' files once no request is in flight. A request may have read index
   * rows before the fold and use them after an await (a fetch plans its rows, then streams them:
   * a stream registers as a reader, and folds wait for readers, but only from its first chunk):
   * until it ends, the old files still hold those bytes at those offsets. An isolate lost before
   * leaves files no row names, which the upload sweep removes (RepoStore.sweepUploads).
   */
  sweep(): void {
    if (this.retired.length === 0 || !this.idle()) return;
    for (const id of this.retired) {
      if (this.h.sql.exec(`SELECT 1 FROM packs WHERE id = ?`, id).toArray().length > 0) continue; // never: ids are not reused
      this.h.objects.fs.rmrf(packPath(id));
      this.h.objects.packs.forget(id);
    }
    this.retired = [];
  }
}

export function packCount(sql: SqlStorage): number {
  return sql.exec<{ n: number }>(`SELECT count(*) AS n FROM packs`).one().n;
}

/** Every repository of the network turned automatic housekeeping off (policy.ts autoEnabled;
 *  a store no repository is registered in yet, a test's, counts as on here). */
function autoTurnedOff(sql: SqlStorage): boolean {
  const repos = sql.exec<{ n: number }>(`SELECT count(*) AS n FROM repos`).one().n;
  const off = sql.exec<{ n: number }>(`SELECT count(*) AS n FROM repo_info WHERE key = 'hk_auto' AND value = '0'`).one().n;
  return repos > 0 && off >= repos;
}
