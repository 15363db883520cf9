// A hash table from 20-byte object ids (read in place from tree data) to a small number.
// A push references every tree entry of every tree (millions of entries for a big repository,
// mostly repeats): looking them up by their raw bytes avoids building and hashing a 40-char
// string per entry (measured: this was the largest cost of indexing a 133k-object push).
import { bytesToHex, hexToBytes } from '../pack';

export class OidTable {
  private keys: Uint8Array;
  private vals: Uint8Array; // 0 = empty slot
  private mask: number;
  private count = 0;
  private readonly scratch = new Uint8Array(20);

  constructor(capacity = 1 << 14) {
    let cap = 16;
    while (cap < capacity) cap <<= 1;
    this.keys = new Uint8Array(cap * 20);
    this.vals = new Uint8Array(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Slot of the id at buf[off..off+20): where it is, or the empty slot where it would go. */
  private slot(buf: Uint8Array, off: number): number {
    let i = home(buf, off, this.mask);
    const keys = this.keys;
    for (;;) {
      if (this.vals[i] === 0) return i;
      const k = i * 20;
      let same = true;
      for (let j = 0; j < 20; j++) {
        if (keys[k + j] !== buf[off + j]) {
          same = false;
          break;
        }
      }
      if (same) return i;
      i = (i + 1) & this.mask;
    }
  }

  /** The value for the id at buf[off..], 0 if absent. */
  get(buf: Uint8Array, off = 0): number {
    return this.vals[this.slot(buf, off)];
  }

  /** Stores a non-zero value for the id at buf[off..]; returns the previous value (0 if new). */
  set(buf: Uint8Array, off: number, value: number): number {
    if (value <= 0 || value > 255) throw new RangeError('OidTable values are 1..255');
    let i = this.slot(buf, off);
    const prev = this.vals[i];
    if (prev === 0) {
      if ((this.count + 1) * 2 > this.vals.length) {
        this.grow();
        i = this.slot(buf, off);
      }
      const keys = this.keys;
      const k = i * 20;
      for (let j = 0; j < 20; j++) keys[k + j] = buf[off + j]; // no subarray per new id
      this.count++;
    }
    this.vals[i] = value;
    return prev;
  }

  /** Stores prev | bits (bits non-zero, the result within 1..255); returns the previous value. */
  or(buf: Uint8Array, off: number, bits: number): number {
    let i = this.slot(buf, off);
    const prev = this.vals[i];
    if (prev !== 0) {
      this.vals[i] = prev | bits;
      return prev;
    }
    // A new id goes into the empty slot just found (set() would look for it again); only a
    // table that must grow first is probed again.
    if (bits <= 0 || bits > 255) throw new RangeError('OidTable values are 1..255');
    if ((this.count + 1) * 2 > this.vals.length) {
      this.grow();
      i = this.slot(buf, off);
    }
    const keys = this.keys;
    const k = i * 20;
    for (let j = 0; j < 20; j++) keys[k + j] = buf[off + j];
    this.count++;
    this.vals[i] = bits;
    return 0;
  }

  orHex(oid: string, bits: number): number {
    return this.or(hexToBytes(oid, this.scratch, 0), 0, bits);
  }

  getHex(oid: string): number {
    return this.get(hexToBytes(oid, this.scratch, 0), 0);
  }

  setHex(oid: string, value: number): number {
    return this.set(hexToBytes(oid, this.scratch, 0), 0, value);
  }

  /** Calls fn(keys, off, value) for every id, which is keys[off..off+20) (valid during the call). */
  forEach(fn: (keys: Uint8Array, off: number, value: number) => void): void {
    const keys = this.keys;
    const vals = this.vals;
    for (let i = 0; i < vals.length; i++) if (vals[i] !== 0) fn(keys, i * 20, vals[i]);
  }

  /** Every (hex id, value) pair. */
  *entries(): Generator<[string, number]> {
    for (let i = 0; i < this.vals.length; i++) if (this.vals[i] !== 0) yield [bytesToHex(this.keys, i * 20), this.vals[i]];
  }

  clear(): void {
    this.keys = new Uint8Array(16 * 20);
    this.vals = new Uint8Array(16);
    this.mask = 15;
    this.count = 0;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldVals = this.vals;
    const keys = (this.keys = new Uint8Array(oldVals.length * 2 * 20));
    const vals = (this.vals = new Uint8Array(oldVals.length * 2));
    const mask = (this.mask = oldVals.length * 2 - 1);
    // The ids are distinct: each needs only an empty slot, found without comparing keys, and
    // is copied byte by byte (a subarray per id was a third of a big push's table upkeep).
    for (let i = 0; i < oldVals.length; i++) {
      if (oldVals[i] === 0) continue;
      const k = i * 20;
      let j = home(oldKeys, k, mask);
      while (vals[j] !== 0) j = (j + 1) & mask;
      const d = j * 20;
      for (let b = 0; b < 20; b++) keys[d + b] = oldKeys[k + b];
      vals[j] = oldVals[i];
    }
  }
}

/** Where the id at buf[off..] is looked for first. Object ids are uniformly random: their first
 *  bytes are a good hash. */
function home(buf: Uint8Array, off: number, mask: number): number {
  return ((buf[off] << 24) | (buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3]) & mask;
}
