// The loose object format (zlib of "<type> <size>\0<content>") as the git directory view serves
// and accepts it.
//
// Served objects are zlib streams of *stored* (uncompressed) deflate blocks: any zlib reader
// accepts them (git, isomorphic-git's pako or DecompressionStream), producing one costs a copy
// and an Adler-32 instead of a deflate, and its size follows from the object's size alone, so
// `stat` of a virtual loose file needs no content. Whoever reads it inflates it at once; it is
// never stored.
import * as zlib from 'node:zlib';
import { encodeLooseHeader, isObjectType, type ObjectType } from '../../pack';
import { accel } from '../../codec';

const BLOCK = 65535; // the most a stored deflate block holds

/** Bytes of the zlib stream looseStored() makes for an object of this type and size. */
export function looseSize(type: ObjectType, size: number): number {
  const raw = encodeLooseHeader(type, size).length + size;
  return 2 + 5 * Math.max(1, Math.ceil(raw / BLOCK)) + raw + 4;
}

/** The loose form of an object, as a zlib stream of stored blocks. */
export function looseStored(type: ObjectType, data: Uint8Array): Uint8Array {
  const header = encodeLooseHeader(type, data.length);
  const raw = header.length + data.length;
  const out = new Uint8Array(looseSize(type, data.length));
  out[0] = 0x78; // deflate, 32 KiB window
  out[1] = 0x01; // fastest level; (0x78 << 8 | 0x01) % 31 === 0 as zlib requires
  let o = 2;
  let done = 0;
  // Copies `n` bytes of header+data starting at raw offset `from` to out[o..].
  const copy = (from: number, n: number) => {
    const h = Math.max(0, Math.min(header.length - from, n));
    if (h > 0) out.set(header.subarray(from, from + h), o);
    if (n > h) out.set(data.subarray(from + h - header.length, from + n - header.length), o + h);
  };
  do {
    const n = Math.min(BLOCK, raw - done);
    const last = done + n === raw;
    out[o] = last ? 1 : 0;
    out[o + 1] = n & 0xff;
    out[o + 2] = n >>> 8;
    out[o + 3] = ~n & 0xff;
    out[o + 4] = (~n >>> 8) & 0xff;
    o += 5;
    copy(done, n);
    o += n;
    done += n;
  } while (done < raw);
  const adler = accel.adler32(data, accel.adler32(header));
  out[o] = adler >>> 24;
  out[o + 1] = (adler >>> 16) & 0xff;
  out[o + 2] = (adler >>> 8) & 0xff;
  out[o + 3] = adler & 0xff;
  return out;
}

export class LooseFormatError extends Error {}

/**
 * Inflates a loose object someone wrote and splits it into type and content. The output is
 * capped at `maxSize` content bytes (checked while inflating, so a zip bomb costs nothing);
 * the header must be well formed and its size must match the content.
 */
export function parseLoose(bytes: Uint8Array, maxSize: number): { type: ObjectType; data: Uint8Array } {
  let raw: Uint8Array;
  try {
    raw = zlib.inflateSync(bytes, { maxOutputLength: maxSize + 32 });
  } catch (e) {
    const msg = (e as Error).message;
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || /too large|maxOutputLength/i.test(msg)) {
      throw new LooseFormatError(`object is larger than ${maxSize} bytes`);
    }
    throw new LooseFormatError(`not a zlib stream: ${msg}`);
  }
  const nul = raw.indexOf(0);
  if (nul < 0 || nul > 32) throw new LooseFormatError('no object header');
  const header = new TextDecoder().decode(raw.subarray(0, nul));
  const m = /^([a-z]+) (0|[1-9][0-9]*)$/.exec(header);
  if (!m || !isObjectType(m[1])) throw new LooseFormatError(`bad object header '${header.slice(0, 32)}'`);
  const size = Number(m[2]);
  if (size > maxSize) throw new LooseFormatError(`object is larger than ${maxSize} bytes`);
  const data = raw.subarray(nul + 1);
  if (data.length !== size) throw new LooseFormatError(`header says ${size} bytes, content has ${data.length}`);
  return { type: m[1], data };
}
