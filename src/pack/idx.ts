// Pack index v2 (pack-format.txt, "Version 2 pack-*.idx files"):
//   magic \377tOc, version 2, 256-entry fanout of cumulative counts by first
//   byte, sorted oids, CRC-32s, 4-byte offsets (MSB set = index into the
//   8-byte table that follows, for offsets >= 2^31), pack checksum, then the
//   SHA-1 of everything before it. buildIdxV2 writes exactly what
//   `git index-pack` writes for the same pack.
import { createHash } from 'node:crypto';
import { PackError } from '../codec/errors';
import { bytesToHex, hexToBytes } from '../codec/hex';

export interface IdxEntry {
  oid: string;
  offset: number;
  crc32: number;
}

export interface IdxV2 {
  entries: IdxEntry[]; // sorted by oid
  packChecksum: string;
  idxChecksum: string;
}

const MAGIC = [0xff, 0x74, 0x4f, 0x63];

export function buildIdxV2(entries: readonly IdxEntry[], packChecksum: string): Uint8Array {
  const cols = new IdxColumns(entries.length);
  for (const e of entries) {
    if (e.oid.length !== 40) throw new PackError(`invalid object id ${e.oid}`);
    cols.add(e.oid, e.offset, e.crc32);
  }
  return cols.build(packChecksum);
}

/**
 * The entries of a .idx in flat typed arrays (20 bytes of id, one offset and one CRC each) so
 * indexing a 100k+ object pack builds its .idx without an object and a string per entry.
 */
export class IdxColumns {
  private oids: Uint8Array;
  private offsets: Float64Array;
  private crcs: Uint32Array;
  private n = 0;

  constructor(capacity = 1024) {
    const c = Math.max(1, capacity);
    this.oids = new Uint8Array(c * 20);
    this.offsets = new Float64Array(c);
    this.crcs = new Uint32Array(c);
  }

  get length(): number {
    return this.n;
  }

  add(oid: string, offset: number, crc32: number): void {
    if (this.n === this.offsets.length) this.grow();
    hexToBytes(oid, this.oids, this.n * 20);
    this.offsets[this.n] = offset;
    this.crcs[this.n] = crc32 >>> 0;
    this.n++;
  }

  /** add() for an id already in raw form: the 20 bytes at oids[at..at+20). */
  addRaw(oids: Uint8Array, at: number, offset: number, crc32: number): void {
    if (this.n === this.offsets.length) this.grow();
    const to = this.oids;
    const d = this.n * 20;
    for (let k = 0; k < 20; k++) to[d + k] = oids[at + k]; // no subarray per entry (140k of them for a big pack)
    this.offsets[this.n] = offset;
    this.crcs[this.n] = crc32 >>> 0;
    this.n++;
  }

  /** The .idx v2 bytes: entries sorted by id, whatever order they were added in. */
  build(packChecksum: string): Uint8Array {
    const { oids, offsets, crcs, n } = this;
    // Sort a permutation: the first 4 bytes as a number decide almost every comparison.
    const head = new Uint32Array(n);
    for (let i = 0; i < n; i++) head[i] = ((oids[i * 20] << 24) | (oids[i * 20 + 1] << 16) | (oids[i * 20 + 2] << 8) | oids[i * 20 + 3]) >>> 0;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    const cmp = (a: number, b: number): number => {
      if (head[a] !== head[b]) return head[a] < head[b] ? -1 : 1;
      for (let k = 4; k < 20; k++) {
        const d = oids[a * 20 + k] - oids[b * 20 + k];
        if (d !== 0) return d;
      }
      return 0;
    };
    // An ingest adds its entries in id order already (PackEntries.ownersInOidOrder): one pass
    // tells, and the comparator sort is skipped.
    let sorted = true;
    for (let i = 1; i < n && sorted; i++) sorted = cmp(i - 1, i) < 0;
    if (!sorted) order.sort(cmp);
    let large = 0;
    for (let i = 0; i < n; i++) if (offsets[i] > 0x7fffffff) large++;
    const fanoutAt = 8;
    const oidsAt = fanoutAt + 1024;
    const crcAt = oidsAt + n * 20;
    const offAt = crcAt + n * 4;
    const largeAt = offAt + n * 4;
    const tail = largeAt + large * 8;
    const out = new Uint8Array(tail + 40);
    const dv = new DataView(out.buffer);
    out.set(MAGIC, 0);
    dv.setUint32(4, 2);
    const counts = new Uint32Array(256);
    let nextLarge = 0;
    for (let i = 0; i < n; i++) {
      const j = order[i];
      for (let k = 0, s = j * 20, d = oidsAt + i * 20; k < 20; k++) out[d + k] = oids[s + k];
      counts[oids[j * 20]]++;
      dv.setUint32(crcAt + i * 4, crcs[j]);
      const offset = offsets[j];
      if (offset > 0x7fffffff) {
        // Large offsets go to the 8-byte table in id order, as git writes them.
        dv.setUint32(offAt + i * 4, (0x80000000 | nextLarge) >>> 0);
        dv.setUint32(largeAt + nextLarge * 8, Math.floor(offset / 2 ** 32));
        dv.setUint32(largeAt + nextLarge * 8 + 4, offset >>> 0);
        nextLarge++;
      } else {
        dv.setUint32(offAt + i * 4, offset);
      }
    }
    let cum = 0;
    for (let b = 0; b < 256; b++) {
      cum += counts[b];
      dv.setUint32(fanoutAt + b * 4, cum);
    }
    hexToBytes(packChecksum, out, tail);
    out.set(createHash('sha1').update(out.subarray(0, tail + 20)).digest(), tail + 20);
    return out;
  }

  private grow(): void {
    const c = this.offsets.length * 2;
    const oids = new Uint8Array(c * 20);
    oids.set(this.oids);
    const offsets = new Float64Array(c);
    offsets.set(this.offsets);
    const crcs = new Uint32Array(c);
    crcs.set(this.crcs);
    this.oids = oids;
    this.offsets = offsets;
    this.crcs = crcs;
  }
}

/** Parses and checks a v2 .idx (used by tests and tooling). */
export function readIdxV2(idx: Uint8Array): IdxV2 {
  const dv = new DataView(idx.buffer, idx.byteOffset, idx.byteLength);
  if (idx.length < 8 + 1024 + 40 || MAGIC.some((m, i) => idx[i] !== m) || dv.getUint32(4) !== 2) {
    throw new PackError('not a version 2 pack index');
  }
  const n = dv.getUint32(8 + 255 * 4);
  const oidsAt = 8 + 1024;
  const crcAt = oidsAt + n * 20;
  const offAt = crcAt + n * 4;
  const largeAt = offAt + n * 4;
  if (largeAt + 40 > idx.length) throw new PackError('pack index is truncated');
  const sum = bytesToHex(createHash('sha1').update(idx.subarray(0, idx.length - 20)).digest());
  const idxChecksum = bytesToHex(idx, idx.length - 20);
  if (sum !== idxChecksum) throw new PackError('pack index checksum mismatch');
  const entries: IdxEntry[] = [];
  for (let i = 0; i < n; i++) {
    let offset = dv.getUint32(offAt + i * 4);
    if (offset & 0x80000000) {
      const at = largeAt + (offset & 0x7fffffff) * 8;
      if (at + 8 > idx.length - 40) throw new PackError('pack index large offset out of range');
      offset = dv.getUint32(at) * 2 ** 32 + dv.getUint32(at + 4);
    }
    entries.push({ oid: bytesToHex(idx, oidsAt + i * 20), offset, crc32: dv.getUint32(crcAt + i * 4) });
  }
  return { entries, packChecksum: bytesToHex(idx, idx.length - 40), idxChecksum };
}
