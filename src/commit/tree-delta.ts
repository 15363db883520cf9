// A delta between two trees made by walking both sorted entry lists side by side: entries the
// target shares with the base are copied (runs of neighbours as one copy), the others inserted.
// Unlike the prefix/suffix splice (one place edited), it serves trees edited in many places: a
// commit touching many files of one directory, and a directory's version that starts a new delta
// chain against the oldest version of the old chain (thin-delta.ts). Every copy is whole
// entries, so the ingest re-checks only the inserted ones (see ingest.ts copiedFrom).
import { DeltaWriter } from '../codec';

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;

/** End (exclusive) of the entry starting at p: after its name's NUL and 20-byte id. */
function entryEnd(d: Uint8Array, p: number): number {
  const nul = d.indexOf(0, p);
  if (nul < 0 || nul + 21 > d.length) throw new Error(`malformed tree entry at byte ${p}`);
  return nul + 21;
}

function isDirEntry(d: Uint8Array, p: number): boolean {
  let mode = 0;
  for (; d[p] !== 0x20; p++) mode = mode * 8 + (d[p] - 0x30);
  return (mode & S_IFMT) === S_IFDIR;
}

/** git's order of two entries (base_name_compare): names as bytes, a directory's as if it ended in '/'. */
export function compareEntries(a: Uint8Array, pa: number, b: Uint8Array, pb: number): number {
  let i = a.indexOf(0x20, pa) + 1;
  let j = b.indexOf(0x20, pb) + 1;
  for (;;) {
    const x = a[i];
    const y = b[j];
    if (x === 0 || y === 0 || x !== y) {
      const cx = x === 0 ? (isDirEntry(a, pa) ? 0x2f : 0) : x;
      const cy = y === 0 ? (isDirEntry(b, pb) ? 0x2f : 0) : y;
      return cx - cy;
    }
    i++;
    j++;
  }
}

function sameBytes(a: Uint8Array, pa: number, ea: number, b: Uint8Array, pb: number, eb: number): boolean {
  if (ea - pa !== eb - pb) return false;
  for (let k = ea - pa - 1; k >= 0; k--) if (a[pa + k] !== b[pb + k]) return false; // ids (at the end) differ first
  return true;
}

/**
 * A delta turning tree `base` into tree `target` (both well-formed and sorted), or null if it
 * would insert more than `maxInsert` bytes.
 */
export function treeDelta(base: Uint8Array, target: Uint8Array, maxInsert: number): Uint8Array | null {
  const w = new DeltaWriter(base.length, target.length, 256);
  let runAt = 0;
  let runLen = 0;
  const flush = () => {
    if (runLen > 0) w.copy(runAt, runLen);
    runLen = 0;
  };
  let i = 0;
  for (let j = 0; j < target.length; ) {
    const tEnd = entryEnd(target, j);
    let copied = false;
    while (i < base.length) {
      const bEnd = entryEnd(base, i);
      if (sameBytes(base, i, bEnd, target, j, tEnd)) {
        if (runLen > 0 && runAt + runLen === i) runLen += bEnd - i;
        else {
          flush();
          runAt = i;
          runLen = bEnd - i;
        }
        i = bEnd;
        copied = true;
        break;
      }
      const c = compareEntries(base, i, target, j);
      if (c > 0) break; // the target's entry is new
      i = bEnd; // the base's entry is gone (c < 0) or changed (c === 0)
      if (c === 0) break;
    }
    if (!copied) {
      flush();
      w.insert(target, j, tEnd);
      if (w.inserted > maxInsert) return null;
    }
    j = tEnd;
  }
  flush();
  return w.finish();
}
