// Line diff (git's xdiff Myers: linear space, with its heuristics for huge inputs) and
// unified-diff hunks in git's format (changes placed as git's xdiff places them, indent heuristic
// included): 3 lines of context, hunks merged when at most 6 unchanged
// lines separate them, "@@ -a,b +c,d @@ <function line>" headers found with git's default
// funcname rule, and "\ No newline at end of file". Lines are byte strings (see bytes.ts), so
// any encoding round-trips exactly. The Myers search is in xdiff-myers.ts, the placement of
// changes (xdl_change_compact) in xdiff-compact.ts; this file joins them and lays out hunks.
import { byteString } from './bytes';
import { changeCompact, gitSpace, type XFile } from './xdiff-compact';
import { Differ } from './xdiff-myers';

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
