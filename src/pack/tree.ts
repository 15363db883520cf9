// Tree object parsing. A tree is a sequence of "<octal mode> <name>\0<20-byte oid>".
import { PackError } from '../codec/errors';
import { bytesToHex } from '../codec/hex';

export interface TreeEntry {
  /** Octal mode exactly as stored, e.g. '100644', '40000'. */
  mode: string;
  /** Entry name decoded as UTF-8 (invalid sequences become U+FFFD; use walkTree for raw bytes). */
  name: string;
  oid: string;
}

/**
 * Called once per entry with byte positions into the tree data, so callers that
 * only compare or hash names never build strings. Return false to stop early.
 */
export type TreeVisitor = (
  mode: number,
  modeStart: number,
  nameStart: number,
  nameEnd: number,
  oidOffset: number,
) => boolean | void;

/** Walks the entries of a tree; throws PackError when the structure is broken. */
export function walkTree(data: Uint8Array, visit: TreeVisitor): void {
  const n = data.length;
  let p = 0;
  while (p < n) {
    const modeStart = p;
    let mode = 0;
    for (;;) {
      if (p >= n) throw new PackError(`malformed tree: truncated entry at byte ${modeStart}`);
      const c = data[p];
      if (c === 0x20) break;
      if (c < 0x30 || c > 0x37 || p - modeStart >= 7) {
        throw new PackError(`malformed tree: bad mode at byte ${modeStart}`);
      }
      mode = mode * 8 + (c - 0x30);
      p++;
    }
    if (p === modeStart) throw new PackError(`malformed tree: empty mode at byte ${modeStart}`);
    const nameStart = ++p;
    const nul = data.indexOf(0, nameStart);
    if (nul < 0) throw new PackError(`malformed tree: unterminated name at byte ${nameStart}`);
    p = nul + 1;
    if (p + 20 > n) throw new PackError(`malformed tree: truncated object id at byte ${p}`);
    if (visit(mode, modeStart, nameStart, nul, p) === false) return;
    p += 20;
  }
}

const utf8 = new TextDecoder('utf-8');

/** Decodes bytes [start, end) as UTF-8 without throwing; ASCII takes a cheap path. */
export function decodeName(data: Uint8Array, start: number, end: number): string {
  let ascii = true;
  for (let i = start; i < end; i++) {
    if (data[i] >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (!ascii) return utf8.decode(data.subarray(start, end));
  if (end - start <= 32) {
    let s = '';
    for (let i = start; i < end; i++) s += String.fromCharCode(data[i]);
    return s;
  }
  return String.fromCharCode.apply(null, data.subarray(start, end) as unknown as number[]);
}

// Canonical spellings of the modes git writes, so the common case allocates nothing.
const MODE_STRINGS = new Map<number, string>(
  [0o100644, 0o100755, 0o120000, 0o40000, 0o160000, 0o100664].map((m) => [m, m.toString(8)]),
);

/** All entries of a tree, in stored order. Throws PackError on a malformed tree. */
export function parseTree(data: Uint8Array): TreeEntry[] {
  const out: TreeEntry[] = [];
  walkTree(data, (mode, modeStart, nameStart, nameEnd, oidOffset) => {
    let m = MODE_STRINGS.get(mode);
    if (m === undefined || m.length !== nameStart - 1 - modeStart) m = decodeName(data, modeStart, nameStart - 1);
    out.push({ mode: m, name: decodeName(data, nameStart, nameEnd), oid: bytesToHex(data, oidOffset) });
  });
  return out;
}

/**
 * Offsets already known of tree contents, by the very bytes (read only): the commit API's new
 * tree is validated by the ingest (which records its offsets), cached by the object store, and
 * read back by the next commit into the same directory, which would walk its 10,000 entries again.
 */
const knownOffsets = new WeakMap<Uint8Array, Int32Array>();

/** Records the entry offsets of `data`, a tree that passed validation, for treeEntryOffsets. */
export function noteTreeEntryOffsets(data: Uint8Array, offsets: Int32Array): void {
  knownOffsets.set(data, offsets);
}

/**
 * Offsets of the entries of a well-formed tree (one that passed validation: no checks here), e.g.
 * to binary-search it or to tell which entries a delta against it copied whole. Do not modify
 * the result: it may be shared (noteTreeEntryOffsets).
 */
export function treeEntryOffsets(data: Uint8Array): Int32Array {
  const known = knownOffsets.get(data);
  if (known !== undefined) return known;
  let out = new Int32Array(64);
  let n = 0;
  for (let p = 0; p < data.length; ) {
    if (n === out.length) {
      const grown = new Int32Array(n * 2);
      grown.set(out);
      out = grown;
    }
    out[n++] = p;
    const nul = data.indexOf(0, p);
    if (nul < 0) break;
    p = nul + 21;
  }
  return out.subarray(0, n);
}
