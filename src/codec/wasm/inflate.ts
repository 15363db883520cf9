// Inflate and deflate on the Wasm module; same results and errors as inflateAt/deflate in
// ../inflate.ts (deflate's stream differs byte for byte but inflates to the same data).
import { NeedMoreInput, PackError } from '../errors';
import { deflate, inflateAt } from '../inflate';
import { rt, instance, reserve, release } from './runtime';

// Status codes of zig/inflate.zig, 3.. are zlib's own messages.
const ZLIB_MESSAGES: readonly string[] = [
  '',
  '',
  '',
  'incorrect header check',
  'unknown compression method',
  'invalid window size',
  'Missing dictionary', // zlib returns Z_NEED_DICT; node:zlib reports it with this text
  'invalid block type',
  'invalid stored block lengths',
  'too many length or distance symbols',
  'invalid code lengths set',
  'invalid bit length repeat',
  'invalid code -- missing end-of-block',
  'invalid literal/lengths set',
  'invalid distances set',
  'invalid literal/length code',
  'invalid distance code',
  'invalid distance too far back',
  'incorrect data check',
];
const Z_OK = 0;
const Z_TRUNCATED = 1;
const Z_TOO_LARGE = 2;

/** inflateAt() sends sizes up to this through zlib's plain call (see src/codec/inflate.ts). */
const TS_FAST_PATH_MAX = 512;
const TS_INFO_MAX_OUTPUT = 0x7fffffff;
/** Deflate can expand at most 1032:1 (a 258-byte match in 2 bits). */
const MAX_RATIO = 1032;

/**
 * Where node:zlib, as inflateAt drives it, notices that a stream inflates to
 * more than maxOutputLength (M = expectedSize + 1 bytes): it runs zlib into
 * output chunks and compares the total with M only after each chunk, so
 * whatever zlib finds before the end of the chunk that crosses M (a corrupt
 * code, the end of the input) is what gets reported. Inflating with this cap
 * reproduces that: the plain call (sizes <= 512) uses one chunk of exactly M
 * bytes; the info call uses chunks of `chunkSize` (as inflateAt sets it).
 */
function overflowPoint(expectedSize: number, avail: number): number {
  const m = expectedSize + 1;
  if (expectedSize <= TS_FAST_PATH_MAX) return m;
  const plausible = Math.max(65536, Math.min(avail, expectedSize) * 8);
  const chunk = Math.max(64, Math.min(m, plausible));
  return (Math.floor(m / chunk) + 1) * chunk;
}

/**
 * Inflates the zlib stream at buf[offset] that must produce exactly
 * expectedSize bytes; returns the data and the compressed length. Same
 * results and errors as inflateAt in src/codec/inflate.ts (NeedMoreInput when
 * buf ends inside the stream, PackError otherwise, output capped at
 * expectedSize + 1 bytes).
 */
export function wasmInflateAt(buf: Uint8Array, offset: number, expectedSize: number): { data: Uint8Array; consumed: number } {
  if (!Number.isSafeInteger(expectedSize) || expectedSize < 0) return inflateAt(buf, offset, expectedSize);
  const sub = offset === 0 ? buf : buf.subarray(offset);
  const avail = sub.length;
  if (avail === 0) throw new NeedMoreInput(`zlib stream at offset ${offset} is incomplete`);
  if (expectedSize > TS_FAST_PATH_MAX && expectedSize >= TS_INFO_MAX_OUTPUT) {
    throw new PackError(`object at offset ${offset} is too large to inflate (${expectedSize} bytes)`);
  }
  const e = instance();
  const m = expectedSize + 1;
  // The compressed length is unknown, and buf may hold a whole pack: copy a
  // window any sane encoder stays within (zlib's worst case is ~n + n/8), and
  // only if the stream runs past it, everything.
  let inLen = Math.min(avail, expectedSize + (expectedSize >>> 2) + 64);
  // First inflate with a cap of M (enough for every well-formed stream); only
  // a stream that wants to write more is run again up to the overflow point.
  let limit = m;
  for (;;) {
    const cap = Math.min(limit, inLen * MAX_RATIO + 1024);
    const outAt = rt.base + inLen + rt.pad;
    if (!reserve(e, inLen + rt.pad + cap + 16)) return inflateAt(buf, offset, expectedSize);
    rt.mem.set(inLen === avail ? sub : sub.subarray(0, inLen), rt.base);
    const st = e.inflate(rt.base, inLen, outAt, cap);
    const consumed = rt.res32[0];
    const produced = rt.res32[1];
    if (st === Z_OK) {
      if (produced > m) {
        release();
        throw new PackError(`zlib stream at offset ${offset} inflates to more than the declared ${expectedSize} bytes`);
      }
      if (produced !== expectedSize) {
        release();
        throw new PackError(`zlib stream at offset ${offset} inflated to ${produced} bytes, header says ${expectedSize}`);
      }
      const data = rt.mem.slice(outAt, outAt + produced);
      release();
      return { data, consumed };
    }
    if (st === Z_TRUNCATED && inLen < avail) {
      inLen = avail;
      continue;
    }
    if (st === Z_TOO_LARGE && cap < limit) {
      // Cannot happen: no stream of inLen bytes inflates past cap.
      release();
      return inflateAt(buf, offset, expectedSize);
    }
    const point = overflowPoint(expectedSize, avail);
    if (st === Z_TOO_LARGE && limit < point) {
      limit = point;
      continue;
    }
    release();
    if (st === Z_TOO_LARGE || (st === Z_TRUNCATED && produced === point)) {
      throw new PackError(`zlib stream at offset ${offset} inflates to more than the declared ${expectedSize} bytes`);
    }
    if (st === Z_TRUNCATED) throw new NeedMoreInput(`zlib stream at offset ${offset} is incomplete`);
    throw new PackError(`corrupt zlib stream at offset ${offset}: ${ZLIB_MESSAGES[st] ?? `status ${st}`}`);
  }
}


/**
 * zlib-compresses data at `level` (0-9; -1 or undefined: 6, zlib's default),
 * as deflate() in src/codec/inflate.ts. The stream differs from zlib's byte
 * for byte (a different match finder) but inflates to the same data, with
 * sizes within a few percent of zlib's at the same level. A level zlib would
 * reject goes to the twin, which throws zlib's error.
 */
export function wasmDeflate(data: Uint8Array, level?: number): Uint8Array {
  if (level !== undefined && !(Number.isInteger(level) && level >= -1 && level <= 9)) return deflate(data, level);
  const e = instance();
  const n = data.length;
  const align = (x: number) => (x + 15) & ~15;
  // Arena: input (+8 readable bytes for the 8-byte match compare), work, output (+8).
  const wAt = rt.base + align(n + 8);
  const oAt = wAt + align(e.deflate_work_bytes(n));
  if (!reserve(e, oAt - rt.base + e.deflate_bound(n) + 8)) return deflate(data, level);
  rt.mem.set(data, rt.base);
  // The match finder hashes up to 3 bytes past the end: zero them so the
  // stream depends only on the data, not on what the arena held before.
  rt.mem.fill(0, rt.base + n, rt.base + n + 8);
  const len = e.deflate(rt.base, n, level === undefined || level < 0 ? 6 : level, wAt, oAt);
  const out = rt.mem.slice(oAt, oAt + len);
  release();
  return out;
}
