// Pack index v2 (pack-format.txt, "Version 2 pack-*.idx files"):
//   magic \377tOc, version 2, 256-entry fanout of cumulative counts by first
//   byte, sorted oids, CRC-32s, 4-byte offsets (MSB set = index into the
//   8-byte table that follows, for offsets >= 2^31), pack checksum, then the
//   SHA-1 of everything before it. buildIdxV2 writes exactly what
//   `git index-pack` writes for the same pack.
import { createHash } from 'node:crypto';
import { PackError } from './errors';
import { bytesToHex, hexToBytes } from './hex';

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
  const sorted = entries.slice().sort((a, b) => (a.oid < b.oid ? -1 : a.oid > b.oid ? 1 : 0));
  const n = sorted.length;
  let large = 0;
  for (const e of sorted) if (e.offset > 0x7fffffff) large++;
  const size = 8 + 256 * 4 + n * 28 + large * 8 + 40;
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  out.set(MAGIC, 0);
  dv.setUint32(4, 2);

  const fanoutAt = 8;
  const oidsAt = fanoutAt + 1024;
  const crcAt = oidsAt + n * 20;
  const offAt = crcAt + n * 4;
  const largeAt = offAt + n * 4;
  const counts = new Uint32Array(256);
  let nextLarge = 0;
  for (let i = 0; i < n; i++) {
    const e = sorted[i];
    if (e.oid.length !== 40) throw new PackError(`invalid object id ${e.oid}`);
    hexToBytes(e.oid, out, oidsAt + i * 20);
    counts[out[oidsAt + i * 20]]++;
    dv.setUint32(crcAt + i * 4, e.crc32 >>> 0);
    if (e.offset > 0x7fffffff) {
      dv.setUint32(offAt + i * 4, (0x80000000 | nextLarge) >>> 0);
      dv.setUint32(largeAt + nextLarge * 8, Math.floor(e.offset / 2 ** 32));
      dv.setUint32(largeAt + nextLarge * 8 + 4, e.offset >>> 0);
      nextLarge++;
    } else {
      dv.setUint32(offAt + i * 4, e.offset);
    }
  }
  let cum = 0;
  for (let b = 0; b < 256; b++) {
    cum += counts[b];
    dv.setUint32(fanoutAt + b * 4, cum);
  }
  const tail = largeAt + large * 8;
  hexToBytes(packChecksum, out, tail);
  out.set(createHash('sha1').update(out.subarray(0, tail + 20)).digest(), tail + 20);
  return out;
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
