// What one repository reaches: the closure of its refs. A fork network shares one object store,
// so "the store has it" is not "this repository may use it": every route that takes an object id
// from a client (push commands, tree/tag entries and thin-pack delta bases of a pushed pack,
// commit API start points, fetch wants and haves, reads by id) asks this instead.
//
// The walk is lazy and resumable, newest first (git's check_connected walks from the new tips
// only until it meets what the refs already reach; here the refs' side is walked only as far as
// a question needs): a question about a commit expands commits in date order until it is found;
// a question about a tree or blob opens trees and expands commits, whichever comes from the
// newer commit first. Two hints keep a push's questions to the paths it changes: thin-pack
// delta bases come in path order, so the tree asked last is opened first; and reach-guide.ts
// opens the parent's trees along the pack's new trees before the references are checked. An
// object that is not reachable costs one full walk, after which every answer is a set lookup.
// One walker serves every request until the refs move; a fast-forward extends it instead of
// starting over (RepoStore keeps it).
import { bytesToHex, parseTag, walkTree, type ObjectType } from '../pack';
import { DateQueue } from './date-queue';
import { MissingObjectError } from './object-store';
import { needBytesIn } from './snapshot';
import { CommitCache, type ObjectSource } from './walk';

const TREE_MODE = 0o40000;
const GITLINK_MODE = 0o160000; // a submodule's commit lives in another repository

/** Trees named by a ref or a tag (not by a commit) are opened before any commit's. */
const NEWEST = Number.MAX_SAFE_INTEGER;

export class ReachWalker {
  /** Every object found reachable so far (found, not necessarily opened yet). */
  private readonly found = new Set<string>();
  /** Reachable commits whose tree and parents are not looked at yet, newest first. */
  private readonly commits = new DateQueue();
  /** Reachable trees not opened yet, by the time of the commit they were found under. */
  private readonly trees = new DateQueue();
  /** Trees asked for as delta bases or searched for, opened before the others (the last
   *  first): a thin push names the old versions of the trees it changes in path order (its
   *  delta bases), so what it asks next is most likely inside the tree it asked last. */
  private readonly named: string[] = [];
  private readonly opened = new Set<string>();
  /** The queue time of each found tree not opened yet: what its subtrees inherit. */
  private readonly times = new Map<string, number>();
  private readonly cc: CommitCache;
  /** Work done, for tests and measurements. */
  readonly stats = { commits: 0, trees: 0 };

  constructor(
    private readonly src: ObjectSource,
    tips: Iterable<string>,
    /** The repository's shallow boundary: commits whose parents it does not have. */
    private readonly shallow: ReadonlySet<string> = new Set(),
  ) {
    this.cc = new CommitCache(src);
    this.extend(tips);
  }

  /** More tips (refs that moved forward): what they reach is reachable too. */
  extend(tips: Iterable<string>): void {
    for (const t of tips) {
      const type = this.src.typeOf(t);
      if (type) this.add(t, type, NEWEST);
    }
  }

  /**
   * Whether the refs reach `oid` and the store has it. Definitive (walks as far as it must).
   * `base`: a thin-pack delta base is asked (see `named`).
   */
  has(oid: string, base = false): boolean {
    if (this.found.has(oid)) {
      if (!base) return this.src.has(oid);
      const t = this.src.typeOf(oid);
      if (t === 'tree' && !this.opened.has(oid)) this.named.push(oid);
      return t !== null;
    }
    const type = this.src.typeOf(oid);
    if (!type || type === 'tag') return false; // tags are found as soon as a ref or tag names them
    if (type === 'commit') {
      while (!this.found.has(oid) && this.expandCommit());
      return this.found.has(oid);
    }
    // Trees and blobs: the trees named last first, then open trees and expand commits,
    // whichever comes from the newer commit.
    while (!this.found.has(oid)) {
      const next = this.named.pop();
      if (next !== undefined) {
        if (!this.opened.has(next)) this.requeueOnFault(() => this.open(next), () => this.named.push(next));
        continue;
      }
      const tree = this.trees.peekTime();
      const commit = this.commits.peekTime();
      if (tree === undefined && commit === undefined) break;
      if (commit !== undefined && (tree === undefined || commit > tree)) this.expandCommit();
      else {
        const q = this.trees.pop()!;
        if (!this.opened.has(q.oid)) this.requeueOnFault(() => this.open(q.oid), () => this.trees.push(q.oid, q.time));
      }
    }
    if (type === 'tree' && this.found.has(oid) && !this.opened.has(oid)) this.named.push(oid);
    return this.found.has(oid);
  }

  /**
   * A reachable tree's entries, opened now (its entries become reachable at once); null if the
   * refs do not reach it. For callers that know which trees they will need (see reach-guide.ts).
   */
  openNow(oid: string): Uint8Array | null {
    if (!this.has(oid)) return null;
    return this.open(oid);
  }

  /**
   * A fork's snapshot bytes may not be in memory yet (storage/snapshot.ts): the read throws
   * NeedBytes and the caller runs again once they are. The walker is kept between requests, so
   * whatever a faulting step took off its queues goes back, and nothing is marked found that was
   * not fully added: the walk resumes exactly where it stood.
   */
  private requeueOnFault<T>(step: () => T, requeue: () => void): T {
    try {
      return step();
    } catch (e) {
      if (needBytesIn(e)) requeue();
      throw e;
    }
  }

  private add(oid: string, type: ObjectType, time: number): void {
    if (this.found.has(oid)) return;
    this.requeueOnFault(() => this.addNew(oid, type, time), () => this.found.delete(oid));
  }

  private addNew(oid: string, type: ObjectType, time: number): void {
    this.found.add(oid);
    if (type === 'tree') {
      this.trees.push(oid, time);
      this.times.set(oid, time);
    }
    else if (type === 'commit') {
      try {
        this.commits.push(oid, this.cc.get(oid).time);
      } catch (e) {
        if (!(e instanceof MissingObjectError)) throw e; // history cut short: nothing below it
      }
    } else if (type === 'tag') {
      let target: string;
      try {
        target = parseTag(this.src.read(oid).data).object;
      } catch (e) {
        if (e instanceof MissingObjectError) return;
        throw e;
      }
      const t = this.src.typeOf(target);
      if (t) this.add(target, t, time);
    }
  }

  /** Looks at the newest unexpanded commit: its tree and parents become reachable. */
  private expandCommit(): boolean {
    const next = this.commits.pop();
    if (!next) return false;
    this.requeueOnFault(() => {
      const c = this.cc.get(next.oid);
      this.add(c.tree, 'tree', next.time);
      if (!this.shallow.has(next.oid)) for (const p of c.parents) this.add(p, 'commit', next.time);
    }, () => this.commits.push(next.oid, next.time)); // adding again what was added is a no-op
    this.stats.commits++;
    return true;
  }

  /**
   * Opens tree `t` (once): its entries become reachable, its subtrees queued at the time it was
   * queued at (the time of the commit it was found under). Returns its data (null if missing).
   */
  private open(t: string): Uint8Array | null {
    let data: Uint8Array;
    try {
      data = this.src.read(t).data;
    } catch (e) {
      if (e instanceof MissingObjectError) return null;
      throw e;
    }
    if (this.opened.has(t)) return data;
    this.opened.add(t);
    this.stats.trees++;
    const time = this.times.get(t) ?? NEWEST;
    this.times.delete(t);
    walkTree(data, (mode, _m, _ns, _ne, oidAt) => {
      if (mode === GITLINK_MODE) return;
      const oid = bytesToHex(data, oidAt);
      if (this.found.has(oid)) return;
      if (mode === TREE_MODE) this.add(oid, 'tree', time);
      else this.found.add(oid);
    });
    return data;
  }
}

type RefList = { name: string; oid: string }[];

/**
 * One walker per repository, for the refs it was made for, so that requests resume each other's
 * walks; the most recently used `max` are kept (a finished walk of a big repository holds every
 * object id it reaches).
 */
export class ReachCache {
  private readonly map = new Map<string, { key: string; walker: ReachWalker }>();
  constructor(private readonly max: number) {}

  static key(refs: RefList): string {
    return refs.map((r) => `${r.name} ${r.oid}`).join('\n');
  }

  /** The key of the walker kept for `repo`, if any. */
  keyOf(repo: string): string | null {
    return this.map.get(repo)?.key ?? null;
  }

  /** The walker for `repo` at these refs: the kept one if made for them, else a new one. */
  walker(repo: string, refs: RefList, make: () => ReachWalker): ReachWalker {
    const key = ReachCache.key(refs);
    const cached = this.map.get(repo);
    this.map.delete(repo); // re-inserted last: the most recently used
    const entry = cached?.key === key ? cached : { key, walker: make() };
    this.map.set(repo, entry);
    for (const k of this.map.keys()) {
      if (this.map.size <= this.max) break;
      this.map.delete(k);
    }
    return entry.walker;
  }

  /**
   * `repo`'s refs moved from the state keyed `before` to `after`. If every move was a creation
   * or a fast-forward (`newTips` given), what was reachable still is: the walker goes on,
   * extended by the new tips. Otherwise it goes (a deleted or rewound ref may have been the only
   * way to something).
   */
  moved(repo: string, before: string, newTips: string[] | null, after: () => RefList): void {
    const cached = this.map.get(repo);
    if (!cached || cached.key !== before) return;
    if (!newTips) {
      this.map.delete(repo);
      return;
    }
    cached.walker.extend(newTips);
    cached.key = ReachCache.key(after());
  }

  clear(): void {
    this.map.clear();
  }
}
