// An open-addressing index of item numbers keyed by 20-byte object ids that the caller keeps in
// its own column (`oids`, 20 bytes per item). The columnar lists (storage/entries.ts for an
// ingested pack, storage/housekeeping/work.ts for a repack) use it so that a list of 140k objects
// finds an id without a JS object or a 40-char string per item. (OidTable, oid-table.ts, is the
// other shape: it owns its keys and maps them to a small value.)

export class OidIndex {
  /** Item number + 1 per slot, 0 = empty. */
  private slots: Int32Array;
  private used = 0;

  constructor(capacity = 1024) {
    let s = 16;
    while (s < capacity * 2) s <<= 1;
    this.slots = new Int32Array(s);
  }

  /** Items indexed. */
  get size(): number {
    return this.used;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.slots.byteLength;
  }

  /** Item number of the id at buf[off..off+20), -1 if not indexed. */
  find(oids: Uint8Array, buf: Uint8Array, off: number): number {
    return this.slots[this.slot(oids, buf, off)] - 1;
  }

  /** Indexes item i by its id (oids[i*20..]); false (nothing changed) if the id is already indexed. */
  insert(oids: Uint8Array, i: number): boolean {
    const s = this.slot(oids, oids, i * 20);
    if (this.slots[s] !== 0) return false;
    if ((this.used + 1) * 2 > this.slots.length) {
      this.rehash(oids, this.slots.length * 2);
      this.slots[this.slot(oids, oids, i * 20)] = i + 1;
    } else {
      this.slots[s] = i + 1;
    }
    this.used++;
    return true;
  }

  /** Room for n items without a rehash on the way (oids: as for insert). */
  reserve(oids: Uint8Array, n: number): void {
    let s = this.slots.length;
    while (s < n * 2) s <<= 1;
    if (s > this.slots.length) this.rehash(oids, s);
  }

  /** Every indexed item number, in slot order. */
  items(): Int32Array {
    const out = new Int32Array(this.used);
    const slots = this.slots;
    let n = 0;
    // Indexed, not for-of: this runs once per push, often before V8 has optimized it, and an
    // iterator step per slot is what unoptimized code pays most for (65k slots for 20k objects).
    for (let k = 0; k < slots.length; k++) if (slots[k] !== 0) out[n++] = slots[k] - 1;
    return out;
  }

  /** Where the id at buf[off..] is, or the empty slot where it would go. */
  private slot(oids: Uint8Array, buf: Uint8Array, off: number): number {
    // object ids are uniformly random: their first bytes are a good hash
    const slots = this.slots;
    const mask = slots.length - 1;
    let s = ((buf[off] << 24) | (buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3]) & mask;
    for (;;) {
      const v = slots[s];
      if (v === 0) return s;
      const k = (v - 1) * 20;
      let j = 0;
      while (j < 20 && oids[k + j] === buf[off + j]) j++;
      if (j === 20) return s;
      s = (s + 1) & mask;
    }
  }

  private rehash(oids: Uint8Array, size: number): void {
    const old = this.slots;
    this.slots = new Int32Array(size);
    for (let k = 0; k < old.length; k++) {
      const v = old[k];
      if (v !== 0) this.slots[this.slot(oids, oids, (v - 1) * 20)] = v;
    }
  }
}

type Column = Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array;

/** A copy of a typed-array column with room for `len` elements (the columns grow together). */
export function widen<T extends Column>(a: T, len: number): T {
  const b = new (a.constructor as new (n: number) => T)(len);
  b.set(a);
  return b;
}
