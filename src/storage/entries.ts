// The entries of a pack being ingested, as columns of typed arrays indexed by entry number
// (pack order). A push of 140k objects kept one JS object per entry, plus a 40-char string per
// id and two Maps to find them: tens of MiB of V8 heap and GC work. Columns live in ArrayBuffer
// memory, a few dozen bytes per entry, with ids kept raw.
import { bytesToHex, hexToBytes, isOid } from '../pack';
import { OidIndex, widen } from './oid-index';

export class PackEntries {
  count = 0;
  offset = new Float64Array(1024);
  /** dataOffset - offset: the entry header (type and size, delta base) is under 40 bytes (the parser bounds both varints). */
  private header = new Uint8Array(1024);
  end = new Float64Array(1024);
  rawType = new Uint8Array(1024);
  rawSize = new Uint32Array(1024); // the parser refuses entries above MAX_OBJECT_BYTES
  /** ofs-delta: entry number of the base; -1 otherwise. */
  base = new Int32Array(1024);
  /** Resolved type, 0 until the entry is resolved. */
  type = new Uint8Array(1024);
  size = new Uint32Array(1024); // resolved sizes are at most MAX_OBJECT_BYTES
  depth = new Uint16Array(1024); // at most MAX_DELTA_DEPTH
  /** Raw 20-byte id of each resolved entry. */
  oids = new Uint8Array(1024 * 20);
  /** ref-delta: hex id of the base (few entries: thin packs' deltas against stored objects). */
  readonly refBase = new Map<number, string>();
  /** The first copy of each id. */
  private readonly index = new OidIndex(1024);
  private readonly scratch = new Uint8Array(20);

  /** Appends an entry; returns its number. */
  add(offset: number, dataOffset: number, end: number, rawType: number, rawSize: number): number {
    if (this.count === this.offset.length) this.grow();
    const i = this.count++;
    this.offset[i] = offset;
    this.header[i] = dataOffset - offset;
    this.end[i] = end;
    this.rawType[i] = rawType;
    this.rawSize[i] = rawSize;
    this.base[i] = -1;
    return i;
  }

  dataOffset(i: number): number {
    return this.offset[i] + this.header[i];
  }

  /** The entry starting at a pack offset, -1 if none (offsets are ascending). */
  atOffset(offset: number): number {
    let lo = 0;
    let hi = this.count - 1;
    const o = this.offset;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (o[mid] < offset) lo = mid + 1;
      else if (o[mid] > offset) hi = mid - 1;
      else return mid;
    }
    return -1;
  }

  /** Records entry i's id; returns false if an earlier entry already has it (a duplicate). */
  setOid(i: number, hex: string): boolean {
    hexToBytes(hex, this.oids, i * 20);
    return this.index.insert(this.oids, i);
  }

  /** setOid for an id the walker gave raw (no hex string made and parsed back). */
  setOidBytes(i: number, id: Uint8Array): boolean {
    this.oids.set(id, i * 20);
    return this.index.insert(this.oids, i);
  }

  /** The first resolved entry with this hex id, -1 if none (or not a lower-case hex id). */
  find(hex: string): number {
    if (!isOid(hex)) return -1;
    return this.index.find(this.oids, hexToBytes(hex, this.scratch, 0), 0);
  }

  oidHex(i: number): string {
    return bytesToHex(this.oids, i * 20);
  }

  /** The first copy of every resolved id, in id order (the order SQLite inserts are cheapest in). */
  ownersInOidOrder(): Int32Array {
    return inOidOrder(this.oids, this.index.items());
  }

  /**
   * Room for n entries at once (a pack header's count, bounded by the caller) instead of growing
   * by halves from 1024: the small bench pack's 20k entries allocated ~3x their columns' 1 MB
   * on the way, fresh memory each push.
   */
  reserve(n: number): void {
    if (n <= this.offset.length) return;
    this.resize(n);
    this.index.reserve(this.oids, n);
  }

  private grow(): void {
    this.resize(Math.ceil(this.offset.length * 1.5)); // 2x would leave up to half of it unused
  }

  private resize(n: number): void {
    this.offset = widen(this.offset, n);
    this.header = widen(this.header, n);
    this.end = widen(this.end, n);
    this.rawType = widen(this.rawType, n);
    this.rawSize = widen(this.rawSize, n);
    this.base = widen(this.base, n);
    this.type = widen(this.type, n);
    this.size = widen(this.size, n);
    this.depth = widen(this.depth, n);
    this.oids = widen(this.oids, n * 20);
  }
}

const SMALL_SORT = 256;

/** Orders entries a and b by their ids (from byte `from` on: the bytes before are equal). */
function compareIds(oids: Uint8Array, a: number, b: number, from = 0): number {
  for (let j = from; j < 20; j++) {
    const d = oids[a * 20 + j] - oids[b * 20 + j];
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Entry numbers sorted by their ids (`oids`, 20 bytes each): a counting sort on the first bits
 * (about one bucket per entry, 8 to 16 bits), then each bucket by the whole id. Object ids are
 * uniformly spread, so buckets hold a few entries each; sorting 140k records with a comparator
 * took ~0.5 s in workerd. Buckets scale with n: a fixed 65536 of them made a 20k-entry pack
 * walk (and allocate, 512 KB) three times more buckets than entries, twice over.
 */
export function inOidOrder(oids: Uint8Array, entries: Int32Array): Int32Array {
  const n = entries.length;
  // A small pack (a commit's few objects): buckets would cost more than a plain sort.
  if (n <= SMALL_SORT) return entries.slice().sort((a, b) => compareIds(oids, a, b));
  const bits = Math.min(16, Math.max(8, 32 - Math.clz32(n)));
  const shift = 16 - bits;
  const buckets = 1 << bits;
  const starts = new Uint32Array(buckets + 1);
  const key = (e: number) => ((oids[e * 20] << 8) | oids[e * 20 + 1]) >>> shift;
  for (let i = 0; i < n; i++) starts[key(entries[i]) + 1]++;
  for (let k = 0; k < buckets; k++) starts[k + 1] += starts[k];
  const out = new Int32Array(n);
  const next = starts.slice(0, buckets);
  for (let i = 0; i < n; i++) out[next[key(entries[i])]++] = entries[i];
  // Ids of one bucket share their first `bits` bits: whole bytes of them need no comparing.
  const from = bits >> 3;
  const cmp = (a: number, b: number): number => compareIds(oids, a, b, from);
  for (let k = 0; k < buckets; k++) {
    const lo = starts[k];
    const hi = starts[k + 1];
    if (hi - lo < 2) continue;
    if (hi - lo > 16) {
      // many ids sharing their first bits: only a crafted pack does that, so no quadratic insertion sort
      out.subarray(lo, hi).sort(cmp);
      continue;
    }
    for (let i = lo + 1; i < hi; i++) {
      const e = out[i];
      let j = i - 1;
      while (j >= lo && cmp(out[j], e) > 0) {
        out[j + 1] = out[j];
        j--;
      }
      out[j + 1] = e;
    }
  }
  return out;
}
