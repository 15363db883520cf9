// What a requested run will do, decided when it starts: the packs it takes (all of them for a
// full repack or a gc, else the geometric roll-up of the small ones), the prune cutoff, and
// whether there is nothing to do (a single pack already housekept, or nothing to merge), and
// whether it goes in parts (over the objects a run may hold in memory, heap-cap.ts, parts.ts).
import { geometricRollup } from './geometry';
import { fitToHeap, MAX_RUN_OBJECTS } from './heap-cap';
import { startParts } from './parts';
import { gracePeriodSeconds, packInfos } from './policy';
import { sizesOf, type MaintenanceRequest, type RunState } from './state';

export function newRun(sql: SqlStorage, req: MaintenanceRequest, now: number, cap = MAX_RUN_OBJECTS): { run: RunState; nothing: boolean } {
  const packs = packInfos(sql);
  const gc = req.tasks.includes('gc');
  const all = gc || req.mode === 'all';
  const { packs: selected, parts } = fitToHeap(all ? packs : geometricRollup(packs), all, cap);
  const grace = typeof req.prune === 'number' ? req.prune : gracePeriodSeconds(sql);
  const cutoff = !gc || req.prune === 'never' ? null : req.prune === 'now' ? now : now - grace * 1000;
  const housekept = new Set(sql.exec<{ id: number }>(`SELECT id FROM hk_packs`).toArray().map((r) => r.id));
  const run: RunState = {
    id: crypto.randomUUID(), tasks: req.tasks, trigger: req.trigger, reason: req.reason ?? 'requested', mode: all ? 'all' : 'geometric',
    cutoff, phase: 'build', started: now, packs: selected.map((p) => p.id), maxPackAtStart: Math.max(0, ...packs.map((p) => p.id)),
    newPack: null, rows: 0, migrated: 0, before: sizesOf(sql), built: null, dropped: 0, unreachableKept: 0, oldFiles: [], errors: 0,
    lastError: null, restarts: 0, note: null,
  };
  const nothing =
    selected.length === 0 ||
    (!all && selected.length < 2) ||
    (all && cutoff === null && selected.length === 1 && housekept.has(selected[0].id));
  if (parts && !nothing) startParts(run, cap);
  return { run, nothing };
}
