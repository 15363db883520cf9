// Which packs a repack rolls up: git's `repack --geometric=<factor>` rule. Sorted by object
// count, the packs that already form a progression (each at least `factor` times the previous)
// stay; everything below the split is merged into one new pack, taking in the next packs too
// while the merged pack would break the progression. Each object is rewritten O(log n) times
// over its life and the pack count stays O(log n).
//
// The factor is 3, not git's default 2: issue 19 bounds the count at ~20 at every point of
// 10,000 API commits (~5 objects each). A factor-2 progression over those 50k objects keeps
// ~11-14 packs, and then come the small packs waiting for a run and those arriving during one
// (a trace peaked at 26, earlier runs at 38). Factor 3 keeps ~7; each object is rewritten
// log3(n) times instead of log2(n), into merges that are on average a little larger.

export interface PackInfo {
  id: number;
  objects: number;
  size: number;
  created: number;
}

export const GEOMETRIC_FACTOR = 3;

/** The packs below the geometric split (the ones to merge), smallest first. */
export function geometricRollup(packs: PackInfo[], factor = GEOMETRIC_FACTOR): PackInfo[] {
  const sorted = [...packs].sort((a, b) => a.objects - b.objects || a.id - b.id);
  const n = sorted.length;
  if (n < 2) return [];
  let i = n - 1;
  for (; i > 0; i--) {
    if (sorted[i].objects < factor * sorted[i - 1].objects) break;
  }
  // The larger pack of the pair that broke the progression cannot stay in it either.
  let split = i > 0 ? i + 1 : 0;
  let total = 0;
  for (let k = 0; k < split; k++) total += sorted[k].objects;
  while (split < n && sorted[split].objects < factor * total) total += sorted[split++].objects;
  return split >= 2 ? sorted.slice(0, split) : [];
}
