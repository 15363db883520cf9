// The Zig → Wasm accelerator (zig/*.zig, built into arbor.wasm by
// scripts/build-wasm.mjs) and the switch that picks it or its pure-TS twin.
//
// Each wasm* function has the signature, results and errors (class and
// message) of its twin:
//   wasmSha1(data)                         ~ createHash('sha1')...digest('hex')  (twins.ts sha1Ts)
//   createWasmSha1()                       ~ createHash('sha1') streaming         (twins.ts createSha1Ts)
//   wasmHashObject(type, data)             ~ hashObject                           (src/pack/object.ts)
//   wasmInflateAt(buf, offset, expected)   ~ inflateAt                            (src/pack/inflate.ts)
//   wasmApplyDelta(base, delta, max?)      ~ applyDelta                           (src/pack/delta.ts)
//   wasmCreateDelta(base, target, max?)    ~ createDelta                          (src/pack/delta.ts)
//   wasmCrc32(buf, prev?)                  ~ crc32 / crc32Js                      (src/pack/crc32.ts)
//   wasmAdler32(buf, prev?)                ~ adler32Ts                            (twins.ts)
//   wasmDeflate(data, level?)              ~ deflate (node:zlib deflateSync)      (src/pack/inflate.ts)
//   wasmWalkPack(buf, start, end, ...)     ~ PackParser's readEntry, many entries a call (src/pack/parser.ts)
// `accel.*` dispatches to one or the other according to setAccelerator():
// 'wasm' and 'ts' force a path, 'auto' (the default) takes whichever was
// measured faster in workerd for that function and input size (numbers next
// to each choice below; test/unit/wasm/bench.test.ts and src/wasm/bench.ts
// reproduce them).
//
// Host interface: the module exports its memory and a scratch arena (see
// zig/arbor.zig). A call reserves room in the arena, copies its inputs in,
// calls, and copies the outputs out; no Wasm state outlives a call (streaming
// SHA-1 keeps its 96-byte state on the JS side), so the instance can be
// dropped at any time. It is dropped after a call that left its memory above
// RETAIN_BYTES, so one large object does not pin that memory for the life of
// the isolate (wasmMemoryBytes() reports what it holds). Inputs too large for
// the module's memory cap (256 MiB) go to the TS twin.
//
// Callers: import { accel } from '../wasm' and call accel.inflateAt(...) etc.
// where src/pack calls inflateAt(...). src/pack must not import this module
// from inflate.ts, delta.ts, crc32.ts, object.ts or errors.ts (it imports
// them: that would be a cycle); parser.ts, writer.ts, idx.ts, resolve.ts and
// everything outside src/pack can.
import wasmModule from './arbor.wasm';
import { NeedMoreInput, PackError } from '../pack/errors';
import { deflate, inflateAt } from '../pack/inflate';
import { applyDelta, checkDeltaHeader, createDelta } from '../pack/delta';
import { crc32, crc32Js } from '../pack/crc32';
import { encodeLooseHeader, hashObject, type ObjectType, type PackTypeNum } from '../pack/object';
import { bytesToHex } from '../pack/hex';
import { adler32Ts, createSha1Ts, sha1Ts, type Sha1Hasher } from './twins';

export { adler32Ts, createSha1Ts, sha1Ts, type Sha1Hasher } from './twins';

interface Exports {
  memory: WebAssembly.Memory;
  arena_base(): number;
  arena_reserve(n: number): number;
  result_ptr(): number;
  nums_ptr(): number;
  sha1_init(ctx: number): void;
  sha1_update(ctx: number, data: number, len: number): void;
  sha1_final(ctx: number, out: number): void;
  sha1_digest(data: number, len: number, out: number): void;
  git_hash(type: number, data: number, len: number, out: number): number;
  crc32(prev: number, data: number, len: number): number;
  adler32(prev: number, data: number, len: number): number;
  inflate_pad(): number;
  inflate(inp: number, inLen: number, out: number, cap: number): number;
  delta_check(d: number, n: number, baseLen: number, maxResult: number): number;
  delta_run(base: number, d: number, start: number, n: number, out: number): void;
  delta_apply(base: number, baseLen: number, d: number, n: number, maxResult: number, out: number, outCap: number): number;
  delta_index_bytes(baseLen: number): number;
  delta_bound(targetLen: number): number;
  delta_create(base: number, baseLen: number, target: number, targetLen: number, maxSize: number, work: number, out: number): number;
  deflate_work_bytes(n: number): number;
  deflate_bound(n: number): number;
  deflate(inp: number, n: number, level: number, work: number, out: number): number;
  pack_walk_rec(): number;
  pack_walk_run(inp: number, len: number, remaining: number, walkMax: number, hashMax: number, maxObj: number, out: number, outCap: number, recs: number, maxRecs: number, ids: number): number;
}

/** An instance whose memory grew past this is dropped after the call. */
const RETAIN_BYTES = 16 << 20;
/** Streaming functions (SHA-1, CRC-32, Adler-32) feed the module this much at a time. */
const CHUNK = 1 << 20;

let ex: Exports | null = null;
let mem = new Uint8Array(0); // views of ex.memory, replaced when it grows
let res32 = new Uint32Array(0); // result_ptr(): {consumed, produced} of inflate
let nums64 = new Float64Array(0); // nums_ptr(): numbers from delta_check
let base = 0; // arena start
let resultPtr = 0;
let numsPtr = 0;
let pad = 0;

function instance(): Exports {
  if (ex === null) {
    ex = new WebAssembly.Instance(wasmModule, {}).exports as unknown as Exports;
    base = ex.arena_base();
    resultPtr = ex.result_ptr();
    numsPtr = ex.nums_ptr();
    pad = ex.inflate_pad();
    views(ex);
  }
  return ex;
}

function views(e: Exports): void {
  const b = e.memory.buffer;
  mem = new Uint8Array(b);
  res32 = new Uint32Array(b, resultPtr, 2);
  nums64 = new Float64Array(b, numsPtr, 4);
}

/** Makes n arena bytes usable; returns false if the module's memory cannot grow that far. */
function reserve(e: Exports, n: number): boolean {
  if (base + n <= mem.length) return true;
  if (n > 0xffffffff - base || e.arena_reserve(n) === 0) return false;
  views(e);
  return true;
}

/** Called after each operation: forget an instance whose memory grew large. */
function release(): void {
  if (mem.length > RETAIN_BYTES) {
    // Drop every reference to the old memory so it can be collected.
    ex = null;
    mem = new Uint8Array(0);
    res32 = new Uint32Array(0);
    nums64 = new Float64Array(0);
  }
}

/** Bytes of linear memory the module holds now (0 when no instance is alive). */
export function wasmMemoryBytes(): number {
  return ex === null ? 0 : ex.memory.buffer.byteLength;
}

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'));

function hex20(p: number): string {
  const m = mem;
  let s = '';
  for (let i = 0; i < 20; i++) s += HEX[m[p + i]];
  return s;
}

// ---------------------------------------------------------------- SHA-1

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
    mem.set(this.ctx, base);
    for (let at = 0; at < n; at += CHUNK) {
      const len = Math.min(CHUNK, n - at);
      mem.set(at === 0 && len === n ? data : data.subarray(at, at + len), base + CTX);
      e.sha1_update(base, base + CTX, len);
    }
    this.ctx.set(mem.subarray(base, base + CTX));
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
    mem.set(this.ctx, base);
    e.sha1_final(base, base + CTX);
    return encoding === 'hex' ? hex20(base + CTX) : mem.slice(base + CTX, base + CTX + 20);
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
  mem.set(data, base);
  e.sha1_digest(base, n, base + n);
  return hex20(base + n);
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
  mem.set(data, base);
  e.git_hash(code, base, n, base + n);
  return hex20(base + n);
}

// ---------------------------------------------------------------- checksums

/** CRC-32 of buf continuing from prev, as crc32() in src/pack/crc32.ts. */
export function wasmCrc32(buf: Uint8Array, prev = 0): number {
  const e = instance();
  const n = buf.length;
  if (!reserve(e, Math.min(n, CHUNK))) return crc32Js(buf, prev);
  let c = prev >>> 0;
  for (let at = 0; at < n; at += CHUNK) {
    const len = Math.min(CHUNK, n - at);
    mem.set(len === n ? buf : buf.subarray(at, at + len), base);
    c = e.crc32(c, base, len);
  }
  release();
  return c >>> 0;
}

/** Adler-32 of buf continuing from prev (1 to start), as adler32Ts. */
export function wasmAdler32(buf: Uint8Array, prev = 1): number {
  const e = instance();
  const n = buf.length;
  if (!reserve(e, Math.min(n, CHUNK))) return adler32Ts(buf, prev);
  let a = prev >>> 0;
  for (let at = 0; at < n; at += CHUNK) {
    const len = Math.min(CHUNK, n - at);
    mem.set(len === n ? buf : buf.subarray(at, at + len), base);
    a = e.adler32(a, base, len);
  }
  release();
  return a >>> 0;
}

// ---------------------------------------------------------------- inflate

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

/** inflateAt() sends sizes up to this through zlib's plain call (see src/pack/inflate.ts). */
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
 * results and errors as inflateAt in src/pack/inflate.ts (NeedMoreInput when
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
    const outAt = base + inLen + pad;
    if (!reserve(e, inLen + pad + cap + 16)) return inflateAt(buf, offset, expectedSize);
    mem.set(inLen === avail ? sub : sub.subarray(0, inLen), base);
    const st = e.inflate(base, inLen, outAt, cap);
    const consumed = res32[0];
    const produced = res32[1];
    if (st === Z_OK) {
      if (produced > m) {
        release();
        throw new PackError(`zlib stream at offset ${offset} inflates to more than the declared ${expectedSize} bytes`);
      }
      if (produced !== expectedSize) {
        release();
        throw new PackError(`zlib stream at offset ${offset} inflated to ${produced} bytes, header says ${expectedSize}`);
      }
      const data = mem.slice(outAt, outAt + produced);
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

// ---------------------------------------------------------------- delta

const DELTA_DEFAULT_MAX = 0x7fffffff;

function deltaError(st: number, nums: Float64Array, baseLen: number, maxResultSize: number): PackError {
  switch (st) {
    case 1: return new PackError('delta truncated in its base size header');
    case 2: return new PackError('delta truncated in its result size header');
    case 3: return new PackError('delta base size header is too long');
    case 4: return new PackError('delta result size header is too long');
    case 5: return new PackError(`delta expects a base of ${nums[0]} bytes but the base has ${baseLen}`);
    case 6: return new PackError(`delta result of ${nums[1]} bytes exceeds the limit of ${maxResultSize}`);
    case 7: return new PackError('delta truncated inside a copy instruction');
    case 8: return new PackError(`delta copies bytes ${nums[2]}..${nums[2] + nums[3]} from a base of ${baseLen} bytes`);
    case 9: return new PackError(`delta writes past its declared result size of ${nums[1]} bytes`);
    case 10: return new PackError('delta insert instruction runs past the end of the delta');
    case 11: return new PackError(`delta contains the reserved opcode 0 at byte ${nums[2]}`);
    case 12: return new PackError(`delta produced ${nums[2]} bytes but declares a result of ${nums[1]} bytes`);
    default: return new PackError(`delta rejected (status ${st})`);
  }
}

/** Applies a git delta to its base, as applyDelta in src/pack/delta.ts (same checks, same errors). */
export function wasmApplyDelta(base0: Uint8Array, delta: Uint8Array, maxResultSize = DELTA_DEFAULT_MAX): Uint8Array {
  // The header is checked here, before the base and the delta are copied in and the arena grows
  // for the result (the module checks it again): same checks, in the same order, as the twin.
  checkDeltaHeader(base0.length, delta, maxResultSize);
  const e = instance();
  const dn = delta.length;
  const bn = base0.length;
  // Arena: delta, base, then the result, each followed by 16 bytes of slack.
  const dAt = base;
  const bAt = dAt + dn + 16;
  const oAt = bAt + bn + 16;
  if (!reserve(e, dn + bn + 48 + Math.min(bn + dn * 4, 1 << 20))) return applyDelta(base0, delta, maxResultSize);
  mem.set(delta, dAt);
  mem.set(base0, bAt);
  let st = e.delta_apply(bAt, bn, dAt, dn, maxResultSize, oAt, mem.length - oAt - 16);
  const size = nums64[1];
  if (st === 255) {
    // Valid, but the result needs more room than the arena has now.
    const start = nums64[2];
    if (!reserve(e, dn + bn + size + 48)) return applyDelta(base0, delta, maxResultSize);
    e.delta_run(bAt, dAt, start, dn, oAt);
    st = 0;
  }
  if (st !== 0) throw deltaError(st, nums64, bn, maxResultSize);
  const out = mem.slice(oAt, oAt + size);
  release();
  return out;
}

/**
 * A delta that turns `base` into `target` (or null if it would exceed
 * maxSize bytes), byte-identical to createDelta in src/pack/delta.ts.
 */
export function wasmCreateDelta(base0: Uint8Array, target: Uint8Array): Uint8Array;
export function wasmCreateDelta(base0: Uint8Array, target: Uint8Array, maxSize: number): Uint8Array | null;
export function wasmCreateDelta(base0: Uint8Array, target: Uint8Array, maxSize = Infinity): Uint8Array | null {
  const e = instance();
  const bn = base0.length;
  const tn = target.length;
  const align = (n: number) => (n + 15) & ~15;
  const tAt = base + align(bn + 16);
  const wAt = tAt + align(tn + 16);
  const oAt = wAt + align(e.delta_index_bytes(bn));
  const need = oAt - base + e.delta_bound(tn) + 16;
  if (!reserve(e, need)) return createDelta(base0, target, maxSize);
  mem.set(base0, base);
  mem.set(target, tAt);
  const n = e.delta_create(base, bn, tAt, tn, maxSize, wAt, oAt);
  const out = n < 0 ? null : mem.slice(oAt, oAt + n);
  release();
  return out;
}

// ---------------------------------------------------------------- deflate

/**
 * zlib-compresses data at `level` (0-9; -1 or undefined: 6, zlib's default),
 * as deflate() in src/pack/inflate.ts. The stream differs from zlib's byte
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
  const wAt = base + align(n + 8);
  const oAt = wAt + align(e.deflate_work_bytes(n));
  if (!reserve(e, oAt - base + e.deflate_bound(n) + 8)) return deflate(data, level);
  mem.set(data, base);
  // The match finder hashes up to 3 bytes past the end: zero them so the
  // stream depends only on the data, not on what the arena held before.
  mem.fill(0, base + n, base + n + 8);
  const len = e.deflate(base, n, level === undefined || level < 0 ? 6 : level, wAt, oAt);
  const out = mem.slice(oAt, oAt + len);
  release();
  return out;
}

// ---------------------------------------------------------------- pack walker

/** An entry the walker finished: PackEntry's fields (src/pack/parser.ts) but baseOffset unchecked. */
export interface WalkedEntry {
  offset: number;
  end: number;
  dataOffset: number;
  type: PackTypeNum;
  size: number;
  /** ofs-delta: offset - distance, not yet checked against the entries seen. */
  baseOffset?: number;
  baseOid?: string;
  crc32: number;
  data: Uint8Array;
  oid?: string;
}

/** How a walk ended: see wasmWalkPack. */
export enum Walk {
  /** Every entry the window (or the object count) holds was walked, or the batch is full: call again. */
  More = 0,
  /** The entry at the stop is incomplete: wait until `retryAt` bytes from it are buffered. */
  Need = 1,
  /** The entry at the stop is not for the walker (too big, or something to report): parse it in TS. */
  Fallback = 2,
}

export interface WalkResult {
  status: Walk;
  /** Bytes of the window the walked entries took. */
  consumed: number;
  /** With Need: window bytes (counted from the stop) to wait for. */
  retryAt: number;
}

/** Input copied into the module per call; a longer window is walked in several calls. */
const WALK_COPY_MAX = 1 << 20;
const WALK_MAX_RECS = 4096;
const walkResult: WalkResult = { status: Walk.More, consumed: 0, retryAt: 0 };

/**
 * Walks the complete entries at buf[start, end) (pack offset `pos` at start,
 * `remaining` entries left in the pack) in the Wasm module: header, inflate,
 * CRC-32 and, for whole objects up to hashMax bytes, the object id, appended
 * to `out`. Entries of more than walkMax bytes, and anything the TS parser
 * would report as an error, stop the walk with Fallback, so the caller's TS
 * path handles exactly those (and words the errors).
 */
export function wasmWalkPack(
  buf: Uint8Array, start: number, end: number, pos: number, remaining: number,
  maxObjectSize: number, walkMax: number, hashMax: number, out: WalkedEntry[],
): WalkResult {
  const r = walkResult;
  const e = instance();
  const avail = end - start;
  const len = Math.min(avail, WALK_COPY_MAX);
  const rec = e.pack_walk_rec();
  const align = (x: number) => (x + 15) & ~15;
  const outCap = Math.max(1 << 20, walkMax + 64);
  const outAt = base + align(len + pad);
  const recAt = outAt + align(outCap + 16);
  const idAt = recAt + WALK_MAX_RECS * rec * 8;
  if (!reserve(e, idAt - base + WALK_MAX_RECS * 20)) {
    r.status = Walk.Fallback;
    r.consumed = 0;
    return r;
  }
  mem.set(buf.subarray(start, start + len), base);
  let st = e.pack_walk_run(base, len, Math.min(remaining, 0x7fffffff), walkMax, hashMax, maxObjectSize, outAt, outCap, recAt, WALK_MAX_RECS, idAt);
  const count = nums64[0];
  const consumed = nums64[1];
  const retryAt = nums64[2];
  const recs = new Float64Array(mem.buffer, recAt, count * rec);
  for (let i = 0, q = 0; i < count; i++, q += rec) {
    const rel = recs[q];
    const hdr = recs[q + 1];
    const entryLen = recs[q + 2];
    const t = recs[q + 3];
    const type = (t & 15) as PackTypeNum;
    const size = recs[q + 4];
    const offset = pos + rel;
    const dataAt = outAt + recs[q + 7];
    const w: WalkedEntry = {
      offset,
      end: offset + entryLen,
      dataOffset: offset + hdr,
      type,
      size,
      crc32: recs[q + 6] >>> 0,
      data: mem.slice(dataAt, dataAt + size),
    };
    if (type === 6) w.baseOffset = offset - recs[q + 5];
    else if (type === 7) w.baseOid = bytesToHex(buf, start + rel + hdr - 20);
    if (t & 16) w.oid = hex20(idAt + i * 20);
    out.push(w);
  }
  if (st === Walk.Need && len < avail) {
    // The entry runs past the bytes copied in, not past the window: go on from it, unless
    // it alone is longer than a copy (only a pathological stream), which the TS path takes.
    st = consumed > 0 ? Walk.More : Walk.Fallback;
  } else if (st === 3) {
    st = Walk.More; // batch full
  }
  r.status = st;
  r.consumed = consumed;
  r.retryAt = retryAt;
  release();
  return r;
}

// ---------------------------------------------------------------- the switch

export type AcceleratorMode = 'wasm' | 'ts' | 'auto';

let mode: AcceleratorMode = 'auto';

/** Forces the Wasm or the TS path for every accel.* function, or lets 'auto' pick per function. */
export function setAccelerator(m: AcceleratorMode): void {
  if (m !== 'wasm' && m !== 'ts' && m !== 'auto') throw new Error(`unknown accelerator mode: ${String(m)}`);
  mode = m;
}

export function getAccelerator(): AcceleratorMode {
  return mode;
}

// 'auto': the Wasm path below these sizes, the TS twin above, from the
// size sweep of runMicroBench({ sweep: true }) (src/wasm/bench.ts) in workerd
// (vitest pool, wrangler 4.164, x64 Linux, 2 shared cores: take ±20%).
// Time per call in µs, wasm / ts:
//
//               64 B       256 B      1 KiB      2 KiB      4 KiB     8 KiB     16 KiB    64 KiB    1 MiB
//   sha1        0.41/2.25  0.84/3.00  2.34/2.88  4.33/3.30  8.18/4.39 15/6.59   32/12     148/56    2625/859
//   hashObject  0.44/3.69  0.80/5.13  2.47/5.53  4.15/3.97  8.54/5.13 15/7.08   31/12     162/56    3625/1078
//   inflateAt   0.55/5.06  3.50/10    6.00/10    9.28/14    16/21     25/26     45/45     168/133   2781/1875
//   applyDelta  0.25/0.26  0.52/0.56  1.06/0.94  1.24/1.36  2.08/2.01 3.05/2.69 4.15/4.52 20/11     336/254
//   createDelta 0.61/1.81  1.44/3.63  2.00/4.94  2.75/7.45  4.09/13   6.71/22   13/50     61/172    1219/2625
//   crc32       0.08/0.14  0.19/0.13  0.70/0.22  1.36/0.26  2.75/0.34 5.31/0.54 17/1.39   74/3.85   766/68
//   adler32     0.05/0.11  0.10/0.32  0.29/1.16  0.48/1.92  1.11/3.66 2.29/9.03 3.78/14   16/75     266/984
//   deflate L1  4.38/16    12/20      26/31      34/37      45/49     70/112    125/178   555/570   9125/13625
//   deflate L6  6.00/17    12/26      36/48      53/59      135/94    273/227   656/531   5719/3625 105500/75000
//   (deflate and adler32 (SIMD since): under `wrangler dev`, GET /v1/admin/bench/wasm?sweep=1&only=...,
//   with the machine's load average at ~6 on 2 cores: take ±30%)
//
// node:crypto's SHA-1 and node:zlib's inflate and crc32 are native code in
// workerd: each call costs a few µs to reach them (inflateAt's info path
// more), after which they run 3x (SHA-1), 1.3-1.5x (inflate) and 10x+ (crc32,
// hardware CRC) faster than this Wasm. So Wasm wins on the small objects packs
// are made of and loses on big ones. createDelta and Adler-32 have pure-JS
// twins, which Wasm beats at every size.
const AUTO = {
  /** SHA-1 and object ids: Wasm up to 1.5 KiB (5-8x at 64 B, 3.5-6x at 256 B, 1.2-2.2x at 1 KiB; 0.8-1.0x at 2 KiB, 0.3x from 64 KiB). */
  hashMaxWasm: 1536,
  /** Inflate: Wasm up to 8 KiB of output (9x at 64 B, 2.9x at 256 B, 1.7x at 1 KiB, 1.3x at 4 KiB, 1.0x at 8-16 KiB, 0.7-0.8x above). */
  inflateMaxWasm: 8192,
  /** Delta apply: Wasm for bases up to 2 KiB, a marginal win (0.9-1.3x per size, 1.05-1.7x on the pack mix over several runs); 0.6-0.8x from 64 KiB (two extra copies). */
  deltaMaxWasm: 2048,
  /**
   * Delta encode: Wasm while base + target <= 4 MiB (2.1-3.7x at every size
   * up to 1 MiB); above that its memory passes RETAIN_BYTES and every call
   * would rebuild the instance (measured 1.1x at 8 MiB + 8 MiB).
   */
  createDeltaMaxWasm: 4 << 20,
  /** CRC-32: Wasm only up to 128 B (1.4-1.9x; crc32() pays the native call or runs its JS loop there); 0.7x at 256 B, 0.1x from 4 KiB. */
  crc32MaxWasm: 128,
  /** Adler-32: always Wasm (1.8-2.3x up to 128 B, 3-5x from 256 B up with the SIMD loop; the twin is a JS loop). */
  adler32Wasm: true,
  /**
   * Deflate, greedy levels (0-3; the commit API writes at 1): Wasm up to 1 MiB
   * (3.7x at 64 B, 1.6-2.2x at 128-256 B, 1.1-1.4x from 512 B to 1 MiB: node:zlib's
   * per-call setup is most of what Wasm saves; per byte the two are close). Above
   * that the gain is small (1.07x at 8 MiB) and from ~7 MiB the arena (2n + 320 KiB)
   * passes RETAIN_BYTES, so the instance would be rebuilt after each call.
   */
  deflateMaxWasmGreedy: 1 << 20,
  /** Deflate, lazy levels (4-9, and the default 6): Wasm up to 2 KiB (2.1-2.9x at 64-256 B, 1.1-1.9x at 0.5-2 KiB; 0.6-0.8x from 4 KiB). */
  deflateMaxWasmLazy: 2 << 10,
  /** Streaming SHA-1 is for large or unknown sizes: native. */
  streamingSha1Wasm: false,
  /** Pack walker: entries up to this size are walked in Wasm (larger ones: TS parser with native inflate). */
  walkMax: 8192,
  /** Pack walker: whole objects up to this size get their id in Wasm (larger ones: native SHA-1). */
  walkHashMax: 1536,
};

function accelCreateDelta(base0: Uint8Array, target: Uint8Array): Uint8Array;
function accelCreateDelta(base0: Uint8Array, target: Uint8Array, maxSize: number): Uint8Array | null;
function accelCreateDelta(base0: Uint8Array, target: Uint8Array, maxSize = Infinity): Uint8Array | null {
  if (mode === 'wasm' || (mode === 'auto' && base0.length + target.length <= AUTO.createDeltaMaxWasm)) return wasmCreateDelta(base0, target, maxSize);
  return createDelta(base0, target, maxSize);
}

/**
 * The accelerated functions, each with its twin's signature; which path runs
 * is set by setAccelerator() (see AUTO for what 'auto' picks).
 */
export const accel = {
  sha1(data: Uint8Array): string {
    if (mode === 'wasm' || (mode === 'auto' && data.length <= AUTO.hashMaxWasm)) return wasmSha1(data);
    return sha1Ts(data);
  },
  createSha1(): Sha1Hasher {
    return mode === 'wasm' || (mode === 'auto' && AUTO.streamingSha1Wasm) ? createWasmSha1() : createSha1Ts();
  },
  hashObject(type: ObjectType, data: Uint8Array): string {
    if (mode === 'wasm' || (mode === 'auto' && data.length <= AUTO.hashMaxWasm)) return wasmHashObject(type, data);
    return hashObject(type, data);
  },
  inflateAt(buf: Uint8Array, offset: number, expectedSize: number): { data: Uint8Array; consumed: number } {
    if (mode === 'wasm' || (mode === 'auto' && expectedSize <= AUTO.inflateMaxWasm)) return wasmInflateAt(buf, offset, expectedSize);
    return inflateAt(buf, offset, expectedSize);
  },
  applyDelta(base0: Uint8Array, delta: Uint8Array, maxResultSize = DELTA_DEFAULT_MAX): Uint8Array {
    if (mode === 'wasm' || (mode === 'auto' && base0.length <= AUTO.deltaMaxWasm)) return wasmApplyDelta(base0, delta, maxResultSize);
    return applyDelta(base0, delta, maxResultSize);
  },
  createDelta: accelCreateDelta,
  crc32(buf: Uint8Array, prev = 0): number {
    if (mode === 'wasm' || (mode === 'auto' && buf.length <= AUTO.crc32MaxWasm)) return wasmCrc32(buf, prev);
    return crc32(buf, prev);
  },
  adler32(buf: Uint8Array, prev = 1): number {
    if (mode === 'wasm' || (mode === 'auto' && AUTO.adler32Wasm)) return wasmAdler32(buf, prev);
    return adler32Ts(buf, prev);
  },
  /**
   * Walks pack entries in the Wasm module (wasmWalkPack), or returns null in 'ts' mode: the
   * caller parses each entry itself. 'wasm' walks entries up to 1 MiB and hashes all of them.
   */
  walkPack(buf: Uint8Array, start: number, end: number, pos: number, remaining: number, maxObjectSize: number, out: WalkedEntry[]): WalkResult | null {
    if (mode === 'ts') return null;
    if (mode === 'wasm') return wasmWalkPack(buf, start, end, pos, remaining, maxObjectSize, 1 << 20, 0x7fffffff, out);
    return wasmWalkPack(buf, start, end, pos, remaining, maxObjectSize, AUTO.walkMax, AUTO.walkHashMax, out);
  },
  deflate(data: Uint8Array, level?: number): Uint8Array {
    const max = level !== undefined && level >= 0 && level <= 3 ? AUTO.deflateMaxWasmGreedy : AUTO.deflateMaxWasmLazy;
    if (mode === 'wasm' || (mode === 'auto' && data.length <= max)) return wasmDeflate(data, level);
    return deflate(data, level);
  },
};
