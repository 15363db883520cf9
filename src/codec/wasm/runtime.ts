// The Zig -> Wasm module's instance and its scratch arena (see zig/arbor.zig), shared by the
// other files of this folder. Host interface: a call reserves room in the arena, copies its
// inputs in, calls, and copies the outputs out; no Wasm state outlives a call (streaming SHA-1
// keeps its 96-byte state on the JS side), so the instance can be dropped at any time. It is
// dropped after a call that left its memory above RETAIN_BYTES, so one large object does not
// pin that memory for the life of the isolate (wasmMemoryBytes() reports what it holds). Inputs
// too large for the module's memory cap (256 MiB) go to the TS twin.
import wasmModule from '../arbor.wasm';

export interface Exports {
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
export const CHUNK = 1 << 20;

let ex: Exports | null = null;
let resultPtr = 0;
let numsPtr = 0;

/** The live instance's views and arena layout, replaced when its memory grows or it is dropped. */
export const rt = {
  /** Views of ex.memory. */
  mem: new Uint8Array(0),
  /** result_ptr(): {consumed, produced} of inflate. */
  res32: new Uint32Array(0),
  /** nums_ptr(): numbers from delta_check and the walker. */
  nums64: new Float64Array(0),
  /** Arena start. */
  base: 0,
  /** Readable slack inflate needs after its input. */
  pad: 0,
};

export function instance(): Exports {
  if (ex === null) {
    ex = new WebAssembly.Instance(wasmModule, {}).exports as unknown as Exports;
    rt.base = ex.arena_base();
    resultPtr = ex.result_ptr();
    numsPtr = ex.nums_ptr();
    rt.pad = ex.inflate_pad();
    views(ex);
  }
  return ex;
}

function views(e: Exports): void {
  const b = e.memory.buffer;
  rt.mem = new Uint8Array(b);
  rt.res32 = new Uint32Array(b, resultPtr, 2);
  rt.nums64 = new Float64Array(b, numsPtr, 4);
}

/** Makes n arena bytes usable; returns false if the module's memory cannot grow that far. */
export function reserve(e: Exports, n: number): boolean {
  if (rt.base + n <= rt.mem.length) return true;
  if (n > 0xffffffff - rt.base || e.arena_reserve(n) === 0) return false;
  views(e);
  return true;
}

/** Called after each operation: forget an instance whose memory grew large. */
export function release(): void {
  if (rt.mem.length > RETAIN_BYTES) {
    // Drop every reference to the old memory so it can be collected.
    ex = null;
    rt.mem = new Uint8Array(0);
    rt.res32 = new Uint32Array(0);
    rt.nums64 = new Float64Array(0);
  }
}

/** Bytes of linear memory the module holds now (0 when no instance is alive). */
export function wasmMemoryBytes(): number {
  return ex === null ? 0 : ex.memory.buffer.byteLength;
}

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'));

export function hex20(p: number): string {
  const m = rt.mem;
  let s = '';
  for (let i = 0; i < 20; i++) s += HEX[m[p + i]];
  return s;
}
