// The per-entry header of a pack (type, size, and the delta base reference), decoded on its own:
// it is the one part of an entry the parser reads before inflating, where every malformed or
// oversized field must be rejected before any zlib work. A pure function over the window, so the
// parser class keeps only buffering, inflate retries and state.
import { PackError } from '../codec/errors';
import { bytesToHex } from '../codec/hex';

/** An entry header: where its zlib data starts (`p`), and what the header declared. */
export interface EntryHeader {
  p: number;
  type: number;
  size: number;
  baseOffset?: number;
  baseOid?: string;
}

/**
 * Decodes the header of the entry at pack offset `offset`, which starts at b[p] with the window
 * ending at b[e]. Returns null when the window ends inside the header; throws PackError when a
 * field is malformed, over `maxObjectSize`, or (ofs-delta) not pointing at an earlier entry.
 */
export function readEntryHeader(
  b: Uint8Array,
  p: number,
  e: number,
  offset: number,
  maxObjectSize: number,
  isEntryOffset: (offset: number) => boolean,
): EntryHeader | null {
  // Type and size: 3 type bits and 4 size bits, then 7 size bits per byte.
  if (p >= e) return null;
  let c = b[p++];
  const type = (c >> 4) & 7;
  let size = c & 15;
  let mul = 16;
  while (c & 0x80) {
    if (p >= e) return null;
    c = b[p++];
    size += (c & 0x7f) * mul;
    mul *= 128;
    if (mul > 2 ** 53) throw new PackError(`object at offset ${offset}: size header is too long`);
  }
  if (type === 0 || type === 5) throw new PackError(`object at offset ${offset}: invalid type ${type}`);
  if (size > maxObjectSize) {
    throw new PackError(`object at offset ${offset}: size ${size} exceeds the limit of ${maxObjectSize}`);
  }

  let baseOffset: number | undefined;
  let baseOid: string | undefined;
  if (type === 6) {
    // Big-endian base-128 distance, with +1 per continuation byte (so encodings are unique).
    if (p >= e) return null;
    c = b[p++];
    let dist = c & 0x7f;
    while (c & 0x80) {
      if (p >= e) return null;
      c = b[p++];
      dist = (dist + 1) * 128 + (c & 0x7f);
      if (dist > 2 ** 53) throw new PackError(`ofs-delta at offset ${offset}: base distance is too long`);
    }
    baseOffset = offset - dist;
    if (dist === 0 || baseOffset < 12 || !isEntryOffset(baseOffset)) {
      throw new PackError(
        `ofs-delta at offset ${offset}: base offset ${baseOffset} is not the start of an earlier object`,
      );
    }
  } else if (type === 7) {
    if (p + 20 > e) return null;
    baseOid = bytesToHex(b, p);
    p += 20;
  }
  return { p, type, size, baseOffset, baseOid };
}
