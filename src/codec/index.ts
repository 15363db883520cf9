// The codec layer: the byte-level algorithms git's formats are built from, and nothing above
// them (it imports no other folder of src/). Each has a pure-TS twin (the oracle) and a Zig ->
// Wasm accelerated version (zig/*.zig, built into arbor.wasm by scripts/build-wasm.mjs) with the
// same signature, results and errors (class and message):
//   wasmSha1(data)                         ~ sha1Ts / createHash('sha1')          (twins.ts)
//   createWasmSha1()                       ~ createSha1Ts, streaming              (twins.ts)
//   wasmHashObject(type, data)             ~ hashObject                           (object-id.ts)
//   wasmInflateAt(buf, offset, expected)   ~ inflateAt                            (inflate.ts)
//   wasmApplyDelta(base, delta, max?)      ~ applyDelta                           (delta.ts)
//   wasmCreateDelta(base, target, max?)    ~ createDelta                          (delta.ts)
//   wasmCrc32(buf, prev?)                  ~ crc32 / crc32Js                      (crc32.ts)
//   wasmAdler32(buf, prev?)                ~ adler32Ts                            (twins.ts)
//   wasmDeflate(data, level?)              ~ deflate (node:zlib deflateSync)      (inflate.ts)
//   wasmWalkPack(buf, start, end, ...)     ~ PackParser's readEntry, many entries a call (src/pack/parser.ts)
// `accel.*` (accel.ts) dispatches to one or the other according to setAccelerator(): 'wasm'
// and 'ts' force a path, 'auto' (the default) takes whichever was measured faster in workerd
// for that function and input size. Callers: import { accel } from '../codec' and call
// accel.inflateAt(...) etc.; the twins are exported too (tests compare the two paths).
export { PackError, NeedMoreInput } from './errors';
export { bytesToHex, hexToBytes, isOid } from './hex';
export { concatBytes } from './bytes';
export * from './object-id';
export { inflateAt, deflate } from './inflate';
export { inflateStored } from './inflate-stored';
export { applyDelta, checkDeltaHeader, deltaResultSize, deltaBaseSize, createDelta, DeltaIndex } from './delta';
export { deltaCopies } from './delta-copies';
export { spliceDelta } from './delta-splice';
export { DeltaWriter } from './delta-writer';
export { crc32, crc32Js } from './crc32';
export { adler32Ts, createSha1Ts, sha1Ts, type Sha1Hasher } from './twins';
export { accel, setAccelerator, getAccelerator, type AcceleratorMode } from './accel';
export { wasmMemoryBytes } from './wasm/runtime';
export { createWasmSha1, wasmSha1, wasmHashObject, wasmCrc32, wasmAdler32 } from './wasm/hash';
export { wasmInflateAt, wasmDeflate } from './wasm/inflate';
export { wasmApplyDelta, wasmCreateDelta } from './wasm/delta';
export { type LentBytes, lendRoom, wasmWalkPack, Walk, type WalkedEntry, type WalkResult } from './wasm/walk';
