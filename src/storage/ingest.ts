// Streaming ingest of an incoming pack (push, import): the bytes go to a DOFS file chunk by
// chunk as they arrive while the parser hashes whole objects on the fly; deltas whose base is
// at hand are resolved immediately, the rest after the last byte. Every object is hashed,
// fsck-checked and its references recorded, so connectivity can be judged before any ref moves.
// Nothing is indexed until commit(): an aborted or failed ingest leaves no visible object.
import type { DOFS, DofsWriteStream } from '../../dofs';
import { bytesToHex, deltaCopies, PackParser, parseCommit, parseTag, SpecialFiles, treeEntryOffsets, validateObject, type ValidateOptions } from '../pack';
import { accel } from '../codec';
import type { ObjectType, PackEntry } from '../pack';
import { PackEntries } from './entries';
import { ByteLru } from './lru';
import { OidTable } from './oid-table';
import { type ObjectRow, type ObjectStore, TYPE_NAMES, TYPE_NUMBERS } from './object-store';
import { packPath } from './pack-files';
import { needBytesIn, withSnapshotBytes } from './snapshot';
import { DEFAULT_RESOLVE_LIMITS, MAX_OBJECT_BYTES, ResolveBudget, type ResolveLimits } from './delta-limits';
import type { PackObjects } from './reach-guide';

export { MAX_OBJECT_BYTES } from './delta-limits';
/** Resolved contents kept for delta bases; objects over a quarter of it are not kept (ByteLru). */
const CACHE_BYTES = 16 * 1024 * 1024;
const MAX_DELTA_DEPTH = 4095;
const GITLINK = 0o160000; // submodule commits live in another repository
const DEFERRED_DELTA_BUDGET = 8 * 1024 * 1024;
const COALESCE = 256 * 1024;
const NO_OPTIONS: ValidateOptions = {};
const WANT = 7; // fields of PackIngest.referenced
const HAVE_SHIFT = 3;

export class IngestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IngestError';
  }
}

/** A delta base's content; `entry` is its entry in this pack (absent for stored objects). */
interface Base {
  type: number;
  data: Uint8Array;
  depth: number;
  entry?: number;
  /** A stored tree's entry offsets (its entries were checked when it was ingested). */
  starts?: Int32Array;
}

export interface IngestedPack {
  packId: number;
  objectCount: number;
  checksum: string;
  size: number;
  rows: () => Iterable<ObjectRow>;
  /** Objects of the pack that no object in the pack references. */
  roots: string[];
  /** fsck findings git reports without refusing (e.g. a symlinked .gitignore): for the pusher. */
  warnings: string[];
  /** True if the oid is in this pack or stored and usable (see PackIngest.usable). */
  has(oid: string): boolean;
  /** For a tag of this pack: the object it names. */
  tagTarget(oid: string): string | undefined;
  typeOf(oid: string): number | null;
  /** An object of this pack (read back from the pack file), or null if the pack lacks it. */
  read(oid: string): { type: ObjectType; data: Uint8Array } | null;
}

export class PackIngest {
  private readonly parser = new PackParser({ maxObjectSize: MAX_OBJECT_BYTES });
  private readonly stream: DofsWriteStream;
  private readonly entries = new PackEntries();
  /**
   * Every object id the pack mentions, with two 3-bit fields: bits 0-2 the type its referrers
   * say it has (commit 1, tree 2, blob 3, tag 4; 0 if nothing in the pack references it),
   * bits 3-5 its type if the pack holds it (0 if not). One table for both keeps the memory of
   * a big push down (most ids are both) and lets the connectivity check run on raw ids.
   */
  private readonly referenced = new OidTable(1024); // grows with the pack: a commit's few ids need no 340 KB table
  private readonly roots: string[] = [];
  /** What trees of the pack name .gitmodules/.gitattributes: checked once all is resolved. */
  private readonly special = new SpecialFiles();
  /** Resolved contents by entry number. */
  private readonly cache = new ByteLru<number, Uint8Array>(CACHE_BYTES);
  /**
   * The last resolved object too big for the cache: the next delta of a chain of big objects
   * (versions of one large file, in pack order) finds its base here instead of rebuilding the
   * whole chain from the pack file (quadratic work, all of it charged to the budget).
   */
  private big: { entry: number; data: Uint8Array } | null = null;
  /** What the pack's deltas may make (checked on declared sizes, before allocating). */
  private budget = new ResolveBudget(DEFAULT_RESOLVE_LIMITS);
  private resolvedAll = false;
  /**
   * Which stored objects the pack may use as delta bases and reference: by default any, but a
   * repository sharing its store uses only what it reaches (RepoStore.visibility). An object
   * it may not use is refused exactly as a missing one, so nothing tells them apart.
   */
  usable: (oid: string) => boolean = (oid) => this.store.has(oid);
  /** usable() for thin-pack delta bases (a walker may take them as a hint of where to look). */
  usableBase: (oid: string) => boolean = (oid) => this.usable(oid);
  /** Runs once every object is resolved, before the references are checked (reach-guide.ts). */
  guide: ((pack: PackObjects) => void) | null = null;
  /** Commits whose parents the pack leaves out on purpose (a shallow fetch's boundary). */
  shallow: ReadonlySet<string> = new Set();
  /** Entry offsets of validated trees of this pack, by entry number (up to 256k offsets, 1 MB). */
  private readonly treeStarts = new ByteLru<number, Int32Array>(1 << 18);
  /** Tags of the pack -> the object each names (advertisements peel tags with it). */
  private readonly tagTargets = new Map<string, string>();
  /** Entry numbers of deltas whose base was not at hand when they arrived. */
  private deferred: number[] = [];
  /** Stored objects thin deltas of this pack were resolved against (git's "local objects"). */
  private localBases = new Set<string>();
  /** Inflated deferred deltas, by entry number, kept while the budget allows. */
  private readonly deltas = new Map<number, Uint8Array>();
  private deferredBytes = 0;
  private deltaEntries = 0;
  private bytes = 0;
  private closed = false;
  /** Sees every parsed entry (CRC-32 included) before it is indexed: the idx benchmark's tap. */
  onParsed: ((e: PackEntry) => void) | null = null;
  /** Gathers small pieces (grown up to COALESCE bytes: a commit's pack is a few hundred). */
  private pending = new Uint8Array(0);
  private conflict: string | null = null;
  private fill = 0;

  constructor(
    private readonly store: ObjectStore,
    private readonly fs: DOFS,
    readonly packId: number,
    private readonly maxPackBytes = Number.POSITIVE_INFINITY,
    private readonly onDone: () => void = () => {},
  ) {
    this.stream = fs.createWriteStream(packPath(packId));
  }

  /** Replaces the resolve limits (tests use small ones); call before the first write. */
  set resolveLimits(limits: ResolveLimits) {
    this.budget = new ResolveBudget(limits);
  }

  /** Bytes the pack's deltas made so far (rebuilt bases included). */
  get resolvedByDeltas(): number {
    return this.budget.used;
  }

  get received(): number {
    return this.bytes;
  }

  get objectsSeen(): number {
    return this.entries.count;
  }

  /** The object count the pack's header declares, -1 until the header has been parsed. */
  get objectsDeclared(): number {
    return this.parser.objectCount;
  }

  /** Entries parsed so far that are deltas (ofs or ref): git's "Resolving deltas" total. */
  get deltasSeen(): number {
    return this.deltaEntries;
  }

  /** How many stored objects served as bases of this (thin) pack's deltas, once finish() ran. */
  get localBaseCount(): number {
    return this.localBases.size;
  }

  /**
   * Takes the next piece of the pack. Request bodies arrive in ~4 KB pieces (20k of them for
   * an 80 MB pack); each piece handed on costs a SHA-1 update, a DOFS append and, whenever an
   * entry straddles it, a failed inflate that throws. So pieces are gathered into
   * COALESCE-byte runs first (measured: about a fifth of a big push's ingest time).
   */
  write(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxPackBytes) throw new IngestError(`pack exceeds the ${this.maxPackBytes}-byte limit`);
    if (this.fill === 0 && chunk.length >= COALESCE / 2) {
      this.feed(chunk);
      return;
    }
    if (this.fill + chunk.length > COALESCE) this.flushPending();
    if (chunk.length >= COALESCE / 2) {
      this.feed(chunk);
      return;
    }
    if (this.fill + chunk.length > this.pending.length) {
      const grown = new Uint8Array(Math.min(COALESCE, Math.max(this.pending.length * 2, this.fill + chunk.length, 4096)));
      grown.set(this.pending.subarray(0, this.fill));
      this.pending = grown;
    }
    this.pending.set(chunk, this.fill);
    this.fill += chunk.length;
  }

  private flushPending(): void {
    if (this.fill === 0) return;
    const run = this.pending.subarray(0, this.fill);
    this.fill = 0; // the parser and DOFS copy what they keep, so the buffer can be reused
    this.feed(run);
  }

  private feed(bytes: Uint8Array): void {
    this.stream.write(bytes);
    let entries: PackEntry[];
    try {
      entries = this.parser.push(bytes);
    } catch (e) {
      throw new IngestError((e as Error).message);
    }
    for (const e of entries) this.onEntry(e);
  }

  abort(): void {
    this.onDone();
    if (!this.closed) {
      this.closed = true;
      this.stream.abort();
    }
  }

  /**
   * Ends the stream: verifies the trailer, resolves deferred deltas, checks that every
   * referenced object exists here or in the store. `tick` is called now and then so the caller
   * can send progress (long resolutions must keep the connection alive).
   */
  async finish(tick?: (done: number, total: number) => Promise<void>): Promise<IngestedPack> {
    let checksum: string;
    try {
      this.flushPending();
      const tail = this.parser.end();
      for (const e of tail.entries) this.onEntry(e);
      checksum = tail.checksum;
    } catch (e) {
      this.abort();
      throw new IngestError((e as Error).message);
    }
    this.stream.close();
    this.closed = true;
    try {
      await this.resolveDeferred(tick);
      await this.settle(() => this.guide?.(this.objectsView()));
      await this.settle(() => this.lookUpReferenced());
      this.checkConnectivity();
      // After connectivity: a blob named .gitmodules must be one this push may reference.
      const problem = await this.settle(() => this.special.finish((oid) => this.objectFor(oid)));
      if (problem) throw new IngestError(problem);
      this.resolvedAll = true;
    } catch (e) {
      this.discardFile();
      throw e instanceof IngestError ? e : new IngestError((e as Error).message);
    }
    const { entries: E, packId } = this;
    // Rows are produced on demand (one object per stored object would double the metadata in
    // memory), in oid order (the order of the table's B-tree: inserts are much cheaper so); the
    // first copy of a duplicated object wins.
    const rows = function* (): Generator<ObjectRow> {
      for (const i of E.ownersInOidOrder()) {
        const rawType = E.rawType[i];
        const baseOid = rawType === 6 ? E.oidHex(E.base[i]) : rawType === 7 ? E.refBase.get(i)! : null;
        yield {
          oid: E.oidHex(i), pack_id: packId, offset: E.offset[i], data_offset: E.dataOffset(i), end_offset: E.end[i],
          type: E.type[i], size: E.size[i], raw_type: rawType, raw_size: E.rawSize[i], base_oid: baseOid, depth: E.depth[i],
        };
      }
    };
    const store = this.store;
    const tagTargets = this.tagTargets;
    const usable = this.usable;
    return {
      packId: this.packId,
      objectCount: E.count,
      checksum,
      size: this.bytes,
      rows,
      roots: this.roots,
      warnings: this.special.warnings,
      has: (oid) => E.find(oid) >= 0 || usable(oid),
      tagTarget: (oid) => tagTargets.get(oid),
      read: this.objectsView().read,
      typeOf: (oid) => {
        const own = E.find(oid);
        if (own >= 0) return E.type[own];
        const t = store.typeOf(oid);
        return t ? TYPE_NUMBERS[t] : null;
      },
    };
  }

  /** The resolved objects of the pack, by id. */
  private objectsView(): PackObjects {
    const E = this.entries;
    const at = (oid: string) => E.find(oid);
    return {
      commits: function* () {
        for (let i = 0; i < E.count; i++) if (E.type[i] === 1) yield E.oidHex(i);
      },
      holds: (oid) => at(oid) >= 0,
      read: (oid) => {
        const i = at(oid);
        return i >= 0 ? { type: TYPE_NAMES[E.type[i]], data: this.reread(i) } : null;
      },
    };
  }

  /** Removes the pack file (the ingest failed or nothing needed it). */
  discardFile(): void {
    this.abort();
    try {
      this.fs.rmrf(packPath(this.packId));
    } catch {
      /* already gone */
    }
  }

  private onEntry(e: PackEntry): void {
    this.onParsed?.(e);
    const E = this.entries;
    const i = E.add(e.offset, e.dataOffset, e.end, e.type, e.size);
    if (e.type >= 1 && e.type <= 4) {
      this.resolved(i, e.type, e.data, 0, undefined, e.oid);
      return;
    }
    this.deltaEntries++;
    if (e.type === 6) {
      E.base[i] = E.atOffset(e.baseOffset!);
      if (E.base[i] < 0) throw new IngestError(`delta base offset ${e.baseOffset} is not an object in this pack`);
    } else {
      E.refBase.set(i, e.baseOid!);
    }
    const base = this.baseNow(i);
    if (base) {
      this.charge(i, e.data);
      this.resolved(i, base.type, this.apply(i, base.data, e.data), base.depth + 1, this.copiedFrom(base, e.data));
    } else {
      if (this.deferredBytes + e.data.length <= DEFERRED_DELTA_BUDGET) {
        this.deltas.set(i, e.data);
        this.deferredBytes += e.data.length;
      }
      this.deferred.push(i);
    }
  }

  /** Checks and charges the result delta entry i declares: before its base is fetched or its result allocated. */
  private charge(i: number, delta: Uint8Array): void {
    try {
      // Once the pack is resolved (objects read back for the ref checks), only the per-object limit.
      if (this.resolvedAll) this.budget.check(delta);
      else this.budget.charge(delta, this.bytes);
    } catch (e) {
      throw new IngestError(`bad delta at offset ${this.entries.offset[i]}: ${(e as Error).message}`);
    }
  }

  /** Applies a charged delta (the per-object limit is checked again on the header, with the base's size). */
  private apply(i: number, base: Uint8Array, delta: Uint8Array): Uint8Array {
    // The big slot holds a base other than this one: let it go before the result is allocated.
    if (this.big !== null && this.big.data !== base) this.big = null;
    try {
      return accel.applyDelta(base, delta, this.budget.limits.maxObjectBytes);
    } catch (e) {
      throw new IngestError(`bad delta at offset ${this.entries.offset[i]}: ${(e as Error).message}`);
    }
  }

  /** Keeps resolved content for later deltas: in the cache, or in the big slot if too large for it. */
  private keep(i: number, data: Uint8Array): void {
    if (data.length > CACHE_BYTES / 4) this.big = { entry: i, data };
    else this.cache.set(i, data);
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
    return baseStarts ? { runs: deltaCopies(delta), baseStarts } : undefined;
  }

  private resolved(i: number, type: number, data: Uint8Array, depth: number, copiedFrom?: ValidateOptions['copiedFrom'], known?: string): void {
    const E = this.entries;
    if (depth > MAX_DELTA_DEPTH) throw new IngestError(`delta chain deeper than ${MAX_DELTA_DEPTH} at offset ${E.offset[i]}`);
    if (data.length > MAX_OBJECT_BYTES) throw new IngestError(`object at offset ${E.offset[i]} exceeds ${MAX_OBJECT_BYTES} bytes`);
    const name = TYPE_NAMES[type];
    const oid = known ?? accel.hashObject(name, data);
    // A tree's entries are recorded as referenced while it is validated (one pass over it).
    let problem: string | null;
    if (type === 2) {
      this.special.tree = oid;
      const checks = this.treeChecks;
      checks.copiedFrom = copiedFrom;
      problem = validateObject(type, data, checks);
      checks.copiedFrom = undefined;
      if (!problem) this.treeStarts.set(i, checks.entryStarts!.offsets.slice(0, checks.entryStarts!.count));
    } else {
      problem = validateObject(type, data, NO_OPTIONS);
    }
    if (problem) throw new IngestError(`invalid ${name} ${oid}: ${problem}`);
    if (this.conflict !== null) throw new IngestError(this.conflict);
    E.type[i] = type;
    E.size[i] = data.length;
    E.depth[i] = depth;
    this.deltas.delete(i);
    if (E.setOid(i, oid)) this.referenced.or(E.oids, i * 20, type << HAVE_SHIFT);
    if (type === 1) {
      const c = parseCommit(data);
      this.expectHex(c.tree, 2);
      if (!this.shallow.has(oid)) for (const p of c.parents) this.expectHex(p, 1);
    } else if (type === 4) {
      const t = parseTag(data);
      const declared = ({ commit: 1, tree: 2, blob: 3, tag: 4 } as Record<string, number>)[t.type];
      if (!declared) throw new IngestError(`tag ${t.tag}: unknown object type '${t.type.slice(0, 20)}'`);
      this.expectHex(t.object, declared);
      this.tagTargets.set(oid, t.object);
    }
    this.keep(i, data);
  }

  /**
   * Validation options for trees: each valid entry records that its object must exist with
   * the type its mode says. A type conflict is kept and reported after the tree's own checks
   * (so a tree that is both malformed and conflicting is refused as malformed).
   */
  private readonly treeChecks: ValidateOptions = {
    // Not called for entries copied whole from a checked base: their references are recorded.
    onTreeEntry: (d, mode, oidAt) => {
      if (mode === GITLINK) return; // submodule commits live in another repository
      const type = mode === 0o40000 ? 2 : 3;
      const prev = this.referenced.or(d, oidAt, type) & WANT;
      if (prev !== 0 && prev !== type && this.conflict === null) {
        this.conflict = `object ${bytesToHex(d, oidAt)} is referenced both as a ${TYPE_NAMES[prev]} and as a ${TYPE_NAMES[type]}`;
      }
    },
    entryStarts: { offsets: new Int32Array(1024), count: 0 },
    onDotfile: (kinds, mode, d, oidAt) => this.special.entry(kinds, mode, bytesToHex(d, oidAt)),
  };

  /** An object of this pack (resolved) or of the store, for the .gitmodules checks. */
  private objectFor(oid: string): { type: number; size: number; data(): Uint8Array } | null {
    const i = this.entries.find(oid);
    if (i >= 0) return { type: this.entries.type[i], size: this.entries.size[i], data: () => this.reread(i) };
    const row = this.usable(oid) ? this.store.row(oid) : null; // what this repository may not use counts as absent
    return row ? { type: row.type, size: row.size, data: () => this.store.read(oid).data } : null;
  }

  private expectHex(oid: string, type: number): void {
    const prev = this.referenced.orHex(oid, type) & WANT;
    if (prev !== 0 && prev !== type) {
      throw new IngestError(`object ${oid} is referenced both as a ${TYPE_NAMES[prev]} and as a ${TYPE_NAMES[type]}`);
    }
  }

  /** Content of the base of delta entry i, or null if not available (yet). */
  private baseContent(i: number, allowReread: boolean): Base | null {
    const E = this.entries;
    let b = E.base[i];
    if (b < 0) {
      const baseOid = E.refBase.get(i)!;
      b = E.find(baseOid);
      if (b < 0) {
        // Thin pack: the base is an object the repository already has.
        if (!this.usableBase(baseOid)) return null;
        this.localBases.add(baseOid);
        const obj = this.store.read(baseOid);
        const row = this.store.row(baseOid)!;
        const starts = obj.type === 'tree' ? treeEntryOffsets(obj.data) : undefined;
        return { type: TYPE_NUMBERS[obj.type], data: obj.data, depth: row.depth, starts };
      }
    }
    if (E.type[b] === 0) return null;
    const cached = this.cache.get(b) ?? (this.big?.entry === b ? this.big.data : undefined);
    if (cached) return { type: E.type[b], data: cached, depth: E.depth[b], entry: b };
    if (!allowReread) return null;
    return { type: E.type[b], data: this.reread(b), depth: E.depth[b], entry: b };
  }

  /** Rebuilds resolved entry i's content from the closed pack file. */
  private reread(i: number): Uint8Array {
    const cached = this.cache.get(i) ?? (this.big?.entry === i ? this.big.data : undefined);
    if (cached) return cached;
    const E = this.entries;
    const raw = this.store.packs.read(this.packId, E.dataOffset(i), E.end[i]);
    const inflated = accel.inflateAt(raw, 0, E.rawSize[i]).data;
    if (E.rawType[i] < 6) {
      this.keep(i, inflated);
      return inflated;
    }
    this.charge(i, inflated); // a rebuilt base costs what it cost the first time
    const base = this.baseContent(i, true);
    if (!base) throw new IngestError(`cannot resolve delta base of offset ${E.offset[i]}`);
    const data = this.apply(i, base.data, inflated);
    this.keep(i, data);
    return data;
  }

  /** Whether delta entry i's base is resolved (in this pack) or stored: it can be had now. */
  /**
   * The base of a delta met while the pack streams in, if it can be had without waiting: a thin
   * base in a fork's snapshot whose bytes are not in memory (NeedBytes) waits with the deferred.
   */
  private baseNow(i: number): Base | null {
    try {
      return this.baseContent(i, false);
    } catch (e) {
      if (needBytesIn(e)) return null;
      throw e;
    }
  }

  /** Runs a step that only reads; a fault for a fork's snapshot bytes reads them and runs it again. */
  private settle<T>(step: () => T): Promise<T> {
    return withSnapshotBytes(this.store.snapshot, step, false);
  }

  /** Asks the repository about every object the pack references but does not carry (walks, under settle()). */
  private lookUpReferenced(): void {
    this.referenced.forEach((ids, at, v) => {
      if ((v & WANT) !== 0 && v >> HAVE_SHIFT === 0) {
        const oid = bytesToHex(ids, at);
        if (this.usable(oid)) this.store.typeOf(oid);
      }
    });
  }

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

  private async resolveDeferred(tick?: (done: number, total: number) => Promise<void>): Promise<void> {
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

  private checkConnectivity(): void {
    // Connectivity and types: a commit's tree must be a tree, a tree entry's mode must match
    // its object, a tag's object must have the type the tag declares (git fsck's rules).
    this.referenced.forEach((ids, at, v) => {
      const want = v & WANT;
      let have = v >> HAVE_SHIFT;
      if (want === 0) {
        // Roots: objects of this pack nothing in it points at. If every root becomes a ref
        // tip, everything in the pack is reachable (object graphs have no cycles).
        this.roots.push(bytesToHex(ids, at));
        return;
      }
      if (have === 0) {
        const oid = bytesToHex(ids, at);
        const stored = this.usable(oid) ? this.store.typeOf(oid) : null; // its type only if usable
        if (!stored) throw new IngestError(`missing object ${oid} referenced by the pack`);
        have = TYPE_NUMBERS[stored];
      }
      if (have !== want) {
        throw new IngestError(`object ${bytesToHex(ids, at)} is a ${TYPE_NAMES[have]} but is referenced as a ${TYPE_NAMES[want]}`);
      }
    });
    this.referenced.clear();
  }
}
