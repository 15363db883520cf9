// The byte window a pack parser reads through, apart from the parsing: chunks arrive in any size,
// are parsed in place when nothing is left over (no copy), are copied into a growable buffer only
// when an entry straddles chunks, and consumed bytes are hashed in bulk for the trailer check.
// PackParser extends it and reads buf[ws, we) directly, as it did when this lived in parser.ts.
import { createHash, type Hash } from 'node:crypto';

export const EMPTY = new Uint8Array(0);

export class PackWindow {
  protected readonly hash: Hash = createHash('sha1');

  // The window: buf[ws, we) are unconsumed bytes; buf[ws] is at pack offset `pos`.
  // `owned` says whether buf is ours (growable) or a caller's chunk we only read.
  protected buf: Uint8Array = EMPTY;
  protected ws = 0;
  protected hashFrom = 0;
  protected we = 0;
  protected owned = false;
  protected pos = 0;

  /** Adds a chunk to the window; when the window is empty, parse the chunk in place (no copy). */
  protected append(chunk: Uint8Array): void {
    this.flushHash();
    const have = this.we - this.ws;
    if (have === 0) {
      this.buf = chunk;
      this.ws = 0;
      this.we = chunk.length;
      this.hashFrom = 0;
      this.owned = false;
      return;
    }
    if (!this.owned || this.we + chunk.length > this.buf.length) {
      const need = have + chunk.length;
      if (this.owned && need <= this.buf.length) {
        this.buf.copyWithin(0, this.ws, this.we);
      } else {
        const cap = this.owned ? Math.max(need, this.buf.length * 2) : Math.max(need, 64 * 1024);
        const grown = new Uint8Array(cap);
        grown.set(this.buf.subarray(this.ws, this.we));
        this.buf = grown;
        this.owned = true;
      }
      this.ws = 0;
      this.we = have;
      this.hashFrom = 0;
    }
    this.buf.set(chunk, this.we);
    this.we += chunk.length;
  }

  /** After parsing, stop referencing a caller's chunk: copy what is left into our own buffer. */
  protected detach(): void {
    this.flushHash();
    const have = this.we - this.ws;
    if (have === 0) {
      this.buf = EMPTY;
      this.ws = this.we = this.hashFrom = 0;
      this.owned = false;
    } else if (!this.owned || (this.buf.length > 8 << 20 && have * 4 < this.buf.length)) {
      // Copy a caller's chunk we must not keep, or shrink a buffer a big entry left oversized.
      this.buf = this.buf.slice(this.ws, this.we);
      this.ws = this.hashFrom = 0;
      this.we = have;
      this.owned = true;
    }
  }

  /** Drops n consumed bytes from the front of the window (they are hashed later, in bulk). */
  protected consume(n: number): void {
    this.ws += n;
    this.pos += n;
  }

  /**
   * Feeds consumed-but-unhashed bytes buf[hashFrom, ws) to the SHA-1. Called
   * before the window buffer is replaced or moved, and before the trailer is
   * checked: one hash call per chunk instead of one per entry.
   */
  protected flushHash(): void {
    if (this.ws > this.hashFrom) this.hash.update(this.buf.subarray(this.hashFrom, this.ws));
    this.hashFrom = this.ws;
  }
}
