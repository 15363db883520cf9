// Object enumeration for upload-pack: which commits, trees, blobs and tags to send for a set
// of wants, given what the client has (haves) and any shallow/deepen limits. Commits are walked
// newest-first with "uninteresting" marks flowing down from the haves (git's limit_list), so an
// incremental fetch over a long shared history stops as soon as only shared commits remain.
import { bytesToHex, decodeName, parseTag, walkTree } from '../pack';
import { DateQueue } from './date-queue';
import { filterDescends, filterKeeps, type FilterSpec } from './filter';
import { computeDeepen, type ShallowOptions } from './deepen';
import { CommitCache, type ObjectSource } from './commit-graph';
import { sparseTrees } from './sparse-walk';

export type { ShallowOptions } from './deepen';
export { CommitCache, peel, type CommitInfo, type ObjectSource } from './commit-graph';

export interface WalkPlan {
  commits: string[];
  /** Every object to send, commits first. */
  objects: string[];
  /** Objects the client is known to have (usable as thin-pack delta bases). */
  clientHas: Set<string>;
  /**
   * Small incremental fetches: for an object sent, the client's object at the same path, a
   * good delta base when the stored copy is whole (pushes of a few commits often are).
   */
  deltaBases?: Map<string, string>;
  /** Shallow boundary changes to report (protocol shallow-info / v0 shallow lines). */
  shallow: string[];
  unshallow: string[];
}

/**
 * Commits reachable from `wants` but not from `haves`, newest first (git's limit_list). Marks
 * flow from haves to their ancestors; the walk ends once no interesting commit is queued.
 * `grafts` are commits whose parents are hidden (shallow boundaries).
 */
export function limitCommits(
  cc: CommitCache,
  wants: string[],
  haves: string[],
  grafts: Set<string>,
): { interesting: string[]; uninteresting: Set<string> } {
  const UNINTERESTING = 1;
  const flags = new Map<string, number>();
  const queue = new DateQueue();
  const queuedInteresting = new Set<string>();
  const parentsOf = (oid: string) => (grafts.has(oid) ? [] : cc.get(oid).parents);
  const mark = (oid: string, uninteresting: boolean) => {
    const prev = flags.get(oid);
    if (prev !== undefined && (!uninteresting || prev & UNINTERESTING)) return;
    flags.set(oid, (prev ?? 0) | (uninteresting ? UNINTERESTING : 0));
    if (uninteresting) queuedInteresting.delete(oid);
    else queuedInteresting.add(oid);
    queue.push(oid, cc.get(oid).time);
  };
  for (const h of haves) mark(h, true);
  for (const w of wants) mark(w, false);
  const order: string[] = [];
  const emitted = new Set<string>();
  while (queue.size > 0 && queuedInteresting.size > 0) {
    const oid = queue.pop()!.oid;
    queuedInteresting.delete(oid);
    const f = flags.get(oid)!;
    if (f & UNINTERESTING) {
      for (const p of parentsOf(oid)) if (knownCommit(cc, p)) mark(p, true);
      continue;
    }
    if (emitted.has(oid)) continue;
    emitted.add(oid);
    order.push(oid);
    for (const p of parentsOf(oid)) mark(p, false);
  }
  const uninteresting = new Set<string>();
  for (const [oid, f] of flags) if (f & UNINTERESTING) uninteresting.add(oid);
  return { interesting: order.filter((o) => !uninteresting.has(o)), uninteresting };
}

function knownCommit(cc: CommitCache, oid: string): boolean {
  try {
    cc.get(oid);
    return true;
  } catch {
    return false; // a have's ancestor we lack (shallow history): nothing to mark
  }
}

export interface WalkFilter {
  spec: FilterSpec;
  sizeOf: (oid: string) => number;
  /** Shallowest depth each tree was reached at: a tree filter keeps the minimum (git does). */
  treeDepth: Map<string, number>;
}

/**
 * Adds a tree and everything below it to `into` (and `out`), skipping what `skip` holds or
 * `into` already has. With a filter, objects it rejects are walked past but not added.
 */
export function addTree(
  src: ObjectSource,
  tree: string,
  into: Set<string>,
  skip: Set<string>,
  out: string[] | null,
  filter?: WalkFilter,
  onPath?: (oid: string, path: string) => void, // where each newly added object sits
): void {
  const stack: [string, number, string][] = [[tree, 0, '']];
  while (stack.length > 0) {
    const [t, d, at] = stack.pop()!;
    if (skip.has(t)) continue;
    if (filter) {
      const prev = filter.treeDepth.get(t);
      if (prev !== undefined && prev <= d) continue;
      filter.treeDepth.set(t, d);
    } else if (into.has(t)) continue;
    if (!into.has(t) && (!filter || filterKeeps(filter.spec, 'tree', d, () => 0))) {
      into.add(t);
      out?.push(t);
      onPath?.(t, at);
    }
    if (filter && !filterDescends(filter.spec, d)) continue;
    const data = src.read(t).data;
    walkTree(data, (mode, _m, nameStart, nameEnd, oidAt) => {
      if (mode === 0o160000) return; // submodule commit: not ours to send
      const oid = bytesToHex(data, oidAt);
      const path = onPath ? `${at}/${decodeName(data, nameStart, nameEnd)}` : '';
      if (mode === 0o40000) stack.push([oid, d + 1, path]);
      else if (!into.has(oid) && !skip.has(oid)) {
        if (filter && !filterKeeps(filter.spec, 'blob', d + 1, () => filter.sizeOf(oid))) return;
        into.add(oid);
        out?.push(oid);
        onPath?.(oid, path);
      }
    });
  }
}

/** Fresh deltas against the client's objects are searched only for fetches this small. */
export const MAX_DELTA_SEARCH_COMMITS = 200;

export interface WalkRequest extends ShallowOptions {
  wants: string[];
  haves: string[];
  deepen: boolean;
  includeTag: boolean;
  /** Tag objects that point (after peeling) at some object, by the object they peel to. */
  tagsByTarget?: Map<string, string[]>;
  /** Partial clone filter: prunes what the walk finds (never what was wanted by name). */
  filter?: FilterSpec;
}

/** Everything to send for a fetch, commits first, then trees/blobs, then tags. */
export function planFetch(src: ObjectSource, req: WalkRequest): WalkPlan {
  const cc = new CommitCache(src);
  const wantCommits: string[] = [];
  const wantOthers: string[] = [];
  const tagsToSend: string[] = [];
  const sentTags = new Set<string>();
  for (const w of req.wants) {
    let cur = w;
    let obj = src.read(cur);
    while (obj.type === 'tag') {
      if (!sentTags.has(cur)) {
        sentTags.add(cur);
        tagsToSend.push(cur);
      }
      cur = parseTag(obj.data).object;
      obj = src.read(cur);
    }
    if (obj.type === 'commit') wantCommits.push(cur);
    else wantOthers.push(cur);
  }
  const clientShallow = new Set(req.clientShallows ?? []);
  let shallow: string[] = [];
  let unshallow: string[] = [];
  const grafts = new Set<string>(clientShallow);
  const own = req.serverShallow ?? new Set<string>();
  for (const s of own) grafts.add(s);
  const wants = [...wantCommits];
  if (req.deepen) {
    const d = computeDeepen(cc, src, wantCommits, req);
    shallow = d.shallow;
    unshallow = d.unshallow;
    for (const b of d.boundary) grafts.add(b);
  }
  for (const u of unshallow) {
    // The client has u but not its parents: send them (upload-pack.c send_unshallow).
    for (const p of cc.get(u).parents) wants.push(p);
  }
  const { interesting, uninteresting } = limitCommits(cc, wants, req.haves.filter((h) => src.typeOf(h) === 'commit'), grafts);
  // Without a deepen request, the repository's own boundary commits that are sent are the
  // client's new shallow commits (upload-pack.c: a shallow repository answers with shallow-info).
  if (!req.deepen && own.size > 0) shallow = interesting.filter((c) => own.has(c) && !clientShallow.has(c));
  // Only commits take part in the walk; the type comes from the index, not a full read.
  const haves = req.haves.filter((h) => src.typeOf(h) === 'commit');

  // Objects the client has: the trees of the uninteresting commits at the edge of what we send.
  const clientHas = new Set<string>();
  const edge = new Set<string>(haves);
  for (const c of interesting) for (const p of grafts.has(c) ? [] : cc.get(c).parents) if (uninteresting.has(p)) edge.add(p);
  for (const u of unshallow) edge.add(u);
  // Paths are only worth tracking for small incremental fetches, where fresh deltas pay off.
  const trackPaths = haves.length > 0 && interesting.length <= MAX_DELTA_SEARCH_COMMITS;
  const clientByPath = new Map<string, string>();
  const recordClient = trackPaths ? (oid: string, path: string) => void (clientByPath.has(path) || clientByPath.set(path, oid)) : undefined;
  // Without a filter, the client's trees are read only along the paths the sent trees take
  // (sparse-walk.ts); a filter's depth rules keep the whole-tree walk.
  const sparse = !req.filter && edge.size > 0;
  const edgeTrees: string[] = [];
  for (const e of edge) {
    clientHas.add(e);
    try {
      if (sparse) edgeTrees.push(cc.get(e).tree);
      else addTree(src, cc.get(e).tree, clientHas, new Set(), null, undefined, recordClient);
    } catch {
      /* a have we cannot read fully: it only costs a bigger pack */
    }
  }

  const sent = new Set<string>();
  const objects: string[] = [];
  for (const c of interesting) {
    sent.add(c);
    objects.push(c);
  }
  const treesAndBlobs: string[] = [];
  const filter: WalkFilter | undefined = req.filter
    ? { spec: req.filter, sizeOf: (oid) => src.sizeOf?.(oid) ?? src.read(oid).data.length, treeDepth: new Map() }
    : undefined;
  const deltaBases = trackPaths ? new Map<string, string>() : undefined;
  const recordSent = deltaBases
    ? (oid: string, path: string) => {
        const base = clientByPath.get(path);
        if (base && base !== oid) deltaBases.set(oid, base);
      }
    : undefined;
  if (sparse) sparseTrees(src, interesting.map((c) => cc.get(c).tree), edgeTrees, sent, clientHas, treesAndBlobs, recordClient, recordSent);
  else for (const c of interesting) addTree(src, cc.get(c).tree, sent, clientHas, treesAndBlobs, filter, recordSent);
  for (const o of wantOthers) {
    // Named in a want: sent whatever the filter says; what is below it is filtered.
    if (!sent.has(o)) {
      sent.add(o);
      treesAndBlobs.push(o);
    }
    if (src.read(o).type === 'tree') {
      sent.delete(o);
      filter?.treeDepth.delete(o);
      const before = treesAndBlobs.length;
      addTree(src, o, sent, new Set(), treesAndBlobs, filter);
      sent.add(o);
      // addTree may have pushed o again (kept by the filter): keep one copy
      for (let i = treesAndBlobs.length - 1; i >= before; i--) if (treesAndBlobs[i] === o) treesAndBlobs.splice(i, 1);
    }
  }
  for (const o of treesAndBlobs) objects.push(o);
  if (req.includeTag && req.tagsByTarget) {
    for (const [target, tags] of req.tagsByTarget) {
      if (!sent.has(target)) continue;
      for (const t of tags) if (!sentTags.has(t) && !clientHas.has(t)) {
        sentTags.add(t);
        tagsToSend.push(t);
      }
    }
  }
  for (const t of tagsToSend) if (!sent.has(t)) {
    sent.add(t);
    objects.push(t);
  }
  return { commits: interesting, objects, clientHas, shallow, unshallow, deltaBases };
}
