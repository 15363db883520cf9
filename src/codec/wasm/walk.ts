// The pack walker on the Wasm module: one call parses, inflates, CRCs and hashes a batch of
// pack entries (zig/pack_walk.zig); src/pack/parser.ts hands it its window.
import { bytesToHex } from '../hex';
import type { PackTypeNum } from '../object-id';
import { rt, instance, reserve, release } from './runtime';

/** A pack entry the walker finished (src/pack/parser.ts's PackEntry extends it, baseOffset checked). */
export interface WalkedEntry {
  /** Offset of the entry's header in the pack. */
  offset: number;
  /** Offset just past the entry's zlib data (= the next entry's offset). */
  end: number;
  /** Offset where the zlib data starts (after type/size header and delta base). */
  dataOffset: number;
  /** 1 commit, 2 tree, 3 blob, 4 tag, 6 ofs-delta, 7 ref-delta. */
  type: PackTypeNum;
  /** Inflated size from the entry header (for deltas: size of the delta data). */
  size: number;
  /** ofs-delta: absolute offset of the base entry (from the walker: offset - distance, not yet checked against the entries seen). */
  baseOffset?: number;
  /** ref-delta: hex oid of the base object. */
  baseOid?: string;
  /** CRC-32 of the raw entry bytes [offset, end), as .idx v2 stores it. */
  crc32: number;
  /** Inflated bytes: object content for types 1-4, delta instructions for 6/7. */
  data: Uint8Array;
  /**
   * Types 1-4, when the walker hashed the object already: its raw 20-byte id (a view into one
   * copy per batch). Raw, not hex: ingest keeps ids raw, and most objects (blobs) never need
   * the 40-char string, whose building and re-parsing cost 3-4% of indexing a pack.
   */
  id?: Uint8Array;
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
/**
 * With the default walkMax (8 KiB) a call copies in only this much: an entry the walker takes is
 * under ~8.3 KiB of zlib data, and a walk stops at every bigger entry (the TS parser takes it),
 * then starts again behind it with a fresh copy. A pack with a big blob every few KiB (binaries
 * beside text) had each call copy up to the whole window (~256 KiB) to walk a few KiB of it.
 */
const WALK_COPY_MIN = 32 << 10;
const WALK_MAX_RECS = 4096;
/** A lender's buffer stops growing here: a bigger batch gets a buffer of its own. */
const LEND_MAX = 16 << 20;

/**
 * Where the walker may put the entries' inflated bytes instead of an array per entry: buf from
 * `at` on (a call advances `at`; the owner resets it to 0 once the entries are done with, and
 * may find buf replaced by a bigger one).
 */
export interface LentBytes {
  buf: Uint8Array;
  at: number;
}

/**
 * Room for n bytes at lend.at (a bigger buffer if need be; the caller advances `at` by what it
 * used), or undefined past LEND_MAX.
 */
export function lendRoom(lend: LentBytes, n: number): Uint8Array | undefined {
  if (lend.at + n > lend.buf.length) {
    const cap = Math.max(n, 2 * lend.buf.length, 64 << 10);
    if (cap > LEND_MAX) return undefined;
    lend.buf = new Uint8Array(cap); // the old buffer stays with the views already made of it
    lend.at = 0;
  }
  return lend.buf.subarray(lend.at, lend.at + n);
}

/** Copies the batch's output area [from, from + n) out of the module: into lent bytes, else a fresh array. */
function takeOut(from: number, n: number, lend: LentBytes | undefined): { bytes: Uint8Array; at: number } {
  if (lend === undefined) return { bytes: rt.mem, at: -1 };
  const room = lendRoom(lend, n);
  if (room === undefined) return { bytes: rt.mem.slice(from, from + n), at: 0 };
  const at = lend.at;
  room.set(rt.mem.subarray(from, from + n));
  lend.at += n;
  return { bytes: lend.buf, at };
}
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
  maxObjectSize: number, walkMax: number, hashMax: number, out: WalkedEntry[], lend?: LentBytes,
): WalkResult {
  const r = walkResult;
  const e = instance();
  const avail = end - start;
  // Room for any entry the walker may take (its zlib data is at most ~walkMax + 1%), so a copy
  // cut short only ends a walk early (More), never sends an entry to the TS parser.
  const len = Math.min(avail, Math.max(WALK_COPY_MIN, Math.min(WALK_COPY_MAX, 2 * walkMax + 1024)));
  const rec = e.pack_walk_rec();
  const align = (x: number) => (x + 15) & ~15;
  const outCap = Math.max(1 << 20, walkMax + 64);
  const outAt = rt.base + align(len + rt.pad);
  const recAt = outAt + align(outCap + 16);
  const idAt = recAt + WALK_MAX_RECS * rec * 8;
  if (!reserve(e, idAt - rt.base + WALK_MAX_RECS * 20)) {
    r.status = Walk.Fallback;
    r.consumed = 0;
    return r;
  }
  rt.mem.set(buf.subarray(start, start + len), rt.base);
  let st = e.pack_walk_run(rt.base, len, Math.min(remaining, 0x7fffffff), walkMax, hashMax, maxObjectSize, outAt, outCap, recAt, WALK_MAX_RECS, idAt);
  const count = rt.nums64[0];
  const consumed = rt.nums64[1];
  const retryAt = rt.nums64[2];
  const recs = new Float64Array(rt.mem.buffer, recAt, count * rec);
  const ids = count > 0 ? rt.mem.slice(idAt, idAt + count * 20) : rt.mem;
  // With a lender: one copy of the batch's output, each entry's data a view of it (an array per
  // entry was ~55 MiB of garbage per indexing of the large bench pack).
  let outEnd = 0;
  if (lend !== undefined) for (let q = 0; q < count * rec; q += rec) outEnd = Math.max(outEnd, recs[q + 7] + recs[q + 4]);
  const taken = takeOut(outAt, outEnd, lend);
  for (let i = 0, q = 0; i < count; i++, q += rec) {
    const rel = recs[q];
    const hdr = recs[q + 1];
    const entryLen = recs[q + 2];
    const t = recs[q + 3];
    const type = (t & 15) as PackTypeNum;
    const size = recs[q + 4];
    const offset = pos + rel;
    const dataAt = outAt + recs[q + 7];
    // Every field set at creation, absent ones as undefined: one object shape for all entries,
    // so the ingest's reads of them stay monomorphic (fields added afterwards made four shapes).
    out.push({
      offset,
      end: offset + entryLen,
      dataOffset: offset + hdr,
      type,
      size,
      baseOffset: type === 6 ? offset - recs[q + 5] : undefined,
      baseOid: type === 7 ? bytesToHex(buf, start + rel + hdr - 20) : undefined,
      crc32: recs[q + 6] >>> 0,
      data: taken.at < 0 ? rt.mem.slice(dataAt, dataAt + size) : taken.bytes.subarray(taken.at + recs[q + 7], taken.at + recs[q + 7] + size),
      id: t & 16 ? ids.subarray(i * 20, i * 20 + 20) : undefined,
    });
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
