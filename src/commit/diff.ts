// Line diff (git's xdiff Myers: linear space, with its heuristics for huge inputs) and
// unified-diff hunks in git's format (changes placed as git's xdiff places them, indent heuristic
// included): 3 lines of context, hunks merged when at most 6 unchanged
// lines separate them, "@@ -a,b +c,d @@ <function line>" headers found with git's default
// funcname rule, and "\ No newline at end of file". Lines are byte strings (see bytes.ts), so
// any encoding round-trips exactly.
import { byteString } from './bytes';

export const CONTEXT = 3;
const BINARY_SNIFF = 8000;

/** git's buffer_is_binary: a NUL byte in the first 8000 bytes. */
export function isBinary(data: Uint8Array): boolean {
  const n = Math.min(data.length, BINARY_SNIFF);
  for (let i = 0; i < n; i++) if (data[i] === 0) return true;
  return false;
}

/** Lines as byte strings, each with its '\n' (the last one may lack it). */
export function splitLines(data: Uint8Array): string[] {
  const s = byteString(data);
  const out: string[] = [];
  let start = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) {
    out.push(s.slice(start, i + 1));
    start = i + 1;
  }
  if (start < s.length) out.push(s.slice(start));
  return out;
}

/** A run of changes: `del` lines of a starting at `a`, replaced by `ins` lines of b starting at `b`. */
export interface Block {
  a: number;
  del: number;
  b: number;
  ins: number;
}

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

class Differ {
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

// ---- git's xdl_change_compact: slide groups of changes to a canonical place, lining them up
// with changes in the other file when possible, else by the indent heuristic (git's default).

const MAX_INDENT = 200;
const MAX_BLANKS = 20;
const INDENT_HEURISTIC_MAX_SLIDING = 100;
const START_OF_FILE_PENALTY = 1;
const END_OF_FILE_PENALTY = 21;
const TOTAL_BLANK_WEIGHT = -30;
const POST_BLANK_WEIGHT = 6;
const RELATIVE_INDENT_PENALTY = -4;
const RELATIVE_INDENT_WITH_BLANK_PENALTY = 10;
const RELATIVE_OUTDENT_PENALTY = 24;
const RELATIVE_OUTDENT_WITH_BLANK_PENALTY = 17;
const RELATIVE_DEDENT_PENALTY = 23;
const RELATIVE_DEDENT_WITH_BLANK_PENALTY = 17;
const INDENT_WEIGHT = 60;

/** git's isspace (sane_ctype): space, \t, \n, \r. */
function gitSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** A file for compaction: line ids, texts, and change flags with a 0 sentinel on both ends. */
interface XFile {
  ids: Int32Array;
  lines: string[];
  n: number;
  /** rchg[i + 1] is the flag of line i. */
  rchg: Uint8Array;
}

interface Group {
  start: number;
  end: number;
}

const chg = (f: XFile, i: number) => f.rchg[i + 1];
const setChg = (f: XFile, i: number, v: number) => {
  f.rchg[i + 1] = v;
};

function groupInit(f: XFile): Group {
  const g = { start: 0, end: 0 };
  while (chg(f, g.end)) g.end++;
  return g;
}

function groupNext(f: XFile, g: Group): boolean {
  if (g.end === f.n) return false;
  g.start = g.end + 1;
  for (g.end = g.start; chg(f, g.end); g.end++);
  return true;
}

function groupPrevious(f: XFile, g: Group): boolean {
  if (g.start === 0) return false;
  g.end = g.start - 1;
  for (g.start = g.end; chg(f, g.start - 1); g.start--);
  return true;
}

function groupSlideDown(f: XFile, g: Group): boolean {
  if (g.end < f.n && f.ids[g.start] === f.ids[g.end]) {
    setChg(f, g.start++, 0);
    setChg(f, g.end++, 1);
    while (chg(f, g.end)) g.end++;
    return true;
  }
  return false;
}

function groupSlideUp(f: XFile, g: Group): boolean {
  if (g.start > 0 && f.ids[g.start - 1] === f.ids[g.end - 1]) {
    setChg(f, --g.start, 1);
    setChg(f, --g.end, 0);
    while (chg(f, g.start - 1)) g.start--;
    return true;
  }
  return false;
}

function getIndent(line: string): number {
  let ret = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (!gitSpace(c)) return ret;
    if (c === 0x20) ret += 1;
    else if (c === 0x09) ret += 8 - (ret % 8);
    if (ret >= MAX_INDENT) return MAX_INDENT;
  }
  return -1;
}

interface Split {
  endOfFile: boolean;
  indent: number;
  preBlank: number;
  preIndent: number;
  postBlank: number;
  postIndent: number;
}

function measureSplit(f: XFile, split: number): Split {
  const m: Split = { endOfFile: false, indent: -1, preBlank: 0, preIndent: -1, postBlank: 0, postIndent: -1 };
  if (split >= f.n) m.endOfFile = true;
  else m.indent = getIndent(f.lines[split]);
  for (let i = split - 1; i >= 0; i--) {
    m.preIndent = getIndent(f.lines[i]);
    if (m.preIndent !== -1) break;
    m.preBlank += 1;
    if (m.preBlank === MAX_BLANKS) {
      m.preIndent = 0;
      break;
    }
  }
  for (let i = split + 1; i < f.n; i++) {
    m.postIndent = getIndent(f.lines[i]);
    if (m.postIndent !== -1) break;
    m.postBlank += 1;
    if (m.postBlank === MAX_BLANKS) {
      m.postIndent = 0;
      break;
    }
  }
  return m;
}

function scoreAddSplit(m: Split, s: { effectiveIndent: number; penalty: number }): void {
  if (m.preIndent === -1 && m.preBlank === 0) s.penalty += START_OF_FILE_PENALTY;
  if (m.endOfFile) s.penalty += END_OF_FILE_PENALTY;
  const postBlank = m.indent === -1 ? 1 + m.postBlank : 0;
  const totalBlank = m.preBlank + postBlank;
  s.penalty += TOTAL_BLANK_WEIGHT * totalBlank;
  s.penalty += POST_BLANK_WEIGHT * postBlank;
  const indent = m.indent !== -1 ? m.indent : m.postIndent;
  const anyBlanks = totalBlank !== 0;
  s.effectiveIndent += indent;
  if (indent === -1 || m.preIndent === -1) {
    /* nothing */
  } else if (indent > m.preIndent) {
    s.penalty += anyBlanks ? RELATIVE_INDENT_WITH_BLANK_PENALTY : RELATIVE_INDENT_PENALTY;
  } else if (indent === m.preIndent) {
    /* nothing */
  } else if (m.postIndent !== -1 && m.postIndent > indent) {
    s.penalty += anyBlanks ? RELATIVE_OUTDENT_WITH_BLANK_PENALTY : RELATIVE_OUTDENT_PENALTY;
  } else {
    s.penalty += anyBlanks ? RELATIVE_DEDENT_WITH_BLANK_PENALTY : RELATIVE_DEDENT_PENALTY;
  }
}

function scoreCmp(a: { effectiveIndent: number; penalty: number }, b: { effectiveIndent: number; penalty: number }): number {
  const cmpIndents = (a.effectiveIndent > b.effectiveIndent ? 1 : 0) - (a.effectiveIndent < b.effectiveIndent ? 1 : 0);
  return INDENT_WEIGHT * cmpIndents + (a.penalty - b.penalty);
}

function changeCompact(f: XFile, fo: XFile): void {
  const g = groupInit(f);
  const go = groupInit(fo);
  for (;;) {
    if (g.end !== g.start) {
      let groupsize: number;
      let earliestEnd: number;
      let endMatchingOther: number;
      do {
        groupsize = g.end - g.start;
        endMatchingOther = -1;
        while (groupSlideUp(f, g)) groupPrevious(fo, go);
        earliestEnd = g.end;
        if (go.end > go.start) endMatchingOther = g.end;
        for (;;) {
          if (!groupSlideDown(f, g)) break;
          groupNext(fo, go);
          if (go.end > go.start) endMatchingOther = g.end;
        }
      } while (groupsize !== g.end - g.start);
      if (g.end === earliestEnd) {
        /* no shifting was possible */
      } else if (endMatchingOther !== -1) {
        while (go.end === go.start) {
          groupSlideUp(f, g);
          groupPrevious(fo, go);
        }
      } else {
        let shift = earliestEnd;
        if (g.end - groupsize - 1 > shift) shift = g.end - groupsize - 1;
        if (g.end - INDENT_HEURISTIC_MAX_SLIDING > shift) shift = g.end - INDENT_HEURISTIC_MAX_SLIDING;
        let bestShift = -1;
        let best = { effectiveIndent: 0, penalty: 0 };
        for (; shift <= g.end; shift++) {
          const score = { effectiveIndent: 0, penalty: 0 };
          scoreAddSplit(measureSplit(f, shift), score);
          scoreAddSplit(measureSplit(f, shift - groupsize), score);
          if (bestShift === -1 || scoreCmp(score, best) <= 0) {
            best = score;
            bestShift = shift;
          }
        }
        while (g.end > bestShift) {
          groupSlideUp(f, g);
          groupPrevious(fo, go);
        }
      }
    }
    if (!groupNext(f, g)) break;
    groupNext(fo, go);
  }
}

/** The changed blocks between two line lists. */
export function diffLines(a: string[], b: string[]): Block[] {
  const ids = new Map<string, number>();
  const idOf = (s: string) => {
    let v = ids.get(s);
    if (v === undefined) {
      v = ids.size;
      ids.set(s, v);
    }
    return v;
  };
  const ia = Int32Array.from(a, idOf);
  const ib = Int32Array.from(b, idOf);
  const d = new Differ(ia, ib);
  d.run();
  const fa: XFile = { ids: ia, lines: a, n: a.length, rchg: new Uint8Array(a.length + 2) };
  const fb: XFile = { ids: ib, lines: b, n: b.length, rchg: new Uint8Array(b.length + 2) };
  fa.rchg.set(d.ca, 1);
  fb.rchg.set(d.cb, 1);
  changeCompact(fa, fb);
  changeCompact(fb, fa);
  const ca = fa.rchg.subarray(1, a.length + 1);
  const cb = fb.rchg.subarray(1, b.length + 1);
  const blocks: Block[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if ((i < a.length && ca[i]) || (j < b.length && cb[j])) {
      const si = i;
      const sj = j;
      while (i < a.length && ca[i]) i++;
      while (j < b.length && cb[j]) j++;
      blocks.push({ a: si, del: i - si, b: sj, ins: j - sj });
    } else {
      i++;
      j++;
    }
  }
  return blocks;
}

/** git's default funcname rule (xemit.c def_ff): a line starting with a letter, '_' or '$'. */
function funcLine(line: string): string | null {
  const c = line.charCodeAt(0);
  if (!((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x24)) return null;
  let len = Math.min(line.length, 80);
  while (len > 0 && gitSpace(line.charCodeAt(len - 1))) len--;
  return line.slice(0, len);
}

function range(start: number, count: number): string {
  const s = count === 0 ? start : start + 1;
  return count === 1 ? `${s}` : `${s},${count}`;
}

export interface Hunks {
  /** The hunks as a byte string ('' when nothing changed). */
  text: string;
  additions: number;
  deletions: number;
}

/** Unified-diff hunks (git's layout) for two line lists. */
export function unifiedHunks(a: string[], b: string[], blocks = diffLines(a, b), ctx = CONTEXT): Hunks {
  let out = '';
  let additions = 0;
  let deletions = 0;
  let fnCache: string | null = null;
  let fnSearchedDownTo = -1;
  const line = (prefix: string, l: string) => {
    out += prefix + l;
    if (!l.endsWith('\n')) out += '\n\\ No newline at end of file\n';
  };
  let p = 0;
  while (p < blocks.length) {
    let q = p;
    while (q + 1 < blocks.length && blocks[q + 1].a - (blocks[q].a + blocks[q].del) <= 2 * ctx) q++;
    const first = blocks[p];
    const last = blocks[q];
    const s1 = Math.max(0, first.a - ctx);
    const s2 = first.b - (first.a - s1);
    const e1 = Math.min(a.length, last.a + last.del + ctx);
    const e2 = last.b + last.ins + (e1 - (last.a + last.del));
    // Function context: nearest matching line above the hunk (searched incrementally).
    for (let l = s1 - 1; l > fnSearchedDownTo && l >= 0; l--) {
      const f = funcLine(a[l]);
      if (f !== null) {
        fnCache = f;
        break;
      }
    }
    fnSearchedDownTo = s1 - 1;
    out += `@@ -${range(s1, e1 - s1)} +${range(s2, e2 - s2)} @@${fnCache ? ' ' + fnCache : ''}\n`;
    let i = s1;
    for (let k = p; k <= q; k++) {
      const blk = blocks[k];
      for (; i < blk.a; i++) line(' ', a[i]);
      for (let x = 0; x < blk.del; x++) line('-', a[blk.a + x]);
      for (let x = 0; x < blk.ins; x++) line('+', b[blk.b + x]);
      deletions += blk.del;
      additions += blk.ins;
      i = blk.a + blk.del;
    }
    for (; i < e1; i++) line(' ', a[i]);
    p = q + 1;
  }
  return { text: out, additions, deletions };
}
