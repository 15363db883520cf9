// The durable state of housekeeping: the run in progress (one at a time per Durable Object, i.e.
// per fork network), the queued request, and the history of finished runs.
import type { BuildStats } from './pack-builder';
import type { CleanupState } from './cleanup';
import type { MarkState } from './mark-sql';
import type { PartState } from './parts';

export type Task = 'repack' | 'gc';
export type Trigger = 'request' | 'auto';

export interface MaintenanceRequest {
  tasks: Task[];
  /** gc: 'now' prunes every unreachable object; a number is a grace period in seconds for this
   *  run; 'never' keeps unreachable objects. Default: the repository's grace period. */
  prune?: 'now' | 'never' | number;
  trigger: Trigger;
  /** repack: 'geometric' (default) merges the packs below the geometric split; 'all' everything. */
  mode?: 'geometric' | 'all';
  reason?: string;
}

export interface Sizes {
  packs: number;
  bytes: number;
  objects: number;
}

export type Phase = 'mark' | 'build' | 'migrate' | 'finish' | 'cleanup';

export interface RunState {
  id: string;
  tasks: Task[];
  trigger: Trigger;
  reason: string;
  mode: 'geometric' | 'all';
  /** Prune unreachable objects first stored before this time (ms); null: prune nothing. */
  cutoff: number | null;
  phase: Phase;
  started: number;
  /** The packs being merged (ids) and the highest pack id when the run started. */
  packs: number[];
  maxPackAtStart: number;
  /** The pack being written (a fresh id each time the build restarts). */
  newPack: number | null;
  /** Index rows of the new pack (hk_work) and how many of them are live in `objects`. */
  rows: number;
  migrated: number;
  before: Sizes;
  built: BuildStats | null;
  dropped: number;
  unreachableKept: number;
  /** Packs (and files) the run made redundant, still to delete. */
  oldFiles: number[];
  /** A run over the cap goes in parts (parts.ts); absent for one that is listed at once. */
  parts?: PartState;
  /** A gc in parts: the mark phase's progress (mark-sql.ts). */
  mark?: MarkState;
  /** Rows cleanup still deletes or writes (cleanup.ts); absent in a run stored by older code. */
  cleanup?: CleanupState;
  /** Failed attempts at the current step (retried, then the run is abandoned). */
  errors: number;
  lastError: string | null;
  /** Times the build restarted (an eviction lost the in-memory part). */
  restarts: number;
  note: string | null;
}

export interface RunSummary {
  id: string;
  tasks: Task[];
  trigger: Trigger;
  reason: string;
  mode: string;
  startedAt: string;
  finishedAt: string;
  outcome: 'done' | 'nothing-to-do' | 'failed';
  before: Sizes;
  after: Sizes;
  objectsPruned: number;
  unreachableKept: number;
  newDeltas: number;
  reusedDeltas: number;
  restarts: number;
  /** Parts the run went in (parts.ts): 1 unless the store was over the run cap. */
  parts: number;
  /** The longest synchronous step (seen by the instance that finished the run), and where. */
  longestStepMs: number;
  longestStepIn: string;
  note: string | null;
  error: string | null;
}

export class HkState {
  constructor(private readonly sql: SqlStorage) {}

  private get<T>(key: string): T | null {
    const r = this.sql.exec<{ value: string }>(`SELECT value FROM hk_state WHERE key = ?`, key).toArray()[0];
    return r ? (JSON.parse(r.value) as T) : null;
  }

  private put(key: string, value: unknown): void {
    this.sql.exec(
      `INSERT INTO hk_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
      key,
      JSON.stringify(value),
    );
  }

  run(): RunState | null {
    return this.get<RunState>('run');
  }

  saveRun(r: RunState): void {
    this.put('run', r);
  }

  clearRun(): void {
    this.sql.exec(`DELETE FROM hk_state WHERE key = 'run'`);
  }

  request(): MaintenanceRequest | null {
    return this.get<MaintenanceRequest>('request');
  }

  saveRequest(r: MaintenanceRequest): void {
    this.put('request', r);
  }

  clearRequest(): void {
    this.sql.exec(`DELETE FROM hk_state WHERE key = 'request'`);
  }

  /** Store-wide numbers kept between runs (last gc time, failure backoff). */
  number(key: string): number | null {
    return this.get<number>(key);
  }

  setNumber(key: string, v: number): void {
    this.put(key, v);
  }

  record(s: RunSummary): void {
    this.sql.exec(
      `INSERT INTO hk_history (run, tasks, trigger, started, finished, summary) VALUES (?, ?, ?, ?, ?, ?)`,
      s.id,
      JSON.stringify(s.tasks),
      s.trigger,
      Date.parse(s.startedAt),
      Date.parse(s.finishedAt),
      JSON.stringify(s),
    );
    this.sql.exec(`DELETE FROM hk_history WHERE id <= (SELECT max(id) FROM hk_history) - 20`);
  }

  history(limit = 5): RunSummary[] {
    return this.sql
      .exec<{ summary: string }>(`SELECT summary FROM hk_history ORDER BY id DESC LIMIT ?`, limit)
      .toArray()
      .map((r) => JSON.parse(r.summary) as RunSummary);
  }
}

export function sizesOf(sql: SqlStorage): Sizes {
  const p = sql.exec<{ n: number; b: number | null }>(`SELECT count(*) AS n, sum(size) AS b FROM packs`).one();
  const o = sql.exec<{ value: string }>(`SELECT value FROM repo_meta WHERE key = 'object_count'`).toArray()[0];
  const objects = o ? Number(o.value) : sql.exec<{ n: number }>(`SELECT count(*) AS n FROM objects`).one().n;
  return { packs: p.n, bytes: p.b ?? 0, objects };
}

/** What GET .../maintenance shows of housekeeping (run.ts). */
export interface HkStatus {
  state: 'idle' | 'queued' | 'running';
  running: { id: string; tasks: string[]; trigger: string; reason: string; phase: string; startedAt: string; progress: Record<string, number | string> } | null;
  queued: MaintenanceRequest | null;
  lastRun: RunSummary | null;
  history: RunSummary[];
  current: Sizes;
  gracePeriodSeconds: number;
  auto: boolean;
  /** What an automatic run would do now (null: nothing is due). */
  due: { tasks: string[]; reason: string } | null;
  /** This instance's steps by kind (step-trace.ts). */
  steps?: Record<string, { n: number; maxMs: number; totalMs: number }>;
}
