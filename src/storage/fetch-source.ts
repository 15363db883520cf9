// The repository as upload-pack sees it (src/protocol/source.ts's FetchSource): refs, what it may
// serve, the commit graph, and fetch planning (walk.ts, deepen.ts, filter.ts) with the pack
// writer (pack-out.ts) behind one plan() and one pack(). A plain full clone of a repository
// whose objects are all reachable is planned without a walk (every stored object is sent).
import type { FetchPlan, FetchSource, PackOptions, PackOut, PlanRequest } from './fetch-interface';
import { CommitCache } from './commit-graph';
import { parseFilter } from './filter';
import { OutgoingPack } from './pack-out';
import type { RepoStore } from './repo-store';
import { planFetch, type WalkPlan } from './walk';
import { withSnapshotBytes } from './snapshot';
import { wholeRows, type WholeRows } from './snapshot-whole';

/** A plan with what pack() needs: the walk's result, or null for "every stored object" (`all`). */
interface StorePlan extends FetchPlan {
  walk: WalkPlan | null;
  all?: WholeRows;
}

const OID_RE = /^[0-9a-f]{40}$/;

/** deepen, deepen-since or deepen-not: the client asks for a new shallow boundary. */
function isDeepen(req: PlanRequest): boolean {
  return req.depth !== undefined || req.deepenSince !== undefined || req.deepenNot.length > 0;
}

export class StoreFetchSource implements FetchSource {
  constructor(private readonly store: RepoStore) {}

  head() {
    return this.store.refs.head();
  }

  settle<T>(step: () => T): Promise<T> {
    return withSnapshotBytes(this.store.objects.snapshot, step);
  }

  ref(name: string): string | null {
    return this.store.refs.get(name);
  }

  refs(prefixes?: string[]) {
    return this.store.refs.list(prefixes);
  }

  peeled(oid: string): string | null {
    return this.store.peeled(oid);
  }

  shallowList(): string[] {
    return this.store.shallow().list();
  }

  visibility(): (oid: string) => boolean {
    return this.store.visibility();
  }

  visibleAmong(oids: readonly string[]): Set<string> {
    // Stored first, 100 ids a query: most haves of a long negotiation are not (and cost no more).
    const visible = this.store.visibility();
    return new Set([...this.store.objects.hasMany(oids)].filter(visible));
  }

  peeledRefs() {
    return this.store.peeledRefs();
  }

  commitGraph(): CommitCache {
    return new CommitCache(this.store.objects);
  }

  checkFilter(spec: string): void {
    parseFilter(spec);
  }

  /**
   * A plain full clone (every ref wanted, nothing had, no shallow, no filter) of a repository
   * whose objects are all reachable: no walk needed. Null when the fetch needs one.
   */
  quickPlan(req: PlanRequest): StorePlan | null {
    // A shallow repository's clone needs the walk: it names the boundary commits it sends.
    if (!this.store.allReachable() || !this.wantsEverything(req) || this.store.shallow().list().length > 0) return null;
    const all = wholeRows(this.store.objects); // a fork's snapshot may index an object twice
    return { count: all.count, shallow: [], unshallow: [], walk: null, all };
  }

  plan(req: PlanRequest): StorePlan {
    const walk = this.walk(req);
    // A full walk that reached every stored object re-enables the no-walk clone path.
    if (!this.store.allReachable() && this.wantsEverything(req) && walk.objects.length === wholeRows(this.store.objects).count) {
      this.store.markAllReachable();
    }
    return { count: walk.objects.length, shallow: walk.shallow, unshallow: walk.unshallow, walk };
  }

  pack(plan: FetchPlan, opts: PackOptions): PackOut {
    const { walk, all } = plan as StorePlan;
    if (walk === null) return OutgoingPack.whole(this.store.objects, { ...opts, clientHas: new Set() }, all);
    return OutgoingPack.of(this.store.objects, walk.objects, { ...opts, clientHas: walk.clientHas, deltaBases: walk.deltaBases });
  }

  private walk(req: PlanRequest): WalkPlan {
    // Ids from the client count only if this repository reaches them: an object of another
    // repository of the network must not change the answer (that would reveal it exists).
    const visible = this.store.visibility();
    return planFetch(this.store.objects, {
      wants: req.wants,
      haves: req.haves.filter(visible),
      deepen: isDeepen(req),
      depth: req.depth,
      deepenRelative: req.deepenRelative,
      since: req.deepenSince,
      notRefs: this.resolveDeepenNot(req.deepenNot, visible),
      clientShallows: req.shallows.filter(visible),
      serverShallow: this.store.shallowCommits(),
      includeTag: req.includeTag,
      tagsByTarget: req.includeTag ? this.tagsByTarget() : undefined,
      filter: req.filter !== undefined ? parseFilter(req.filter) : undefined,
    });
  }

  private resolveDeepenNot(names: string[], visible: (oid: string) => boolean): string[] {
    return names.map((n) => {
      if (OID_RE.test(n) && visible(n)) return n;
      for (const cand of [n, `refs/heads/${n}`, `refs/tags/${n}`]) {
        const oid = this.store.refs.get(cand);
        if (oid) return this.store.peeled(oid) ?? oid;
      }
      throw new Error(`deepen-not: unknown ref ${n.slice(0, 200)}`);
    });
  }

  private tagsByTarget(): Map<string, string[]> {
    const m = new Map<string, string[]>();
    for (const r of this.store.peeledRefs()) {
      const p = r.peeled;
      if (!p || !r.name.startsWith('refs/tags/')) continue;
      const list = m.get(p) ?? [];
      list.push(r.oid);
      m.set(p, list);
    }
    return m;
  }

  private wantsEverything(req: PlanRequest): boolean {
    if (req.haves.length > 0 || req.shallows.length > 0 || isDeepen(req) || req.filter) return false;
    const wants = new Set(req.wants);
    return this.store.refs.list().every((r) => wants.has(r.oid));
  }
}
