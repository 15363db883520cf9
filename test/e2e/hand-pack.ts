// Packs written by hand for hostile end-to-end tests (entries, deltas and copy instructions as
// wrong or as large as a test likes), and a probe of the local runtime's memory (RSS of the
// workerd processes this test process started).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as zlib from 'node:zlib';

export const T = { commit: 1, tree: 2, blob: 3, tag: 4, ofs: 6, ref: 7 } as const;
export type ObjType = 'commit' | 'tree' | 'blob' | 'tag';

const sha1 = (b: Buffer): Buffer => createHash('sha1').update(b).digest();

export function oidOf(type: ObjType, data: Buffer): string {
  return sha1(Buffer.concat([Buffer.from(`${type} ${data.length}\0`), data])).toString('hex');
}

/** Pack entry header: type in bits 4-6 of the first byte, size as a little-endian base-128 varint. */
export function entryHeader(type: number, size: bigint | number): Buffer {
  let s = BigInt(size);
  const out: number[] = [];
  let b = (type << 4) | Number(s & 15n);
  s >>= 4n;
  while (s > 0n) {
    out.push(b | 0x80);
    b = Number(s & 127n);
    s >>= 7n;
  }
  out.push(b);
  return Buffer.from(out);
}

/** The OFS_DELTA base distance (big-endian base-128 with the +1 bias). */
export function ofsDistance(n: number): Buffer {
  const bytes = [n & 127];
  n >>>= 7;
  while (n > 0) {
    n -= 1;
    bytes.unshift(0x80 | (n & 127));
    n >>>= 7;
  }
  return Buffer.from(bytes);
}

/** A whole object entry (zlib level 9: a run of zeros shrinks ~1000 times). */
export const whole = (type: ObjType, data: Buffer): Buffer =>
  Buffer.concat([entryHeader(T[type], data.length), zlib.deflateSync(data, { level: 9 })]);

/** Entries of a pack, each placed after the previous; ofs-deltas name their base by index. */
export class HandPack {
  private readonly parts: Buffer[] = [];
  private readonly offsets: number[] = [];
  private at = 12;

  private add(b: Buffer): number {
    this.offsets.push(this.at);
    this.parts.push(b);
    this.at += b.length;
    return this.offsets.length - 1;
  }

  whole(type: ObjType, data: Buffer): number {
    return this.add(whole(type, data));
  }

  /** An ofs-delta against entry `base` (an index returned earlier). */
  ofsDelta(base: number, delta: Buffer): number {
    const distance = this.at - this.offsets[base];
    return this.add(Buffer.concat([entryHeader(T.ofs, delta.length), ofsDistance(distance), zlib.deflateSync(delta)]));
  }

  refDelta(baseOid: string, delta: Buffer): number {
    return this.add(Buffer.concat([entryHeader(T.ref, delta.length), Buffer.from(baseOid, 'hex'), zlib.deflateSync(delta)]));
  }

  offsetOf(i: number): number {
    return this.offsets[i];
  }

  build(): Buffer {
    const head = Buffer.alloc(12);
    head.write('PACK', 0, 'latin1');
    head.writeUInt32BE(2, 4);
    head.writeUInt32BE(this.parts.length, 8);
    const body = Buffer.concat([head, ...this.parts]);
    return Buffer.concat([body, sha1(body)]);
  }
}

/** A delta header's size: little-endian base-128 (bigint for sizes past 2^53). */
export function sizeVarint(n: bigint | number): Buffer {
  let s = BigInt(n);
  const out: number[] = [];
  do {
    let b = Number(s & 127n);
    s >>= 7n;
    if (s > 0n) b |= 0x80;
    out.push(b);
  } while (s > 0n);
  return Buffer.from(out);
}

/** A delta: base size, result size, then instructions. */
export const delta = (base: bigint | number, result: bigint | number, ...ops: Buffer[]): Buffer => Buffer.concat([sizeVarint(base), sizeVarint(result), ...ops]);

/** A copy instruction (offset < 2^32, 0 < size < 2^24; git's size 0 means 0x10000, not used here). */
export function copyOp(offset: number, size: number): Buffer {
  let cmd = 0x80;
  const bytes: number[] = [];
  for (let i = 0; i < 4; i++) {
    const b = Math.floor(offset / 2 ** (8 * i)) & 255;
    if (b) { cmd |= 1 << i; bytes.push(b); }
  }
  for (let i = 0; i < 3; i++) {
    const b = (size >>> (8 * i)) & 255;
    if (b) { cmd |= 0x10 << i; bytes.push(b); }
  }
  return Buffer.from([cmd, ...bytes]);
}

/** Copies of base bytes [offset, offset + size), as many instructions as the 2^24 - 1 cap needs. */
export function copyRange(offset: number, size: number): Buffer {
  const ops: Buffer[] = [];
  for (let done = 0; done < size; ) {
    const n = Math.min(size - done, 0xffffff);
    ops.push(copyOp(offset + done, n));
    done += n;
  }
  return Buffer.concat(ops);
}

/** `n` copies of base bytes [0, size): a result of n * size bytes from a few bytes of delta. */
export const copies = (n: number, size: number): Buffer[] => Array.from({ length: n }, () => copyOp(0, size));

// ---------------------------------------------------------------------------------------------
// Memory of the local runtime.

function stat(pid: number): { ppid: number; comm: string } | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const close = s.lastIndexOf(')');
    return { comm: s.slice(s.indexOf('(') + 1, close), ppid: Number(s.slice(close + 2).split(' ')[1]) };
  } catch {
    return null;
  }
}

/** Pids of the workerd processes descending from this process (the worker under test). */
export function workerdPids(): number[] {
  const parent = new Map<number, number>();
  const names = new Map<number, string>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const s = stat(Number(e));
    if (s) {
      parent.set(Number(e), s.ppid);
      names.set(Number(e), s.comm);
    }
  }
  const mine = (pid: number): boolean => {
    for (let p = parent.get(pid), n = 0; p !== undefined && n < 64; p = parent.get(p), n++) if (p === process.pid) return true;
    return false;
  };
  return [...names].filter(([pid, comm]) => comm.startsWith('workerd') && mine(pid)).map(([pid]) => pid);
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

export interface MemoryProbe {
  /** Resident bytes now, summed over the workerd processes. */
  rss(): number;
  /** Highest resident bytes since the last reset (the kernel's peak, else sampled every 10 ms). */
  peak(): number;
  reset(): void;
  stop(): void;
}

/** Watches the RSS of the worker's workerd processes (Linux /proc). */
export function memoryProbe(): MemoryProbe {
  const pids = workerdPids();
  const rss = () => pids.reduce((s, p) => s + statusKb(p, 'VmRSS') * 1024, 0);
  let kernelPeak = true;
  let sampled = 0;
  const reset = () => {
    sampled = rss();
    for (const p of pids) {
      try {
        writeFileSync(`/proc/${p}/clear_refs`, '5'); // 5: reset the peak RSS (VmHWM) to the current RSS
      } catch {
        kernelPeak = false;
      }
    }
  };
  const timer = setInterval(() => { sampled = Math.max(sampled, rss()); }, 10);
  reset();
  return {
    rss,
    peak: () => Math.max(sampled, rss(), kernelPeak ? pids.reduce((s, p) => s + statusKb(p, 'VmHWM') * 1024, 0) : 0),
    reset,
    stop: () => clearInterval(timer),
  };
}
