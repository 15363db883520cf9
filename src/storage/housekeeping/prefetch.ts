// The stored entries the delta search reads next, read in pack order a batch at a time. The
// search visits objects in its own order (type, name hash, size), which jumps all over the packs,
// and read each through PackFiles' window cache: nearly every small entry missed it and loaded a
// 256 KiB window, i.e. a whole 1 MiB DOFS chunk inside SQLite, for one ~560-byte entry. The gc of
// the large bench repository (142k objects, 76 MB, pushed undeltified) spent 65 s of its 97 s of
// steps writing, and with a cache holding the whole pack (an experiment) 29 s, at a higher load.
// It also made ~36 GB of short-lived 256 KiB buffers: 400-800 MiB of ArrayBuffers awaiting
// collection at the peaks.
// Here the next BATCH_BYTES of entries in search order are sorted by (pack, offset) and read a
// DOFS chunk's span at a time, each read a unit of the step's budget; the search then takes its
// entries from the batch. A batch of 8 MiB over a 76 MB pack reads each chunk about once.
import type { ObjectStore } from '../object-store';
import { type Budget, PER_OBJECT } from './budget';
import type { WorkList } from './work';

export const BATCH_BYTES = 8 << 20;
const BATCH_ITEMS = 16_384;
/** A read covers the entries that start in one DOFS chunk (dofs DEFAULT_CHUNK_SIZE). */
const SPAN = 1 << 20;

interface Group {
  pack: number;
  start: number;
  end: number;
  items: number[];
}

export class Prefetch {
  /** The batch's entries, one after another (one buffer: no heap object per entry until taken). */
  private buf = new Uint8Array(0);
  /** Item -> where its entry starts in buf. */
  private readonly at = new Map<number, number>();
  private groups: Group[] = [];
  private next = 0;
  /** Search positions below this were planned into a batch. */
  private until = 0;
  /** Reads made and bytes they covered (tests, traces). */
  reads = 0;

  constructor(
    private readonly store: ObjectStore,
    private readonly W: WorkList,
    private readonly order: Int32Array,
    /** Items whose stored entry the search reads as it is (whole objects it searches). */
    private readonly wanted: (i: number) => boolean,
  ) {}

  /** The stored entry of item i if the batch holds it (given out once). */
  take(i: number): Uint8Array | undefined {
    const p = this.at.get(i);
    if (p === undefined) return undefined;
    this.at.delete(i);
    return this.buf.subarray(p, p + this.W.end[i] - this.W.dataOffset[i]);
  }

  /** Makes the batch that covers search position `pos` ready; false when the budget ran out first. */
  ready(pos: number, budget: Budget): boolean {
    if (this.next >= this.groups.length && pos >= this.until) this.plan(pos);
    const W = this.W;
    while (this.next < this.groups.length) {
      const g = this.groups[this.next];
      const cost = PER_OBJECT + Math.ceil((g.end - g.start) / 8); // SQLite copies: ~8x the budget's 50 MB/s
      if (!budget.fits(cost)) return false;
      budget.spend(cost);
      const bytes = this.store.packs.readUncached(g.pack, g.start, g.end);
      this.reads++;
      for (const i of g.items) this.buf.set(bytes.subarray(W.dataOffset[i] - g.start, W.end[i] - g.start), this.at.get(i)!);
      this.next++;
    }
    return true;
  }

  private plan(pos: number): void {
    const W = this.W;
    this.at.clear();
    const items: number[] = [];
    let bytes = 0;
    let p = pos;
    for (; p < this.order.length && items.length < BATCH_ITEMS && bytes < BATCH_BYTES; p++) {
      const i = this.order[p];
      if (!this.wanted(i)) continue;
      items.push(i);
      bytes += W.end[i] - W.dataOffset[i];
    }
    this.until = p;
    this.buf = new Uint8Array(bytes);
    let o = 0;
    for (const i of items) {
      this.at.set(i, o);
      o += W.end[i] - W.dataOffset[i];
    }
    items.sort((a, b) => W.pack[a] - W.pack[b] || W.dataOffset[a] - W.dataOffset[b]);
    const groups: Group[] = [];
    let g: Group | null = null;
    for (const i of items) {
      const start = W.dataOffset[i];
      if (!g || g.pack !== W.pack[i] || Math.floor(start / SPAN) !== Math.floor(g.start / SPAN)) {
        g = { pack: W.pack[i], start, end: W.end[i], items: [] };
        groups.push(g);
      }
      g.end = Math.max(g.end, W.end[i]);
      g.items.push(i);
    }
    this.groups = groups;
    this.next = 0;
  }
}
