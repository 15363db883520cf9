// How many refs one repository may hold. Every ref is in every v0/v1 advertisement and every
// ls-refs answer, and a ref update walks the list: GitHub recommends at most 5,000 branches and
// slows down past that; 50,000 leaves room for tag-heavy histories (a tag per build) while
// keeping a full advertisement at a few megabytes.
import type { RefUpdate } from './refs';

export const MAX_REFS_PER_REPO = 50_000;

const ZERO_OID = '0000000000000000000000000000000000000000';

export const TOO_MANY_REFS = 'too many refs in the repository';

/** Refs the repository would hold after `updates` (creations count +1, deletions -1). */
export function refCountAfter(current: number, updates: readonly RefUpdate[]): number {
  let n = current;
  for (const u of updates) {
    if (u.oldOid === ZERO_OID && u.newOid !== ZERO_OID) n++;
    else if (u.oldOid !== ZERO_OID && u.newOid === ZERO_OID) n--;
  }
  return n;
}
