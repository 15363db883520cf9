// What housekeeping shows outside (GET .../maintenance, the run history): the status of the
// store and the current run, and the summary a finished run leaves behind. Read-only views of
// the run state (run.ts drives the runs).
import type { Build } from './build';
import { autoEnabled, dueRequest, gracePeriodSeconds } from './policy';
import { sizesOf, type HkState, type HkStatus, type RunState, type RunSummary, type Sizes } from './state';

export function runSummary(
  run: RunState,
  outcome: RunSummary['outcome'],
  after: Sizes,
  error: string | null,
  longest: { ms: number; where: string },
): RunSummary {
  return {
    id: run.id, tasks: run.tasks, trigger: run.trigger, reason: run.reason, mode: run.mode,
    startedAt: new Date(run.started).toISOString(), finishedAt: new Date().toISOString(), outcome,
    before: run.before, after, objectsPruned: run.cutoff !== null ? run.dropped : 0, unreachableKept: run.unreachableKept,
    newDeltas: run.built?.newDeltas ?? 0, reusedDeltas: run.built?.reusedDeltas ?? 0, restarts: run.restarts,
    parts: run.parts ? run.parts.done + 1 : 1,
    longestStepMs: longest.ms, longestStepIn: longest.where, note: run.note, error,
  };
}

/** `build`: this instance's in-memory build, if any (its progress is shown for its run). */
export function hkStatus(sql: SqlStorage, state: HkState, build: Build | null, cap?: number): HkStatus {
  const run = state.run();
  const req = state.request();
  const history = state.history(5);
  const due = run || req ? null : dueRequest(sql, state, Date.now(), cap);
  return {
    state: run ? 'running' : req ? 'queued' : 'idle',
    running: run ? {
      id: run.id, tasks: run.tasks, trigger: run.trigger, reason: run.reason, phase: run.phase,
      startedAt: new Date(run.started).toISOString(), progress: progress(run, build),
    } : null,
    queued: req,
    lastRun: history[0] ?? null,
    history,
    current: sizesOf(sql),
    gracePeriodSeconds: gracePeriodSeconds(sql),
    auto: autoEnabled(sql),
    due: due ? { tasks: due.tasks, reason: due.reason ?? '' } : null,
  };
}

function progress(run: RunState, build: Build | null): Record<string, number | string> {
  // a run in parts (parts.ts): which part, and the SQLite mark's progress before the first
  const part: Record<string, number> = run.parts ? { part: run.parts.done + 1, partObjects: run.parts.cap } : {};
  if (run.phase === 'mark') return { stage: run.mark?.stage ?? 'seed', visited: run.mark?.visited ?? 0, ...part };
  if (run.phase === 'build') {
    const b = build?.run.id === run.id ? build : null;
    return { packs: run.packs.length, stage: b?.stage ?? 'starting', objects: b?.work.n ?? 0, done: b?.progress ?? 0, ...part };
  }
  if (run.phase === 'migrate') return { rows: run.rows, migrated: run.migrated };
  return { oldFiles: run.oldFiles.length, dyingPacks: run.cleanup?.dying.length ?? 0 };
}
