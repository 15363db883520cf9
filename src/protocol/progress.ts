// git's progress lines (progress.c), so what a push or clone shows under `remote:` reads like git:
//   "Receiving objects:  45% (940/2088)\r"  while counting (a terminal overwrites it), and
//   "Receiving objects: 100% (2088/2088), done.\n"  when finished.
// The summary line of a pack is pack-objects' own:
//   "Total 2088 (delta 1517), reused 2088 (delta 1517), pack-reused 0\n".

/** A counting line; `done` ends it (100%, ", done." and a newline). */
export function progressLine(title: string, n: number, total: number, done = false): string {
  const pct = total > 0 ? Math.floor((n * 100) / total) : 100;
  return `${title}: ${String(pct).padStart(3)}% (${n}/${total})${done ? ', done.\n' : '\r'}`;
}

/**
 * The last "Resolving deltas" line of a push. A thin pack's deltas against objects the repository
 * already had end it as index-pack does: ", completed with N local objects." (N distinct bases).
 */
export function resolvedLine(deltas: number, localObjects: number): string {
  if (localObjects === 0) return progressLine('Resolving deltas', deltas, deltas, true);
  const line = progressLine('Resolving deltas', deltas, deltas).slice(0, -1); // without its \r
  return `${line}, completed with ${localObjects} local object${localObjects === 1 ? '' : 's'}.\n`;
}

/** A line for a count whose total is not known in advance (git's "Enumerating objects: N, done."). */
export function countLine(title: string, n: number): string {
  return `${title}: ${n}, done.\n`;
}

import type { PackTotals } from '../storage/fetch-interface';

export function totalLine(t: PackTotals): string {
  return `Total ${t.total} (delta ${t.deltas}), reused ${t.reused} (delta ${t.reusedDeltas}), pack-reused 0\n`;
}
