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
// earlier runs' garbage: 113-158 against 155-177 MiB). In profiles of 3 large-pack runs (load
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

  constructor(private readonly capacity: number) {}

  /** A view of key's content if still in the ring; an old one is moved to the front first. */
  get(key: number): Uint8Array | undefined {
    if (key >= this.at.length) return undefined;
    const p = this.at[key];
    if (p < 0) return undefined;
    const n = this.len[key];
    const ring = this.ring!;
    if (this.head - p > this.capacity) {
      // Only objects the ring has written over are forgotten (their positions lie behind by more than the capacity).
      this.at[key] = -1;
      return undefined;
    }
    const off = p % this.capacity;
    // Most of the ring written since: refresh it (an LRU's get), so a base many deltas use
    // stays. Copying forward can only overwrite what is older than it.
    if (this.head - p > (this.capacity * 3) / 4) return this.put(key, ring.subarray(off, off + n));
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
    if (this.ring === null) this.ring = new Uint8Array(this.capacity);
    let start = this.head;
    let off = start % this.capacity;
    if (off + n > this.capacity) {
      start += this.capacity - off;
      off = 0;
    }
    if (avoid !== undefined && avoid.buffer === this.ring.buffer) {
      const a = avoid.byteOffset - this.ring.byteOffset;
      if (a < off + n && off < a + avoid.length) return undefined;
    }
    this.head = start + n;
    this.roomAt = start;
    this.roomOff = off;
    this.roomLen = n;
    return this.ring.subarray(off, off + n);
  }

  private roomAt = -1;
  private roomOff = 0;
  private roomLen = 0;

  private put(key: number, data: Uint8Array): Uint8Array {
    if (this.ring === null) this.ring = new Uint8Array(this.capacity);
    if (key >= this.at.length) this.growTo(key + 1);
    const n = data.length;
    const inRoom = this.roomAt >= 0 && data.buffer === this.ring.buffer && data.byteOffset - this.ring.byteOffset === this.roomOff && n <= this.roomLen;
    const roomAt = this.roomAt;
    this.roomAt = -1;
    if (inRoom) {
      // Written in place (room()): only the bookkeeping, unless the ring moved on since.
      if (this.head - roomAt <= this.capacity) {
        this.at[key] = roomAt;
        this.len[key] = n;
        return data;
      }
    }
    let off = this.head % this.capacity;
    // Contiguous bytes only: a tail too short for it is skipped (counted as written).
    if (off + n > this.capacity) {
      this.head += this.capacity - off;
      off = 0;
    }
    // copyWithin when data is a view of the ring itself (a refresh): set() would copy it twice.
    if (data.buffer === this.ring.buffer) this.ring.copyWithin(off, data.byteOffset - this.ring.byteOffset, data.byteOffset - this.ring.byteOffset + n);
    else this.ring.set(data, off);
    this.at[key] = this.head;
    this.len[key] = n;
    this.head += n;
    return this.ring.subarray(off, off + n);
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
