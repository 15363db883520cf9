// The durable half of a run, each step one transaction so an interruption anywhere leaves a
// consistent store that the next step resumes from:
//   migrate  the new pack's rows replace the old ones, a batch per step. Every object stays
//            readable throughout: a row names either its old or its new location, both files exist.
//   finish   gc: what the old packs still index is what the run dropped. Once recheck.ts has
//            checked, in steps, that nothing a ref now reaches, or a delta pushed meanwhile is
//            based on, is among it (else nothing is pruned this time), those packs become dying:
//            their rows read as absent from then on (storage/dying.ts). The old packs' `packs`
//            rows go, the counts are updated, the run is recorded. No row of an object is
//            touched: the pruned rows are only counted, in the location index.
//   cleanup  in budgeted pieces (cleanup.ts): the dying rows, the cruft times, the old pack files
//            (no live row names them), then the work rows.
import type { ObjectStore } from '../object-store';
import { type Budget, PER_ROW, STEP_MS } from './budget';
import { networkTips } from './mark';
import { newPacksOf } from './parts';
import type { RunState } from './state';
import { stepPart } from './step-trace';

export const MIGRATE_BATCH = 500;
const MIGRATE_PIECE = 50; // with 100, migrate steps reached 99 ms at load 5-7 (the last piece starts near 40 ms)

/** Moves the next batch of index rows to the new pack; true when all are moved. */
export function migrateBatch(sql: SqlStorage, run: RunState, batch = MIGRATE_BATCH): boolean {
  const to = Math.min(run.rows, run.migrated + batch);
  sql.exec(
    `INSERT OR REPLACE INTO objects (oid, pack_id, offset, data_offset, end_offset, type, size, raw_type, raw_size, base_oid, depth)
     SELECT oid, ?, offset, data_offset, end_offset, type, size, raw_type, raw_size, base_oid, depth FROM hk_work WHERE seq >= ? AND seq < ?`,
    run.newPack!,
    run.migrated,
    to,
  );
  run.migrated = to;
  return to >= run.rows;
}

/**
 * Up to `batch` rows in pieces of MIGRATE_PIECE while the step is young (and the turn's budget lasts): on a loaded machine a
 * whole batch of 500 replaced rows took 189 ms (load 9.6 on 2 cores), a piece stops it near the
 * step's 40 ms. Deployed, where the clock stands still during a step, the batch is the bound.
 */
export function migrateRows(sql: SqlStorage, run: RunState, batch = MIGRATE_BATCH, budget?: Budget): boolean {
  const t0 = Date.now();
  for (let moved = 0; ; ) {
    let n = Math.min(MIGRATE_PIECE, batch - moved);
    // a smaller piece when the step's time or units are short (a fresh budget takes a whole one)
    if (budget) n = budget.rowsThatFit(PER_ROW * 2, n);
    if (n === 0) return false;
    const all = migrateBatch(sql, run, n);
    stepPart('sql:migrate');
    if (all) return true;
    moved += n;
    budget?.spend(n * PER_ROW * 2); // a row read and a row replaced (~20 us a row measured)
    // the turn's budget too: a migrate step late in a turn stops after one piece
    if (moved >= batch || Date.now() - t0 >= STEP_MS || budget?.over) return false;
  }
}

export interface FinishResult {
  pruned: number;
  conflict: string | null;
  removedPacks: number[];
  /** Removed packs whose rows (the pruned objects) are now dying, deleted by cleanup. */
  dying: number[];
}

/**
 * The end of a run, in the caller's transaction (see the file comment). `conflict`: gc only, why
 * nothing may be pruned now (recheck.ts), or null. The pruned objects' rows are not deleted here:
 * their packs are listed as dying (storage/dying.ts), which every lookup then treats as absent,
 * and cleanup deletes the rows in pieces (a gc dropping 100k objects would otherwise hold the
 * object ~1 s, at ~10 us a row). Pruning 141,863 objects took this step 8 ms.
 */
export function finishRun(sql: SqlStorage, objects: ObjectStore, run: RunState, conflict: string | null): FinishResult {
  // Old packs that still index something: after the migration, exactly what the run dropped.
  const withRows = run.packs.filter((p) => sql.exec(`SELECT 1 FROM objects WHERE pack_id = ? LIMIT 1`, p).toArray().length > 0);
  const prune = run.cutoff !== null && conflict === null;
  let pruned = 0;
  if (prune && withRows.length > 0) {
    // a count of the location index's entries (no table row read): ~a few ms per 100k
    pruned = sql.exec<{ n: number }>(`SELECT count(*) AS n FROM objects WHERE pack_id IN (${withRows.join(',')})`).one().n;
    for (const id of withRows) sql.exec(`INSERT OR IGNORE INTO dying_packs (id) VALUES (?)`, id);
    objects.dying.forget();
    if (pruned > 0) objects.noteRemoved(pruned); // the count leaves dying rows out
  }
  const removedPacks = prune ? run.packs.slice() : run.packs.filter((p) => !withRows.includes(p));
  if (removedPacks.length > 0) {
    const gone = removedPacks.join(',');
    sql.exec(`DELETE FROM packs WHERE id IN (${gone})`);
    sql.exec(`DELETE FROM hk_packs WHERE id IN (${gone})`);
  }
  return { pruned, conflict, removedPacks, dying: prune ? withRows : [] };
}

/**
 * After a gc that kept no unreachable object: if no pack arrived and no ref moved since its walk
 * (the store holds exactly what it marked), a single repository's store is marked all reachable,
 * and its full clones may skip the object walk.
 */
export function markAllReachable(sql: SqlStorage, run: RunState): void {
  const mine = newPacksOf(run).join(',');
  if (sql.exec(`SELECT 1 FROM packs WHERE id > ? AND id NOT IN (${mine}) LIMIT 1`, run.maxPackAtStart).toArray().length > 0) return;
  const now = networkTips(sql);
  const then = new Set(sql.exec<{ oid: string }>(`SELECT oid FROM hk_tips`).toArray().map((r) => r.oid));
  if (now.length !== then.size || !now.every((o) => then.has(o))) return;
  const repos = sql.exec<{ key: string }>(`SELECT key FROM repos`).toArray();
  if (repos.length === 1) sql.exec(`UPDATE repo_info SET value = '1' WHERE repo = ? AND key = 'all_reachable'`, repos[0].key);
}
