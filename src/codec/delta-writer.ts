// Writes git delta instructions (copy from the base, insert literal bytes) into a growing byte
// array: what the commit path's hand-made deltas (delta-splice.ts, src/commit/tree-delta.ts) share.

const MAX_COPY = 0x10000; // git never emits longer copies; some decoders assume it
const MAX_INSERT = 0x7f;

export class DeltaWriter {
  private out: Uint8Array;
  private n = 0;
  /** Literal bytes written so far (what the delta does not copy). */
  inserted = 0;

  constructor(baseSize: number, resultSize: number, capacity = 64) {
    this.out = new Uint8Array(Math.max(capacity, 32));
    this.size(baseSize);
    this.size(resultSize);
  }

  get length(): number {
    return this.n;
  }

  private room(k: number): void {
    if (this.n + k <= this.out.length) return;
    const grown = new Uint8Array(Math.max(this.out.length * 2, this.n + k));
    grown.set(this.out.subarray(0, this.n));
    this.out = grown;
  }

  private size(v: number): void {
    this.room(10);
    while (v >= 0x80) {
      this.out[this.n++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.out[this.n++] = v;
  }

  /** Copies `len` bytes of the base from `off`. */
  copy(off: number, len: number): void {
    while (len > 0) {
      const k = Math.min(len, MAX_COPY);
      this.room(8);
      const at = this.n++;
      let op = 0x80;
      for (let i = 0; i < 4; i++) {
        const b = (off >>> (8 * i)) & 0xff;
        if (b !== 0) {
          op |= 1 << i;
          this.out[this.n++] = b;
        }
      }
      if (k !== MAX_COPY) {
        // 0x10000 is written as no size bytes at all
        for (let i = 0; i < 3; i++) {
          const b = (k >>> (8 * i)) & 0xff;
          if (b !== 0) {
            op |= 0x10 << i;
            this.out[this.n++] = b;
          }
        }
      }
      this.out[at] = op;
      off += k;
      len -= k;
    }
  }

  /** Inserts bytes [start, end) of `src`. */
  insert(src: Uint8Array, start: number, end: number): void {
    this.inserted += end - start;
    for (let p = start; p < end; p += MAX_INSERT) {
      const k = Math.min(MAX_INSERT, end - p);
      this.room(k + 1);
      this.out[this.n++] = k;
      this.out.set(src.subarray(p, p + k), this.n);
      this.n += k;
    }
  }

  finish(): Uint8Array {
    return this.out.slice(0, this.n);
  }
}
