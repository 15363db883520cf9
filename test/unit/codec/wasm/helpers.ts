// Helpers for the accelerator's differential tests (run inside workerd).
import { concat } from '../../pack/helpers';

export { concat };
export { randomBytes, rng, sameBytes } from '../../pack/helpers';

/** Text-like data: words from a small vocabulary, newlines; compresses like source code. */
export function textBytes(n: number, rand: () => number): Uint8Array {
  const words = ['alpha', 'beta', 'gamma', 'delta', 'pack', 'tree', 'commit', 'const', 'return', 'function', '{', '}', '=>', 'x'];
  const out = new Uint8Array(n);
  let o = 0;
  while (o < n) {
    const w = rand() % 11 === 0 ? '\n' : words[rand() % words.length] + ' ';
    for (let i = 0; i < w.length && o < n; i++) out[o++] = w.charCodeAt(i);
  }
  return out;
}

/** Long repeats at assorted distances (exercises every match-copy path). */
export function repeatBytes(n: number, rand: () => number): Uint8Array {
  const out = new Uint8Array(n);
  let o = 0;
  while (o < n) {
    if (o > 0 && rand() % 3 !== 0) {
      const dist = 1 + (rand() % Math.min(o, [1, 2, 3, 7, 8, 9, 16, 300, 40000][rand() % 9]));
      const len = 3 + (rand() % 300);
      for (let i = 0; i < len && o < n; i++, o++) out[o] = out[o - dist];
    } else {
      const len = 1 + (rand() % 20);
      for (let i = 0; i < len && o < n; i++) out[o++] = rand() & 0xff;
    }
  }
  return out;
}

/** What a call did: its value, or the class and message of what it threw. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: string; message: string };

export function outcome<T>(f: () => T): Outcome<T> {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    const err = e as Error;
    return { ok: false, error: err?.name ?? String(e), message: err?.message ?? String(e) };
  }
}

export function hexOf(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** A short printable description of a byte array (for failure messages). */
export function describe(b: Uint8Array): string {
  const head = Array.from(b.subarray(0, 24), (x) => x.toString(16).padStart(2, '0')).join('');
  return `${b.length} bytes ${head}${b.length > 24 ? '…' : ''}`;
}

/** LSB-first bit writer for hand-made deflate streams. */
export class BitWriter {
  private bytes: number[] = [];
  private acc = 0;
  private n = 0;
  bits(value: number, count: number): this {
    for (let i = 0; i < count; i++) {
      this.acc |= ((value >>> i) & 1) << this.n;
      if (++this.n === 8) {
        this.bytes.push(this.acc);
        this.acc = 0;
        this.n = 0;
      }
    }
    return this;
  }
  /** A Huffman code is written MSB-first. */
  code(code: number, len: number): this {
    for (let i = len - 1; i >= 0; i--) this.bits((code >>> i) & 1, 1);
    return this;
  }
  align(): this {
    if (this.n > 0) this.bits(0, 8 - this.n);
    return this;
  }
  bytesOut(): Uint8Array {
    const out = [...this.bytes];
    if (this.n > 0) out.push(this.acc);
    return new Uint8Array(out);
  }
}

/** Fixed-Huffman literal/length code for a symbol (RFC 1951 3.2.6). */
export function fixedLit(w: BitWriter, sym: number): void {
  if (sym < 144) w.code(0x30 + sym, 8);
  else if (sym < 256) w.code(0x190 + sym - 144, 9);
  else if (sym < 280) w.code(sym - 256, 7);
  else w.code(0xc0 + sym - 280, 8);
}

export function adler32(d: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < d.length; i++) {
    a = (a + d[i]) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** Wraps a raw deflate body in a zlib header and the Adler-32 of `data`. */
export function zlibWrap(body: Uint8Array, data: Uint8Array, header = [0x78, 0x9c]): Uint8Array {
  const a = adler32(data);
  return concat(new Uint8Array(header), body, new Uint8Array([a >>> 24, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff]));
}
