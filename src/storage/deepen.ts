// Shallow boundaries for deepen / deepen-since / deepen-not (git's upload-pack.c deepen()):
// which commits become the client's new boundary, which of its old boundaries are lifted, and
// every commit whose parents this walk hides (planFetch in walk.ts walks up to them).
import type { CommitCache, ObjectSource } from './commit-graph';

export interface ShallowOptions {
  depth?: number; // deepen N (from the wants; with deepenRelative, from the client's shallows)
  deepenRelative?: boolean;
  since?: number; // deepen-since: seconds
  notRefs?: string[]; // deepen-not: oids of commits whose history is excluded
  clientShallows?: string[]; // commits the client already has as shallow boundaries
  /** The repository's own shallow boundary: commits whose parents it does not have. */
  serverShallow?: ReadonlySet<string>;
}

export interface DeepenResult {
  shallow: string[]; // new boundary commits to report
  unshallow: string[]; // client shallows whose parents will now be sent
  boundary: Set<string>; // every commit whose parents are hidden for this walk
}

/** Works out shallow boundaries for deepen / deepen-since / deepen-not (upload-pack.c deepen()). */
export function computeDeepen(cc: CommitCache, src: ObjectSource, wants: string[], opt: ShallowOptions): DeepenResult {
  const clientShallow = new Set(opt.clientShallows ?? []);
  const boundary = new Set<string>();
  const notShallow = new Set<string>();
  // The repository's own boundary is a boundary of every walk that reaches it (shallow.c).
  const own = opt.serverShallow ?? new Set<string>();
  const parentsOf = (oid: string) => (own.has(oid) ? [] : cc.get(oid).parents);
  if (opt.depth !== undefined) {
    const starts = opt.deepenRelative ? [...clientShallow].filter((o) => src.has(o)) : wants;
    const depth = opt.deepenRelative ? opt.depth + 1 : opt.depth;
    const seen = new Map<string, number>();
    let frontier = starts.map((o) => o);
    for (const o of frontier) seen.set(o, 1);
    let d = 1;
    while (frontier.length > 0) {
      const next: string[] = [];
      for (const oid of frontier) {
        if (own.has(oid)) {
          boundary.add(oid);
          continue;
        }
        const parents = cc.get(oid).parents;
        if (d >= depth) {
          if (parents.length > 0) boundary.add(oid);
          continue;
        }
        notShallow.add(oid);
        for (const p of parents) {
          if (seen.has(p)) continue;
          seen.set(p, d + 1);
          next.push(p);
        }
      }
      frontier = next;
      d++;
    }
    // A commit reached both within the depth and at its edge is not a boundary.
    for (const o of notShallow) boundary.delete(o);
  } else {
    // deepen-since / deepen-not: keep commits newer than `since` and not reachable from notRefs.
    const excluded = new Set<string>();
    if (opt.notRefs && opt.notRefs.length > 0) {
      const stack = [...opt.notRefs];
      while (stack.length > 0) {
        const o = stack.pop()!;
        if (excluded.has(o)) continue;
        excluded.add(o);
        stack.push(...parentsOf(o));
      }
    }
    const keep = (o: string) => !excluded.has(o) && (opt.since === undefined || cc.get(o).time >= opt.since);
    const stack = wants.filter(keep);
    if (stack.length === 0) throw new Error('no commits selected for shallow requests');
    const seen = new Set<string>(stack);
    while (stack.length > 0) {
      const o = stack.pop()!;
      const parents = parentsOf(o);
      let cut = own.has(o);
      for (const p of parents) {
        if (!keep(p)) cut = true;
        else if (!seen.has(p)) {
          seen.add(p);
          stack.push(p);
        }
      }
      if (cut) boundary.add(o);
      else notShallow.add(o);
    }
  }
  const shallow = [...boundary].filter((o) => !clientShallow.has(o));
  const unshallow = [...clientShallow].filter((o) => notShallow.has(o) && !boundary.has(o));
  return { shallow, unshallow, boundary };
}
