// Rename similarity, as git's diffcore-delta.c estimates it: both files are cut into spans
// ending at '\n' or after 64 bytes, spans are hashed into buckets, and the bytes of the
// destination that the source "has" (per bucket, the smaller count) is the copied amount.
// score = copied * MAX_SCORE / max(size); renames need >= 50% (git's default -M).
import { isBinary } from './diff';

export const MAX_SCORE = 60000;
export const MIN_SCORE = 30000;
const HASHBASE = 107927;

export type SpanCounts = Map<number, number>;

export function spanHash(data: Uint8Array): SpanCounts {
  const isText = !isBinary(data);
  const out: SpanCounts = new Map();
  let n = 0;
  let accum1 = 0;
  let accum2 = 0;
  const add = () => {
    const hv = ((accum1 + Math.imul(accum2, 0x61)) >>> 0) % HASHBASE;
    out.set(hv, (out.get(hv) ?? 0) + n);
    n = 0;
    accum1 = accum2 = 0;
  };
  const sz = data.length;
  for (let i = 0; i < sz; i++) {
    const c = data[i];
    if (isText && c === 0x0d && i + 1 < sz && data[i + 1] === 0x0a) continue;
    const old1 = accum1;
    accum1 = ((accum1 << 7) ^ (accum2 >>> 25)) >>> 0;
    accum2 = ((accum2 << 7) ^ (old1 >>> 25)) >>> 0;
    accum1 = (accum1 + c) >>> 0;
    if (++n < 64 && c !== 0x0a) continue;
    add();
  }
  if (n > 0) add();
  return out;
}

/** git's estimate_similarity for two regular files (sizes in bytes). */
export function similarity(srcSize: number, dstSize: number, src: () => SpanCounts, dst: () => SpanCounts, minScore = MIN_SCORE): number {
  const maxSize = Math.max(srcSize, dstSize);
  const baseSize = Math.min(srcSize, dstSize);
  const deltaSize = maxSize - baseSize;
  if (maxSize * (MAX_SCORE - minScore) < deltaSize * MAX_SCORE) return 0;
  if (dstSize === 0) return 0;
  const s = src();
  const d = dst();
  let copied = 0;
  for (const [h, cnt] of s) {
    const dc = d.get(h);
    if (dc !== undefined) copied += Math.min(cnt, dc);
  }
  return Math.floor((copied * MAX_SCORE) / maxSize);
}
