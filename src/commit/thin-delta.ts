// A commit's changed trees and updated files as deltas against the versions they replace, which
// the repository already stores (a thin pack, as `git push` sends). A 1-file commit into a
// directory of 10,000 entries then carries a delta of a few dozen bytes instead of a 400 KB
// tree, and the ingest checks only the entries the delta did not copy from the stored tree
// (the others were checked when that tree came in): the commit's cost no longer grows with the
// directory, and its pack is about as small as git's would be.
import { accel, deltaBaseSize, spliceDelta } from '../codec';
import type { ObjectType } from '../pack';
import { TYPE_NUMBERS, type ObjectRow, type ObjectStore } from '../storage/object-store';
import { treeDelta } from './tree-delta';

/**
 * Longest delta chain a commit extends. Each version of a file changed by every commit would
 * otherwise hang below the previous one without end; at this depth the next version is stored
 * whole again (git's pack.depth default), so reading any version applies at most 50 deltas
 * (housekeeping later rebuilds chains newest-first). A tree starts a new chain as a delta
 * against an older version of the old chain instead (see chainStarts).
 */
export const MAX_COMMIT_DELTA_DEPTH = 50;
/** Bases above this size are not worth holding in memory for a delta (reading one costs more). */
const MAX_BASE_BYTES = 8 * 1024 * 1024;

export interface ThinDelta {
  base: string;
  delta: Uint8Array;
}

/**
 * Where a directory's new version starts its next delta chain, when the chain it would extend is
 * at the depth limit: versions of the old chain at depth 0 (its first) and at half the limit,
 * the first first (the new chain is longer). Storing a big directory whole again cost a whole
 * ingest of it, every entry validated and looked up one by one: ~0.8 s for a 10,000-entry
 * directory once in 50 commits. Against an older version, the new one is a delta of the
 * entries changed since. Only versions this repository may name are offered.
 */
function chainStarts(store: ObjectStore, row: ObjectRow, usable: (oid: string) => boolean): ObjectRow[] {
  const chain: ObjectRow[] = [];
  for (let r: ObjectRow | null = row; r; r = r.base_oid === null ? null : store.row(r.base_oid)) {
    if (chain.length > 10_000) return [];
    chain.push(r);
  }
  const fits = (r: ObjectRow | undefined) => !!r && r.type === row.type && r.size <= MAX_BASE_BYTES && r.depth < MAX_COMMIT_DELTA_DEPTH - 1 && usable(r.oid);
  const root = chain[chain.length - 1];
  const mid = chain.find((r) => r.depth <= MAX_COMMIT_DELTA_DEPTH >> 1);
  return [root, mid !== root ? mid : undefined].filter(fits) as ObjectRow[];
}

/**
 * A delta turning stored object `base` into `data`, if the base is a stored object of the same
 * type at a shallow enough depth and the delta is under half the object's size; else null.
 * `usable`: which stored objects this repository may name (a chain's root may be one it does not reach).
 * `made`: a delta from `base` the caller already has (a tree's, from putting it together): used
 * as it is when it is small enough, so the base is neither read nor compared with `data`.
 */
export function deltaAgainstStored(
  store: ObjectStore,
  type: ObjectType,
  data: Uint8Array,
  base: string | null | undefined,
  usable: (oid: string) => boolean,
  made: Uint8Array | null = null,
): ThinDelta | null {
  if (!base || data.length < 64) return null;
  const row = store.row(base);
  if (!row || row.type !== TYPE_NUMBERS[type] || row.size > MAX_BASE_BYTES) return null;
  const maxInsert = (data.length >> 1) - 20;
  if (row.depth >= MAX_COMMIT_DELTA_DEPTH) {
    if (type !== 'tree') return null;
    for (const start of chainStarts(store, row, usable)) {
      const delta = treeDelta(store.content(start), data, maxInsert);
      if (delta) return { base: start.oid, delta };
    }
    return null;
  }
  if (made && deltaBaseSize(made) === row.size) return made.length < (data.length >> 1) ? { base, delta: made } : null;
  const stored = store.content(row);
  // An edit in one place (most commits' trees and many files) needs no search of the base.
  const delta =
    spliceDelta(stored, data, data.length >> 3) ?? (type === 'tree' ? treeDelta(stored, data, maxInsert) : accel.createDelta(stored, data, maxInsert));
  return delta ? { base: row.oid, delta } : null;
}
