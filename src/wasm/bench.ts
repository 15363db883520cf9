// Micro-benchmarks: each Wasm function against its TS/platform twin, on the
// two shapes of work Arbor has: the many small objects of a pack (200 B–4 KB
// each: commits, trees, small blobs, deltas) and single large buffers.
//
// runMicroBench() is what `npm run bench` and test/unit/wasm/bench.test.ts
// call; it must run inside workerd (it imports the .wasm module) and only
// needs node:zlib / node:crypto from nodejs_compat.
import * as zlib from 'node:zlib';
import { inflateAt } from '../pack/inflate';
import { applyDelta, createDelta } from '../pack/delta';
import { crc32 } from '../pack/crc32';
import { hashObject } from '../pack/object';
import { adler32Ts, sha1Ts } from './twins';
import { wasmAdler32, wasmApplyDelta, wasmCrc32, wasmHashObject, wasmInflateAt, wasmSha1 } from './index';

export interface MicroBenchRow {
  /** Function pair, e.g. 'inflateAt'. */
  fn: string;
  /** Workload, e.g. 'small x2000' or 'large 8 MiB'. */
  workload: string;
  /** Bytes of (uncompressed) data per run. */
  bytes: number;
  /** Calls per run. */
  calls: number;
  wasmMBs: number;
  tsMBs: number;
  /** wasm / ts throughput (> 1: Wasm is faster). */
  ratio: number;
  /** Mean time of one call (µs). */
  wasmUsPerCall: number;
  tsUsPerCall: number;
}

export interface MicroBenchOptions {
  /** Smaller inputs and fewer rounds (~1-2 s in total instead of ~5-10 s). */
  quick?: boolean;
  /** Where to print the table (default console.log); null for silence. */
  log?: ((line: string) => void) | null;
  /** Only the functions whose name contains this. */
  only?: string;
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/** Source-code-like text (compresses ~3-4:1 like real blobs). */
function text(n: number, rand: () => number): Uint8Array {
  const words = ['const', 'return', 'function', 'import', 'export', 'if', 'else', '{', '}', '(', ')', '=>', 'value', 'index', 'data', 'length', 'offset', 'tree', 'commit', 'pack'];
  const out = new Uint8Array(n);
  let o = 0;
  while (o < n) {
    const w = rand() % 9 === 0 ? `\n${'  '.repeat(rand() % 4)}` : `${words[rand() % words.length]}${rand() % 5 === 0 ? rand() % 1000 : ''} `;
    for (let i = 0; i < w.length && o < n; i++) out[o++] = w.charCodeAt(i);
  }
  return out;
}

/** Object sizes of a typical pack: log-uniform between 200 B and 4 KB. */
function smallSizes(count: number, rand: () => number): number[] {
  return Array.from({ length: count }, () => Math.round(200 * Math.pow(20, (rand() % 10000) / 10000)));
}

function edit(base: Uint8Array, rand: () => number): Uint8Array {
  const out = base.slice();
  const edits = 1 + (rand() % 3);
  for (let i = 0; i < edits; i++) {
    const at = rand() % out.length;
    const len = Math.min(out.length - at, 1 + (rand() % 40));
    for (let k = 0; k < len; k++) out[at + k] = 97 + (rand() % 26);
  }
  return out;
}

/** Best time (ms) of `rounds` runs of fn, each run at least minMs long. */
function time(fn: () => void, rounds: number, minMs: number): { ms: number; reps: number } {
  fn(); // warm-up (JIT, instance creation)
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) fn();
    const ms = performance.now() - t0;
    if (ms >= minMs || reps >= 1 << 16) break;
    reps *= 2;
  }
  let best = Infinity;
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) fn();
    best = Math.min(best, (performance.now() - t0) / reps);
  }
  return { ms: best, reps };
}

let sink = 0; // keeps results alive so nothing is optimised away

export function runMicroBench(opts: MicroBenchOptions = {}): MicroBenchRow[] {
  const quick = opts.quick ?? false;
  const log = opts.log === undefined ? (l: string) => console.log(l) : opts.log;
  const rounds = quick ? 3 : 7;
  const minMs = quick ? 15 : 60;
  const smallCount = quick ? 600 : 3000;
  const largeBytes = quick ? 2 << 20 : 8 << 20;
  const rand = rng(2024);
  const rows: MicroBenchRow[] = [];

  const run = (fn: string, workload: string, bytes: number, calls: number, wasm: () => void, ts: () => void) => {
    if (opts.only && !fn.includes(opts.only)) return;
    // Alternate which goes first to spread out warm-up and GC effects.
    const w1 = time(wasm, rounds, minMs);
    const t1 = time(ts, rounds, minMs);
    const w = Math.min(w1.ms, time(wasm, 2, minMs).ms);
    const t = t1.ms;
    const mbs = (ms: number) => bytes / 1e6 / (ms / 1000);
    rows.push({
      fn,
      workload,
      bytes,
      calls,
      wasmMBs: mbs(w),
      tsMBs: mbs(t),
      ratio: t / w,
      wasmUsPerCall: (w * 1000) / calls,
      tsUsPerCall: (t * 1000) / calls,
    });
  };

  // Inputs ------------------------------------------------------------
  const smallObjs = smallSizes(smallCount, rand).map((n) => text(n, rand));
  const smallTotal = smallObjs.reduce((n, o) => n + o.length, 0);
  const large = text(largeBytes, rand);
  const smallZ = smallObjs.map((o) => new Uint8Array(zlib.deflateSync(o)));
  const largeZ = new Uint8Array(zlib.deflateSync(large));
  // Small objects inflated straight out of one pack-like buffer, as the parser does.
  const packBuf = new Uint8Array(smallZ.reduce((n, z) => n + z.length, 0) + 20);
  const offsets: number[] = [];
  {
    let o = 0;
    for (const z of smallZ) {
      offsets.push(o);
      packBuf.set(z, o);
      o += z.length;
    }
  }
  const deltaPairs = smallObjs.map((b) => {
    const target = edit(b, rand);
    return { base: b, delta: createDelta(b, target), size: target.length };
  });
  const largeTarget = edit(large, rand);
  const largeDelta = createDelta(large, largeTarget);
  const smallCrcInputs = smallZ; // .idx CRCs cover compressed entries

  const sw = `small x${smallCount} (200 B-4 KB)`;
  const lw = `large ${(largeBytes / (1 << 20)).toFixed(0)} MiB`;

  // SHA-1 -------------------------------------------------------------
  run('sha1', sw, smallTotal, smallCount, () => { for (const o of smallObjs) sink += wasmSha1(o).length; }, () => { for (const o of smallObjs) sink += sha1Ts(o).length; });
  run('sha1', lw, large.length, 1, () => { sink += wasmSha1(large).length; }, () => { sink += sha1Ts(large).length; });
  run('hashObject', sw, smallTotal, smallCount, () => { for (const o of smallObjs) sink += wasmHashObject('blob', o).length; }, () => { for (const o of smallObjs) sink += hashObject('blob', o).length; });
  run('hashObject', lw, large.length, 1, () => { sink += wasmHashObject('blob', large).length; }, () => { sink += hashObject('blob', large).length; });

  // inflate -----------------------------------------------------------
  run('inflateAt', sw, smallTotal, smallCount,
    () => { for (let i = 0; i < smallCount; i++) sink += wasmInflateAt(packBuf, offsets[i], smallObjs[i].length).consumed; },
    () => { for (let i = 0; i < smallCount; i++) sink += inflateAt(packBuf, offsets[i], smallObjs[i].length).consumed; });
  run('inflateAt', lw, large.length, 1, () => { sink += wasmInflateAt(largeZ, 0, large.length).consumed; }, () => { sink += inflateAt(largeZ, 0, large.length).consumed; });

  // delta -------------------------------------------------------------
  const deltaTotal = deltaPairs.reduce((n, p) => n + p.size, 0);
  run('applyDelta', sw, deltaTotal, smallCount,
    () => { for (const p of deltaPairs) sink += wasmApplyDelta(p.base, p.delta).length; },
    () => { for (const p of deltaPairs) sink += applyDelta(p.base, p.delta).length; });
  run('applyDelta', lw, largeTarget.length, 1, () => { sink += wasmApplyDelta(large, largeDelta).length; }, () => { sink += applyDelta(large, largeDelta).length; });

  // checksums ---------------------------------------------------------
  const crcTotal = smallCrcInputs.reduce((n, z) => n + z.length, 0);
  run('crc32', `small x${smallCount} (compressed entries)`, crcTotal, smallCount,
    () => { for (const z of smallCrcInputs) sink += wasmCrc32(z); },
    () => { for (const z of smallCrcInputs) sink += crc32(z); });
  run('crc32', lw, large.length, 1, () => { sink += wasmCrc32(large); }, () => { sink += crc32(large); });
  run('adler32', sw, smallTotal, smallCount, () => { for (const o of smallObjs) sink += wasmAdler32(o); }, () => { for (const o of smallObjs) sink += adler32Ts(o); });
  run('adler32', lw, large.length, 1, () => { sink += wasmAdler32(large); }, () => { sink += adler32Ts(large); });

  if (log) for (const line of formatMicroBench(rows)) log(line);
  return rows;
}

/** The rows as an aligned text table. */
export function formatMicroBench(rows: MicroBenchRow[]): string[] {
  const head = ['function', 'workload', 'wasm MB/s', 'ts MB/s', 'wasm/ts', 'wasm µs/call', 'ts µs/call'];
  const body = rows.map((r) => [
    r.fn,
    r.workload,
    r.wasmMBs.toFixed(0),
    r.tsMBs.toFixed(0),
    `${r.ratio.toFixed(2)}x`,
    r.wasmUsPerCall.toFixed(2),
    r.tsUsPerCall.toFixed(2),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [fmt(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(fmt), `(sink ${sink % 10})`];
}
