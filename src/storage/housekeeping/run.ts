// Housekeeping of one Durable Object's object store (a fork network): repack (merge packs,
// deltify what is stored whole, drop duplicate copies) and gc (also drop what no ref of any
// repository reaches and the grace period no longer protects). One run at a time, advanced in
// short synchronous steps (budget.ts) with the object handed back to requests between them, and
// in slices of a few seconds from the Durable Object's alarm (src/repo/maintenance-calls.ts):
//
//   build    (memory)  list the selected packs' objects, mark (gc) or name them, write the new
//                      pack. Lost with the isolate: then it starts again with a fresh pack id.
//   indexed            the finished pack gets its `packs` row and the run moves on, in one step.
//   migrate  (durable) the index rows move to the new pack, a batch per transaction.
//   finish   (durable) gc: what refs moved to and deltas that arrived are checked in steps
//                      (recheck.ts); then the unreachable, old objects' packs become dying, their
//                      rows absent to every lookup (or, if a ref moved onto them meanwhile, all is
//                      kept); the old packs' `packs` rows go; the run is recorded.
//   cleanup  (durable) in pieces (cleanup.ts): the dying rows, cruft times, old pack files, work rows.
// A step waits (the slice ends, the alarm comes back) while a clone streams a pack (it reads rows
// in storage order, or files the run would delete) and, before pruning, while a push or commit is
// being received (it may have found an old object it is about to reference).
import type { ObjectStore } from '../object-store';
import { needBytesIn } from '../snapshot';
import { packPath } from '../pack-files';
import { Budget, STEP_UNITS, yieldToOthers } from './budget';
import { Build } from './build';
import { Activity } from './activity';
import { dueRequest } from './policy';
import { newRun } from './start';
import { MAX_RUN_OBJECTS } from './heap-cap';
import { ensureHkSchema } from './schema';
import { HkState, sizesOf, type HkStatus, type MaintenanceRequest, type RunState, type RunSummary, type Sizes } from './state';
import { finishRun, markAllReachable, MIGRATE_BATCH, migrateRows } from './swap';
import { cleanRows, cleanWorkRows, removeOldFiles } from './cleanup';
import { pendingInflate } from './chain-read';
import { MarkSeen, SqlMarker } from './mark-sql';
import { nextPart, sumStats } from './parts';
import { Recheck } from './recheck';
import { HARD_CAP_PACKS, type Traffic } from './traffic';
import { Folder, packCount } from './fold';
import { hkStatus, runSummary } from './status';
import { StepTrace, stepPart } from './step-trace';

export type StepResult = 'more' | 'wait' | 'idle';
export type { HkStatus } from './state';

/** What housekeeping needs from the store (RepoStore provides it, see repo/maintenance-calls.ts). */
export interface HkHost {
  sql: SqlStorage;
  transaction<T>(fn: () => T): T;
  objects: ObjectStore;
  /** Pack ids of uploads (pushes, commits, imports) being received by this instance. */
  uploads(): ReadonlySet<number>;
  allocatePackId(): number;
  /** Requests the object is serving: slices stand aside for them (traffic.ts). */
  traffic?: Traffic;
}

/** A slice: steps until this much wall time went by (well inside an alarm's limits). */
export const SLICE_MS = 2000;
const MAX_ERRORS = 3;
/** Snapshot faults filled per run (each restarts the step that faulted; see needsBytes). */
const MAX_FILLS = 500;

export class Housekeeper {
  readonly state: HkState;
  private build: Build | null = null;
  private busy = false;
  private readonly activity: Activity;
  /** Tests: the named point ('build', 'built', 'indexed-tx', 'migrate', 'migrate-tx', 'finish',
   *  'finish-tx', 'cleanup') throws once, after being passed `faultSkip` times. */
  fault: string | null = null;
  faultSkip = 0;
  /** Objects a run may list (heap-cap.ts; tests make it small). */
  maxRunObjects = MAX_RUN_OBJECTS;
  /** Index rows moved per migrate step. */
  migrateBatch = MIGRATE_BATCH;
  /** The budget of one turn of runSlice (tests make it small, to have runs of many turns). */
  turnBudget = (): Budget => new Budget();

  constructor(private readonly h: HkHost) {
    ensureHkSchema(h.sql);
    this.state = new HkState(h.sql);
    this.folder = new Folder(h, () => (h.traffic?.inFlight() ?? 0) === 0);
    this.activity = new Activity(h.objects, h.uploads);
    // the request that added a pack folds, if the count is past the bound, before it answers
    if (h.traffic) h.traffic.afterRequest = () => this.foldNow('fold (request)');
  }

  /** Queues a run (replacing a queued one); it starts once the current one, if any, is done. */
  request(req: MaintenanceRequest): void {
    this.state.saveRequest(req);
  }

  /** Steps started while a request was in flight (0 unless traffic forced a turn, traffic.ts). */
  stepsDuringRequests = 0;

  /** Turns for up to `ms`, yielding between them, held back while requests are served (traffic.ts).
   *  A turn runs steps under one budget: a small merge's many tiny steps take one turn, not one
   *  each, so under traffic that gives only a turn now and then it keeps up with a commit burst.
   *  'wait': call again in a second or so. */
  async runSlice(ms = SLICE_MS): Promise<StepResult> {
    if (this.busy) return 'wait';
    this.busy = true;
    try {
      const end = Date.now() + ms;
      ensureHkSchema(this.h.sql); // the store may have been wiped since the last slice
      for (;;) {
        const hold = this.h.traffic?.holdFor(() => packCount(this.h.sql) > HARD_CAP_PACKS) ?? 0;
        if (hold > 0) {
          if (Date.now() >= end) return 'more';
          await new Promise((resolve) => setTimeout(resolve, Math.min(hold, Math.max(1, end - Date.now()))));
          continue;
        }
        const budget = this.turnBudget();
        const t0 = performance.now();
        let r: StepResult;
        do r = this.step(budget);
        while (r === 'more' && !this.filling && !pendingInflate(this.h.objects) && !budget.over && Date.now() < end);
        if (r !== 'idle') this.stepTrace.note(this.h.traffic?.inFlight() ? 'turn (forced)' : 'turn', performance.now() - t0);
        if (this.filling) await this.fill(); // a fork's step faulted for snapshot bytes
        await pendingInflate(this.h.objects); // a big object's base, inflated between steps (chain-read.ts)
        if (r !== 'more' || Date.now() >= end) return r;
        await yieldToOthers();
      }
    } finally {
      this.busy = false;
    }
  }

  /** One synchronous step of the current run (or the start of the next). */
  step(budget = new Budget()): StepResult {
    const t0 = Date.now();
    const p0 = performance.now();
    this.stepTrace.begin();
    if ((this.h.traffic?.inFlight(t0) ?? 0) > 0) this.stepsDuringRequests++;
    let run: RunState | null;
    let startedAs: string | undefined;
    try {
      run = this.state.run();
      // named by what it started as (a step that ends the build also indexes the pack)
      startedAs = run?.phase === 'build' ? `build:${this.build?.run.id === run.id ? this.build.stage : 'start'}` : run?.phase;
      stepPart('sql:state');
    } catch {
      ensureHkSchema(this.h.sql); // the store was wiped (its last repository deleted) meanwhile
      return 'idle';
    }
    try {
      if (this.foldNow('fold', run) > 0) {
        // bounded by its selection (fold.ts, ~30 ms at its caps); it ends the turn, so that a
        // unit refused at the end of the last turn is still the first of the next one
        budget.end();
        return 'more';
      }
      stepPart('fold-check');
      return run ? this.advance(run, budget) : this.startNext(budget);
    } catch (e) {
      // The step's transaction rolled back: the run as stored, not as the step left it in memory,
      // and the dying packs as stored (the list kept in memory may have been read inside it).
      this.h.objects.dying.forget();
      this.markSeen = null; // it may name marks the transaction rolled back
      const stored = this.state.run();
      if (this.needsBytes(stored, e)) return 'more';
      return this.failed(stored, e);
    } finally {
      const ms = Date.now() - t0;
      const where = this.lastStepWhere ?? startedAs;
      this.lastStepWhere = null;
      if (run && ms > this.longestStep.ms) this.longestStep = { ms, where: where ?? '' };
      if (run || where === 'fold') this.stepTrace.note(where ?? '', performance.now() - p0, true);
    }
  }

  /** Steps by kind (count, longest, total ms) since this instance started: tests and benches. */
  readonly stepTrace = new StepTrace();

  /** The longest step of the current run in this instance (ms the object was not answering). */
  private longestStep = { ms: 0, where: '' };

  private maybeFail(point: string): void {
    if (this.fault === point && this.faultSkip-- <= 0) {
      this.fault = null;
      throw new Error(`injected fault at ${point}`);
    }
  }

  private startNext(budget: Budget): StepResult {
    const now = Date.now();
    budget.spend(STEP_UNITS / 8); // a few queries over packs (and, when due, the policy's)
    const req = this.state.request() ?? dueRequest(this.h.sql, this.state, now, this.maxRunObjects);
    if (!req) return 'idle';
    this.state.clearRequest();
    const { run, nothing } = newRun(this.h.sql, req, now, this.maxRunObjects);
    if (nothing) {
      this.state.record(this.summary(run, 'nothing-to-do', run.before, null));
      return 'more';
    }
    this.h.transaction(() => {
      // empty unless a run was abandoned (its rows were then deleted in pieces, cleanup.ts)
      for (const t of ['hk_work', 'hk_tips', 'hk_mark', 'hk_queue']) this.h.sql.exec(`DELETE FROM ${t}`);
      this.state.saveRun(run);
    });
    this.longestStep = { ms: 0, where: '' };
    return 'more';
  }

  private advance(run: RunState, budget: Budget): StepResult {
    switch (run.phase) {
      case 'mark': {
        // a gc in parts: durable marks in SQLite, a transaction per step (mark-sql.ts)
        this.maybeFail('mark');
        if (this.markSeen?.runId !== run.id) this.markSeen = new MarkSeen(run.id);
        const seen = this.markSeen;
        this.h.transaction(() => {
          if (new SqlMarker(this.h.sql, this.h.objects, run, seen).step(budget)) run.phase = 'build';
          this.maybeFail('mark-tx'); // rolls the step's marks and queue pops back
          run.errors = 0;
          this.state.saveRun(run);
        });
        stepPart('mark');
        return 'more';
      }
      case 'build':
        return this.building(run, budget);
      case 'migrate':
        if (this.activity.readersActive()) return 'wait';
        this.maybeFail('migrate');
        this.h.transaction(() => {
          // the last row moved: the next part (parts.ts), or the finish
          if (migrateRows(this.h.sql, run, this.migrateBatch, budget) && !nextPart(run)) run.phase = 'finish';
          this.maybeFail('migrate-tx'); // rolls the batch back
          run.errors = 0;
          this.state.saveRun(run);
          stepPart('sql:saveRun');
        });
        stepPart('tx-end');
        return 'more';
      case 'finish': {
        if (this.activity.readersActive()) return 'wait';
        this.maybeFail('finish');
        let conflict: string | null = null;
        if (run.cutoff !== null) {
          // gc: what refs moved to and deltas that arrived, checked in steps (recheck.ts); the
          // prune waits for uploads in flight (one may have found an old object to reference)
          if (this.recheck?.runId !== run.id) this.recheck = new Recheck(this.h.sql, this.h.objects, run);
          if (!this.recheck.step(budget)) return 'more';
          if (this.activity.uploadsActive()) return 'wait';
          conflict = this.recheck.conflict;
        }
        budget.spend(STEP_UNITS / 4); // O(packs): a few queries per pack
        this.h.transaction(() => this.finishing(run, conflict));
        this.recheck = null;
        stepPart('finish');
        return 'more';
      }
      case 'cleanup':
        return this.cleaning(run, budget);
    }
  }

  /** Keeps the pack count bounded whatever runs are doing (fold.ts). */
  readonly folder: Folder;

  /** A fold if the count is past the bound (fold.ts), none while a pack stream reads rows or
   *  files; traced as `where`. Returns the bytes copied (0: none). */
  foldNow(where: string, run?: RunState | null): number {
    if (!this.folder.due() || this.activity.readersActive()) return 0;
    const t0 = performance.now();
    const bytes = this.folder.maybe(run === undefined ? this.state.run() : run);
    if (bytes > 0 && where === 'fold') this.lastStepWhere = where;
    else if (bytes > 0) this.stepTrace.note(where, performance.now() - t0);
    return bytes;
  }

  private lastStepWhere: string | null = null;

  private building(run: RunState, budget: Budget): StepResult {
    if (!this.build || this.build.run.id !== run.id || this.build.run.newPack !== run.newPack) {
      this.restartBuild(run);
      stepPart('build:restart');
    }
    this.maybeFail('build');
    const b = this.build!;
    const stats = b.step(budget);
    if (!stats) return 'more';
    stepPart('build');
    this.maybeFail('built'); // the file is complete but not indexed: a lost file, swept later
    const created = run.mode === 'all' ? Date.now() : Math.max(...this.h.sql.exec<{ c: number }>(`SELECT max(created) AS c FROM packs WHERE id IN (${run.packs.join(',')})`).toArray().map((r) => r.c ?? 0));
    this.h.transaction(() => {
      this.h.sql.exec(
        `INSERT INTO packs (id, path, size, checksum, objects, created) VALUES (?, ?, ?, ?, ?, ?)`,
        run.newPack!, `pack-${run.newPack}`, stats.bytes, stats.checksum, stats.objects, created,
      );
      this.h.sql.exec(`INSERT OR IGNORE INTO hk_packs (id) VALUES (?)`, run.newPack!);
      run.phase = 'migrate';
      // a part adds its rows, and its counts, to the parts' before it (parts.ts)
      const parts = run.parts;
      if (parts) parts.next = b.end;
      run.rows = (parts ? run.rows : 0) + stats.objects;
      run.built = parts && run.built ? sumStats(run.built, stats) : stats;
      run.dropped = (parts ? run.dropped : 0) + b.dropped();
      run.unreachableKept = (parts ? run.unreachableKept : 0) + b.unreachableKept();
      run.errors = 0;
      this.state.saveRun(run);
      this.maybeFail('indexed-tx'); // rolls the pack's row back: an unindexed file, built again
    });
    stepPart('sql:indexed');
    this.build = null;
    return 'more';
  }

  /** (Re)starts the in-memory build with a fresh pack id; a previous attempt's file goes. */
  private restartBuild(run: RunState): void {
    this.build?.discard();
    this.build = null;
    const restarted = run.newPack !== null;
    if (restarted) this.dropUnindexedPack(run.newPack!);
    run.newPack = this.h.allocatePackId();
    if (restarted) run.restarts++;
    this.h.transaction(() => {
      // this build's rows (a part's only: the parts before it keep theirs, parts.ts)
      this.h.sql.exec(`DELETE FROM hk_work WHERE seq >= ?`, run.parts ? run.rows : 0);
      this.state.saveRun(run);
    });
    this.build = new Build(run, this.h.sql, this.h.objects);
  }

  private dropUnindexedPack(id: number): void {
    const indexed = this.h.sql.exec(`SELECT 1 FROM packs WHERE id = ?`, id).toArray().length > 0;
    if (!indexed) this.h.objects.fs.rmrf(packPath(id));
    this.h.objects.fs.sweepOrphans(); // an unfinished stream of a dead isolate
  }

  /** A gc in parts: ids its SQLite walk marked recently (mark-sql.ts), kept across steps. */
  private markSeen: MarkSeen | null = null;

  /** gc's check of what moved during the run (in memory: an evicted isolate checks again). */
  private recheck: Recheck | null = null;

  private finishing(run: RunState, conflict: string | null): void {
    const f = finishRun(this.h.sql, this.h.objects, run, conflict);
    this.maybeFail('finish-tx'); // rolls the prune back
    const now = Date.now();
    run.phase = 'cleanup';
    run.oldFiles = f.removedPacks;
    // gc: the old cruft times go if the prune happened; this run's are written either way
    run.cleanup = { dying: f.dying, cruft: run.cutoff === null ? null : f.conflict ? 'fill' : 'clear', cruftSeq: -1 };
    if (run.cutoff !== null) {
      run.dropped = f.pruned;
      if (f.conflict) run.note = `nothing pruned this time: ${f.conflict}`;
      else this.state.setNumber('last_gc', now);
      if (!f.conflict && run.unreachableKept === 0) markAllReachable(this.h.sql, run);
    }
    this.state.record(this.summary(run, 'done', sizesOf(this.h.sql), null));
    run.errors = 0;
    this.state.saveRun(run);
  }

  private cleaning(run: RunState, budget: Budget): StepResult {
    if (this.activity.readersActive()) return 'wait';
    this.maybeFail('cleanup');
    const c = run.cleanup;
    if (c && (c.dying.length > 0 || c.cruft !== null)) {
      this.h.transaction(() => {
        cleanRows(this.h.sql, this.h.objects, c, budget);
        this.state.saveRun(run);
      });
      return 'more';
    }
    if (run.oldFiles.length > 0) {
      removeOldFiles(this.h.objects, run, budget);
      this.state.saveRun(run);
      return 'more';
    }
    if (!cleanWorkRows(this.h.sql, budget)) return 'more';
    this.h.transaction(() => {
      this.h.sql.exec(`DELETE FROM hk_tips`);
      this.state.clearRun();
    });
    return 'more';
  }

  /** A fork's snapshot bytes being read from R2 for the step that faulted (see needsBytes). */
  private filling: Promise<void> | null = null;
  private fills = { run: '', n: 0 };

  /**
   * A step of a fork's run read snapshot bytes not in memory (NeedBytes): not an error. The
   * step is dropped as a failed one is (its build restarts), the bytes are fetched before the
   * next step, and the run goes on; up to MAX_FILLS times per run, then it fails as before.
   */
  private needsBytes(run: RunState | null, e: unknown): boolean {
    const need = needBytesIn(e);
    const snap = this.h.objects.snapshot;
    if (!need || !snap || !run) return false;
    if (this.fills.run !== String(run.id)) this.fills = { run: String(run.id), n: 0 };
    if (++this.fills.n > MAX_FILLS) return false;
    this.build?.discard();
    this.build = null;
    this.filling = snap.fill(need);
    return true;
  }

  private async fill(): Promise<void> {
    const f = this.filling;
    this.filling = null;
    await f;
  }

  private failed(run: RunState | null, e: unknown): StepResult {
    const msg = e instanceof Error ? e.message : String(e);
    console.error('housekeeping step failed', e);
    this.build?.discard();
    this.build = null;
    if (!run) return 'idle';
    run.errors++;
    run.lastError = msg;
    if (run.errors < MAX_ERRORS) {
      this.state.saveRun(run); // retried at the next slice (the build, if any, restarts)
      return 'wait';
    }
    // Abandon: every state a run passes through is a consistent store; what it leaves behind
    // (an unindexed pack file, packs no row names) is removed here or by the upload sweeper.
    if (run.phase === 'build' && run.newPack !== null) this.dropUnindexedPack(run.newPack);
    if (run.parts) {
      // a run in parts holds a work row and a mark per object of the store: they go in pieces, in
      // a cleanup of nothing else; the parts already migrated stay (each left a consistent store)
      this.h.transaction(() => {
        this.state.setNumber('backoff_until', Date.now() + 3_600_000);
        this.state.record(this.summary(run, 'failed', sizesOf(this.h.sql), msg));
        Object.assign(run, { phase: 'cleanup', oldFiles: [], cleanup: { dying: [], cruft: null, cruftSeq: -1 }, errors: 0 });
        this.state.saveRun(run);
      });
      return 'more';
    }
    this.h.transaction(() => {
      this.h.sql.exec(`DELETE FROM hk_work`);
      this.h.sql.exec(`DELETE FROM hk_tips`);
      this.state.clearRun();
      this.state.setNumber('backoff_until', Date.now() + 3_600_000);
      this.state.record(this.summary(run, 'failed', sizesOf(this.h.sql), msg));
    });
    return 'idle';
  }

  private summary(run: RunState, outcome: RunSummary['outcome'], after: Sizes, error: string | null): RunSummary {
    return runSummary(run, outcome, after, error, this.longestStep);
  }

  status(): HkStatus {
    ensureHkSchema(this.h.sql);
    return { ...hkStatus(this.h.sql, this.state, this.build, this.maxRunObjects), steps: this.stepTrace.toJSON() };
  }
}
