// Fast-forward checks: whether one commit is an ancestor of another, where the newer commits may
// still be in a pack being pushed (not indexed yet). Used for branch protection and to keep the
// "every object reachable" flag and the reach walker across fast-forwards.
import { parseCommit } from '../pack';

/** Reads an object (from the store or a pack being received), or null if absent. */
export type ObjectReader = (oid: string) => { type: string; data: Uint8Array } | null;

/**
 * Whether commit `a` is an ancestor of (or equal to) commit `b`. Only a found path counts: any
 * doubt (a missing object, the search budget spent) answers false, which is the safe side.
 */
export function isAncestor(a: string, b: string, read: ObjectReader): boolean {
  if (a === b) return true;
  const ta = read(a);
  if (!ta || ta.type !== 'commit') return false;
  // Stop below `a`'s date (with slop for skewed clocks), but never in the first steps, so a
  // new commit dated before its parent does not end the search at once.
  const limit = parseCommit(ta.data).committerTime - 30 * 86_400;
  let steps = 0;
  const seen = new Set<string>();
  const stack = [b];
  let budget = 100_000;
  while (stack.length > 0 && budget-- > 0) {
    const o = stack.pop()!;
    if (o === a) return true;
    if (seen.has(o)) continue;
    seen.add(o);
    const obj = read(o);
    if (!obj || obj.type !== 'commit') continue;
    const c = parseCommit(obj.data);
    if (++steps > 256 && c.committerTime < limit) continue;
    stack.push(...c.parents);
  }
  return false;
}
