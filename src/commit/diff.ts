// Line diff (Myers' O(ND) algorithm in linear space, with xdiff's cost cap for huge inputs) and
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

class Differ {
  readonly ca: Uint8Array;
  readonly cb: Uint8Array;
  private vf: Int32Array;
  private vb: Int32Array;
  private readonly maxCost: number;

  constructor(
    private readonly a: Int32Array,
    private readonly b: Int32Array,
  ) {
    this.ca = new Uint8Array(a.length);
    this.cb = new Uint8Array(b.length);
    const n = a.length + b.length + 3;
    this.vf = new Int32Array(2 * n + 3);
    this.vb = new Int32Array(2 * n + 3);
    this.maxCost = Math.max(256, Math.ceil(Math.sqrt(n)));
  }

  run(): void {
    // Explicit stack instead of recursion: deep recursion on big files would overflow.
    const stack: number[] = [0, 0, this.a.length, this.b.length];
    while (stack.length) {
      let bottom = stack.pop()!;
      let right = stack.pop()!;
      let top = stack.pop()!;
      let left = stack.pop()!;
      const { a, b } = this;
      while (left < right && top < bottom && a[left] === b[top]) {
        left++;
        top++;
      }
      while (left < right && top < bottom && a[right - 1] === b[bottom - 1]) {
        right--;
        bottom--;
      }
      if (left === right) {
        for (let j = top; j < bottom; j++) this.cb[j] = 1;
        continue;
      }
      if (top === bottom) {
        for (let i = left; i < right; i++) this.ca[i] = 1;
        continue;
      }
      const s = this.split(left, top, right, bottom);
      if (s.kind === 'snake') {
        // The snake: one edit then a diagonal (forward) or a diagonal then one edit (backward).
        const dx = s.x2 - s.x1;
        const dy = s.y2 - s.y1;
        if (dx !== dy) {
          if (s.forward) {
            if (dx > dy) this.ca[s.x1] = 1;
            else this.cb[s.y1] = 1;
          } else {
            if (dx > dy) this.ca[s.x2 - 1] = 1;
            else this.cb[s.y2 - 1] = 1;
          }
        }
        stack.push(s.x2, s.y2, right, bottom, left, top, s.x1, s.y1);
      } else {
        stack.push(s.x1, s.y1, right, bottom, left, top, s.x1, s.y1);
      }
    }
  }

  private split(left: number, top: number, right: number, bottom: number):
    | { kind: 'snake'; forward: boolean; x1: number; y1: number; x2: number; y2: number }
    | { kind: 'point'; x1: number; y1: number } {
    const { a, b, vf, vb } = this;
    const width = right - left;
    const height = bottom - top;
    const size = width + height;
    const delta = width - height;
    const odd = (delta & 1) !== 0;
    const max = Math.ceil(size / 2);
    const off = max + 1;
    if (2 * max + 3 > vf.length) {
      this.vf = new Int32Array(2 * max + 3);
      this.vb = new Int32Array(2 * max + 3);
      return this.split(left, top, right, bottom);
    }
    vf[off + 1] = left;
    vb[off + 1] = bottom;
    for (let d = 0; d <= max; d++) {
      if (d > this.maxCost) {
        // Too expensive for an exact answer: split at the furthest-reaching forward point.
        let bestK = -d + 1;
        let best = -1;
        for (let k = -(d - 1); k <= d - 1; k += 2) {
          const x = Math.min(vf[off + k], right);
          const y = top + (x - left) - k;
          if (y < top || y > bottom) continue;
          if (x + y > best) {
            best = x + y;
            bestK = k;
          }
        }
        const x = Math.min(vf[off + bestK], right);
        const y = Math.min(Math.max(top + (x - left) - bestK, top), bottom);
        if ((x === left && y === top) || (x === right && y === bottom)) {
          // Degenerate: fall back to the middle of the box.
          const mx = left + (width >> 1);
          return { kind: 'point', x1: mx, y1: top + (height >> 1) };
        }
        return { kind: 'point', x1: x, y1: y };
      }
      for (let k = d; k >= -d; k -= 2) {
        const c = k - delta;
        let x: number;
        let px: number;
        if (k === -d || (k !== d && vf[off + k - 1] < vf[off + k + 1])) {
          px = x = vf[off + k + 1];
        } else {
          px = vf[off + k - 1];
          x = px + 1;
        }
        let y = top + (x - left) - k;
        const py = d === 0 || x !== px ? y : y - 1;
        while (x < right && y < bottom && a[x] === b[y]) {
          x++;
          y++;
        }
        vf[off + k] = x;
        if (odd && c >= -(d - 1) && c <= d - 1 && y >= vb[off + c]) {
          return { kind: 'snake', forward: true, x1: px, y1: py, x2: x, y2: y };
        }
      }
      for (let c = d; c >= -d; c -= 2) {
        const k = c + delta;
        let y: number;
        let py: number;
        if (c === -d || (c !== d && vb[off + c - 1] > vb[off + c + 1])) {
          py = y = vb[off + c + 1];
        } else {
          py = vb[off + c - 1];
          y = py - 1;
        }
        let x = left + (y - top) + k;
        const px = d === 0 || y !== py ? x : x + 1;
        while (x > left && y > top && a[x - 1] === b[y - 1]) {
          x--;
          y--;
        }
        vb[off + c] = y;
        if (!odd && k >= -d && k <= d && x <= vf[off + k]) {
          return { kind: 'snake', forward: false, x1: x, y1: y, x2: px, y2: py };
        }
      }
    }
    throw new Error('diff: no middle snake found');
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
