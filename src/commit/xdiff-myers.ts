// git's xdiff Myers diff (xdiffi.c / xprepare.c), on its own: the line-matching search is the
// biggest single piece of the diff engine and is read (and checked against git) apart from hunk
// layout. Input is lines as integer ids; output is a change flag per line of each side. diff.ts
// turns the flags into blocks and hunks.

// ---- git's xdiff Myers (xdiffi.c / xprepare.c), ported so hunks land where `git diff` puts
// them: common ends trimmed, lines without a match in the other file (and runs of lines with
// too many matches) left out of the search, then xdl_split's divide and conquer with its cost
// heuristics.

const XDL_MAX_COST_MIN = 256;
const XDL_HEUR_MIN_COST = 256;
const XDL_SNAKE_CNT = 20;
const XDL_K_HEUR = 4;
const XDL_MAX_EQLIMIT = 1024;
const XDL_SIMSCAN_WINDOW = 100;
const XDL_KPDIS_RUN = 4;
const XDL_LINE_MAX = 0x7fffffff;

function bogosqrt(n: number): number {
  let i = 1;
  for (; n > 0; n = Math.floor(n / 4)) i *= 2;
  return i;
}

/** xdl_clean_mmatch: discard a many-match line sitting in a run of unmatched lines? */
function cleanMmatch(dis: Uint8Array, i: number, s: number, e: number): boolean {
  if (i - s > XDL_SIMSCAN_WINDOW) s = i - XDL_SIMSCAN_WINDOW;
  if (e - i > XDL_SIMSCAN_WINDOW) e = i + XDL_SIMSCAN_WINDOW;
  let rdis0 = 0;
  let rpdis0 = 1;
  for (let r = 1; i - r >= s; r++) {
    if (!dis[i - r]) rdis0++;
    else if (dis[i - r] === 2) rpdis0++;
    else break;
  }
  if (rdis0 === 0) return false;
  let rdis1 = 0;
  let rpdis1 = 1;
  for (let r = 1; i + r <= e; r++) {
    if (!dis[i + r]) rdis1++;
    else if (dis[i + r] === 2) rpdis1++;
    else break;
  }
  if (rdis1 === 0) return false;
  rdis1 += rdis0;
  rpdis1 += rpdis0;
  return rpdis1 * XDL_KPDIS_RUN < rpdis1 + rdis1;
}

interface Reduced {
  ha: Int32Array;
  rindex: Int32Array;
  n: number;
}

/** Marks the lines of a (ca) and b (cb) that are not part of the common subsequence. */
export class Differ {
  readonly ca: Uint8Array;
  readonly cb: Uint8Array;

  constructor(
    private readonly a: Int32Array,
    private readonly b: Int32Array,
  ) {
    this.ca = new Uint8Array(a.length);
    this.cb = new Uint8Array(b.length);
  }

  run(): void {
    const { a, b } = this;
    // xdl_trim_ends
    const lim = Math.min(a.length, b.length);
    let pre = 0;
    while (pre < lim && a[pre] === b[pre]) pre++;
    let suf = 0;
    while (suf < lim - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
    const dend1 = a.length - suf - 1;
    const dend2 = b.length - suf - 1;
    // xdl_cleanup_records (occurrence counts are over the whole files)
    const count1 = new Map<number, number>();
    const count2 = new Map<number, number>();
    for (const x of a) count1.set(x, (count1.get(x) ?? 0) + 1);
    for (const x of b) count2.set(x, (count2.get(x) ?? 0) + 1);
    const reduce = (recs: Int32Array, dend: number, other: Map<number, number>, changed: Uint8Array): Reduced => {
      const dis = new Uint8Array(recs.length + 1);
      const mlim = Math.min(bogosqrt(recs.length), XDL_MAX_EQLIMIT);
      for (let i = pre; i <= dend; i++) {
        const nm = other.get(recs[i]) ?? 0;
        dis[i] = nm === 0 ? 0 : nm >= mlim ? 2 : 1;
      }
      const ha = new Int32Array(Math.max(0, dend - pre + 1));
      const rindex = new Int32Array(ha.length);
      let n = 0;
      for (let i = pre; i <= dend; i++) {
        if (dis[i] === 1 || (dis[i] === 2 && !cleanMmatch(dis, i, pre, dend))) {
          rindex[n] = i;
          ha[n] = recs[i];
          n++;
        } else {
          changed[i] = 1;
        }
      }
      return { ha, rindex, n };
    };
    const d1 = reduce(a, dend1, count2, this.ca);
    const d2 = reduce(b, dend2, count1, this.cb);
    const ndiags = d1.n + d2.n + 3;
    const kvd = new Int32Array(2 * ndiags + 2);
    const env = { mxcost: Math.max(bogosqrt(ndiags), XDL_MAX_COST_MIN), kvdfOff: d2.n + 1, kvdbOff: ndiags + d2.n + 1, kvd };
    this.recsCmp(d1, d2, env);
  }

  private recsCmp(dd1: Reduced, dd2: Reduced, env: { mxcost: number; kvdfOff: number; kvdbOff: number; kvd: Int32Array }): void {
    const ha1 = dd1.ha;
    const ha2 = dd2.ha;
    // Explicit stack of boxes [off1, lim1, off2, lim2, needMin].
    const stack: number[] = [0, dd1.n, 0, dd2.n, 0];
    while (stack.length) {
      const needMin = stack.pop()!;
      let lim2 = stack.pop()!;
      let off2 = stack.pop()!;
      let lim1 = stack.pop()!;
      let off1 = stack.pop()!;
      while (off1 < lim1 && off2 < lim2 && ha1[off1] === ha2[off2]) {
        off1++;
        off2++;
      }
      while (off1 < lim1 && off2 < lim2 && ha1[lim1 - 1] === ha2[lim2 - 1]) {
        lim1--;
        lim2--;
      }
      if (off1 === lim1) {
        for (; off2 < lim2; off2++) this.cb[dd2.rindex[off2]] = 1;
      } else if (off2 === lim2) {
        for (; off1 < lim1; off1++) this.ca[dd1.rindex[off1]] = 1;
      } else {
        const spl = this.split(ha1, off1, lim1, ha2, off2, lim2, needMin !== 0, env);
        stack.push(spl.i1, lim1, spl.i2, lim2, spl.minHi ? 1 : 0);
        stack.push(off1, spl.i1, off2, spl.i2, spl.minLo ? 1 : 0);
      }
    }
  }

  private split(
    ha1: Int32Array, off1: number, lim1: number, ha2: Int32Array, off2: number, lim2: number, needMin: boolean,
    env: { mxcost: number; kvdfOff: number; kvdbOff: number; kvd: Int32Array },
  ): { i1: number; i2: number; minLo: boolean; minHi: boolean } {
    const kv = env.kvd;
    const F = env.kvdfOff;
    const B = env.kvdbOff;
    const dmin = off1 - lim2;
    const dmax = lim1 - off2;
    const fmid = off1 - off2;
    const bmid = lim1 - lim2;
    const odd = ((fmid - bmid) & 1) !== 0;
    let fmin = fmid;
    let fmax = fmid;
    let bmin = bmid;
    let bmax = bmid;
    kv[F + fmid] = off1;
    kv[B + bmid] = lim1;
    for (let ec = 1; ; ec++) {
      let gotSnake = false;
      if (fmin > dmin) kv[F + --fmin - 1] = -1;
      else ++fmin;
      if (fmax < dmax) kv[F + ++fmax + 1] = -1;
      else --fmax;
      for (let d = fmax; d >= fmin; d -= 2) {
        let i1 = kv[F + d - 1] >= kv[F + d + 1] ? kv[F + d - 1] + 1 : kv[F + d + 1];
        const prev1 = i1;
        let i2 = i1 - d;
        while (i1 < lim1 && i2 < lim2 && ha1[i1] === ha2[i2]) {
          i1++;
          i2++;
        }
        if (i1 - prev1 > XDL_SNAKE_CNT) gotSnake = true;
        kv[F + d] = i1;
        if (odd && bmin <= d && d <= bmax && kv[B + d] <= i1) return { i1, i2, minLo: true, minHi: true };
      }
      if (bmin > dmin) kv[B + --bmin - 1] = XDL_LINE_MAX;
      else ++bmin;
      if (bmax < dmax) kv[B + ++bmax + 1] = XDL_LINE_MAX;
      else --bmax;
      for (let d = bmax; d >= bmin; d -= 2) {
        let i1 = kv[B + d - 1] < kv[B + d + 1] ? kv[B + d - 1] : kv[B + d + 1] - 1;
        const prev1 = i1;
        let i2 = i1 - d;
        while (i1 > off1 && i2 > off2 && ha1[i1 - 1] === ha2[i2 - 1]) {
          i1--;
          i2--;
        }
        if (prev1 - i1 > XDL_SNAKE_CNT) gotSnake = true;
        kv[B + d] = i1;
        if (!odd && fmin <= d && d <= fmax && i1 <= kv[F + d]) return { i1, i2, minLo: true, minHi: true };
      }
      if (needMin) continue;
      if (gotSnake && ec > XDL_HEUR_MIN_COST) {
        let best = 0;
        let s1 = 0;
        let s2 = 0;
        for (let d = fmax; d >= fmin; d -= 2) {
          const dd = d > fmid ? d - fmid : fmid - d;
          const i1 = kv[F + d];
          const i2 = i1 - d;
          const v = i1 - off1 + (i2 - off2) - dd;
          if (v > XDL_K_HEUR * ec && v > best && off1 + XDL_SNAKE_CNT <= i1 && i1 < lim1 && off2 + XDL_SNAKE_CNT <= i2 && i2 < lim2) {
            for (let k = 1; ha1[i1 - k] === ha2[i2 - k]; k++) {
              if (k === XDL_SNAKE_CNT) {
                best = v;
                s1 = i1;
                s2 = i2;
                break;
              }
            }
          }
        }
        if (best > 0) return { i1: s1, i2: s2, minLo: true, minHi: false };
        for (let d = bmax; d >= bmin; d -= 2) {
          const dd = d > bmid ? d - bmid : bmid - d;
          const i1 = kv[B + d];
          const i2 = i1 - d;
          const v = lim1 - i1 + (lim2 - i2) - dd;
          if (v > XDL_K_HEUR * ec && v > best && off1 < i1 && i1 <= lim1 - XDL_SNAKE_CNT && off2 < i2 && i2 <= lim2 - XDL_SNAKE_CNT) {
            for (let k = 0; ha1[i1 + k] === ha2[i2 + k]; k++) {
              if (k === XDL_SNAKE_CNT - 1) {
                best = v;
                s1 = i1;
                s2 = i2;
                break;
              }
            }
          }
        }
        if (best > 0) return { i1: s1, i2: s2, minLo: false, minHi: true };
      }
      if (ec >= env.mxcost) {
        let fbest = -1;
        let fbest1 = -1;
        for (let d = fmax; d >= fmin; d -= 2) {
          let i1 = Math.min(kv[F + d], lim1);
          let i2 = i1 - d;
          if (lim2 < i2) {
            i1 = lim2 + d;
            i2 = lim2;
          }
          if (fbest < i1 + i2) {
            fbest = i1 + i2;
            fbest1 = i1;
          }
        }
        let bbest = XDL_LINE_MAX;
        let bbest1 = XDL_LINE_MAX;
        for (let d = bmax; d >= bmin; d -= 2) {
          let i1 = Math.max(off1, kv[B + d]);
          let i2 = i1 - d;
          if (i2 < off2) {
            i1 = off2 + d;
            i2 = off2;
          }
          if (i1 + i2 < bbest) {
            bbest = i1 + i2;
            bbest1 = i1;
          }
        }
        if (lim1 + lim2 - bbest < fbest - (off1 + off2)) return { i1: fbest1, i2: fbest - fbest1, minLo: true, minHi: false };
        return { i1: bbest1, i2: bbest - bbest1, minLo: false, minHi: true };
      }
    }
  }
}
