// The cleanup phase of a run, after finish (swap.ts), in pieces that are each a unit of the step's
// budget, so that what a run leaves behind is freed at any size without a long step:
//   dying  the pruned objects' rows (their packs read as absent since finish, storage/dying.ts),
//          ROW_PIECE at a time; a pack leaves the dying list when none is left.
//   cruft  gc: the unreachable objects kept by the grace period remember when they were first
//          stored (hk_cruft): the old times are cleared (a prune happened) and this run's are
//          written from hk_work, a piece at a time (a run keeping 100k young unreachable objects
//          would otherwise write them in one statement).
//   files  old pack files, a big one FILE_PIECE at a time from its end.
// Every piece is idempotent and the run's cursor is saved after it, so an interruption anywhere
// repeats at most one piece. The next run cannot start before cleanup ends (one run at a time):
// nothing reads hk_cruft meanwhile.
import type { ObjectStore } from '../object-store';
import { packPath } from '../pack-files';
import { type Budget, PER_OBJECT, PER_ROW } from './budget';
import type { RunState } from './state';
import { stepPart } from './step-trace';

/** Rows deleted per piece: ~10 us a row (cleanup's measured rate), ~20 ms a piece. */
export const ROW_PIECE = 2000;

/** What cleanup still has to do besides the old files and the work rows (state.ts RunState). */
export interface CleanupState {
  /** Dying packs whose rows are still to delete (this run's prune). */
  dying: number[];
  /** hk_cruft: 'clear' the old times, then 'fill' from hk_work after seq `cruftSeq`; null: done. */
  cruft: 'clear' | 'fill' | null;
  cruftSeq: number;
}

/** One budgeted round of the dying rows and the cruft times; true when both are done. */
export function cleanRows(sql: SqlStorage, objects: ObjectStore, c: CleanupState, budget: Budget): boolean {
  while (c.dying.length > 0) {
    const id = c.dying[0];
    const n = budget.rowsThatFit(PER_ROW, ROW_PIECE);
    if (n === 0) return false;
    budget.spend(n * PER_ROW);
    // a row taken over by a new copy meanwhile (dying.ts) names its new pack: not deleted
    sql.exec(`DELETE FROM objects WHERE oid IN (SELECT oid FROM objects WHERE pack_id = ? LIMIT ${n})`, id);
    stepPart('sql:prune');
    if (sql.exec(`SELECT 1 FROM objects WHERE pack_id = ? LIMIT 1`, id).toArray().length > 0) continue;
    sql.exec(`DELETE FROM dying_packs WHERE id = ?`, id);
    objects.dying.forget();
    c.dying.shift();
  }
  while (c.cruft === 'clear') {
    const n = budget.rowsThatFit(PER_ROW, ROW_PIECE);
    if (n === 0) return false;
    budget.spend(n * PER_ROW);
    sql.exec(`DELETE FROM hk_cruft WHERE oid IN (SELECT oid FROM hk_cruft LIMIT ${n})`);
    if (sql.exec(`SELECT 1 FROM hk_cruft LIMIT 1`).toArray().length === 0) c.cruft = 'fill';
  }
  while (c.cruft === 'fill') {
    const n = budget.rowsThatFit(PER_ROW, ROW_PIECE);
    if (n === 0) return false;
    budget.spend(n * PER_ROW);
    const last = sql
      .exec<{ s: number | null }>(
        `SELECT max(seq) AS s FROM (SELECT seq FROM hk_work INDEXED BY hk_work_cruft WHERE cruft_time IS NOT NULL AND seq > ? ORDER BY seq LIMIT ${n})`,
        c.cruftSeq,
      )
      .one().s;
    if (last === null) {
      c.cruft = null;
      break;
    }
    sql.exec(
      `INSERT OR REPLACE INTO hk_cruft (oid, time) SELECT oid, cruft_time FROM hk_work INDEXED BY hk_work_cruft WHERE cruft_time IS NOT NULL AND seq > ? AND seq <= ?`,
      c.cruftSeq,
      last,
    );
    c.cruftSeq = last;
  }
  return true;
}

/** Work rows deleted per piece (hk_work; a gc in parts' marks and queue too), ~10 us a row. */
const WORK_PIECE = 2000;

/** One budgeted round of deleting the run's work rows; true when none is left. A run in parts
 *  leaves one hk_work and one hk_mark row per object of the store (parts.ts). */
export function cleanWorkRows(sql: SqlStorage, budget: Budget): boolean {
  for (const [table, key] of [['hk_work', 'seq'], ['hk_mark', 'oid'], ['hk_queue', 'seq']]) {
    for (;;) {
      if (sql.exec(`SELECT 1 FROM ${table} LIMIT 1`).toArray().length === 0) break;
      const n = budget.rowsThatFit(PER_ROW, WORK_PIECE);
      if (n === 0) return false;
      budget.spend(n * PER_ROW);
      sql.exec(`DELETE FROM ${table} WHERE ${key} IN (SELECT ${key} FROM ${table} ORDER BY ${key} LIMIT ${n})`);
      stepPart('sql:work-rows');
    }
  }
  return true;
}

/** An old pack file is freed this much per unit: a 76 MB pack deleted in one statement took 48 ms
 *  quiet and 162-240 ms at load 5, and a 1 GiB pack would take ~650 ms. */
export const FILE_PIECE = 8 << 20;
/** Units for freeing `n` bytes of a file (~0.6 ms per MB measured quiet, ~19 ns a unit). */
const freeUnits = (n: number) => PER_OBJECT + Math.ceil(n / 32);

/**
 * Deletes old pack files (at most `maxFiles` per call), a big one FILE_PIECE at a time from its
 * end (DOFS truncate: no live row names the file any more, and its cached windows are dropped at
 * the first cut); each piece is a unit of `budget`. True when none is left.
 */
export function removeOldFiles(objects: ObjectStore, run: RunState, budget?: Budget, maxFiles = 50): boolean {
  for (let n = 0; n < maxFiles; n++) {
    const id = run.oldFiles[0];
    if (id === undefined) break;
    const path = packPath(id);
    const size = objects.fs.existsSync(path) ? objects.fs.statSync(path).size : 0;
    const cost = freeUnits(Math.min(size, FILE_PIECE));
    if (budget && !budget.fits(cost)) return false;
    budget?.spend(cost);
    objects.packs.forget(id);
    if (size > FILE_PIECE) {
      objects.fs.truncateSync(path, size - FILE_PIECE);
      continue;
    }
    objects.fs.rmrf(path);
    run.oldFiles.shift();
  }
  return run.oldFiles.length === 0;
}
