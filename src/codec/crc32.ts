// CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320): the checksum pack .idx v2
// files store per entry (over the raw, still-compressed entry bytes).
//
// Workers with nodejs_compat (and Node >= 22.2) expose a native zlib.crc32,
// which is an order of magnitude faster than any JS loop, so crc32() uses it
// when present. crc32Js() is the portable fallback: slicing-by-8 tables, i.e.
// 8 table lookups per 8 input bytes with no per-byte branches.
import * as zlib from 'node:zlib';

const TABLES: Uint32Array = (() => {
  const t = new Uint32Array(256 * 8);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  // TABLES[k*256 + n] = CRC of byte n followed by k zero bytes.
  for (let n = 0; n < 256; n++) {
    let c = t[n];
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff] ^ (c >>> 8);
      t[k * 256 + n] = c >>> 0;
    }
  }
  return t;
})();

/** Portable table-driven CRC-32. `prev` continues a previous crc32 result. */
export function crc32Js(buf: Uint8Array, prev = 0): number {
  const t = TABLES;
  let c = ~prev >>> 0;
  let i = 0;
  const n = buf.length;
  const n8 = n - (n & 7);
  for (; i < n8; i += 8) {
    const a = (c ^ (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24))) >>> 0;
    c =
      t[1792 + (a & 0xff)] ^
      t[1536 + ((a >>> 8) & 0xff)] ^
      t[1280 + ((a >>> 16) & 0xff)] ^
      t[1024 + (a >>> 24)] ^
      t[768 + buf[i + 4]] ^
      t[512 + buf[i + 5]] ^
      t[256 + buf[i + 6]] ^
      t[buf[i + 7]];
  }
  for (; i < n; i++) c = t[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

type NativeCrc = (data: Uint8Array, value?: number) => number;
const native: NativeCrc | undefined =
  typeof (zlib as unknown as { crc32?: NativeCrc }).crc32 === 'function'
    ? (zlib as unknown as { crc32: NativeCrc }).crc32
    : undefined;

/** CRC-32 of `buf`, continuing from `prev` (the result of an earlier call). */
export function crc32(buf: Uint8Array, prev = 0): number {
  if (native !== undefined && buf.length >= 32) return native(buf, prev) >>> 0;
  return crc32Js(buf, prev);
}
