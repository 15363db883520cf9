// Micro-benchmarks: each Wasm function against its TS/platform twin, on the
// two shapes of work Arbor has: the many small objects of a pack (200 B–4 KB
// each: commits, trees, small blobs, deltas) and single large buffers.
// A second column times a pure-JS implementation of the same function
// (src/codec/purejs.ts), since several twins are workerd's native C.
//
// runMicroBench() is what `npm run bench` and test/unit/codec/wasm/bench.test.ts
// call; it must run inside workerd (it imports the .wasm module) and only
// needs node:zlib / node:crypto from nodejs_compat.
import * as zlib from 'node:zlib';
import { deflate, inflateAt } from '../../src/codec/inflate';
import { applyDelta, createDelta } from '../../src/codec/delta';
import { crc32 } from '../../src/codec/crc32';
import { hashObject } from '../../src/codec/object-id';
import { objectIdNative } from '../../src/codec/native-sha1';
import { wasmObjectId } from '../../src/codec/wasm/hash';
import { adler32Ts, sha1Ts } from '../../src/codec/twins';
import { adler32Pure, applyDeltaPure, crc32Pure, createDeltaPure, deflatePure, hashObjectPure, inflateAtPure, sha1Pure } from './purejs';
import { accel, getAccelerator, setAccelerator, wasmAdler32, wasmApplyDelta, wasmCreateDelta, wasmCrc32, wasmDeflate, wasmHashObject, wasmInflateAt, wasmSha1 } from '../../src/codec';

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
  /** accel.* in 'auto' mode (what callers get by default). */
  autoMBs: number;
  /** wasm / ts throughput (> 1: Wasm is faster). */
  ratio: number;
  /** Mean time of one call (µs). */
  wasmUsPerCall: number;
  tsUsPerCall: number;
  /** The pure-JS implementation timed for pureMBs, e.g. 'sha.js', 'pako'. */
  pureName: string;
  /** Pure-JS throughput; equal to tsMBs where the twin is itself pure TS. */
  pureMBs: number;
  /** wasm / pure-JS throughput (> 1: Wasm is faster). */
  pureRatio: number;
  pureUsPerCall: number;
}

/** Pure-JS side of a row: which implementation, and how to run it (null: the TS twin is it). */
type Pure = [name: string, run: (() => void) | null];

/** One function at one input size: where 'auto' should switch paths. */
export interface SweepRow {
  fn: string;
  size: number;
  wasmUsPerCall: number;
  tsUsPerCall: number;
  /** ts time / wasm time (> 1: Wasm is faster). */
  ratio: number;
}

export interface MicroBenchReport {
  rows: MicroBenchRow[];
  sweep: SweepRow[];
  /** Both tables as text, as printed. */
  lines: string[];
}

export interface MicroBenchOptions {
  /** Smaller inputs and fewer rounds (~1-2 s in total instead of ~5-10 s). */
  quick?: boolean;
  /** Where to print the table (default console.log); null for silence. */
  log?: ((line: string) => void) | null;
  /** Only the functions whose name contains this. */
  only?: string;
  /** Also time each function at fixed sizes (64 B ... 1 MiB) to find crossovers (default: !quick). */
  sweep?: boolean;
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
  let calibrated = 0;
  for (;;) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) fn();
    const ms = performance.now() - t0;
    calibrated = ms / reps;
    if (ms >= minMs || reps >= 1 << 16) break;
    reps *= 2;
  }
  let best = Infinity;
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) fn();
    const el = performance.now() - t0;
    // workerd's clock moves in coarse steps (and not at all between I/O in production): a round
    // that saw it stand still measured nothing, and would make a throughput of Infinity.
    if (el > 0) best = Math.min(best, el / reps);
  }
  return { ms: best === Infinity ? calibrated : best, reps };
}

let sink = 0; // keeps results alive so nothing is optimised away

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function runMicroBench(opts: MicroBenchOptions = {}): MicroBenchReport {
  const quick = opts.quick ?? false;
  const log = opts.log === undefined ? (l: string) => console.log(l) : opts.log;
  const rounds = quick ? 2 : 7;
  const minMs = quick ? 12 : 60;
  const smallCount = quick ? 400 : 3000;
  const largeBytes = quick ? 1 << 20 : 8 << 20;
  const rand = rng(2024);
  const rows: MicroBenchRow[] = [];

  const run = (fn: string, workload: string, bytes: number, calls: number, wasm: () => void, ts: () => void, auto: () => void, pure: Pure) => {
    if (opts.only && !fn.includes(opts.only)) return;
    // Wasm is timed twice, around the twins, to spread out warm-up and GC effects.
    const w1 = time(wasm, rounds, minMs);
    const t = time(ts, rounds, minMs).ms;
    const p = pure[1] ? time(pure[1], rounds, minMs).ms : t;
    const w = Math.min(w1.ms, time(wasm, 2, minMs).ms);
    const saved = getAccelerator();
    setAccelerator('auto');
    let a: number;
    try {
      a = time(auto, rounds, minMs).ms;
    } finally {
      setAccelerator(saved);
    }
    const mbs = (ms: number) => bytes / 1e6 / (ms / 1000);
    rows.push({
      fn,
      workload,
      bytes,
      calls,
      wasmMBs: mbs(w),
      tsMBs: mbs(t),
      autoMBs: mbs(a),
      ratio: t / w,
      wasmUsPerCall: (w * 1000) / calls,
      tsUsPerCall: (t * 1000) / calls,
      pureName: pure[0],
      pureMBs: mbs(p),
      pureRatio: p / w,
      pureUsPerCall: (p * 1000) / calls,
    });
  };
  // A pure twin that disagrees with Wasm would time different work: check first.
  const agree = (fn: string, what: string, ok: boolean) => {
    if (!ok) throw new Error(`micro-bench: the pure-JS twin of ${fn} disagrees with Wasm on ${what}`);
  };
  const wants = (fn: string) => !opts.only || fn.includes(opts.only);

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
    return { base: b, target, delta: createDelta(b, target), size: target.length };
  });
  const largeTarget = edit(large, rand);
  const largeDelta = createDelta(large, largeTarget);
  const smallCrcInputs = smallZ; // .idx CRCs cover compressed entries

  const sw = `small x${smallCount} (200 B-4 KB)`;
  const lw = `large ${(largeBytes / (1 << 20)).toFixed(0)} MiB`;

  // Pure twins give the Wasm function's results on two small inputs and the large one.
  const probes = [0, 1].map((i) => ({ o: smallObjs[i], z: smallZ[i], at: offsets[i], p: deltaPairs[i], what: `small object ${i}` }));
  probes.push({ o: large, z: largeZ, at: 0, p: { base: large, target: largeTarget, delta: largeDelta, size: largeTarget.length }, what: 'the large buffer' });
  for (const { o, z, at, p, what } of probes) {
    if (wants('sha1')) agree('sha1', what, sha1Pure(o) === wasmSha1(o));
    if (wants('hashObject')) agree('hashObject', what, hashObjectPure('blob', o) === wasmHashObject('blob', o));
    if (wants('inflateAt')) {
      const buf = at === 0 ? z : packBuf;
      const a = inflateAtPure(buf, at, o.length);
      const b = wasmInflateAt(buf, at, o.length);
      agree('inflateAt', what, a.consumed === b.consumed && a.consumed === z.length && equalBytes(a.data, o) && equalBytes(b.data, o));
    }
    if (wants('applyDelta')) agree('applyDelta', what, equalBytes(applyDeltaPure(p.base, p.delta), wasmApplyDelta(p.base, p.delta)));
    if (wants('createDelta')) agree('createDelta', what, equalBytes(createDeltaPure(p.base, p.target), wasmCreateDelta(p.base, p.target)));
    if (wants('crc32')) agree('crc32', what, crc32Pure(z) === wasmCrc32(z) && crc32Pure(o) === wasmCrc32(o));
    if (wants('adler32')) agree('adler32', what, adler32Pure(o) === wasmAdler32(o));
    // Deflate streams differ between implementations; the data they inflate to must not.
    for (const level of [1, 6]) {
      if (wants(`deflate L${level}`)) agree(`deflate L${level}`, what, equalBytes(zlib.inflateSync(deflatePure(o, level)), o));
    }
  }

  // SHA-1 -------------------------------------------------------------
  run('sha1', sw, smallTotal, smallCount, () => { for (const o of smallObjs) sink += wasmSha1(o).length; }, () => { for (const o of smallObjs) sink += sha1Ts(o).length; }, () => { for (const o of smallObjs) sink += accel.sha1(o).length; }, ['sha.js', () => { for (const o of smallObjs) sink += sha1Pure(o).length; }]);
  run('sha1', lw, large.length, 1, () => { sink += wasmSha1(large).length; }, () => { sink += sha1Ts(large).length; }, () => { sink += accel.sha1(large).length; }, ['sha.js', () => { sink += sha1Pure(large).length; }]);
  run('hashObject', sw, smallTotal, smallCount, () => { for (const o of smallObjs) sink += wasmHashObject('blob', o).length; }, () => { for (const o of smallObjs) sink += hashObject('blob', o).length; }, () => { for (const o of smallObjs) sink += accel.hashObject('blob', o).length; },
    ['sha.js', () => { for (const o of smallObjs) sink += hashObjectPure('blob', o).length; }]);
  run('hashObject', lw, large.length, 1, () => { sink += wasmHashObject('blob', large).length; }, () => { sink += hashObject('blob', large).length; }, () => { sink += accel.hashObject('blob', large).length; }, ['sha.js', () => { sink += hashObjectPure('blob', large).length; }]);

  // inflate -----------------------------------------------------------
  run('inflateAt', sw, smallTotal, smallCount,
    () => { for (let i = 0; i < smallCount; i++) sink += wasmInflateAt(packBuf, offsets[i], smallObjs[i].length).consumed; },
    () => { for (let i = 0; i < smallCount; i++) sink += inflateAt(packBuf, offsets[i], smallObjs[i].length).consumed; },
    () => { for (let i = 0; i < smallCount; i++) sink += accel.inflateAt(packBuf, offsets[i], smallObjs[i].length).consumed; },
    ['pako', () => { for (let i = 0; i < smallCount; i++) sink += inflateAtPure(packBuf, offsets[i], smallObjs[i].length).consumed; }]);
  run('inflateAt', lw, large.length, 1, () => { sink += wasmInflateAt(largeZ, 0, large.length).consumed; }, () => { sink += inflateAt(largeZ, 0, large.length).consumed; }, () => { sink += accel.inflateAt(largeZ, 0, large.length).consumed; }, ['pako', () => { sink += inflateAtPure(largeZ, 0, large.length).consumed; }]);

  // delta -------------------------------------------------------------
  const deltaTotal = deltaPairs.reduce((n, p) => n + p.size, 0);
  run('applyDelta', sw, deltaTotal, smallCount,
    () => { for (const p of deltaPairs) sink += wasmApplyDelta(p.base, p.delta).length; },
    () => { for (const p of deltaPairs) sink += applyDelta(p.base, p.delta).length; },
    () => { for (const p of deltaPairs) sink += accel.applyDelta(p.base, p.delta).length; }, ['delta.ts', null]);
  run('applyDelta', lw, largeTarget.length, 1, () => { sink += wasmApplyDelta(large, largeDelta).length; }, () => { sink += applyDelta(large, largeDelta).length; }, () => { sink += accel.applyDelta(large, largeDelta).length; }, ['delta.ts', null]);

  run('createDelta', sw, deltaTotal, smallCount,
    () => { for (const p of deltaPairs) sink += wasmCreateDelta(p.base, p.target).length; },
    () => { for (const p of deltaPairs) sink += createDelta(p.base, p.target).length; },
    () => { for (const p of deltaPairs) sink += accel.createDelta(p.base, p.target).length; }, ['delta.ts', null]);
  run('createDelta', lw, largeTarget.length, 1, () => { sink += wasmCreateDelta(large, largeTarget).length; }, () => { sink += createDelta(large, largeTarget).length; }, () => { sink += accel.createDelta(large, largeTarget).length; }, ['delta.ts', null]);

  // checksums ---------------------------------------------------------
  const crcTotal = smallCrcInputs.reduce((n, z) => n + z.length, 0);
  run('crc32', `small x${smallCount} (compressed entries)`, crcTotal, smallCount,
    () => { for (const z of smallCrcInputs) sink += wasmCrc32(z); },
    () => { for (const z of smallCrcInputs) sink += crc32(z); },
    () => { for (const z of smallCrcInputs) sink += accel.crc32(z); },
    ['crc32Js', () => { for (const z of smallCrcInputs) sink += crc32Pure(z); }]);
  run('crc32', lw, large.length, 1, () => { sink += wasmCrc32(large); }, () => { sink += crc32(large); }, () => { sink += accel.crc32(large); }, ['crc32Js', () => { sink += crc32Pure(large); }]);
  run('adler32', sw, smallTotal, smallCount, () => { for (const o of smallObjs) sink += wasmAdler32(o); }, () => { for (const o of smallObjs) sink += adler32Ts(o); }, () => { for (const o of smallObjs) sink += accel.adler32(o); }, ['adler32Ts', null]);
  run('adler32', lw, large.length, 1, () => { sink += wasmAdler32(large); }, () => { sink += adler32Ts(large); }, () => { sink += accel.adler32(large); }, ['adler32Ts', null]);

  // deflate: level 1 is what the commit API writes with, 6 (zlib's default) what PackWriter uses otherwise.
  for (const level of [1, 6]) {
    const fn = `deflate L${level}`;
    run(fn, sw, smallTotal, smallCount,
      () => { for (const o of smallObjs) sink += wasmDeflate(o, level).length; },
      () => { for (const o of smallObjs) sink += deflate(o, level).length; },
      () => { for (const o of smallObjs) sink += accel.deflate(o, level).length; },
      ['pako', () => { for (const o of smallObjs) sink += deflatePure(o, level).length; }]);
    run(fn, lw, large.length, 1, () => { sink += wasmDeflate(large, level).length; }, () => { sink += deflate(large, level).length; }, () => { sink += accel.deflate(large, level).length; }, ['pako', () => { sink += deflatePure(large, level).length; }]);
  }

  const sweep = (opts.sweep ?? !quick) ? runSweep(opts, rounds, minMs) : [];
  const lines = [...formatMicroBench(rows), ...(sweep.length ? ['', ...formatSweep(sweep)] : [])];
  if (log) for (const line of lines) log(line);
  return { rows, sweep, lines };
}

const SWEEP_SIZES = [64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 65536, 262144, 1048576];

function runSweep(opts: MicroBenchOptions, rounds: number, minMs: number): SweepRow[] {
  const rand = rng(77);
  const out: SweepRow[] = [];
  const fns = ['sha1', 'hashObject', 'objectId', 'inflateAt', 'applyDelta', 'createDelta', 'crc32', 'adler32', 'deflate L1', 'deflate L6'].filter((f) => !opts.only || f.includes(opts.only));
  for (const size of SWEEP_SIZES) {
    const count = Math.max(4, Math.min(2000, Math.floor((2 << 20) / size)));
    const objs = Array.from({ length: count }, () => text(size, rand));
    const zs = objs.map((o) => new Uint8Array(zlib.deflateSync(o)));
    const targets = objs.map((o) => edit(o, rand));
    const deltas = objs.map((o, i) => createDelta(o, targets[i]));
    for (const fn of fns) {
      let wasm: () => void;
      let ts: () => void;
      switch (fn) {
        case 'sha1':
          wasm = () => { for (const o of objs) sink += wasmSha1(o).length; };
          ts = () => { for (const o of objs) sink += sha1Ts(o).length; };
          break;
        case 'hashObject':
          wasm = () => { for (const o of objs) sink += wasmHashObject('blob', o).length; };
          ts = () => { for (const o of objs) sink += hashObject('blob', o).length; };
          break;
        case 'objectId': // raw ids; the platform side is the native one-shot SHA-1 (native-sha1.ts)
          wasm = () => { for (const o of objs) sink += wasmObjectId('blob', o)!.length; };
          ts = () => { for (const o of objs) sink += objectIdNative('blob', o).length; };
          break;
        case 'inflateAt':
          wasm = () => { for (const z of zs) sink += wasmInflateAt(z, 0, size).consumed; };
          ts = () => { for (const z of zs) sink += inflateAt(z, 0, size).consumed; };
          break;
        case 'applyDelta':
          wasm = () => { for (let i = 0; i < count; i++) sink += wasmApplyDelta(objs[i], deltas[i]).length; };
          ts = () => { for (let i = 0; i < count; i++) sink += applyDelta(objs[i], deltas[i]).length; };
          break;
        case 'createDelta':
          wasm = () => { for (let i = 0; i < count; i++) sink += wasmCreateDelta(objs[i], targets[i]).length; };
          ts = () => { for (let i = 0; i < count; i++) sink += createDelta(objs[i], targets[i]).length; };
          break;
        case 'crc32':
          wasm = () => { for (const o of objs) sink += wasmCrc32(o); };
          ts = () => { for (const o of objs) sink += crc32(o); };
          break;
        case 'deflate L1':
        case 'deflate L6': {
          const level = fn === 'deflate L1' ? 1 : 6;
          wasm = () => { for (const o of objs) sink += wasmDeflate(o, level).length; };
          ts = () => { for (const o of objs) sink += deflate(o, level).length; };
          break;
        }
        default:
          wasm = () => { for (const o of objs) sink += wasmAdler32(o); };
          ts = () => { for (const o of objs) sink += adler32Ts(o); };
      }
      const w = time(wasm, rounds, minMs).ms;
      const t = time(ts, rounds, minMs).ms;
      const w2 = time(wasm, 2, minMs).ms;
      const wm = Math.min(w, w2);
      out.push({ fn, size, wasmUsPerCall: (wm * 1000) / count, tsUsPerCall: (t * 1000) / count, ratio: t / wm });
    }
  }
  return out;
}

/** The sweep as a table: one row per function, one column per size (ts/wasm time ratio). */
export function formatSweep(sweep: SweepRow[]): string[] {
  const sizes = [...new Set(sweep.map((r) => r.size))];
  const fns = [...new Set(sweep.map((r) => r.fn))];
  const label = (n: number) => (n >= 1 << 20 ? `${n >> 20} MiB` : n >= 1024 ? `${n >> 10} KiB` : `${n} B`);
  const head = ['wasm speed-up', ...sizes.map(label)];
  const body = fns.map((fn) => [fn, ...sizes.map((s) => {
    const r = sweep.find((x) => x.fn === fn && x.size === s);
    return r ? `${r.ratio.toFixed(2)}x` : '';
  })]);
  const us = fns.map((fn) => [`${fn} µs w/t`, ...sizes.map((s) => {
    const r = sweep.find((x) => x.fn === fn && x.size === s);
    return r ? `${r.wasmUsPerCall < 10 ? r.wasmUsPerCall.toFixed(2) : r.wasmUsPerCall.toFixed(0)}/${r.tsUsPerCall < 10 ? r.tsUsPerCall.toFixed(2) : r.tsUsPerCall.toFixed(0)}` : '';
  })]);
  const all = [head, ...body, ...us];
  const widths = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [fmt(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(fmt), ...us.map(fmt)];
}

/** The rows as an aligned text table. */
export function formatMicroBench(rows: MicroBenchRow[]): string[] {
  const head = ['function', 'workload', 'wasm MB/s', 'ts MB/s', 'wasm/ts', 'auto MB/s', 'pure MB/s', 'wasm/pure', 'wasm µs/call', 'ts µs/call'];
  const body = rows.map((r) => [
    r.fn,
    r.workload,
    r.wasmMBs.toFixed(0),
    r.tsMBs.toFixed(0),
    `${r.ratio.toFixed(2)}x`,
    r.autoMBs.toFixed(0),
    r.pureMBs.toFixed(0),
    `${r.pureRatio.toFixed(2)}x`,
    r.wasmUsPerCall.toFixed(2),
    r.tsUsPerCall.toFixed(2),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  // Which pure-JS implementation each function was timed against, below the table.
  const byName = new Map<string, Set<string>>();
  for (const r of rows) {
    const fns = byName.get(r.pureName) ?? new Set<string>();
    byName.set(r.pureName, fns.add(r.fn.replace(/ L\d$/, '')));
  }
  const legend = rows.length
    ? ['ts: the twin accel falls back to; pure: pure JS (= ts where the twin is pure TS):', `  ${[...byName].map(([name, fns]) => `${name}: ${[...fns].join(', ')}`).join('; ')}`]
    : [];
  return [fmt(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(fmt), ...legend];
}

/** The function groups `only` can pick; one streamed piece each (deflate: both levels). */
const GROUPS = ['sha1', 'hashObject', 'inflateAt', 'applyDelta', 'createDelta', 'crc32', 'adler32', 'deflate'];

/**
 * runMicroBench() behind a fetch handler, for `npm run bench` (which drives a
 * running worker): mount it on an admin-only route, e.g.
 *   GET /_admin/bench/wasm?quick=1&sweep=0&only=inflate
 * It answers with the MicroBenchReport as JSON (`lines` is the printed table).
 * Takes ~3 s with quick=1, ~20 s in full without the sweep, ~3 min with it,
 * before the pure-JS column (which adds ~50% to quick=1; a full run with the
 * sweep took over 5 min on a slow 2-core machine).
 *
 * With stream=1 the answer is NDJSON, one line per function group as it is
 * measured ({"group", "rows", "sweep"}) and a last line with the whole report:
 * the headers go out at once and bytes keep coming, so an HTTP client's
 * headers or idle timeout (undici's: 300 s) cannot cut a long full run.
 */
export function handleMicroBenchRequest(request: Request): Response {
  const q = new URL(request.url).searchParams;
  const flag = (name: string) => (q.has(name) ? q.get(name) !== '0' && q.get(name) !== 'false' : undefined);
  const opts = { quick: flag('quick') ?? false, sweep: flag('sweep'), only: q.get('only') ?? undefined, log: null };
  if (!flag('stream')) return Response.json(runMicroBench(opts));
  const groups = GROUPS.filter((g) => !opts.only || g.includes(opts.only) || opts.only.includes(g));
  const rows: MicroBenchRow[] = [];
  const sweep: SweepRow[] = [];
  const enc = new TextEncoder();
  let next = 0;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(enc.encode(JSON.stringify({ groups }) + '\n'));
    },
    pull(controller) {
      if (next < groups.length) {
        const group = groups[next++];
        // The narrower of the two: only=deflate L1 must not time level 6 as well.
        const part = runMicroBench({ ...opts, only: opts.only?.includes(group) ? opts.only : group });
        rows.push(...part.rows);
        sweep.push(...part.sweep);
        controller.enqueue(enc.encode(JSON.stringify({ group, rows: part.rows, sweep: part.sweep }) + '\n'));
        return;
      }
      const lines = [...formatMicroBench(rows), ...(sweep.length ? ['', ...formatSweep(sweep)] : [])];
      controller.enqueue(enc.encode(JSON.stringify({ rows, sweep, lines }) + '\n'));
      controller.close();
    },
  });
  return new Response(body, { headers: { 'content-type': 'application/x-ndjson' } });
}
