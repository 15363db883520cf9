// What the fetch side of the protocol needs from a repository, and nothing more (as go-git's
// storer interfaces): its refs, what it may serve, the commit graph for negotiation, and a
// planner + pack writer for what a fetch sends. Protocol code (upload-pack, negotiate) depends on
// this interface only; fetch-source.ts implements it over a RepoStore, and tests can hand
// upload-pack an in-memory one. Storage changes (forks in their own DOs, housekeeping) stay behind it.

export interface HeadRef {
  /** The ref HEAD points at (refs/heads/main). */
  target: string;
  /** Its id, or null when the branch is unborn. */
  oid: string | null;
}

export interface RefEntry {
  name: string;
  oid: string;
}

/** A commit as negotiation walks it; commit() throws for an id that is not a commit. */
export interface CommitGraph {
  get(oid: string): { parents: string[]; time: number };
}

/** The part of a fetch request planning depends on (protocol/fetch-request.ts parses it). */
export interface PlanRequest {
  wants: string[];
  /** What the client has (already limited to what this repository may serve). */
  haves: string[];
  shallows: string[];
  depth?: number;
  deepenRelative?: boolean;
  deepenSince?: number;
  deepenNot: string[];
  includeTag: boolean;
  filter?: string;
}

/** What a fetch will send: counts for progress, shallow changes to report, and the pack's parts. */
export interface FetchPlan {
  /** Objects the pack will hold. */
  count: number;
  shallow: string[];
  unshallow: string[];
}

export interface PackOptions {
  ofsDelta: boolean;
  thinPack: boolean;
}

/** Entries written, deltas among them, and entries copied from storage as they are (git's
 *  `Total N (delta D), reused R (delta RD)`). */
export interface PackTotals {
  total: number;
  deltas: number;
  reused: number;
  reusedDeltas: number;
}

/** A pack about to be written: what git's progress shows before the first byte, and after it. */
export interface PackOut {
  /** git's "Compressing objects" total: the objects pack-objects would put through its delta search. */
  deltaCandidates(): number;
  /**
   * The pack, in pieces; a PendingBytes instead of a piece means "await it, then go on" (a fork's
   * snapshot bytes being read from R2, storage/snapshot.ts): the generator retries that entry.
   */
  chunks(): Iterable<Uint8Array | PendingBytes>;
  /** What was written so far (final once chunks() is done). */
  readonly totals: PackTotals;
}

/** See PackOut.chunks(). */
export interface PendingBytes {
  readonly pending: Promise<void>;
}

export interface FetchSource {
  /**
   * Runs a step that only reads (negotiation, a plan, a walk): when it needs bytes not in
   * memory yet (a fork's snapshot), they are read and the step runs again. Never for a step
   * that wrote or streamed.
   */
  settle<T>(step: () => T): Promise<T>;
  head(): HeadRef;
  ref(name: string): string | null;
  refs(prefixes?: string[]): RefEntry[];
  /** What an annotated tag finally points at (null for a non-tag). */
  peeled(oid: string): string | null;
  /** The refs, sorted by name, with what each annotated tag finally points at (one query). */
  peeledRefs(): (RefEntry & { peeled: string | null })[];
  /** The repository's own shallow boundary. */
  shallowList(): string[];
  /** Whether the repository may serve `oid` (in a shared store: what its refs reach). */
  visibility(): (oid: string) => boolean;
  /** The ids among `oids` visibility() accepts, looked up in batches (a request's haves). */
  visibleAmong(oids: readonly string[]): Set<string>;
  commitGraph(): CommitGraph;
  /** Throws with a message for the client when the filter spec is not one we take. */
  checkFilter(spec: string): void;
  /** The plan when no walk is needed (a plain full clone), else null: no work either way. */
  quickPlan(req: PlanRequest): FetchPlan | null;
  /** What to send; throws with a message for the client (unknown deepen-not ref, ...). */
  plan(req: PlanRequest): FetchPlan;
  /** The pack for a plan (its rows looked up now; throws for a missing object). */
  pack(plan: FetchPlan, opts: PackOptions): PackOut;
}
