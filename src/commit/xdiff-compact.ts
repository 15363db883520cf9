// git's xdl_change_compact with its indent heuristic, on its own: it only moves change flags
// that the Myers pass (xdiff-myers.ts) produced, so hunks land where `git diff` puts them; the
// scoring constants and group-sliding helpers belong together and to nothing else.

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
export function gitSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** A file for compaction: line ids, texts, and change flags with a 0 sentinel on both ends. */
export interface XFile {
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

export function changeCompact(f: XFile, fo: XFile): void {
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
