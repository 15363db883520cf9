// Streaming pack writer. Every method returns the bytes to send next, so a
// caller can enqueue them straight into a response stream; the writer keeps
// only a running SHA-1 and the current offset, never the pack itself.
//
//   const w = new PackWriter(objects.length);
//   send(w.header());
//   for (const o of objects) send(w.object(o.type, o.data));
//   send(w.finish());
import { concatBytes } from '../codec/bytes';
import { createHash, type Hash } from 'node:crypto';
import { crc32 } from '../codec/crc32';
import { PackError } from '../codec/errors';
import { bytesToHex, hexToBytes } from '../codec/hex';
import { accel } from '../codec';
import type { BaseTypeNum, PackTypeNum } from './object';

/** The type/size header that starts every pack entry. */
export function encodeEntryHeader(type: PackTypeNum, size: number): Uint8Array {
  if (!Number.isSafeInteger(size) || size < 0) throw new PackError(`invalid object size ${size}`);
  const tmp = new Uint8Array(10);
  let n = 0;
  let c = (type << 4) | (size & 15);
  let rest = Math.floor(size / 16);
  while (rest > 0) {
    tmp[n++] = c | 0x80;
    c = rest & 0x7f;
    rest = Math.floor(rest / 128);
  }
  tmp[n++] = c;
  return tmp.slice(0, n);
}

/** The ofs-delta base distance encoding (big-endian base 128, +1 per continuation byte). */
export function encodeOfsDistance(distance: number): Uint8Array {
  if (!Number.isSafeInteger(distance) || distance <= 0) throw new PackError(`invalid ofs-delta distance ${distance}`);
  const tmp = new Uint8Array(10);
  let i = tmp.length - 1;
  let d = distance;
  tmp[i] = d & 0x7f;
  while ((d = Math.floor(d / 128)) > 0) {
    d -= 1;
    tmp[--i] = 0x80 | (d & 0x7f);
  }
  return tmp.slice(i);
}


export interface DeltaBase {
  /** ref-delta: the base object's id. */
  oid?: string;
  /** ofs-delta: distance back from this entry's offset to the base entry's offset. */
  ofs?: number;
}

export class PackWriter {
  /** Offset of the most recent entry, and the CRC-32 of its bytes (for building an .idx). */
  lastOffset = -1;
  lastCrc32 = 0;

  private readonly count: number;
  private readonly level: number | undefined;
  private readonly hash: Hash = createHash('sha1');
  private written = 0;
  private pos = 0;
  private started = false;
  private finished = false;

  /** count: the number of entries that will follow (it goes in the header). level: zlib level. */
  constructor(count: number, opts: { level?: number } = {}) {
    if (!Number.isInteger(count) || count < 0 || count > 0xffffffff) throw new PackError(`invalid object count ${count}`);
    this.count = count;
    this.level = opts.level;
  }

  /** Bytes emitted so far = the offset the next entry will have. */
  get offset(): number {
    return this.pos;
  }

  /** The 12-byte pack header. Must be the first call. */
  header(): Uint8Array {
    if (this.started) throw new PackError('pack header already written');
    this.started = true;
    const h = new Uint8Array(12);
    h.set([0x50, 0x41, 0x43, 0x4b, 0, 0, 0, 2]);
    new DataView(h.buffer).setUint32(8, this.count);
    return this.emit([h]);
  }

  /** A whole object, deflated here (Wasm or node:zlib, as accel picks: the streams differ, the data does not). */
  object(type: BaseTypeNum, data: Uint8Array): Uint8Array {
    return this.rawEntry(type, data.length, accel.deflate(data, this.level));
  }

  /** A ref-delta entry against the object `baseOid`; `delta` is raw delta instructions. */
  refDelta(baseOid: string, delta: Uint8Array): Uint8Array {
    return this.rawEntry(7, delta.length, accel.deflate(delta, this.level), { oid: baseOid });
  }

  /** An ofs-delta entry against the entry written at absolute offset `baseOffset`. */
  ofsDelta(baseOffset: number, delta: Uint8Array): Uint8Array {
    return this.rawEntry(6, delta.length, accel.deflate(delta, this.level), { ofs: this.pos - baseOffset });
  }

  /**
   * An entry whose zlib data the caller already has (stored compressed object
   * or delta), sent without recompressing. `size` is the inflated size.
   */
  rawEntry(type: PackTypeNum, size: number, compressed: Uint8Array, base?: DeltaBase): Uint8Array {
    return concatBytes(this.rawEntryParts(type, size, compressed, base));
  }

  /** Like rawEntry but returns [header, compressed] without copying a large compressed buffer. */
  rawEntryParts(type: PackTypeNum, size: number, compressed: Uint8Array, base?: DeltaBase): Uint8Array[] {
    if (!this.started) throw new PackError('pack header not written yet');
    if (this.finished) throw new PackError('pack already finished');
    if (this.bodyLeft > 0) throw new PackError('previous entry not complete');
    if (this.written >= this.count) throw new PackError(`pack header declared ${this.count} objects; writing one more`);
    const parts: Uint8Array[] = [encodeEntryHeader(type, size)];
    if (type === 6) {
      const ofs = base?.ofs;
      if (ofs === undefined || ofs <= 0 || ofs > this.pos - 12) {
        throw new PackError(`ofs-delta needs a distance back to an earlier entry, got ${String(ofs)}`);
      }
      parts.push(encodeOfsDistance(ofs));
    } else if (type === 7) {
      if (base?.oid === undefined) throw new PackError('ref-delta needs a base oid');
      parts.push(hexToBytes(base.oid));
      if (parts[1].length !== 20) throw new PackError(`invalid base oid ${base.oid}`);
    } else if (type < 1 || type > 4) {
      throw new PackError(`invalid pack entry type ${type}`);
    }
    parts.push(compressed);
    this.lastOffset = this.pos;
    let crc = 0;
    for (const p of parts) crc = crc32(p, crc);
    this.lastCrc32 = crc;
    this.written++;
    this.emit(parts);
    return parts;
  }

  /**
   * The head of an entry whose `length` compressed bytes follow in pieces (rawEntryBody): a big
   * stored entry copied without holding it whole. Returns the head's parts, like rawEntryParts.
   */
  rawEntryHead(type: PackTypeNum, size: number, length: number, base?: DeltaBase): Uint8Array[] {
    if (this.bodyLeft > 0) throw new PackError('previous entry not complete');
    const parts = this.rawEntryParts(type, size, new Uint8Array(0), base);
    this.bodyLeft = length;
    return parts;
  }

  /** The next piece of the entry begun by rawEntryHead. */
  rawEntryBody(piece: Uint8Array): void {
    if (piece.length > this.bodyLeft) throw new PackError(`entry body overrun by ${piece.length - this.bodyLeft} bytes`);
    this.bodyLeft -= piece.length;
    this.lastCrc32 = crc32(piece, this.lastCrc32);
    this.emit([piece]);
  }

  private bodyLeft = 0;

  /** The 20-byte SHA-1 trailer; returns it after checking the declared count was written. */
  finish(): Uint8Array {
    if (!this.started) throw new PackError('pack header not written yet');
    if (this.finished) throw new PackError('pack already finished');
    if (this.bodyLeft > 0) throw new PackError('last entry not complete');
    if (this.written !== this.count) {
      throw new PackError(`pack header declared ${this.count} objects but ${this.written} were written`);
    }
    this.finished = true;
    const sum = new Uint8Array(this.hash.digest());
    this.checksumHex = bytesToHex(sum);
    this.pos += 20;
    return sum;
  }

  /** Hex of the trailer, available after finish(). */
  get checksum(): string {
    if (!this.finished) throw new PackError('pack not finished');
    return this.checksumHex;
  }

  private checksumHex = '';

  private emit(parts: Uint8Array[]): Uint8Array {
    for (const p of parts) {
      this.hash.update(p);
      this.pos += p.length;
    }
    return parts[0];
  }
}
