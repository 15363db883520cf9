// When housekeeping runs without being asked (checked after ref changes and after each run).
import { geometricRollup, type PackInfo } from './geometry';
import type { HkState, MaintenanceRequest } from './state';
import { fitToHeap, MAX_RUN_OBJECTS } from './heap-cap';

export const DEFAULT_GRACE_SECONDS = 14 * 86_400;

export const AUTO = {
  /** A geometric repack once its split would merge this many packs (a small merge takes a turn
   *  or two, traffic.ts; waiting for 8 left ~25 packs at the peaks of a commit burst, and for 6
   *  still 23: the run starts a hold and a delay later, and by then ~10 more have come)... */
  rollupPacks: 4,
  /** ...or once there are more packs than this. */
  maxPacks: 20,
  /** Everything is repacked (deltified) once packs that never went through housekeeping (pushed
   *  or committed as they came) hold this many bytes and this share of the store. */
  freshBytes: 8 << 20,
  freshShare: 0.25,
  /** A gc at most this often, and only when some ref was deleted or rewound since. */
  gcIntervalMs: 7 * 86_400_000,
  /** After a failed run, no automatic run for this long. */
  backoffMs: 3_600_000,
  /** After the ref change that made a run due. Short: a burst of commits (an agent committing in
   *  a loop) is no longer served first by waiting, but by each slice holding back while requests
   *  are in flight (traffic.ts); waiting seconds let ~100 packs pile up before the run starts,
   *  and 200 ms with the hold after it ~10 packs (a commit takes ~30 ms locally). */
  delayMs: 50,
};

/** The grace period of the network: the longest any of its repositories asks for. */
export function gracePeriodSeconds(sql: SqlStorage): number {
  const set = sql.exec<{ value: string }>(`SELECT value FROM repo_info WHERE key = 'gc_grace_seconds'`).toArray().map((r) => Number(r.value));
  const repos = sql.exec<{ n: number }>(`SELECT count(*) AS n FROM repos`).one().n;
  return Math.max(...set, ...(set.length < repos || set.length === 0 ? [DEFAULT_GRACE_SECONDS] : []));
}

/** Automatic housekeeping is off only when every repository of the network turned it off. */
export function autoEnabled(sql: SqlStorage): boolean {
  const repos = sql.exec<{ n: number }>(`SELECT count(*) AS n FROM repos`).one().n;
  const off = sql.exec<{ n: number }>(`SELECT count(*) AS n FROM repo_info WHERE key = 'hk_auto' AND value = '0'`).one().n;
  return repos > 0 && off < repos;
}

export function packInfos(sql: SqlStorage): PackInfo[] {
  return sql.exec<PackInfo & Record<string, number>>(`SELECT id, objects, size, created FROM packs ORDER BY id`).toArray();
}

/** A pack this big whose sampled entries are at least this share deltas was deltified by the
 *  client that sent it (git's pack-objects ran its window search): repacking it all again only
 *  re-finds those deltas. A 142k-object pushed pack took minutes of repack for a 2% smaller
 *  store, and locally, where every Durable Object shares one thread, slowed other repositories'
 *  pushes ~10x meanwhile. Small packs (a commit, a short push) always count: in sum they are
 *  what the fresh rule is for. */
const DELTIFIED_MIN_OBJECTS = 1000;
const DELTIFIED_SHARE = 0.1;
/** Entries sampled from the middle of the pack, where git puts trees and blobs (commits, which
 *  it rarely deltifies, come first): a bounded query, whatever the pack's size. */
const SAMPLE_ROWS = 2000;
const deltifiedCache = new WeakMap<SqlStorage, Map<number, boolean>>();

function clientDeltified(sql: SqlStorage, p: PackInfo): boolean {
  if (p.objects < DELTIFIED_MIN_OBJECTS) return false;
  let known = deltifiedCache.get(sql);
  if (!known) deltifiedCache.set(sql, (known = new Map()));
  const hit = known.get(p.id);
  if (hit !== undefined) return hit;
  // raw_type 6/7: the entry is stored as an ofs/ref delta.
  const row = sql
    .exec<{ n: number; d: number }>(
      `SELECT count(*) AS n, coalesce(sum(raw_type >= 6), 0) AS d FROM
         (SELECT raw_type FROM objects WHERE pack_id = ? AND offset >= ? ORDER BY offset LIMIT ?)`,
      p.id,
      Math.floor(p.size / 2),
      SAMPLE_ROWS,
    )
    .one();
  const deltified = row.n > 0 && row.d / row.n >= DELTIFIED_SHARE;
  known.set(p.id, deltified);
  return deltified;
}

/** The run that is due now, if any. */
export function dueRequest(sql: SqlStorage, state: HkState, now: number, cap = MAX_RUN_OBJECTS): MaintenanceRequest | null {
  if (!autoEnabled(sql)) return null;
  if ((state.number('backoff_until') ?? 0) > now) return null;
  const packs = packInfos(sql);
  if (packs.length === 0) return null;
  const total = packs.reduce((a, p) => a + p.size, 0);
  const housekept = new Set(sql.exec<{ id: number }>(`SELECT id FROM hk_packs`).toArray().map((r) => r.id));
  const fresh = packs.filter((p) => !housekept.has(p.id) && !clientDeltified(sql, p)).reduce((a, p) => a + p.size, 0);
  const lastGc = state.number('last_gc') ?? 0;
  const rewound = sql.exec(`SELECT 1 FROM repo_info WHERE key = 'all_reachable' AND value = '0' LIMIT 1`).toArray().length > 0;
  const oldest = Math.min(...packs.map((p) => p.created));
  // a run over every pack goes in parts past the heap cap (heap-cap.ts, parts.ts)
  if (rewound && now - lastGc >= AUTO.gcIntervalMs && oldest < now - gracePeriodSeconds(sql) * 1000) {
    return { tasks: ['gc'], trigger: 'auto', reason: 'refs were deleted or rewound since the last gc' };
  }
  if (fresh >= AUTO.freshBytes && fresh >= AUTO.freshShare * total) {
    return { tasks: ['repack'], mode: 'all', trigger: 'auto', reason: `${fresh} bytes stored as pushed or committed, not yet deltified` };
  }
  const rollup = fitToHeap(geometricRollup(packs), false, cap).packs; // what newRun will take
  if (rollup.length >= AUTO.rollupPacks || (packs.length > AUTO.maxPacks && rollup.length >= 2)) {
    return { tasks: ['repack'], trigger: 'auto', reason: `${packs.length} packs, ${rollup.length} below the geometric split` };
  }
  return null;
}
