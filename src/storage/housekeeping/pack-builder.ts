// Writes the objects a repack keeps into one new pack, in steps, the way git's pack-objects does:
//   1. Objects stored whole (and deltas whose base is not kept) get a delta search: sorted by
//      type, name hash and size (largest first), each is tried against the previous `window`
//      objects of its type (git's try_delta size and depth rules), and written at once, whole
//      or as an OFS_DELTA on the best base (which the window order puts earlier in the pack).
//   2. Stored OFS_DELTAs whose base is kept are copied verbatim (pack reuse), after their bases,
//      breadth-first. A search object with such delta children may only sit as deep as leaves
//      the children within the depth limit (git's check_delta_limit). REF_DELTAs are searched
//      again in a full repack: they come from thin packs (the commit API, incremental pushes),
//      whose deltas could only use the previous version as a base. A growing directory then
//      stores each version as an insertion on the one before; the search turns that around as
//      git does (larger, newer first: a deletion delta is a few bytes), and picks the best of the
//      window. A geometric run reuses them instead when their base is kept (reuseRefDeltas;
//      still as REF_DELTAs, so that a full repack searches them then):
//      searching ~2,000 versions of a 10,000-entry tree against a window of 10 is ~20,000
//      comparisons of two ~450 KB trees, which kept a background run going for thousands of
//      commits of a 10,000-commit loop, for ~50 bytes saved per version.
// Every new delta is applied back and compared before it is written. Memory: the window holds at
// most WINDOW_BYTES of contents; objects above MAX_SEARCH_BYTES are copied without a search.
import { accel } from '../../codec';
import { PackWriter, type PackTypeNum } from '../../pack';
import type { ObjectStore } from '../object-store';
import { Budget, PER_OBJECT } from './budget';
import { BigDeflate, COPY_PIECE, memoryPieces, storedPieces, type EntryPieces } from './big-entry';
import { readWithin } from './chain-read';
import { Prefetch } from './prefetch';
import { reuseForest } from './reuse-forest';
import { searchOrder } from './search-order';
import type { WorkList } from './work';
import { stepPart } from './step-trace';

export const WINDOW = 10;
export const MAX_DEPTH = 50;
export const WINDOW_BYTES = 16 << 20;
export const MAX_SEARCH_BYTES = 4 << 20;
/** Deeper reused chains (hand-made pushes) are broken up rather than grown past the ingest limit. */
const MAX_REUSED_DEPTH = 4000;
const FLUSH_BYTES = 1 << 20;
export { COPY_PIECE } from './big-entry';

/** One entry of the new pack: what the index row of the object will say. */
export interface BuiltEntry {
  item: number;
  offset: number;
  dataOffset: number;
  end: number;
  rawType: number;
  rawSize: number;
  base: number; // item number of the delta base, -1 if whole
  depth: number;
}

export interface BuildStats {
  objects: number;
  bytes: number;
  checksum: string;
  newDeltas: number;
  reusedDeltas: number;
  whole: number;
}

interface Slot {
  item: number;
  data: Uint8Array;
}

interface Search {
  i: number;
  stored: Uint8Array | null;
  data: Uint8Array;
  /** The next window slot to try (counting down). */
  k: number;
  best: { base: number; delta: Uint8Array; depth: number } | null;
}

export class PackBuilder {
  readonly count: number;
  private readonly reuse: Uint8Array;
  private readonly height: Uint16Array;
  private readonly order: Int32Array;
  private readonly reused: Int32Array;
  private readonly newOffset: Float64Array;
  private readonly newDepth: Uint16Array;
  private readonly writer: PackWriter;
  private readonly win: Slot[] = [];
  /** The search's stored entries, read ahead in pack order (prefetch.ts). */
  readonly prefetch: Prefetch;
  private winBytes = 0;
  private pos = 0;
  private phase: 'search' | 'reuse' | 'done' = 'search';
  private buf: Uint8Array[] = [];
  private bufBytes = 0;
  readonly stats = { newDeltas: 0, reusedDeltas: 0, whole: 0 };

  constructor(
    private readonly store: ObjectStore,
    private readonly W: WorkList,
    keep: (i: number) => boolean,
    private readonly out: (bytes: Uint8Array) => void,
    private readonly onEntry: (e: BuiltEntry) => void,
    /** Also reuse stored REF_DELTAs whose base is kept (written as they are, after their base). */
    reuseRefDeltas = false,
  ) {
    const n = W.n;
    const kept: number[] = [];
    for (let i = 0; i < n; i++) if (keep(i)) kept.push(i);
    this.count = kept.length;
    ({ reuse: this.reuse, reused: this.reused, height: this.height } = reuseForest(W, kept, keep, reuseRefDeltas, MAX_SEARCH_BYTES));
    const search: number[] = [];
    for (const i of kept) if (!this.reuse[i]) search.push(i);
    this.order = searchOrder(Int32Array.from(search), W.type, W.nameHash, W.size);
    this.prefetch = new Prefetch(store, W, this.order, (i) => W.hasBase[i] === 0 && W.size[i] <= MAX_SEARCH_BYTES);
    this.newOffset = new Float64Array(n).fill(-1);
    this.newDepth = new Uint16Array(n);
    this.writer = new PackWriter(this.count);
    this.emit([this.writer.header()]);
  }

  get done(): boolean {
    return this.phase === 'done';
  }

  /** Writes objects until the budget is spent; returns the pack's trailer stats once done. */
  step(budget: Budget): BuildStats | null {
    if (this.big && !budget.over) this.bigOn(budget);
    if (this.copy && !budget.over) this.copyOn(budget);
    if (this.cur && !budget.over) this.searchOn(budget);
    while (this.phase === 'search' && !this.cur && !this.copy && !this.big && !budget.over) {
      if (this.pos === this.order.length) {
        this.phase = 'reuse';
        this.pos = 0;
        this.win.length = 0;
        this.winBytes = 0;
        break;
      }
      if (!this.prefetch.ready(this.pos, budget)) break; // the next entries, read in pack order
      stepPart('read:batch');
      this.searchOne(this.order[this.pos++], budget);
    }
    while (this.phase === 'reuse' && !this.copy && !budget.over) {
      if (this.pos === this.reused.length) return this.finish();
      this.reuseOne(this.reused[this.pos++], budget);
    }
    return null;
  }

  private finish(): BuildStats {
    this.phase = 'done';
    this.emit([this.writer.finish()]);
    this.flush();
    return { objects: this.count, bytes: this.writer.offset, checksum: this.writer.checksum, ...this.stats };
  }

  /** The object whose delta search is under way: a search of a big object against a window of
   *  big ones (versions of a 10,000-entry directory, ~400 KB each) is cut between candidates at
   *  the budget and goes on at the next step, so no step compares a whole window at once. */
  private cur: Search | null = null;

  private searchOne(i: number, budget: Budget): void {
    const W = this.W;
    if (W.hasBase[i] === 0 && W.size[i] > MAX_SEARCH_BYTES) {
      this.startCopy(i, W.type[i] as PackTypeNum, W.size[i], -1, 0, budget); // too big to search: copied as stored
      return;
    }
    // the read (and inflate) as one unit; a stored delta's chain is read by readWithin's units
    if (W.hasBase[i] === 0 && !budget.fits(PER_OBJECT + W.rawSize[i] + W.size[i])) {
      this.pos--; // the same object at the next step
      return;
    }
    const stored = W.hasBase[i] === 0 ? (this.prefetch.take(i) ?? this.store.packs.read(W.pack[i], W.dataOffset[i], W.end[i])) : null;
    stepPart('read:stored');
    let data: Uint8Array;
    if (stored) {
      budget.spend(PER_OBJECT + W.rawSize[i]);
      data = accel.inflateAt(stored, 0, W.rawSize[i]).data;
      stepPart('inflate');
    } else {
      // a stored delta (a thin one's chain can be 50 deep): read across steps if need be. Nothing
      // is spent before: a read bigger than a budget runs only as a fresh budget's first unit
      // (spending first made any object over ~700 KB wait for a fresh budget forever)
      const obj = readWithin(this.store, W.oidHex(i), budget, PER_OBJECT + W.rawSize[i] + W.size[i]);
      stepPart('read:chain');
      if (!obj) {
        this.pos--; // the budget is spent: the same object at the next step
        return;
      }
      data = obj.data;
      if (data.length > MAX_SEARCH_BYTES) {
        // too big to search, and rebuilt (its base is not kept): deflated in pieces, big-entry.ts
        this.big = new BigDeflate(i, data);
        this.bigOn(budget);
        return;
      }
    }
    budget.spend(data.length);
    this.cur = { i, stored, data, k: this.win.length - 1, best: null };
    if (!budget.over) this.searchOn(budget); // else the comparisons start at the next step
  }

  /** Goes on with the current search until the budget is spent or the window is done; then the
   *  object is written (whole or as a delta on the best base) and joins the window. */
  private searchOn(budget: Budget): void {
    const c = this.cur!;
    const more = !this.search(c, budget);
    stepPart('delta');
    if (more) return; // more candidates: the next step goes on
    // the check (a delta applied) and the deflate: ~the object's size again, a unit of its own
    if (!budget.fits(PER_OBJECT + 2 * c.data.length)) return; // the search is done: written next step
    budget.spend(PER_OBJECT + 2 * c.data.length);
    this.cur = null;
    const { i, data } = c;
    const best = c.best ? this.verified(i, data, c.best) : null;
    stepPart('verify');
    if (best) {
      this.delta(i, best.base, best.delta);
      this.stats.newDeltas++;
    } else {
      this.whole(i, c.stored, data);
    }
    const md = MAX_DEPTH - this.height[i];
    stepPart('deflate+entry');
    if (data.length <= MAX_SEARCH_BYTES && this.newDepth[i] < md) this.remember(i, data, best?.base ?? -1);
  }

  /** git's find_deltas/try_delta over the window, newest candidate first, from candidate c.k
   *  down; false when the next comparison did not fit the budget (a fresh budget takes one, so a
   *  search always advances). */
  private search(c: Search, budget: Budget): boolean {
    const W = this.W;
    const { i, data } = c;
    const md = MAX_DEPTH - this.height[i];
    if (md <= 0 || data.length <= 64) return true;
    for (; c.k >= 0; c.k--) {
      const s = this.win[c.k];
      if (W.type[s.item] !== W.type[i]) return true; // sorted by type: the rest differ too
      const srcDepth = this.newDepth[s.item];
      if (srcDepth >= md) continue;
      const best = c.best;
      let maxSize: number = best ? best.delta.length : (data.length >> 1) - 20;
      const refDepth = best ? best.depth : 1;
      maxSize = Math.floor((maxSize * (md - srcDepth)) / (md - refDepth + 1));
      if (maxSize <= 0) continue;
      const srcSize = s.data.length;
      if (srcSize < data.length && data.length - srcSize >= maxSize) continue;
      if (data.length < srcSize / 32) continue;
      // one comparison is a unit (two 3.5 MB versions: ~75 ms, the largest there is: both sides
      // are at most MAX_SEARCH_BYTES); it runs if it fits, or as the first unit of a budget
      if (!budget.fits(srcSize + data.length)) return false;
      budget.spend(srcSize + data.length);
      const delta: Uint8Array | null = accel.createDelta(s.data, data, maxSize);
      if (!delta) continue;
      if (best && delta.length === best.delta.length && srcDepth + 1 >= best.depth) continue;
      c.best = { base: s.item, delta, depth: srcDepth + 1 };
    }
    return true;
  }

  /** The delta must make `data` again when applied to its base: no more, no less. */
  private verified(i: number, data: Uint8Array, best: { base: number; delta: Uint8Array }): { base: number; delta: Uint8Array } | null {
    const base = this.win.find((s) => s.item === best.base)!.data;
    if (!sameBytes(accel.applyDelta(base, best.delta, data.length), data)) {
      console.error(`housekeeping: a delta for ${this.W.oidHex(i)} did not rebuild the object; stored whole`);
      return null;
    }
    return best;
  }

  /** Adds the object to the window; the best base moves to the front (tried first next time). */
  private remember(i: number, data: Uint8Array, bestBase: number): void {
    this.win.push({ item: i, data });
    this.winBytes += data.length;
    if (bestBase >= 0) {
      const k = this.win.findIndex((s) => s.item === bestBase);
      if (k >= 0) this.win.push(...this.win.splice(k, 1));
    }
    while (this.win.length > WINDOW - 1 || (this.winBytes > WINDOW_BYTES && this.win.length > 1)) {
      this.winBytes -= this.win.shift()!.data.length;
    }
  }

  private whole(i: number, stored: Uint8Array | null, data: Uint8Array | null): void {
    const W = this.W;
    let z = stored;
    // Commit API packs are deflated at level 1 (speed); a repack recompresses them like git.
    if (data && (!z || ((z[1] >> 6) === 0 && data.length <= 1 << 20))) {
      const again = accel.deflate(data);
      if (!z || again.length < z.length) z = again;
    }
    this.entry(i, W.type[i] as PackTypeNum, W.size[i], z!, -1, 0);
    this.stats.whole++;
  }

  private delta(i: number, base: number, delta: Uint8Array): void {
    this.entry(i, 6, delta.length, accel.deflate(delta), base, this.newDepth[base] + 1);
  }

  private reuseOne(i: number, budget: Budget): void {
    const W = this.W;
    const base = W.baseIdx[i];
    if (!budget.fits(PER_OBJECT + (W.end[i] - W.dataOffset[i]))) {
      this.pos--; // copied at the next step
      return;
    }
    budget.spend(PER_OBJECT + (W.end[i] - W.dataOffset[i]));
    if (this.newDepth[base] + 1 > MAX_REUSED_DEPTH) {
      const data = this.store.read(W.oidHex(i)).data;
      this.entry(i, W.type[i] as PackTypeNum, data.length, accel.deflate(data), -1, 0);
      this.stats.whole++;
      return;
    }
    if (W.end[i] - W.dataOffset[i] > COPY_PIECE) {
      this.startCopy(i, W.rawType[i] === 7 ? 7 : 6, W.rawSize[i], base, this.newDepth[base] + 1, budget);
      this.stats.reusedDeltas++;
      return;
    }
    const z = this.store.packs.read(W.pack[i], W.dataOffset[i], W.end[i]);
    stepPart('read:reuse');
    // a REF_DELTA stays one (reuseRefDeltas): a full repack still knows to search it again
    this.entry(i, W.rawType[i] === 7 ? 7 : 6, W.rawSize[i], z, base, this.newDepth[base] + 1);
    this.stats.reusedDeltas++;
  }

  /** A big entry whose bytes go to the pack in pieces (big-entry.ts), its head written. */
  private copy: EntryPieces | null = null;
  /** A big rebuilt object being deflated in pieces, before its head and bytes are written. */
  private big: BigDeflate | null = null;

  private bigOn(budget: Budget): void {
    const b = this.big!;
    const parts = b.step(budget);
    if (!parts) return;
    this.big = null;
    const i = b.item;
    this.startPieces(i, this.W.type[i] as PackTypeNum, this.W.size[i], -1, 0, b.bytes, memoryPieces(parts), budget);
  }

  /** Writes the entry's head and index row now, its stored bytes piece by piece (copyOn). */
  private startCopy(i: number, rawType: PackTypeNum, rawSize: number, base: number, depth: number, budget: Budget): void {
    const W = this.W;
    this.startPieces(i, rawType, rawSize, base, depth, W.end[i] - W.dataOffset[i], storedPieces(this.store, W.pack[i], W.dataOffset[i], W.end[i]), budget);
  }

  /** Writes a big entry's head and index row now (`length` compressed bytes), its bytes from
   *  `pieces` a piece per unit (copyOn). */
  private startPieces(i: number, rawType: PackTypeNum, rawSize: number, base: number, depth: number, length: number, pieces: EntryPieces, budget: Budget): void {
    const W = this.W;
    const offset = this.writer.offset;
    const ref = base < 0 ? undefined : rawType === 7 ? { oid: W.oidHex(base) } : { ofs: offset - this.newOffset[base] };
    const parts = this.writer.rawEntryHead(rawType, rawSize, length, ref);
    let head = 0;
    for (const p of parts) head += p.length;
    this.newOffset[i] = offset;
    this.newDepth[i] = depth;
    this.emit(parts);
    this.onEntry({ item: i, offset, dataOffset: offset + head, end: offset + head + length, rawType, rawSize, base, depth });
    if (base < 0) this.stats.whole++;
    this.copy = pieces;
    this.copyOn(budget);
  }

  /** Hands on pieces of the current big entry while they fit the budget (a fresh one takes one). */
  private copyOn(budget: Budget): void {
    for (;;) {
      const piece = this.copy!.next(budget);
      if (piece === 'later') return;
      if (piece === null) break;
      this.writer.rawEntryBody(piece);
      this.emit([piece]);
      this.flush(); // a piece at a time to the pack file, not gathered up to the step's end
    }
    this.copy = null;
  }

  private entry(i: number, rawType: PackTypeNum, rawSize: number, z: Uint8Array, base: number, depth: number): void {
    const offset = this.writer.offset;
    const ref = base < 0 ? undefined : rawType === 7 ? { oid: this.W.oidHex(base) } : { ofs: offset - this.newOffset[base] };
    const parts = this.writer.rawEntryParts(rawType, rawSize, z, ref);
    let head = 0;
    for (let k = 0; k < parts.length - 1; k++) head += parts[k].length;
    this.newOffset[i] = offset;
    this.newDepth[i] = depth;
    this.emit(parts);
    this.onEntry({ item: i, offset, dataOffset: offset + head, end: offset + head + z.length, rawType, rawSize, base, depth });
  }

  private emit(parts: Uint8Array[]): void {
    for (const p of parts) {
      this.buf.push(p);
      this.bufBytes += p.length;
    }
    if (this.bufBytes >= FLUSH_BYTES) this.flush();
  }

  /** Hands buffered bytes to the pack file (also at every step's end, so nothing waits in memory). */
  flush(): void {
    if (this.bufBytes === 0) return;
    const all = new Uint8Array(this.bufBytes);
    let o = 0;
    for (const p of this.buf) {
      all.set(p, o);
      o += p.length;
    }
    this.buf = [];
    this.bufBytes = 0;
    this.out(all);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
