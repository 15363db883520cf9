// The switch that picks the Wasm accelerator (wasm/*.ts) or its pure-TS twin per function and
// input size: setAccelerator('wasm' | 'ts' | 'auto'); 'auto' (the default) takes whichever was
// measured faster in workerd (the numbers next to each choice in AUTO).
import { deflate, inflateAt } from './inflate';
import { inflateStored } from './inflate-stored';
import { applyDelta, createDelta } from './delta';
import { crc32 } from './crc32';
import { hashObject, type ObjectType } from './object-id';
import { adler32Ts, createSha1Ts, sha1Ts, type Sha1Hasher } from './twins';
import { createWasmSha1, wasmAdler32, wasmCrc32, wasmHashObject, wasmObjectId, wasmSha1 } from './wasm/hash';
import { objectIdNative } from './native-sha1';
import { hexToBytes } from './hex';
import { wasmDeflate, wasmInflateAt } from './wasm/inflate';
import { DELTA_DEFAULT_MAX, wasmApplyDelta, wasmCreateDelta } from './wasm/delta';
import { type LentBytes, wasmWalkPack, type WalkedEntry, type WalkResult } from './wasm/walk';

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
// size sweep of runMicroBench({ sweep: true }) (src/codec/bench.ts) in workerd
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
//   objectId    0.61/1.00  0.75/1.25  3.00/1.94  3.91/2.53  7.50/3.83 21/7.39   34/14     111/41    1857/600
//   (objectId: raw ids, wasmObjectId / objectIdNative: the native one-shot SHA-1 of native-sha1.ts
//   up to 8 KiB, createHash above; the sweep's objectId pair, timed as best of 30 rounds of 12 ms
//   in the vitest workerd, load average ~4.7 on 2 cores; 512 B: 1.15/1.36)
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
  /**
   * Raw object ids (objectId): Wasm up to 512 B, above it the native one-shot SHA-1 without
   * createHash's stream wrapper (native-sha1.ts), which moves the crossover down from 1.5 KiB.
   */
  objectIdMaxWasm: 512,
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

const adler32Wasm = (data: Uint8Array): number => wasmAdler32(data, 1);

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
  /** hashObject's id as 20 raw bytes (a fresh array): what the ingest keeps, without a hex string per object. */
  objectId(type: ObjectType, data: Uint8Array): Uint8Array {
    if (mode === 'ts') return hexToBytes(hashObject(type, data));
    if (mode === 'wasm' || data.length <= AUTO.objectIdMaxWasm) return wasmObjectId(type, data) ?? objectIdNative(type, data);
    return objectIdNative(type, data);
  },
  /** `into`: where a stored-only stream may be copied out (the data is then a view of it). */
  inflateAt(buf: Uint8Array, offset: number, expectedSize: number, into?: Uint8Array): { data: Uint8Array; consumed: number } {
    if (mode === 'wasm' || (mode === 'auto' && expectedSize <= AUTO.inflateMaxWasm)) return wasmInflateAt(buf, offset, expectedSize);
    // A stored-only stream (incompressible data) is copied out; null for anything else.
    if (mode === 'auto') {
      const stored = inflateStored(buf, offset, expectedSize, adler32Wasm, into);
      if (stored !== null) return stored;
    }
    return inflateAt(buf, offset, expectedSize);
  },
  /** `into`: a reusable buffer for the result when it fits (the answer is then a view of it). */
  applyDelta(base0: Uint8Array, delta: Uint8Array, maxResultSize = DELTA_DEFAULT_MAX, into?: Uint8Array): Uint8Array {
    if (mode === 'wasm' || (mode === 'auto' && base0.length <= AUTO.deltaMaxWasm)) return wasmApplyDelta(base0, delta, maxResultSize, into);
    return applyDelta(base0, delta, maxResultSize, into);
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
  walkPack(buf: Uint8Array, start: number, end: number, pos: number, remaining: number, maxObjectSize: number, out: WalkedEntry[], lend?: LentBytes): WalkResult | null {
    if (mode === 'ts') return null;
    if (mode === 'wasm') return wasmWalkPack(buf, start, end, pos, remaining, maxObjectSize, 1 << 20, 0x7fffffff, out, lend);
    return wasmWalkPack(buf, start, end, pos, remaining, maxObjectSize, AUTO.walkMax, AUTO.walkHashMax, out, lend);
  },
  deflate(data: Uint8Array, level?: number): Uint8Array {
    const max = level !== undefined && level >= 0 && level <= 3 ? AUTO.deflateMaxWasmGreedy : AUTO.deflateMaxWasmLazy;
    if (mode === 'wasm' || (mode === 'auto' && data.length <= max)) return wasmDeflate(data, level);
    return deflate(data, level);
  },
};
