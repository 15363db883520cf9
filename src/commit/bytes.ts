// Byte helpers. Tree entry names are kept as "byte strings" (one char per byte, latin1), so names
// that are not valid UTF-8 survive a rewrite untouched and plain `<` compares them in git's order.
import { Buffer } from 'node:buffer';

const utf8Decoder = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

export function utf8(s: string): Uint8Array {
  return utf8Encoder.encode(s);
}

export function fromUtf8(b: Uint8Array): string {
  return utf8Decoder.decode(b);
}

/** Bytes -> byte string. */
export function byteString(b: Uint8Array, start = 0, end = b.length): string {
  return Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('latin1');
}

/** Byte string -> bytes. */
export function bytesOf(s: string): Uint8Array {
  const b = Buffer.from(s, 'latin1');
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

/** A UTF-8 string (a user-supplied path segment) as a byte string. */
export function keyOf(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

/** A byte string shown to users: decoded as UTF-8 (invalid sequences become U+FFFD). */
export function display(key: string): string {
  return Buffer.from(key, 'latin1').toString('utf8');
}

export { concatBytes } from '../codec/bytes';

/** Strict base64 (standard or URL-safe alphabet, whitespace ignored); null if malformed. */
export function decodeBase64(s: string): Uint8Array | null {
  const clean = s.replace(/[\s]+/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(clean)) return null;
  const body = clean.replace(/=+$/, '');
  if (body.length % 4 === 1) return null;
  if (clean.includes('=') && clean.length % 4 !== 0) return null;
  const b = Buffer.from(body, 'base64');
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

export function base64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64');
}
