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
   * The ring's length now: it starts at `initial` and doubles (up to the capacity) until the
   * first wrap, so a small pack does not pay for a 16 MiB ring (the small bench pack's heap +
   * ArrayBuffers peak was 43.7 MiB with a whole ring up front, 39.5 with the Map).
   */
  private size: number;

  constructor(private readonly capacity: number, initial = 1 << 20) {
    this.size = Math.min(capacity, initial);
  }

  /** The ring, grown if n more bytes would wrap it before it reached the capacity. */
  private fit(n: number): Uint8Array {
    if (this.ring !== null && (this.head + n <= this.size || this.size === this.capacity)) return this.ring;
    // Not wrapped yet (head <= size): every position is its offset, in the old buffer and the new.
    let size = this.ring === null ? this.size : 2 * this.size;
    while (size < this.head + n) size *= 2;
    size = Math.min(this.capacity, size);
    const grown = new Uint8Array(size);
    if (this.ring !== null) grown.set(this.ring.subarray(0, this.head));
    this.ring = grown;
    this.size = size;
    return grown;
  }

  /** A view of key's content if still in the ring; an old one is moved to the front first. */
  get(key: number): Uint8Array | undefined {
    if (key >= this.at.length) return undefined;
    const p = this.at[key];
    if (p < 0) return undefined;
    const n = this.len[key];
    const ring = this.ring!;
    if (this.head - p > this.size) {
      // Only objects the ring has written over are forgotten (their positions lie behind by more than the capacity).
      this.at[key] = -1;
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
