// The object index of one published pack (storage/publish.ts), as a fork reads it: fixed-size
// binary records sorted by object id, searched in place. Git's .idx gives only id -> offset; a
// fork needs every column of an `objects` row (entry bounds, type, size, delta base) to copy
// entries verbatim and resolve deltas without parsing pack headers, so the row is published as
// is. 64 bytes a record: the index of a 142k-object repository is ~9 MB, once per isolate.
import type { ObjectRow } from './object-store';

const REC = 64;
// Record layout: oid(20) offset(u32) data_offset(u32) end_offset(u32) size(u32) raw_size(u32)
// type(u8) raw_type(u8) depth(u16) base_oid(20, all zero = none).
const MAGIC = 0x41524958; // "ARIX"
const HEADER = 8;

function hexToBytes(hex: string, out: Uint8Array, at: number): void {
  for (let i = 0; i < 20; i++) out[at + i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
}

/** Hex digit value by char code (-1: not a lowercase hex digit); the search key's bytes. */
const HEX_VALUE = new Int16Array(128).fill(-256);
for (let i = 0; i < 16; i++) HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;
const FIND_KEY = new Uint8Array(20);

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function bytesToHex(b: Uint8Array, at: number): string {
  let s = '';
  for (let i = 0; i < 20; i++) s += HEX[b[at + i]];
  return s;
}

function u32(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`index value out of range: ${n}`);
  return n;
}

/** Serialises the rows of one pack (any order; sorted here). */
export function encodeIndex(rows: ObjectRow[]): Uint8Array {
  rows.sort((a, b) => (a.oid < b.oid ? -1 : a.oid > b.oid ? 1 : 0));
  const out = new Uint8Array(HEADER + rows.length * REC);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, MAGIC);
  dv.setUint32(4, rows.length);
  rows.forEach((r, i) => {
    const at = HEADER + i * REC;
    hexToBytes(r.oid, out, at);
    dv.setUint32(at + 20, u32(r.offset));
    dv.setUint32(at + 24, u32(r.data_offset));
    dv.setUint32(at + 28, u32(r.end_offset));
    dv.setUint32(at + 32, u32(r.size));
    dv.setUint32(at + 36, u32(r.raw_size));
    out[at + 40] = r.type;
    out[at + 41] = r.raw_type;
    dv.setUint16(at + 42, Math.min(r.depth, 0xffff));
    if (r.base_oid) hexToBytes(r.base_oid, out, at + 44);
  });
  return out;
}

/** One published pack's index, searched in place. */
export class SnapshotIndex {
  readonly count: number;
  private readonly dv: DataView;
  private order: Uint32Array | null = null;

  constructor(private readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < HEADER || this.dv.getUint32(0) !== MAGIC) throw new Error('not a published pack index');
    this.count = this.dv.getUint32(4);
    if (bytes.length !== HEADER + this.count * REC) throw new Error('truncated published pack index');
  }

  get byteLength(): number {
    return this.bytes.length;
  }

  /** Position of the record with id `oid` (40 hex digits), or -1: compared as bytes, no strings made. */
  find(oid: string): number {
    if (oid.length !== 40) return -1;
    const key = FIND_KEY;
    for (let k = 0; k < 20; k++) {
      const v = HEX_VALUE[oid.charCodeAt(2 * k)] * 16 + HEX_VALUE[oid.charCodeAt(2 * k + 1)];
      if (!(v >= 0 && v < 256)) return -1;
      key[k] = v;
    }
    const b = this.bytes;
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const at = HEADER + mid * REC;
      let c = 0;
      for (let k = 0; k < 20 && c === 0; k++) c = b[at + k] - key[k];
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return -1;
  }

  /** The record at `i` is a whole object (no delta base) of at least `minSize` bytes. */
  wholeAtLeast(i: number, minSize: number): boolean {
    const at = HEADER + i * REC;
    for (let k = 44; k < 64; k++) if (this.bytes[at + k] !== 0) return false;
    return this.dv.getUint32(at + 32) >= minSize;
  }

  /** The object id at `i`, as hex. */
  oid(i: number): string {
    return this.oidAt(i);
  }

  /** Record positions in pack order (by offset), computed once (indexes are immutable and shared). */
  byOffset(): Uint32Array {
    if (this.order) return this.order;
    const offs = new Float64Array(this.count);
    for (let i = 0; i < this.count; i++) offs[i] = this.dv.getUint32(HEADER + i * REC + 20);
    const order = new Uint32Array(this.count);
    for (let i = 0; i < this.count; i++) order[i] = i;
    order.sort((a, b) => offs[a] - offs[b]);
    this.order = order;
    return order;
  }

  /** Position of the first record whose oid is >= `hex` (a full id or a prefix). */
  private lowerBound(hex: string): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.oidAt(mid) < hex) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private oidAt(i: number): string {
    return bytesToHex(this.bytes, HEADER + i * REC);
  }

  /** The row at position `i`, as if it lived in pack `packId` of the local index. */
  row(i: number, packId: number): ObjectRow {
    const at = HEADER + i * REC;
    const d = this.dv;
    let base: string | null = null;
    for (let k = 44; k < 64; k++) {
      if (this.bytes[at + k] !== 0) {
        base = bytesToHex(this.bytes, at + 44);
        break;
      }
    }
    return {
      oid: this.oidAt(i),
      pack_id: packId,
      offset: d.getUint32(at + 20),
      data_offset: d.getUint32(at + 24),
      end_offset: d.getUint32(at + 28),
      size: d.getUint32(at + 32),
      raw_size: d.getUint32(at + 36),
      type: this.bytes[at + 40],
      raw_type: this.bytes[at + 41],
      depth: d.getUint16(at + 42),
      base_oid: base,
    };
  }

  /** Ids starting with `prefix`, at most `limit`. */
  withPrefix(prefix: string, limit: number): string[] {
    const out: string[] = [];
    for (let i = this.lowerBound(prefix); i < this.count && out.length < limit; i++) {
      const oid = this.oidAt(i);
      if (!oid.startsWith(prefix)) break;
      out.push(oid);
    }
    return out;
  }

  /** Every row, in pack order. */
  *rows(packId: number): Generator<ObjectRow> {
    const all: ObjectRow[] = [];
    for (let i = 0; i < this.count; i++) all.push(this.row(i, packId));
    all.sort((a, b) => a.offset - b.offset);
    yield* all;
  }
}
