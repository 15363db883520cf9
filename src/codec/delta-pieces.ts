// A git delta applied a piece of its result at a time, for objects big enough that applying it in
// one call would hold a Durable Object too long: making a 64 MiB object took 234-358 ms (mostly
// the page faults of a fresh 64 MiB buffer, ~3-5 ms per MiB touched). Same checks and errors as
// applyDelta (delta.ts), which stays the one-call path for everything else.
import { checkDeltaHeader } from './delta';
import { PackError } from './errors';

export class DeltaPieces {
  readonly out: Uint8Array;
  private p: number;
  private o = 0;
  /** The instruction being carried out: `left` bytes from `src` at `from`. */
  private src: Uint8Array;
  private from = 0;
  private left = 0;

  constructor(
    private readonly base: Uint8Array,
    private readonly delta: Uint8Array,
    maxResultSize: number,
  ) {
    const { resultSize, start } = checkDeltaHeader(base.length, delta, maxResultSize);
    this.out = new Uint8Array(resultSize);
    this.p = start;
    this.src = base;
  }

  /** Bytes of the result made so far. */
  get made(): number {
    return this.o;
  }

  /** Makes up to `bytes` more of the result; true once all of it is made (and checked). */
  step(bytes: number): boolean {
    let room = bytes;
    while (room > 0) {
      if (this.left > 0) {
        const n = Math.min(this.left, room);
        this.out.set(this.src.subarray(this.from, this.from + n), this.o);
        this.o += n;
        this.from += n;
        this.left -= n;
        room -= n;
        continue;
      }
      if (this.p >= this.delta.length) break;
      this.next();
    }
    if (this.left > 0 || this.p < this.delta.length) return false;
    if (this.o !== this.out.length) throw new PackError(`delta produced ${this.o} bytes but declares a result of ${this.out.length} bytes`);
    return true;
  }

  /** Decodes the next instruction into src/from/left, checking it against the sizes. */
  private next(): void {
    const d = this.delta;
    const n = d.length;
    const op = d[this.p++];
    if (op === 0) throw new PackError(`delta contains the reserved opcode 0 at byte ${this.p - 1}`);
    let size: number;
    if (op & 0x80) {
      let off = 0;
      size = 0;
      let p = this.p;
      for (let bit = 0; bit < 4; bit++) if (op & (1 << bit)) off += d[p++] * 2 ** (8 * bit);
      for (let bit = 0; bit < 3; bit++) if (op & (0x10 << bit)) size += d[p++] * 2 ** (8 * bit);
      if (p > n) throw new PackError('delta truncated inside a copy instruction');
      this.p = p;
      if (size === 0) size = 0x10000;
      if (off + size > this.base.length) throw new PackError(`delta copies bytes ${off}..${off + size} from a base of ${this.base.length} bytes`);
      this.src = this.base;
      this.from = off;
    } else {
      size = op;
      if (this.p + size > n) throw new PackError('delta insert instruction runs past the end of the delta');
      this.src = d;
      this.from = this.p;
      this.p += size;
    }
    // what is already queued plus this instruction must fit the declared result
    if (this.o + size > this.out.length) throw new PackError(`delta writes past its declared result size of ${this.out.length} bytes`);
    this.left = size;
  }
}
