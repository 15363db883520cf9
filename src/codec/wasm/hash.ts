// SHA-1, object ids, CRC-32 and Adler-32 on the Wasm module; same results as their twins
// (twins.ts sha1Ts/createSha1Ts/adler32Ts, object-id.ts hashObject, crc32.ts crc32/crc32Js).
import { crc32Js } from '../crc32';
import { encodeLooseHeader, hashObject, type ObjectType } from '../object-id';
import { adler32Ts, sha1Ts, type Sha1Hasher } from '../twins';
import { rt, instance, reserve, release, hex20, CHUNK } from './runtime';

const CTX = 96; // sizeof(sha1.Ctx) in zig/sha1.zig

const SHA1_INIT: Uint8Array = (() => {
  const c = new Uint8Array(CTX);
  const v = new DataView(c.buffer);
  [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0].forEach((h, i) => v.setUint32(i * 4, h, true));
  return c;
})();

/** Streaming SHA-1 on the Wasm module; the state lives here, between calls. */
class WasmSha1 implements Sha1Hasher {
  private readonly ctx = SHA1_INIT.slice();
  private done = false;

  update(data: Uint8Array): this {
    if (this.done) throw new Error('Digest already called');
    const e = instance();
    const n = data.length;
    const chunk = Math.min(n, CHUNK);
    if (!reserve(e, CTX + chunk)) throw new Error('wasm memory exhausted');
    rt.mem.set(this.ctx, rt.base);
    for (let at = 0; at < n; at += CHUNK) {
      const len = Math.min(CHUNK, n - at);
      rt.mem.set(at === 0 && len === n ? data : data.subarray(at, at + len), rt.base + CTX);
      e.sha1_update(rt.base, rt.base + CTX, len);
    }
    this.ctx.set(rt.mem.subarray(rt.base, rt.base + CTX));
    release();
    return this;
  }

  digest(): Uint8Array;
  digest(encoding: 'hex'): string;
  digest(encoding?: 'hex'): Uint8Array | string {
    if (this.done) throw new Error('Digest already called');
    this.done = true;
    const e = instance();
    if (!reserve(e, CTX + 20)) throw new Error('wasm memory exhausted');
    rt.mem.set(this.ctx, rt.base);
    e.sha1_final(rt.base, rt.base + CTX);
    return encoding === 'hex' ? hex20(rt.base + CTX) : rt.mem.slice(rt.base + CTX, rt.base + CTX + 20);
  }
}

export function createWasmSha1(): Sha1Hasher {
  return new WasmSha1();
}

/** Hex SHA-1 of data. */
export function wasmSha1(data: Uint8Array): string {
  const n = data.length;
  if (n > CHUNK) return new WasmSha1().update(data).digest('hex');
  const e = instance();
  if (!reserve(e, n + 20)) return sha1Ts(data);
  rt.mem.set(data, rt.base);
  e.sha1_digest(rt.base, n, rt.base + n);
  return hex20(rt.base + n);
}

const TYPE_CODES: Record<string, number> = { commit: 1, tree: 2, blob: 3, tag: 4 };

/** The object id (hex SHA-1 of "<type> <len>\0" + content), as hashObject. */
export function wasmHashObject(type: ObjectType, data: Uint8Array): string {
  const n = data.length;
  const code = TYPE_CODES[type];
  if (code === undefined) return hashObject(type, data); // hashObject hashes any name; so does this
  if (n > CHUNK) return new WasmSha1().update(encodeLooseHeader(type, n)).update(data).digest('hex');
  const e = instance();
  if (!reserve(e, n + 20)) return hashObject(type, data);
  rt.mem.set(data, rt.base);
  e.git_hash(code, rt.base, n, rt.base + n);
  return hex20(rt.base + n);
}


/** wasmHashObject's id as raw bytes (no hex string made), for data up to CHUNK bytes; null when the arena cannot grow. */
export function wasmObjectId(type: ObjectType, data: Uint8Array): Uint8Array | null {
  const n = data.length;
  const code = TYPE_CODES[type];
  if (code === undefined || n > CHUNK) return null;
  const e = instance();
  if (!reserve(e, n + 20)) return null;
  rt.mem.set(data, rt.base);
  e.git_hash(code, rt.base, n, rt.base + n);
  return rt.mem.slice(rt.base + n, rt.base + n + 20);
}

/**
 * A running checksum of buf through the arena, CHUNK bytes at a time: `step` is the Wasm export,
 * `twin` the TS function used when the arena cannot grow.
 */
function checksum(
  buf: Uint8Array,
  prev: number,
  step: (e: ReturnType<typeof instance>, c: number, at: number, len: number) => number,
  twin: (b: Uint8Array, p: number) => number,
): number {
  const e = instance();
  const n = buf.length;
  if (!reserve(e, Math.min(n, CHUNK))) return twin(buf, prev);
  let c = prev >>> 0;
  for (let at = 0; at < n; at += CHUNK) {
    const len = Math.min(CHUNK, n - at);
    rt.mem.set(len === n ? buf : buf.subarray(at, at + len), rt.base);
    c = step(e, c, rt.base, len);
  }
  release();
  return c >>> 0;
}

/** CRC-32 of buf continuing from prev, as crc32() in src/codec/crc32.ts. */
export function wasmCrc32(buf: Uint8Array, prev = 0): number {
  return checksum(buf, prev, (e, c, at, len) => e.crc32(c, at, len), crc32Js);
}

/** Adler-32 of buf continuing from prev (1 to start), as adler32Ts. */
export function wasmAdler32(buf: Uint8Array, prev = 1): number {
  return checksum(buf, prev, (e, a, at, len) => e.adler32(a, at, len), adler32Ts);
}
