// The ingest's cache of resolved contents (delta bases), as one ring of bytes instead of a Map
// of arrays. With a Map every object of a pack got its own ArrayBuffer that lived in the cache
// long enough to reach V8's old generation, so evicted contents piled up as garbage until a
// full collection: indexing the large bench pack (76 MiB, 142k objects) peaked at ~150-185 MiB
// of heap + ArrayBuffers for a 38 MiB heap. Here the cache copies each object into a buffer
// allocated once; what it evicts is overwritten, never collected. Measured with the other
// reuses of this change (delta results, lent parser data, recycled body reads), same-window A/B
// of bench/index-ab.mjs against the Map version: CPU per run x0.88 on the large pack (medians of
// 4-5 rounds, load 2-5 on 2 cores), x0.85 on the small (6 rounds, load ~5); heap + ArrayBuffers
// peak of a first run 97-104 MiB against 149-181 MiB (later runs in the same isolate carry the
// earlier runs' garbage: 113-158 against 155-177 MiB). On a quiet machine (load ~1, 5 rounds):
// large pack CPU x0.880 (every round 0.876-0.912), wall 2640 -> 2502 ms; peaks 94/101/133 MiB
// against 172/159/155 over three runs in one isolate. In profiles of 3 large-pack runs (load
// ~2) the copy in cost ~150 ms per run (`put`, before room() made delta results in place), against
// ~100 ms less GC (200 -> 100) and the Map LRU's ~120 ms (its set/get) gone.
//
// get() answers a view into the ring: valid until the next set() or get() (either may write
// over it). Callers that keep a content across other cache calls must copy it.

/** Entries (keys) are small non-negative integers: a pack's entry numbers. */
export class ByteRing {
  private ring: Uint8Array | null = null;
  /** Absolute write position: bytes ever written, skipped tails included. */
  private head = 0;
  /** Per key: absolute position of its bytes (-1: not cached) and length. */
  private at = new Float64Array(0);
  private len = new Int32Array(0);

  /**
   * The ring's length now: it starts at `initial` and doubles (up to the capacity) only when it
   * proves too short: a get() found its key written over, or an object over a quarter of it
   * comes. Until then it wraps. Fresh memory is what a bigger ring costs most: on the bench
   * machine each MiB first written costs ~3 ms of page faults, and the old policy (double until
   * the first wrap) made every pack over 8 MiB of contents allocate and touch 1+2+4+8+16 MiB
   * (~65 ms of the small bench pack's ~350, `fit` in its CPU profile) although both bench packs'
   * deltas find their bases within the last 2 MiB (0-3 misses at 1 MiB, simulated from `git
   * verify-pack -v`). A pack whose bases lie further back pays one reread per doubling.
   */
  private size: number;
  /** A get() missed a key the ring had written over: the next write grows it first. */
  private tooShort = false;

  constructor(private readonly capacity: number, initial = 1 << 20) {
    this.size = Math.min(capacity, initial);
  }

  /** The ring's length now (tests). */
  get length(): number {
    return this.size;
  }

  /** The ring, grown first if it proved too short for what comes (see `size`). */
  private fit(n: number): Uint8Array {
    const short = this.size < this.capacity && (this.tooShort || n > this.size / 4);
    if (this.ring !== null && !short) return this.ring;
    let size = this.ring === null || !short ? this.size : 2 * this.size;
    while (size < 4 * n && size < this.capacity) size *= 2;
    size = Math.min(this.capacity, size);
    this.tooShort = false;
    const grown = new Uint8Array(size);
    if (this.ring !== null) this.moveTo(grown);
    this.ring = grown;
    this.size = size;
    return grown;
  }

  /**
   * Copies what the ring still holds (its last `size` bytes written) to the start of `grown`,
   * in write order, and renumbers the positions so: an object never straddled the old end, so
   * it lies whole in the copy, and the new ring has not wrapped.
   */
  private moveTo(grown: Uint8Array): void {
    const ring = this.ring!;
    const live = Math.min(this.head, this.size);
    const shift = this.head - live;
    const start = shift % this.size;
    const first = Math.min(live, this.size - start);
    grown.set(ring.subarray(start, start + first));
    if (first < live) grown.set(ring.subarray(0, live - first), first);
    if (shift > 0) {
      const at = this.at;
      for (let k = 0; k < at.length; k++) {
        const p = at[k];
        if (p >= 0) at[k] = this.head - p > this.size ? -1 : p - shift;
      }
    }
    this.head = live;
    this.roomAt = -1;
  }

  /** A view of key's content if still in the ring; an old one is moved to the front first. */
  get(key: number): Uint8Array | undefined {
    if (key >= this.at.length) return undefined;
    const p = this.at[key];
    if (p < 0) return undefined;
    const n = this.len[key];
    const ring = this.ring!;
    if (this.head - p > this.size) {
      // Only objects the ring has written over are forgotten (their positions lie behind by more
      // than its length): a ring short of its capacity grows at the next write.
      this.at[key] = -1;
      this.tooShort = true;
      return undefined;
    }
    const off = p % this.size;
    // Most of the ring written since: refresh it (an LRU's get), so a base many deltas use
    // stays. Copying forward can only overwrite what is older than it.
    if (this.head - p > (this.size * 3) / 4) return this.put(key, ring.subarray(off, off + n));
    return ring.subarray(off, off + n);
  }

  /**
   * Copies data in and answers the copy (a view, as get's); objects over a quarter of the
   * capacity are not kept (as in ByteLru) and answered as given.
   */
  set(key: number, data: Uint8Array): Uint8Array {
    if (data.length > this.capacity / 4) return data;
    return this.put(key, data);
  }

  /**
   * Room for n bytes at the front, for the caller to write an object into and then set() it
   * without a copy (delta results are made in place). The room counts as written from now on,
   * so what it covers is forgotten even if set() never comes. Undefined if n is over the limit
   * or the room would cover `avoid` (a view of the ring the caller reads while it writes).
   */
  room(n: number, avoid?: Uint8Array): Uint8Array | undefined {
    if (n > this.capacity / 4 || n === 0) return undefined;
    const ring = this.fit(n);
    let start = this.head;
    let off = start % this.size;
    if (off + n > this.size) {
      start += this.size - off;
      off = 0;
    }
    if (avoid !== undefined && avoid.buffer === ring.buffer) {
      const a = avoid.byteOffset - ring.byteOffset;
      if (a < off + n && off < a + avoid.length) return undefined;
    }
    this.head = start + n;
    this.roomAt = start;
    this.roomOff = off;
    this.roomLen = n;
    return ring.subarray(off, off + n);
  }

  private roomAt = -1;
  private roomOff = 0;
  private roomLen = 0;

  private put(key: number, data: Uint8Array): Uint8Array {
    if (key >= this.at.length) this.growTo(key + 1);
    const n = data.length;
    const inRoom = this.ring !== null && this.roomAt >= 0 && data.buffer === this.ring.buffer && data.byteOffset - this.ring.byteOffset === this.roomOff && n <= this.roomLen;
    const roomAt = this.roomAt;
    this.roomAt = -1;
    if (inRoom) {
      // Written in place (room()): only the bookkeeping, unless the ring moved on since.
      if (this.head - roomAt <= this.size) {
        this.at[key] = roomAt;
        this.len[key] = n;
        return data;
      }
    }
    const ring = this.fit(n);
    let off = this.head % this.size;
    // Contiguous bytes only: a tail too short for it is skipped (counted as written).
    if (off + n > this.size) {
      this.head += this.size - off;
      off = 0;
    }
    // copyWithin when data is a view of the ring itself (a refresh): set() would copy it twice.
    if (data.buffer === ring.buffer) ring.copyWithin(off, data.byteOffset - ring.byteOffset, data.byteOffset - ring.byteOffset + n);
    else ring.set(data, off);
    this.at[key] = this.head;
    this.len[key] = n;
    this.head += n;
    return ring.subarray(off, off + n);
  }

  private growTo(n: number): void {
    const cap = Math.max(n, this.at.length * 2, 1024);
    const at = new Float64Array(cap).fill(-1);
    at.set(this.at);
    const len = new Int32Array(cap);
    len.set(this.len);
    this.at = at;
    this.len = len;
  }
}
