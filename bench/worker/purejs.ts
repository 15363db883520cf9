// Pure-JavaScript twins of the Wasm functions, for the micro-benchmark's
// second column (issue 7's "each Wasm function >= 3x its pure-TS twin"):
// several twins `accel` falls back to are workerd's native C (node:crypto
// SHA-1, node:zlib inflate/deflate/crc32), which says nothing about that
// target. Only src/codec/bench.ts imports this module.
//
// pako and sha.js are not dependencies of package.json: they come with
// isomorphic-git (which imports 'pako' and 'sha.js/sha1.js' itself), so the
// bundle already holds them and these imports add no second copy.
import pako from 'pako';
import Sha1 from 'sha.js/sha1.js';
import { encodeLooseHeader, type ObjectType } from '../../src/codec/object-id';
import { PackError } from '../../src/codec/errors';

export { crc32Js as crc32Pure } from '../../src/codec/crc32';
export { applyDelta as applyDeltaPure, createDelta as createDeltaPure } from '../../src/codec/delta';
export { adler32Ts as adler32Pure } from '../../src/codec/twins';

/** Hex SHA-1 of data (sha.js). */
export function sha1Pure(data: Uint8Array): string {
  return new Sha1().update(data).digest('hex');
}

/** Git object id of data (sha.js over the loose-object header and the data). */
export function hashObjectPure(type: ObjectType, data: Uint8Array): string {
  return new Sha1().update(encodeLooseHeader(type, data.length)).update(data).digest('hex');
}

/**
 * inflateAt's job in pako: inflate the zlib stream at buf[offset] and count
 * the compressed bytes it used (pako stops at the end of the stream and
 * leaves the rest in strm.avail_in). The output buffer is sized to the
 * declared size up front, as the Wasm inflate does. Only the happy path:
 * errors are not mapped to NeedMoreInput / PackError's texts.
 */
export function inflateAtPure(buf: Uint8Array, offset: number, expectedSize: number): { data: Uint8Array; consumed: number } {
  const sub = buf.subarray(offset);
  const inf = new pako.Inflate({ chunkSize: expectedSize + 1 });
  inf.push(sub, true);
  if (inf.err) throw new PackError(`corrupt zlib stream at offset ${offset}: ${inf.msg}`);
  return { data: inf.result, consumed: sub.length - inf.strm.avail_in };
}

/** zlib stream of data at `level` (pako, a port of zlib 1.2.8: zlib's bytes at each level). */
export function deflatePure(data: Uint8Array, level = 6): Uint8Array {
  return pako.deflate(data, { level });
}
