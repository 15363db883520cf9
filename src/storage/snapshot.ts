// A fork's snapshot: the packs of its origin (and of the origin's own snapshot) at fork time,
// immutable, published to the R2 bucket (storage/publish.ts). The fork's own DO reads them; it
// never asks the origin's DO. The object read path is synchronous (DO SQLite, DOFS) and R2 is
// not, so: every request into a DO with a snapshot first awaits ready(), which loads the
// snapshot's indexes (small) and, while the snapshot's packs fit the prefetch budget, their
// bytes; all of it into isolate-wide caches (packs are immutable, so every fork of an origin
// that runs in this isolate shares one copy). Bytes outside the caches make the synchronous
// reader throw NeedBytes; side-effect-free callers catch it, await fill() and run again
// (withSnapshotBytes), which reads the missing windows plus read-ahead.
import type { ObjectRow } from './object-store';
import { SnapshotIndex } from './snapshot-index';

export interface SnapshotPack {
  /** Local pack id is -seq: negative ids never clash with the DO's own packs. */
  seq: number;
  /** R2 key of the pack bytes; the index is at key + '.idx'. */
  key: string;
  size: number;
  objects: number;
}

/** Thrown by a synchronous read of snapshot bytes not in memory yet (see fill()). */
export class NeedBytes extends Error {
  constructor(
    readonly key: string,
    readonly start: number,
    readonly end: number,
  ) {
    super(`snapshot bytes not loaded: ${key} [${start}, ${end})`);
    this.name = 'NeedBytes';
  }
}

const WINDOW = 1024 * 1024;
/** A snapshot this small has all its pack bytes loaded before a request runs (no faults). */
export const PREFETCH_MAX = 32 * 1024 * 1024;
/** Read-ahead on a fault: the walk or pack that faulted will most likely read on. */
const READ_AHEAD = 4;

/** An isolate-wide LRU bounded by bytes (immutable values shared by every DO here). */
class SharedLru<V> {
  private readonly map = new Map<string, { v: V; n: number }>();
  private bytes = 0;
  constructor(private readonly max: number) {}
  get(k: string): V | undefined {
    const e = this.map.get(k);
    if (!e) return undefined;
    this.map.delete(k);
    this.map.set(k, e);
    return e.v;
  }
  set(k: string, v: V, n: number): void {
    const old = this.map.get(k);
    if (old) {
      this.bytes -= old.n;
      this.map.delete(k);
    }
    this.map.set(k, { v, n });
    this.bytes += n;
    while (this.bytes > this.max && this.map.size > 1) {
      const [first, e] = this.map.entries().next().value!;
      this.map.delete(first);
      this.bytes -= e.n;
    }
  }
}

const INDEXES = new SharedLru<SnapshotIndex>(32 * 1024 * 1024);
const WINDOWS = new SharedLru<Uint8Array>(48 * 1024 * 1024);

export class Snapshot {
  private readonly bySeq = new Map<number, SnapshotPack>();
  /** Newest first: an object in several packs is found in the latest. */
  private readonly order: SnapshotPack[];

  constructor(
    readonly packs: SnapshotPack[],
    private readonly bucket: R2Bucket | undefined,
    /** Test knob (ARBOR_SNAPSHOT_PREFETCH_BYTES): 0 makes every byte a fault. */
    private readonly prefetchMax = PREFETCH_MAX,
    /** Test knob (ARBOR_SNAPSHOT_WINDOW_BYTES): small windows make faults land mid-walk. */
    private readonly window = WINDOW,
  ) {
    for (const p of packs) this.bySeq.set(p.seq, p);
    this.order = [...packs].sort((a, b) => b.seq - a.seq);
  }

  /** Cache key of window `w` of pack `p` (the default size keeps the plain key). */
  private winKey(p: SnapshotPack, w: number): string {
    return this.window === WINDOW ? `${p.key}:${w}` : `${p.key}:${this.window}:${w}`;
  }

  get empty(): boolean {
    return this.packs.length === 0;
  }

  private r2(): R2Bucket {
    if (!this.bucket) throw new Error('this repository is a fork but the PACKS bucket binding is missing');
    return this.bucket;
  }

  /** Loads the indexes and, for a small snapshot, every pack byte. */
  async ready(): Promise<void> {
    const missing = this.packs.filter((p) => !INDEXES.get(p.key));
    await Promise.all(missing.map((p) => this.loadIndex(p)));
    const total = this.packs.reduce((s, p) => s + p.size, 0);
    if (total > this.prefetchMax) return;
    await Promise.all(this.packs.filter((p) => !this.hasAll(p)).map((p) => this.loadWhole(p)));
  }

  private async loadIndex(p: SnapshotPack): Promise<void> {
    const obj = await this.r2().get(`${p.key}.idx`);
    if (!obj) throw new Error(`published pack index ${p.key}.idx is missing`);
    const idx = new SnapshotIndex(new Uint8Array(await obj.arrayBuffer()));
    INDEXES.set(p.key, idx, idx.byteLength);
  }

  private hasAll(p: SnapshotPack): boolean {
    for (let w = 0; w * this.window < p.size; w++) if (!WINDOWS.get(this.winKey(p, w))) return false;
    return true;
  }

  private async loadWhole(p: SnapshotPack): Promise<void> {
    await this.loadWindows(p, 0, Math.ceil(p.size / this.window));
  }

  /** Windows [from, to) of pack `p`, in one ranged read. */
  private async loadWindows(p: SnapshotPack, from: number, to: number): Promise<void> {
    const offset = from * this.window;
    const length = Math.min(p.size, to * this.window) - offset;
    if (length <= 0) return;
    const obj = await this.r2().get(p.key, { range: { offset, length } });
    if (!obj) throw new Error(`published pack ${p.key} is missing`);
    const bytes = new Uint8Array(await obj.arrayBuffer());
    for (let w = from; w < to; w++) {
      const part = bytes.slice((w - from) * this.window, Math.min(bytes.length, (w - from + 1) * this.window));
      WINDOWS.set(this.winKey(p, w), part, part.length);
    }
  }

  /** Reads what a NeedBytes named, with read-ahead. */
  async fill(e: NeedBytes): Promise<void> {
    const p = this.packs.find((x) => x.key === e.key);
    if (!p) throw e;
    const last = Math.ceil(p.size / this.window);
    const from = Math.floor(e.start / this.window);
    const to = Math.min(last, Math.floor((e.end - 1) / this.window) + 1 + READ_AHEAD);
    await this.loadWindows(p, from, to);
  }

  private index(p: SnapshotPack): SnapshotIndex {
    const idx = INDEXES.get(p.key);
    if (!idx) throw new Error(`snapshot index ${p.key} not loaded (await ready() first)`);
    return idx;
  }

  /** Every pack with its (loaded) index, oldest first: the order its origin stored them in. */
  indexed(): { pack: SnapshotPack; idx: SnapshotIndex }[] {
    return [...this.order].reverse().map((pack) => ({ pack, idx: this.index(pack) }));
  }

  row(oid: string): ObjectRow | null {
    for (const p of this.order) {
      const idx = this.index(p);
      const i = idx.find(oid);
      if (i >= 0) return idx.row(i, -p.seq);
    }
    return null;
  }

  has(oid: string): boolean {
    for (const p of this.order) if (this.index(p).find(oid) >= 0) return true;
    return false;
  }

  withPrefix(prefix: string, limit: number): string[] {
    const all = new Set<string>();
    for (const p of this.order) for (const o of this.index(p).withPrefix(prefix, limit)) all.add(o);
    return [...all].sort().slice(0, limit);
  }

  count(): number {
    return this.packs.reduce((s, p) => s + p.objects, 0);
  }

  /** Bytes [start, end) of snapshot pack `packId` (negative), or NeedBytes. */
  read(packId: number, start: number, end: number): Uint8Array {
    const p = this.bySeq.get(-packId);
    if (!p) throw new Error(`no snapshot pack ${packId}`);
    const first = Math.floor(start / this.window);
    const last = Math.floor((end - 1) / this.window);
    const parts: Uint8Array[] = [];
    for (let w = first; w <= last; w++) {
      const win = WINDOWS.get(this.winKey(p, w));
      if (!win) throw new NeedBytes(p.key, start, end);
      parts.push(win);
    }
    if (parts.length === 1) return parts[0].subarray(start - first * this.window, end - first * this.window);
    const out = new Uint8Array(end - start);
    let o = 0;
    parts.forEach((win, k) => {
      const w = first + k;
      const from = w === first ? start - w * this.window : 0;
      const to = w === last ? end - w * this.window : win.length;
      out.set(win.subarray(from, to), o);
      o += to - from;
    });
    return out;
  }
}

/** A NeedBytes, even wrapped as a cause by a caller that re-threw it as its own error. */
export function needBytesIn(e: unknown): NeedBytes | null {
  for (let cur = e, i = 0; cur && i < 5; i++, cur = (cur as { cause?: unknown }).cause) if (cur instanceof NeedBytes) return cur;
  return null;
}

/**
 * Runs a side-effect-free (or transactional, rolled back on throw) `fn`; a fault for snapshot
 * bytes fetches them and runs it again. Never wrap work that already streamed or committed.
 */
export async function withSnapshotBytes<T>(snap: Snapshot | null, fn: () => T | Promise<T>, prefetch = true): Promise<T> {
  if (!snap || snap.empty) return fn();
  if (prefetch) await snap.ready();
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const need = needBytesIn(e);
      if (!need || attempt >= 200) throw e;
      await snap.fill(need);
    }
  }
}
