// The merge base of two commits, as git's merge-base (paint_down_to_common): the best common
// ancestors, by commit date order, with STALE marking to drop ancestors of other candidates.
import type { RepoContext } from './context';
import { parseCommit } from '../pack';
import { ServiceError } from './errors';
import { readObject } from './rev';

const P1 = 1;
const P2 = 2;
const STALE = 4;
const RESULT = 8;

/** git's paint_down_to_common, keeping the newest common ancestor. */
export function mergeBase(ctx: RepoContext, one: string, two: string): string | null {
  if (one === two) return one;
  const flags = new Map<string, number>();
  const times = new Map<string, number>();
  const parentsOf = new Map<string, string[]>();
  const shallow = ctx.store.shallowCommits(); // history ends at the boundary (see log.ts)
  const load = (oid: string) => {
    if (!parentsOf.has(oid)) {
      const c = parseCommit(readObject(ctx, oid).data);
      parentsOf.set(oid, shallow.has(oid) ? [] : c.parents);
      times.set(oid, c.committerTime);
    }
  };
  const queue: string[] = [];
  const push = (oid: string) => {
    load(oid);
    const t = times.get(oid)!;
    let i = queue.length;
    while (i > 0 && times.get(queue[i - 1])! < t) i--;
    queue.splice(i, 0, oid);
  };
  flags.set(one, P1);
  flags.set(two, P2);
  push(one);
  push(two);
  const results: string[] = [];
  const nonStale = () => queue.some((o) => !((flags.get(o) ?? 0) & STALE));
  let steps = 0;
  while (nonStale()) {
    if (++steps > 1_000_000) throw new ServiceError(422, 'too_expensive', 'merge base search is too expensive');
    const c = queue.shift()!;
    let f = flags.get(c)! & (P1 | P2 | STALE);
    if (f === (P1 | P2)) {
      if (!(flags.get(c)! & RESULT)) {
        flags.set(c, flags.get(c)! | RESULT);
        results.push(c);
      }
      f |= STALE;
    }
    for (const p of parentsOf.get(c)!) {
      const pf = flags.get(p) ?? 0;
      if ((pf & f) === f) continue;
      flags.set(p, pf | f);
      push(p);
    }
  }
  // Results reached again from another result are not "best" common ancestors.
  const live = results.filter((r) => !(flags.get(r)! & STALE));
  live.sort((x, y) => times.get(y)! - times.get(x)!);
  return live[0] ?? results[0] ?? null;
}
