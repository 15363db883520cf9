// One directory being edited by a commit, kept as the stored tree's bytes plus the entries the
// commit looked at or changed. Parsing every entry of a 10,000-entry directory into strings and
// sorting them again to write it back took ~100 ms; here a lookup is a binary search over the
// stored (sorted) entries and the new tree is the old bytes with the changed entries spliced in.
// Names are byte strings (see bytes.ts); `name + '/'` for directories is git's sort key.
import { DeltaWriter } from '../codec';
import { bytesToHex, hexToBytes, treeEntryOffsets } from '../pack';
import { byteString, bytesOf, concatBytes } from './bytes';

export interface Entry {
  mode: string;
  oid: string;
  /** Loaded contents when this entry is a directory that was visited. */
  node?: Dir;
}

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;

export function isTreeMode(mode: string): boolean {
  return (parseInt(mode, 8) & S_IFMT) === S_IFDIR;
}

const sortKey = (name: string, e: Entry) => (isTreeMode(e.mode) ? name + '/' : name);

export class Dir {
  dirty = false;
  private starts: Int32Array | null = null;
  /** Entries looked up or set (null: deleted), by name. */
  private readonly touched = new Map<string, Entry | null>();
  /** Numbers of the stored entries `touched` replaces or deletes. */
  private readonly shadowed = new Set<number>();
  private live = 0;

  /** `raw`: the stored tree (well-formed: it was checked when it came in), or null for a new one. */
  constructor(private readonly raw: Uint8Array | null = null) {}

  get(name: string): Entry | undefined {
    const t = this.touched.get(name);
    if (t !== undefined) return t ?? undefined;
    const i = this.find(name);
    if (i < 0) return undefined;
    const e = this.entryAt(i);
    this.touched.set(name, e);
    this.shadowed.add(i);
    this.live++;
    return e;
  }

  set(name: string, e: Entry): void {
    const t = this.touched.get(name);
    if (t === undefined) {
      const i = this.find(name);
      if (i >= 0) this.shadowed.add(i);
    }
    if (!t) this.live++;
    this.touched.set(name, e);
  }

  delete(name: string): boolean {
    const t = this.touched.get(name);
    if (t === null) return false;
    if (t === undefined) {
      const i = this.find(name);
      if (i < 0) return false;
      this.shadowed.add(i);
    } else {
      this.live--;
    }
    this.touched.set(name, null);
    return true;
  }

  get size(): number {
    return this.count() - this.shadowed.size + this.live;
  }

  /** The entries looked up or set: the only ones that can hold a loaded directory or a new object. */
  *loaded(): IterableIterator<[string, Entry]> {
    for (const [k, e] of this.touched) if (e) yield [k, e];
  }

  /** Whether a stored entry nobody looked at is left (it holds a file, or a directory with files). */
  hasUntouched(): boolean {
    return this.count() > this.shadowed.size;
  }

  /** The tree's bytes: stored entries copied in runs, changed ones spliced in at their place. */
  serialize(): Uint8Array {
    return concatBytes(this.parts(null));
  }

  /**
   * serialize() and, when there is a stored tree, a delta from it to the result: the runs copied
   * from it and the entries spliced in, as the new bytes are put together (no scan of the two
   * trees for what they share, however many places changed). Copies are whole entries.
   */
  serializeWithDelta(): { data: Uint8Array; delta: Uint8Array | null } {
    if (!this.raw) return { data: this.serialize(), delta: null };
    const ops: number[] = []; // a copy: offset, length; an insert: -1 - its index in parts, 0
    const parts = this.parts(ops);
    const data = concatBytes(parts);
    const w = new DeltaWriter(this.raw.length, data.length, 32 + ops.length * 4);
    for (let k = 0; k < ops.length; k += 2) {
      if (ops[k] >= 0) w.copy(ops[k], ops[k + 1]);
      else w.insert(parts[-1 - ops[k]], 0, parts[-1 - ops[k]].length);
    }
    return { data, delta: w.finish() };
  }

  /** The pieces of the new tree in order; `ops` receives what each is (see serializeWithDelta). */
  private parts(ops: number[] | null): Uint8Array[] {
    const adds = [...this.loaded()].map(([k, e]) => ({ k, e, key: sortKey(k, e) }));
    adds.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const parts: Uint8Array[] = [];
    const n = this.count();
    const skip = [...this.shadowed].sort((a, b) => a - b);
    let si = 0;
    let i = 0;
    const copyTo = (end: number) => {
      while (i < end) {
        while (si < skip.length && skip[si] < i) si++;
        const stop = si < skip.length && skip[si] < end ? skip[si] : end;
        if (stop > i) {
          const from = this.starts![i];
          const to = stop < n ? this.starts![stop] : this.raw!.length;
          parts.push(this.raw!.subarray(from, to));
          ops?.push(from, to - from);
        }
        i = stop === end ? end : stop + 1;
      }
    };
    for (const a of adds) {
      copyTo(this.lowerBound(a.key));
      const entry = concatBytes([bytesOf(`${a.e.mode} ${a.k}\0`), hexToBytes(a.e.oid)]);
      ops?.push(-1 - parts.length, 0);
      parts.push(entry);
    }
    copyTo(n);
    return parts;
  }

  /** Entry offsets of the stored tree, or null for a new directory (the ingest's check of a delta against it wants them). */
  storedStarts(): Int32Array | null {
    return this.raw ? this.entryStarts() : null;
  }

  private count(): number {
    return this.entryStarts().length;
  }

  private entryStarts(): Int32Array {
    return (this.starts ??= this.raw ? treeEntryOffsets(this.raw) : new Int32Array(0));
  }

  /** Sort key of stored entry i. */
  private keyAt(i: number): string {
    const d = this.raw!;
    const at = this.entryStarts()[i];
    const sp = d.indexOf(0x20, at);
    const nul = d.indexOf(0, sp);
    const name = byteString(d, sp + 1, nul);
    return isTreeMode(byteString(d, at, sp)) ? name + '/' : name;
  }

  private entryAt(i: number): Entry {
    const d = this.raw!;
    const at = this.entryStarts()[i];
    const sp = d.indexOf(0x20, at);
    return { mode: byteString(d, at, sp), oid: bytesToHex(d, d.indexOf(0, sp) + 1) };
  }

  /** The first stored entry whose key is not below `key`. */
  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.count();
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keyAt(mid) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The stored entry named `name` (a file or a directory), or -1. */
  private find(name: string): number {
    const n = this.count();
    for (const key of [name, name + '/']) {
      const i = this.lowerBound(key);
      if (i < n && this.keyAt(i) === key) return i;
    }
    return -1;
  }
}
