// Git delta format (pack-format.txt, "Deltified representation"):
//   varint base size, varint result size, then instructions:
//   1xxxxxxx: copy from base; bits 0-3 say which offset bytes follow (LE),
//             bits 4-6 which size bytes follow; size 0 means 0x10000.
//   0xxxxxxx: insert the next x (1..127) bytes of the delta. 0 is reserved.
import { PackError } from './errors';

/** Largest result applyDelta will allocate unless told otherwise. */
const DEFAULT_MAX_RESULT = 0x7fffffff;

/** Reads the size varint at delta[pos]; returns [value, next position]. */
function readSize(delta: Uint8Array, pos: number, what: string): [number, number] {
  let value = 0;
  let mul = 1;
  for (;;) {
    if (pos >= delta.length) throw new PackError(`delta truncated in its ${what} size header`);
    const c = delta[pos++];
    value += (c & 0x7f) * mul;
    if (!(c & 0x80)) return [value, pos];
    mul *= 128;
    if (mul > 2 ** 49) throw new PackError(`delta ${what} size header is too long`);
  }
}

/** The base size a delta declares. */
export function deltaBaseSize(delta: Uint8Array): number {
  return readSize(delta, 0, 'base')[0];
}

/** The result size a delta declares (without applying it). */
export function deltaResultSize(delta: Uint8Array): number {
  const [, p] = readSize(delta, 0, 'base');
  return readSize(delta, p, 'result')[0];
}

/**
 * Checks a delta's header against its base and a limit, before anything is allocated: a few
 * bytes of delta can declare a result of gigabytes (copies of the same base bytes, over and
 * over). Returns the declared result size and where the instructions start.
 */
export function checkDeltaHeader(baseLength: number, delta: Uint8Array, maxResultSize = DEFAULT_MAX_RESULT): { resultSize: number; start: number } {
  const [baseSize, p0] = readSize(delta, 0, 'base');
  if (baseSize !== baseLength) {
    throw new PackError(`delta expects a base of ${baseSize} bytes but the base has ${baseLength}`);
  }
  const [resultSize, start] = readSize(delta, p0, 'result');
  if (resultSize > maxResultSize) {
    throw new PackError(`delta result of ${resultSize} bytes exceeds the limit of ${maxResultSize}`);
  }
  return { resultSize, start };
}

/**
 * Applies a delta to its base. Every instruction is bounds-checked, so a
 * hostile delta produces a PackError, never an out-of-range read or a result
 * of a size other than the declared one.
 */
export function applyDelta(base: Uint8Array, delta: Uint8Array, maxResultSize = DEFAULT_MAX_RESULT, into?: Uint8Array): Uint8Array {
  const n = delta.length;
  const { resultSize, start: p1 } = checkDeltaHeader(base.length, delta, maxResultSize);
  // `into`: the caller's reusable buffer, used when large enough (the result is a view of it).
  const out = into !== undefined && into.length >= resultSize ? into.subarray(0, resultSize) : new Uint8Array(resultSize);
  let p = p1;
  let o = 0;
  while (p < n) {
    const op = delta[p++];
    if (op & 0x80) {
      let off = 0;
      let size = 0;
      if (op & 0x01) off = delta[p++];
      if (op & 0x02) off |= delta[p++] << 8;
      if (op & 0x04) off |= delta[p++] << 16;
      if (op & 0x08) off += delta[p++] * 0x1000000; // += keeps it positive past 2^31
      if (op & 0x10) size = delta[p++];
      if (op & 0x20) size |= delta[p++] << 8;
      if (op & 0x40) size |= delta[p++] << 16;
      if (p > n) throw new PackError('delta truncated inside a copy instruction');
      if (size === 0) size = 0x10000;
      if (off + size > base.length) {
        throw new PackError(`delta copies bytes ${off}..${off + size} from a base of ${base.length} bytes`);
      }
      if (o + size > resultSize) {
        throw new PackError(`delta writes past its declared result size of ${resultSize} bytes`);
      }
      if (size <= 16) {
        for (let i = 0; i < size; i++) out[o + i] = base[off + i];
      } else {
        out.set(base.subarray(off, off + size), o);
      }
      o += size;
    } else if (op !== 0) {
      if (p + op > n) throw new PackError('delta insert instruction runs past the end of the delta');
      if (o + op > resultSize) {
        throw new PackError(`delta writes past its declared result size of ${resultSize} bytes`);
      }
      if (op <= 16) {
        for (let i = 0; i < op; i++) out[o + i] = delta[p + i];
      } else {
        out.set(delta.subarray(p, p + op), o);
      }
      p += op;
      o += op;
    } else {
      throw new PackError(`delta contains the reserved opcode 0 at byte ${p - 1}`);
    }
  }
  if (o !== resultSize) {
    throw new PackError(`delta produced ${o} bytes but declares a result of ${resultSize} bytes`);
  }
  return out;
}

// ---------------------------------------------------------------- encoder
//
// Like git's diff-delta: index the base by a hash of every aligned 16-byte
// block, slide a rolling hash over the target, and at each position look the
// hash up; a hit is verified and extended forwards (and backwards over bytes
// not yet emitted) into the longest copy, anything else becomes inserts.

const BLOCK = 16;
const HASH_MUL = 0x01000193; // odd multiplier of the polynomial rolling hash
const MAX_CHAIN = 64; // candidates tried per position (git's HASH_LIMIT)
const GOOD_ENOUGH = 4096; // stop looking for longer matches past this
const MAX_COPY = 0x10000; // git never emits longer copies; some decoders assume it

// HASH_MUL^(BLOCK-1) mod 2^32, to remove the byte leaving the window.
const OUT_MUL = (() => {
  let m = 1;
  for (let i = 0; i < BLOCK - 1; i++) m = Math.imul(m, HASH_MUL);
  return m;
})();

function blockHash(d: Uint8Array, p: number): number {
  let h = 0;
  for (let i = 0; i < BLOCK; i++) h = (Math.imul(h, HASH_MUL) + d[p + i]) | 0;
  return h;
}

function writeSize(out: Uint8Array, o: number, v: number): number {
  while (v >= 0x80) {
    out[o++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  out[o++] = v;
  return o;
}

/** A hash index of one base, reusable for deltas of many targets against it. */
export class DeltaIndex {
  readonly base: Uint8Array;
  private readonly head: Int32Array; // bucket -> block number + 1 (0 = empty)
  private readonly next: Int32Array; // block number -> next block number + 1
  private readonly shift: number;

  constructor(base: Uint8Array) {
    if (base.length >= 2 ** 32) throw new PackError('delta base too large (>= 4 GiB)');
    this.base = base;
    const blocks = Math.floor(base.length / BLOCK);
    let bits = 4;
    while (1 << bits < blocks && bits < 24) bits++;
    this.shift = 32 - bits;
    this.head = new Int32Array(1 << bits);
    this.next = new Int32Array(Math.max(blocks, 1));
    // Insert back to front so each chain starts at the lowest offset. Runs of
    // identical blocks (zero padding...) keep only their first block: a match
    // found there extends through the whole run anyway.
    let prevHash = 0;
    let prevBlock = -1;
    for (let b = blocks - 1; b >= 0; b--) {
      const h = blockHash(base, b * BLOCK);
      if (prevBlock >= 0 && h === prevHash && this.sameBlock(b, prevBlock)) {
        this.replaceHead(h, prevBlock, b);
      } else {
        const bucket = Math.imul(h, 0x9e3779b1) >>> this.shift;
        this.next[b] = this.head[bucket];
        this.head[bucket] = b + 1;
      }
      prevHash = h;
      prevBlock = b;
    }
  }

  private sameBlock(a: number, b: number): boolean {
    const d = this.base;
    for (let i = 0; i < BLOCK; i++) if (d[a * BLOCK + i] !== d[b * BLOCK + i]) return false;
    return true;
  }

  /** Block `from` (the head of its bucket) is replaced by the identical, earlier block `to`. */
  private replaceHead(h: number, from: number, to: number): void {
    const bucket = Math.imul(h, 0x9e3779b1) >>> this.shift;
    if (this.head[bucket] === from + 1) {
      this.next[to] = this.next[from];
      this.head[bucket] = to + 1;
    } else {
      this.next[to] = this.head[bucket];
      this.head[bucket] = to + 1;
    }
  }

  /**
   * Encodes `target` as a delta against the base. With maxSize, gives up and
   * returns null as soon as the delta would exceed maxSize bytes.
   */
  delta(target: Uint8Array): Uint8Array;
  delta(target: Uint8Array, maxSize: number): Uint8Array | null;
  delta(target: Uint8Array, maxSize = Infinity): Uint8Array | null {
    const base = this.base;
    const blen = base.length;
    const tlen = target.length;
    const head = this.head;
    const next = this.next;
    const shift = this.shift;

    let out = new Uint8Array(Math.min(64 + tlen + (tlen >> 6), 1 << 16));
    let o = 0;
    const reserve = (k: number): boolean => {
      if (o + k > maxSize) return false;
      if (o + k > out.length) {
        const grown = new Uint8Array(Math.max(out.length * 2, o + k));
        grown.set(out.subarray(0, o));
        out = grown;
      }
      return true;
    };
    const insert = (from: number, to: number): boolean => {
      while (from < to) {
        const len = Math.min(127, to - from);
        if (!reserve(len + 1)) return false;
        out[o++] = len;
        out.set(target.subarray(from, from + len), o);
        o += len;
        from += len;
      }
      return true;
    };
    const copy = (off: number, len: number): boolean => {
      while (len > 0) {
        const size = Math.min(len, MAX_COPY);
        if (!reserve(8)) return false;
        const at = o++;
        let op = 0x80;
        if (off & 0xff) { out[o++] = off & 0xff; op |= 0x01; }
        if (off & 0xff00) { out[o++] = (off >>> 8) & 0xff; op |= 0x02; }
        if (off & 0xff0000) { out[o++] = (off >>> 16) & 0xff; op |= 0x04; }
        if (off >= 0x1000000) { out[o++] = Math.floor(off / 0x1000000) & 0xff; op |= 0x08; }
        if (size !== 0x10000) {
          if (size & 0xff) { out[o++] = size & 0xff; op |= 0x10; }
          if (size & 0xff00) { out[o++] = (size >>> 8) & 0xff; op |= 0x20; }
          if (size & 0xff0000) { out[o++] = (size >>> 16) & 0xff; op |= 0x40; }
        }
        out[at] = op;
        off += size;
        len -= size;
      }
      return true;
    };

    if (!reserve(20)) return null;
    o = writeSize(out, o, blen);
    o = writeSize(out, o, tlen);

    let pending = 0; // start of target bytes not yet emitted
    let i = 0;
    let h = tlen >= BLOCK ? blockHash(target, 0) : 0;
    while (i + BLOCK <= tlen) {
      let bestLen = 0;
      let bestOff = 0;
      let chain = 0;
      for (let c = head[Math.imul(h, 0x9e3779b1) >>> shift]; c !== 0 && chain < MAX_CHAIN; c = next[c - 1], chain++) {
        const bo = (c - 1) * BLOCK;
        const max = Math.min(blen - bo, tlen - i);
        if (max <= bestLen || base[bo + bestLen] !== target[i + bestLen]) continue;
        let len = 0;
        while (len < max && base[bo + len] === target[i + len]) len++;
        if (len > bestLen) {
          bestLen = len;
          bestOff = bo;
          if (len === max || len >= GOOD_ENOUGH) break;
        }
      }
      if (bestLen >= BLOCK) {
        let s = i;
        while (s > pending && bestOff > 0 && base[bestOff - 1] === target[s - 1]) {
          s--;
          bestOff--;
          bestLen++;
        }
        if (!insert(pending, s) || !copy(bestOff, bestLen)) return null;
        i = s + bestLen;
        pending = i;
        if (i + BLOCK <= tlen) h = blockHash(target, i);
      } else {
        if (i + BLOCK < tlen) {
          h = (Math.imul(h - Math.imul(target[i], OUT_MUL), HASH_MUL) + target[i + BLOCK]) | 0;
        }
        i++;
      }
    }
    if (!insert(pending, tlen)) return null;
    return out.slice(0, o);
  }
}

/** A delta that turns `base` into `target` (or null if it would exceed maxSize bytes). */
export function createDelta(base: Uint8Array, target: Uint8Array): Uint8Array;
export function createDelta(base: Uint8Array, target: Uint8Array, maxSize: number): Uint8Array | null;
export function createDelta(base: Uint8Array, target: Uint8Array, maxSize = Infinity): Uint8Array | null {
  return new DeltaIndex(base).delta(target, maxSize);
}
