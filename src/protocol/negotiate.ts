// Common-commit negotiation shared by v0/v1 and v2 fetch: which haves we share with the client,
// and whether we may stop ("ready": every want reaches a common commit no older than the oldest
// common one; upload-pack.c ok_to_give_up).
//
// v0/v1 asks "ready?" after every have the server does not know, so a request of thousands of
// bogus haves asked thousands of times; each answer used to be a fresh walk from every want
// (8,000 haves: 3.5 s). Here the walk is one for the whole request and only ever extended: a
// commit is loaded and expanded at most once, "reaches a common commit" flows up the edges
// already walked when a new common commit arrives, and commits left behind because they were
// older than the oldest common one are resumed when an older common commit arrives. An answer
// costs nothing when nothing changed since the last one. The walk has a budget per request.
import { DateQueue } from '../storage/date-queue';
import type { CommitGraph } from '../storage/fetch-interface';

/**
 * Haves of one request that are looked at; later ones are answered as unknown (no ACK). git's
 * stateless client sends at most 16,384 new haves in a round while it doubles its batches (then
 * 10% more a round), so only a client that sent some 200k haves without a single ACK gets here;
 * it keeps negotiating or ends with `done`, and at worst receives more than it needed. Each have
 * costs an index lookup: the 32 MiB request cap alone would allow ~670k of them.
 */
export const MAX_HAVES_PER_REQUEST = 32_768;
/** Commits one request's negotiation may load (the old walk allowed 20k per want and per call). */
export const NEGOTIATION_WALK_MAX = 100_000;

export class Negotiation {
  readonly common: string[] = [];
  private readonly commonSet = new Set<string>();
  /** Haves looked at so far (see MAX_HAVES_PER_REQUEST). */
  private looked = 0;
  /** A request's haves looked up at once (lookUp), and the known ones among them. */
  private asked = new Set<string>();
  private found = new Set<string>();
  /** Committer time of the oldest common commit. */
  private oldest = Infinity;
  /** common[0..absorbed) have been taken into the walk. */
  private absorbed = 0;
  /** Commits known to reach a common commit (or to need no negotiation: not commits). */
  private readonly reach = new Set<string>();
  /** Commits met walking down from the wants, and the edges walked (parent -> children). */
  private readonly seen = new Set<string>();
  private readonly children = new Map<string, string[]>();
  /** Seen, not yet expanded. */
  private readonly stack: string[] = [];
  /** Expanded but older than the oldest common commit then: walked on if an older one arrives. */
  private readonly cut = new DateQueue();
  private readonly wants: Set<string>;
  private unreached: number;
  private steps = 0;

  constructor(
    private readonly cc: CommitGraph,
    wants: string[],
    /** Whether the repository has `oid`: in a shared store, what its refs reach (never ACK the
     *  rest, or the answer would tell that another repository holds it). */
    private readonly known: (oid: string) => boolean,
    /** known() for many ids at once (fewer index queries), where the source can. */
    private readonly knownAmong?: (oids: readonly string[]) => Set<string>,
  ) {
    this.wants = new Set(wants);
    this.unreached = this.wants.size;
    for (const w of this.wants) {
      this.seen.add(w);
      this.stack.push(w);
    }
  }

  /** Commits the walk loaded so far. */
  get walked(): number {
    return this.steps;
  }

  /**
   * Looks up the haves a request is about to pass to have(), in batches: one index query per
   * have made 8,000 haves cost seconds on a slow disk.
   */
  lookUp(haves: readonly string[]): void {
    if (!this.knownAmong) return;
    const ids = haves.slice(0, Math.max(0, MAX_HAVES_PER_REQUEST - this.looked));
    this.asked = new Set(ids);
    this.found = this.knownAmong(ids);
  }

  /** Records a have; true if we have the object (so it is common). */
  have(oid: string): boolean {
    if (++this.looked > MAX_HAVES_PER_REQUEST) return false;
    if (!(this.asked.has(oid) ? this.found.has(oid) : this.known(oid))) return false;
    if (!this.commonSet.has(oid)) {
      this.commonSet.add(oid);
      this.common.push(oid);
    }
    return true;
  }

  /** True when each wanted commit can reach a common commit (bounded by the oldest have). */
  okToGiveUp(): boolean {
    if (this.common.length === 0) return false;
    this.absorbCommons();
    while (this.unreached > 0 && this.stack.length > 0 && this.steps < NEGOTIATION_WALK_MAX) {
      this.expand(this.stack.pop()!);
    }
    return this.unreached === 0;
  }

  /** Takes the common commits that arrived since the last answer into the walk. */
  private absorbCommons(): void {
    let older = false;
    for (; this.absorbed < this.common.length; this.absorbed++) {
      const c = this.common[this.absorbed];
      try {
        const t = this.cc.get(c).time;
        if (t < this.oldest) {
          this.oldest = t;
          older = true;
        }
      } catch {
        /* a common non-commit: no date to bound the walk */
      }
      this.markReach(c);
    }
    if (!older) return;
    // Commits left behind for their age may be walked on now.
    for (let n = this.cut.pop(); n; n = this.cut.pop()) {
      if (n.time < this.oldest) {
        this.cut.push(n.oid, n.time); // the newest left behind is still too old: so are the rest
        break;
      }
      this.stack.push(n.oid);
    }
  }

  private expand(oid: string): void {
    if (this.reach.has(oid)) return;
    let info;
    try {
      info = this.cc.get(oid);
    } catch {
      this.markReach(oid); // not a commit (a tag/tree/blob want) or absent: nothing to negotiate
      return;
    }
    this.steps++;
    if (info.time < this.oldest) {
      this.cut.push(oid, info.time);
      return;
    }
    for (const p of info.parents) {
      const kids = this.children.get(p);
      if (kids) kids.push(oid);
      else this.children.set(p, [oid]);
      if (this.reach.has(p)) {
        this.markReach(oid);
        return;
      }
      if (!this.seen.has(p)) {
        this.seen.add(p);
        this.stack.push(p);
      }
    }
  }

  /** `oid` reaches a common commit, and so does everything walked that leads to it. */
  private markReach(oid: string): void {
    if (this.reach.has(oid)) return;
    const todo = [oid];
    this.reach.add(oid);
    while (todo.length > 0) {
      const o = todo.pop()!;
      if (this.wants.has(o)) this.unreached--;
      for (const k of this.children.get(o) ?? []) {
        if (!this.reach.has(k)) {
          this.reach.add(k);
          todo.push(k);
        }
      }
    }
  }
}
