// The objects a repack rewrites, as columns of typed arrays indexed by item number (the order
// they were read in: pack, offset), with an open-addressing index by raw object id. A repack of
// a 140k-object store keeps ~60 bytes per object here instead of a JS object and a 40-char
// string each (the same reasoning as storage/entries.ts).
import { bytesToHex, hexToBytes } from '../../pack';
import type { ObjectRow } from '../object-store';

/** flags bits */
export const REACHED = 1; // reachable from a ref
export const YOUNG = 2; // kept only because it (or an object reaching it) is within the grace period
export const NAMED = 4; // name hash assigned

export class WorkList {
  n = 0;
  oids: Uint8Array;
  type: Uint8Array;
  rawType: Uint8Array;
  size: Uint32Array;
  rawSize: Uint32Array;
  pack: Int32Array;
  dataOffset: Float64Array;
  end: Float64Array;
  oldDepth: Uint16Array;
  /** Stored delta: 1 and the base id in baseOids; 0 for a whole object. */
  hasBase: Uint8Array;
  baseOids: Uint8Array;
  /** Item number of the stored delta's base, -1 if whole or the base is not an item. */
  baseIdx: Int32Array;
  nameHash: Uint32Array;
  flags: Uint8Array;
  /** When the object was first stored (ms): its pack's creation, or its cruft time. */
  time: Float64Array;
  private slots: Int32Array;
  private readonly scratch = new Uint8Array(20);

  constructor(capacity = 1024) {
    const c = Math.max(16, capacity);
    this.oids = new Uint8Array(c * 20);
    this.type = new Uint8Array(c);
    this.rawType = new Uint8Array(c);
    this.size = new Uint32Array(c);
    this.rawSize = new Uint32Array(c);
    this.pack = new Int32Array(c);
    this.dataOffset = new Float64Array(c);
    this.end = new Float64Array(c);
    this.oldDepth = new Uint16Array(c);
    this.hasBase = new Uint8Array(c);
    this.baseOids = new Uint8Array(c * 20);
    this.baseIdx = new Int32Array(c);
    this.nameHash = new Uint32Array(c);
    this.flags = new Uint8Array(c);
    this.time = new Float64Array(c);
    let s = 16;
    while (s < c * 2) s <<= 1;
    this.slots = new Int32Array(s);
  }

  /** Adds a stored object (an `objects` row); returns its item number, or -1 if already listed. */
  add(r: ObjectRow, time: number): number {
    if (this.findHex(r.oid) >= 0) return -1;
    if (this.n === this.type.length) this.grow();
    const i = this.n++;
    hexToBytes(r.oid, this.oids, i * 20);
    this.type[i] = r.type;
    this.rawType[i] = r.raw_type;
    this.size[i] = r.size;
    this.rawSize[i] = r.raw_size;
    this.pack[i] = r.pack_id;
    this.dataOffset[i] = r.data_offset;
    this.end[i] = r.end_offset;
    this.oldDepth[i] = Math.min(r.depth, 0xffff);
    this.hasBase[i] = r.base_oid === null ? 0 : 1;
    if (r.base_oid !== null) hexToBytes(r.base_oid, this.baseOids, i * 20);
    this.baseIdx[i] = -1;
    this.time[i] = time;
    if ((this.n * 2) > this.slots.length) this.rehash(this.slots.length * 2);
    else this.slots[this.slot(this.oids, i * 20)] = i + 1;
    return i;
  }

  /** Resolves each stored delta's base to an item number (after every item was added). */
  linkBases(): void {
    for (let i = 0; i < this.n; i++) this.baseIdx[i] = this.hasBase[i] ? this.find(this.baseOids, i * 20) : -1;
  }

  oidHex(i: number): string {
    return bytesToHex(this.oids, i * 20);
  }

  /** Item number of the id at buf[off..off+20), -1 if not listed. */
  find(buf: Uint8Array, off: number): number {
    return this.slots[this.slot(buf, off)] - 1;
  }

  findHex(hex: string): number {
    return this.find(hexToBytes(hex, this.scratch, 0), 0);
  }

  /** Bytes of memory held (for the heap budget and the status report). */
  bytes(): number {
    return this.type.length * 80 + this.slots.length * 4;
  }

  private slot(buf: Uint8Array, off: number): number {
    const mask = this.slots.length - 1;
    let s = ((buf[off] << 24) | (buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3]) & mask;
    const oids = this.oids;
    for (;;) {
      const v = this.slots[s];
      if (v === 0) return s;
      const k = (v - 1) * 20;
      let j = 0;
      while (j < 20 && oids[k + j] === buf[off + j]) j++;
      if (j === 20) return s;
      s = (s + 1) & mask;
    }
  }

  private rehash(size: number): void {
    this.slots = new Int32Array(size);
    for (let i = 0; i < this.n; i++) this.slots[this.slot(this.oids, i * 20)] = i + 1;
  }

  private grow(): void {
    const c = Math.ceil(this.type.length * 1.5);
    const wider = <T extends Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array>(a: T, len: number): T => {
      const b = new (a.constructor as new (n: number) => T)(len);
      b.set(a);
      return b;
    };
    this.oids = wider(this.oids, c * 20);
    this.type = wider(this.type, c);
    this.rawType = wider(this.rawType, c);
    this.size = wider(this.size, c);
    this.rawSize = wider(this.rawSize, c);
    this.pack = wider(this.pack, c);
    this.dataOffset = wider(this.dataOffset, c);
    this.end = wider(this.end, c);
    this.oldDepth = wider(this.oldDepth, c);
    this.hasBase = wider(this.hasBase, c);
    this.baseOids = wider(this.baseOids, c * 20);
    this.baseIdx = wider(this.baseIdx, c);
    this.nameHash = wider(this.nameHash, c);
    this.flags = wider(this.flags, c);
    this.time = wider(this.time, c);
  }
}

/**
 * git's pack_name_hash: a sortable number from the last ~16 non-space characters of a name, the
 * last ones weighing most, so files with the same name (and extension) sort together and their
 * versions meet in the delta window. We hash the entry name (git hashes the path, whose tail is
 * the name).
 */
export function nameHash(data: Uint8Array, start: number, end: number): number {
  let h = 0;
  for (let i = start; i < end; i++) {
    const c = data[i];
    if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) continue;
    h = ((h >>> 2) + (c << 24)) >>> 0;
  }
  return h;
}
