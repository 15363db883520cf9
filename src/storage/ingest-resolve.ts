// Delta resolution for an ingesting pack: where a delta's base comes from (the cache of
// resolved contents, the big-object slot, the pack file being written, or a stored object for a
// thin pack), what each result is charged against the resolve budget, and the deltas that must
// wait for the last byte. Apart from ingest.ts, which parses and streams the pack: this half
// never sees the wire, only entry numbers, and hands each result to resolved() to be checked.
import { deltaCopies, noteTreeEntryOffsets, treeEntryOffsets, type ValidateOptions } from '../pack';
import { accel, deltaResultSize } from '../codec';
import { PackEntries } from './entries';
import { IngestError } from './ingest-error';
import { ByteRing } from './byte-ring';
import { OffsetsRing } from './offsets-ring';
import { MissingObjectError, type ObjectStore, TYPE_NUMBERS } from './object-store';
import { needBytesIn, withSnapshotBytes } from './snapshot';
import { DEFAULT_RESOLVE_LIMITS, ResolveBudget, type ResolveLimits } from './delta-limits';

/** Resolved contents kept for delta bases; objects over a quarter of it are not kept (ByteRing). */
const CACHE_BYTES = 16 * 1024 * 1024;
const DEFERRED_DELTA_BUDGET = 8 * 1024 * 1024;
/**
 * Delta results up to this size are made in one reused buffer. The large bench pack's 79k
 * deltas make 174 MiB of results (trees mostly): as an array each, that was most of the
 * ~110 MiB of ArrayBuffers above the heap while it was indexed (garbage until V8 collected).
 */
const SCRATCH_MAX = CACHE_BYTES / 4;

/** A delta base's content; `entry` is its entry in this pack (absent for stored objects). */
export interface Base {
  type: number;
  data: Uint8Array;
  depth: number;
  entry?: number;
  /** A stored tree's entry offsets (its entries were checked when it was ingested). */
  starts?: Int32Array;
}

/**
 * What the writer of a pack already knows of one of its delta entries (the commit API puts each
 * changed tree together with its delta: src/commit/commit.ts): the result, its raw id, and the
 * base the delta was made against with that base's entry offsets when known.
 */
export interface Presolved {
  base: string;
  data: Uint8Array;
  oid: Uint8Array;
  baseStarts?: Int32Array;
}

export abstract class DeltaResolution {
  protected readonly entries = new PackEntries();
  /**
   * Resolved contents by entry number (views: valid until the next cache call, see byte-ring.ts).
   * It starts at 256 KiB and grows when a miss shows it too short: both bench packs' deltas find
   * their bases in it with 1-3 misses, the ring ending at 512 KiB (small) and 1 MiB (large).
   */
  private readonly cache = new ByteRing(CACHE_BYTES, 256 << 10);
  /**
   * The last resolved object too big for the cache: the next delta of a chain of big objects
   * (versions of one large file, in pack order) finds its base here instead of rebuilding the
   * whole chain from the pack file (quadratic work, all of it charged to the budget).
   */
  private big: { entry: number; data: Uint8Array } | null = null;
  /** What the pack's deltas may make (checked on declared sizes, before allocating). */
  private budget = new ResolveBudget(DEFAULT_RESOLVE_LIMITS);
  protected resolvedAll = false;
  /**
   * Which stored objects the pack may use as delta bases and reference: by default any, but a
   * repository sharing its store uses only what it reaches (RepoStore.visibility). An object
   * it may not use is refused exactly as a missing one, so nothing tells them apart.
   */
  usable: (oid: string) => boolean = (oid) => this.store.has(oid);
  /** usable() for thin-pack delta bases (a walker may take them as a hint of where to look). */
  usableBase: (oid: string) => boolean = (oid) => this.usable(oid);
  /** Entry offsets of validated trees of this pack, by entry number (up to 256k offsets, 1 MB; views: see offsets-ring.ts). */
  protected readonly treeStarts = new OffsetsRing(1 << 18);
  /**
   * Results of this pack's deltas its writer already has, by entry number: used instead of
   * applying the delta and hashing the result again (the result is still validated like any
   * other). Only for packs written in this process (the commit API); a pushed pack has none.
   */
  presolved: ((i: number) => Presolved | undefined) | null = null;
  /** Entry numbers of deltas whose base was not at hand when they arrived. */
  private deferred: number[] = [];
  /** Stored objects thin deltas of this pack were resolved against (git's "local objects"). */
  private localBases = new Set<string>();
  /** Inflated deferred deltas, by entry number, kept while the budget allows. */
  protected readonly deltas = new Map<number, Uint8Array>();
  private deferredBytes = 0;
  /** deltaCopies' buffer, lent for each tree delta (copiedFrom). */
  private readonly runs = { runs: new Int32Array(3 * 64) };
  /** Delta results are made here (apply()), then copied into the cache: no array per result. */
  private scratch = new Uint8Array(64 * 1024);

  constructor(
    protected readonly store: ObjectStore,
    readonly packId: number,
  ) {}

  /** Bytes of the pack received so far (the budget's measure of what a pack may make). */
  abstract get received(): number;

  /** Checks, records and keeps a resolved object (entry i); `known` is its id if already hashed. */
  protected abstract resolved(i: number, type: number, data: Uint8Array, depth: number, copiedFrom?: ValidateOptions['copiedFrom'], known?: Uint8Array): void;

  /** Replaces the resolve limits (tests use small ones); call before the first write. */
  set resolveLimits(limits: ResolveLimits) {
    this.budget = new ResolveBudget(limits);
  }

  /** Bytes the pack's deltas made so far (rebuilt bases included). */
  get resolvedByDeltas(): number {
    return this.budget.used;
  }

  /** How many stored objects served as bases of this (thin) pack's deltas, once finish() ran. */
  get localBaseCount(): number {
    return this.localBases.size;
  }

  /** A delta entry just parsed: resolved now if its base is at hand, else deferred to the end. */
  protected deltaArrived(i: number, delta: Uint8Array): void {
    const pre = this.presolved?.(i);
    const base = this.baseNow(i, pre);
    if (base) {
      this.charge(i, delta);
      // The writer's result stands for the delta's only when it is the same size and of the base's
      // type (the writer made the delta from those bytes); anything else is applied as usual.
      if (pre && base.known && deltaResultSize(delta) === pre.data.length) {
        this.resolved(i, base.type, pre.data, base.depth + 1, this.copiedFrom(base, delta), pre.oid);
        // The writer keeps this tree for its next commit, which then need not walk it again.
        const starts = base.type === 2 ? this.treeStarts.get(i) : undefined;
        if (starts) noteTreeEntryOffsets(pre.data, starts.slice()); // kept by the writer: not a view of the ring
        return;
      }
      this.resolved(i, base.type, this.apply(i, base.data, delta), base.depth + 1, this.copiedFrom(base, delta));
    } else {
      if (this.deferredBytes + delta.length <= DEFERRED_DELTA_BUDGET) {
        this.deltas.set(i, delta.slice()); // the parser's data is lent (valid until its next push)
        this.deferredBytes += delta.length;
      }
      this.deferred.push(i);
    }
  }

  /** Checks and charges the result delta entry i declares: before its base is fetched or its result allocated. */
  private charge(i: number, delta: Uint8Array): void {
    try {
      // Once the pack is resolved (objects read back for the ref checks), only the per-object limit.
      if (this.resolvedAll) this.budget.check(delta);
      else this.budget.charge(delta, this.received);
    } catch (e) {
      throw new IngestError(`bad delta at offset ${this.entries.offset[i]}: ${(e as Error).message}`);
    }
  }

  /**
   * Applies a charged delta (the per-object limit is checked again on the header, with the base's
   * size). The result is a view of `scratch` (up to SCRATCH_MAX bytes): valid until the next
   * apply, so resolved() must not hold it (keep() copies it into the cache).
   */
  private apply(i: number, base: Uint8Array, delta: Uint8Array): Uint8Array {
    // The big slot holds a base other than this one: let it go before the result is allocated.
    if (this.big !== null && this.big.data !== base) this.big = null;
    try {
      const size = deltaResultSize(delta);
      // Made straight in the cache where it has room (keep() then copies nothing): saves copying
      // the 174 MiB of results of the large bench pack a second time.
      const room = size <= this.budget.limits.maxObjectBytes ? this.cache.room(size, base) : undefined;
      if (room !== undefined) return accel.applyDelta(base, delta, this.budget.limits.maxObjectBytes, room);
      if (size > this.scratch.length && size <= SCRATCH_MAX) this.scratch = new Uint8Array(Math.min(SCRATCH_MAX, Math.max(size, this.scratch.length * 2)));
      return accel.applyDelta(base, delta, this.budget.limits.maxObjectBytes, this.scratch);
    } catch (e) {
      throw new IngestError(`bad delta at offset ${this.entries.offset[i]}: ${(e as Error).message}`);
    }
  }

  /**
   * Keeps resolved content for later deltas: in the cache, or in the big slot if too large for
   * it. Answers the kept content (a view of the cache: valid until its next call).
   */
  protected keep(i: number, data: Uint8Array): Uint8Array {
    if (data.length <= CACHE_BYTES / 4) return this.cache.set(i, data);
    this.big = { entry: i, data: data.buffer === this.scratch.buffer ? data.slice() : data };
    return this.big.data;
  }

  /**
   * For a tree delta whose base is a tree with known entry offsets: what the delta copied from
   * where, so validation can skip the entries the base already passed. A stored base tree
   * passed the same checks when it came in, and what its entries name is stored too (the store
   * only ever holds objects together with everything they reference), so entries copied from
   * it need no connectivity check either: a thin commit into a big directory checks only what
   * changed (src/commit/thin-delta.ts).
   */
  private copiedFrom(base: Base, delta: Uint8Array): ValidateOptions['copiedFrom'] {
    if (base.type !== 2) return undefined;
    const baseStarts = base.starts ?? (base.entry === undefined ? undefined : this.treeStarts.get(base.entry));
    // The runs are read while the result is validated, before the next delta's: one buffer for all.
    return baseStarts ? { runs: deltaCopies(delta, this.runs), baseStarts } : undefined;
  }

  /** Content of the base of delta entry i, or null if not available (yet). */
  private baseContent(i: number, allowReread: boolean, pre?: Presolved): (Base & { known?: boolean }) | null {
    const E = this.entries;
    let b = E.base[i];
    if (b < 0) {
      const baseOid = E.refBase.get(i)!;
      b = E.find(baseOid);
      if (b < 0) {
        // Thin pack: the base is an object the repository already has.
        if (!this.usableBase(baseOid)) return null;
        this.localBases.add(baseOid);
        // One row lookup for its type, depth and content (read() would look it up again).
        const row = this.store.row(baseOid);
        if (!row) throw new MissingObjectError(baseOid);
        const data = this.store.content(row);
        const known = pre !== undefined && pre.base === baseOid && data.length > (pre.baseStarts?.at(-1) ?? -1);
        const starts = row.type === TYPE_NUMBERS.tree ? ((known ? pre.baseStarts : undefined) ?? treeEntryOffsets(data)) : undefined;
        return { type: row.type, data, depth: row.depth, starts, known };
      }
    }
    if (E.type[b] === 0) return null;
    const cached = this.cache.get(b) ?? (this.big?.entry === b ? this.big.data : undefined);
    if (cached) return { type: E.type[b], data: cached, depth: E.depth[b], entry: b };
    if (!allowReread) return null;
    return { type: E.type[b], data: this.reread(b), depth: E.depth[b], entry: b };
  }

  /**
   * Rebuilds resolved entry i's content from the closed pack file. `keepable`: the caller may
   * hold it across other reads (a copy, not a view of the cache).
   */
  protected reread(i: number, keepable = false): Uint8Array {
    const cached = this.cache.get(i) ?? (this.big?.entry === i ? this.big.data : undefined);
    if (cached) return keepable && cached !== this.big?.data ? cached.slice() : cached;
    const E = this.entries;
    const raw = this.store.packs.read(this.packId, E.dataOffset(i), E.end[i]);
    const inflated = accel.inflateAt(raw, 0, E.rawSize[i]).data;
    if (E.rawType[i] < 6) {
      const kept = this.keep(i, inflated);
      return keepable ? inflated : kept;
    }
    this.charge(i, inflated); // a rebuilt base costs what it cost the first time
    const base = this.baseContent(i, true);
    if (!base) throw new IngestError(`cannot resolve delta base of offset ${E.offset[i]}`);
    const data = this.keep(i, this.apply(i, base.data, inflated));
    return keepable && data !== this.big?.data ? data.slice() : data;
  }

  /**
   * The base of a delta met while the pack streams in, if it can be had without waiting: a thin
   * base in a fork's snapshot whose bytes are not in memory (NeedBytes) waits with the deferred.
   */
  private baseNow(i: number, pre?: Presolved): (Base & { known?: boolean }) | null {
    try {
      return this.baseContent(i, false, pre);
    } catch (e) {
      if (needBytesIn(e)) return null;
      throw e;
    }
  }

  /** Runs a step that only reads; a fault for a fork's snapshot bytes reads them and runs it again. */
  protected settle<T>(step: () => T): Promise<T> {
    return withSnapshotBytes(this.store.snapshot, step, false);
  }

  /** Whether delta entry i's base is resolved (in this pack) or stored: it can be had now. */
  private baseReady(i: number): boolean {
    const E = this.entries;
    let b = E.base[i];
    if (b < 0) {
      const baseOid = E.refBase.get(i)!;
      b = E.find(baseOid);
      if (b < 0) return this.usable(baseOid); // what this repository may not use counts as absent
    }
    return E.type[b] !== 0;
  }

  /** Resolves the deferred deltas, rounds over them until none is left or none progresses. */
  protected async resolveDeferred(tick?: (done: number, total: number) => Promise<void>): Promise<void> {
    const total = this.deferred.length;
    let done = 0;
    let lastTick = Date.now();
    while (this.deferred.length > 0) {
      const E = this.entries;
      const still: number[] = [];
      for (const i of this.deferred) {
        // Only a fork (snapshot) may fault; other stores take no await per delta.
        if (!(this.store.snapshot ? await this.settle(() => this.baseReady(i)) : this.baseReady(i))) {
          still.push(i);
          continue;
        }
        const delta = this.deltas.get(i) ?? accel.inflateAt(this.store.packs.read(this.packId, E.dataOffset(i), E.end[i]), 0, E.rawSize[i]).data;
        if (this.store.snapshot) await this.settle(() => this.baseContent(i, true)); // a thin base's bytes, read now
        this.charge(i, delta); // before the base is rebuilt for a result that would be refused
        const base = this.baseContent(i, true)!;
        this.resolved(i, base.type, this.apply(i, base.data, delta), base.depth + 1, this.copiedFrom(base, delta));
        done++;
        if (tick && Date.now() - lastTick > 500) {
          lastTick = Date.now();
          await tick(done, total);
        }
      }
      if (still.length === this.deferred.length) {
        const i = still[0];
        throw new IngestError(
          E.rawType[i] === 7 ? `missing delta base ${E.refBase.get(i)}` : `unresolvable delta at offset ${E.offset[i]}`,
        );
      }
      this.deferred = still;
    }
    this.deferredBytes = 0;
  }
}
