// The objects a repack rewrites, as columns of typed arrays indexed by item number (the order
// they were read in: pack, offset), with an open-addressing index by raw object id. A repack of
// a 140k-object store keeps ~60 bytes per object here instead of a JS object and a 40-char
// string each (the same reasoning as storage/entries.ts).
import { bytesToHex, hexToBytes } from '../../pack';
import type { ObjectRow } from '../object-store';
import { OidIndex, widen } from '../oid-index';

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
  private index: OidIndex;
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
    this.index = new OidIndex(c);
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
    this.index.insert(this.oids, i);
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
    return this.index.find(this.oids, buf, off);
  }

  findHex(hex: string): number {
    return this.find(hexToBytes(hex, this.scratch, 0), 0);
  }

  /** Bytes of memory held (for the heap budget and the status report). */
  bytes(): number {
    return this.type.length * 80 + this.index.bytes;
  }

  /** Makes room for `capacity` items at once: growing by halves to 140k objects left ~50k
   *  unused slots (5 MiB) live through the whole run and ~40 MiB of discarded copies behind. */
  reserve(capacity: number): void {
    if (capacity <= this.type.length) return;
    this.grow(capacity);
    if (this.n === 0) this.index = new OidIndex(capacity); // the index sized once too
  }

  private grow(to = Math.ceil(this.type.length * 1.5)): void {
    const c = to;
    this.oids = widen(this.oids, c * 20);
    this.type = widen(this.type, c);
    this.rawType = widen(this.rawType, c);
    this.size = widen(this.size, c);
    this.rawSize = widen(this.rawSize, c);
    this.pack = widen(this.pack, c);
    this.dataOffset = widen(this.dataOffset, c);
    this.end = widen(this.end, c);
    this.oldDepth = widen(this.oldDepth, c);
    this.hasBase = widen(this.hasBase, c);
    this.baseOids = widen(this.baseOids, c * 20);
    this.baseIdx = widen(this.baseIdx, c);
    this.nameHash = widen(this.nameHash, c);
    this.flags = widen(this.flags, c);
    this.time = widen(this.time, c);
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
