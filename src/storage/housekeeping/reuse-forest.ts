// Which stored deltas a repack copies verbatim (pack reuse, see pack-builder.ts) and in what
// order: an OFS_DELTA (or, in a geometric run, a REF_DELTA) whose base is kept is reused, written
// after its base, breadth-first from the objects that are searched; the height of each object's
// reused subtree limits how deep the search may put it (git's check_delta_limit).
import type { WorkList } from './work';

export interface ReuseForest {
  /** 1 for an item copied as stored. */
  reuse: Uint8Array;
  /** The reused items, bases before their deltas. */
  reused: Int32Array;
  /** How many reused deltas hang below each item, at most. */
  height: Uint16Array;
}

/** `refAbove`: REF_DELTAs of objects bigger than this are reused in any run (a search would not
 *  take them: pack-builder.ts's MAX_SEARCH_BYTES, and rebuilding one costs its whole size twice). */
export function reuseForest(W: WorkList, kept: readonly number[], keep: (i: number) => boolean, reuseRefDeltas: boolean, refAbove = Infinity): ReuseForest {
  const n = W.n;
  const reuse = new Uint8Array(n);
  for (const i of kept) {
    const t = W.rawType[i];
    const ref = t === 7 && (reuseRefDeltas || W.size[i] > refAbove);
    if ((t === 6 || ref) && W.baseIdx[i] >= 0 && keep(W.baseIdx[i])) reuse[i] = 1;
  }
  // children of each kept object among the reused deltas (CSR), then breadth-first from the roots
  const first = new Int32Array(n + 1);
  for (const i of kept) if (reuse[i]) first[W.baseIdx[i] + 1]++;
  for (let i = 0; i < n; i++) first[i + 1] += first[i];
  const fill = first.slice(0, n);
  const child = new Int32Array(first[n]);
  for (const i of kept) if (reuse[i]) child[fill[W.baseIdx[i]]++] = i;
  const bfs = new Int32Array(kept.length);
  let tail = 0;
  for (const i of kept) if (!reuse[i]) bfs[tail++] = i;
  const roots = tail;
  for (let head = 0; head < tail; head++) {
    const p = bfs[head];
    for (let c = first[p]; c < first[p + 1]; c++) bfs[tail++] = child[c];
  }
  if (tail < kept.length) {
    // a cycle of deltas (no valid store has one): those objects are searched and written whole
    const seen = new Uint8Array(n);
    for (let k = 0; k < tail; k++) seen[bfs[k]] = 1;
    for (const i of kept) if (!seen[i]) reuse[i] = 0;
  }
  const reused = bfs.slice(roots, tail);
  const height = new Uint16Array(n);
  for (let k = tail - 1; k >= roots; k--) {
    const c = bfs[k];
    const p = W.baseIdx[c];
    const h = Math.min(height[c] + 1, 0xffff);
    if (h > height[p]) height[p] = h;
  }
  return { reuse, reused, height };
}
