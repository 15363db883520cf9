// A date-ordered commit queue (git's commit walks: newest committer date first, ties in the
// order they were queued). Used by fetch planning and by the log API.
export interface QueuedCommit {
  oid: string;
  time: number;
  seq: number;
}

/** Max-heap on time; FIFO among equal times. */
export class DateQueue {
  private heap: QueuedCommit[] = [];
  private seq = 0;
  get size(): number {
    return this.heap.length;
  }
  private before(a: QueuedCommit, b: QueuedCommit): boolean {
    return a.time > b.time || (a.time === b.time && a.seq < b.seq);
  }
  push(oid: string, time: number): void {
    const h = this.heap;
    h.push({ oid, time, seq: this.seq++ });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }
  /** The newest queued time (undefined when empty). */
  peekTime(): number | undefined {
    return this.heap[0]?.time;
  }
  pop(): QueuedCommit | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.before(h[l], h[m])) m = l;
        if (r < h.length && this.before(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
  /** Queue contents in pop order. */
  drain(): string[] {
    const out: string[] = [];
    for (let n = this.pop(); n; n = this.pop()) out.push(n.oid);
    return out;
  }
}

