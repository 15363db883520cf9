// The offsets of the entries a pack parser has seen, kept apart from the parser: an ofs-delta is
// valid only if its base offset is exactly the start of an earlier entry, and answering that
// needs one 8-byte slot per entry (the parser's only memory that grows with the pack) and a
// binary search, nothing else of the parser's state.

/** Entry offsets in ascending order; the caller says how many are filled (its entry count). */
export class EntryOffsets {
  private offsets = new Float64Array(1024);

  /** Stores the offset of entry number n (0-based, entries arrive in pack order). */
  record(n: number, offset: number): void {
    if (n === this.offsets.length) {
      const grown = new Float64Array(n * 2);
      grown.set(this.offsets);
      this.offsets = grown;
    }
    this.offsets[n] = offset;
  }

  /** Whether one of the first `count` entries starts at `offset`. */
  has(offset: number, count: number): boolean {
    const a = this.offsets;
    let lo = 0;
    let hi = count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = a[mid];
      if (v === offset) return true;
      if (v < offset) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }
}
