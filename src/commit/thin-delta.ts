// A commit's changed trees and updated files as deltas against the versions they replace, which
// the repository already stores (a thin pack, as `git push` sends). A 1-file commit into a
// directory of 10,000 entries then carries a delta of a few dozen bytes instead of a 400 KB
// tree, and the ingest checks only the entries the delta did not copy from the stored tree
// (the others were checked when that tree came in): the commit's cost no longer grows with the
// directory, and its pack is about as small as git's would be.
import { accel, spliceDelta } from '../codec';
import type { ObjectType } from '../pack';
import { TYPE_NUMBERS, type ObjectStore } from '../storage/object-store';

/**
 * Longest delta chain a commit extends. Each version of a file changed by every commit would
 * otherwise hang below the previous one without end; at this depth the next version is stored
 * whole again (git's pack.depth default), so reading any version applies at most 50 deltas
 * (housekeeping later rebuilds chains newest-first).
 */
export const MAX_COMMIT_DELTA_DEPTH = 50;
/** Bases above this size are not worth holding in memory for a delta (reading one costs more). */
const MAX_BASE_BYTES = 8 * 1024 * 1024;

export interface ThinDelta {
  base: string;
  delta: Uint8Array;
}

/**
 * A delta turning stored object `base` into `data`, if the base is a stored object of the same
 * type at a shallow enough depth and the delta is under half the object's size; else null.
 */
export function deltaAgainstStored(store: ObjectStore, type: ObjectType, data: Uint8Array, base: string | null | undefined): ThinDelta | null {
  if (!base || data.length < 64) return null;
  const row = store.row(base);
  if (!row || row.type !== TYPE_NUMBERS[type] || row.depth >= MAX_COMMIT_DELTA_DEPTH || row.size > MAX_BASE_BYTES) return null;
  const stored = store.content(row);
  // An edit in one place (most commits' trees and many files) needs no search of the base.
  const delta = spliceDelta(stored, data, data.length >> 3) ?? accel.createDelta(stored, data, (data.length >> 1) - 20);
  return delta ? { base, delta } : null;
}
