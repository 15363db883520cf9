// The "edit" action: surgical changes to a UTF-8 text file. Every edit refers to the file as it
// was before this change (like a patch): {oldString,newString} must match exactly once, and
// {startLine,endLine,newText} replaces whole lines (1-based, inclusive; endLine = startLine - 1
// inserts before startLine). Edits must not overlap; they are applied together.
export type EditSpec =
  | { oldString: string; newString: string }
  | { startLine: number; endLine: number; newText: string };

export class EditError extends Error {}

interface Region {
  start: number;
  end: number;
  text: string;
  index: number;
}

function countOccurrences(hay: string, needle: string, max: number): number[] {
  const at: number[] = [];
  let from = 0;
  for (;;) {
    const i = hay.indexOf(needle, from);
    if (i < 0 || at.length >= max) return at;
    at.push(i);
    from = i + 1;
  }
}

/** Start offsets of each line (index 0 = line 1), plus the total length as a sentinel. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  if (starts[starts.length - 1] !== text.length) starts.push(text.length);
  return starts; // lines = starts.length - 1
}

export function validateEdits(v: unknown): EditSpec[] | string {
  if (!Array.isArray(v) || v.length === 0) return 'edits must be a non-empty array';
  if (v.length > 1000) return 'at most 1000 edits per change';
  const out: EditSpec[] = [];
  for (let i = 0; i < v.length; i++) {
    const e = v[i] as Record<string, unknown>;
    if (!e || typeof e !== 'object') return `edits[${i}] must be an object`;
    if ('oldString' in e || 'newString' in e) {
      if (typeof e.oldString !== 'string' || typeof e.newString !== 'string') return `edits[${i}]: oldString and newString must be strings`;
      if (e.oldString === '') return `edits[${i}]: oldString must not be empty`;
      out.push({ oldString: e.oldString, newString: e.newString });
    } else if ('startLine' in e || 'endLine' in e) {
      const s = e.startLine;
      const en = e.endLine;
      if (!Number.isInteger(s) || !Number.isInteger(en)) return `edits[${i}]: startLine and endLine must be integers`;
      if ((s as number) < 1 || (en as number) < (s as number) - 1) return `edits[${i}]: need 1 <= startLine <= endLine + 1`;
      if (typeof e.newText !== 'string') return `edits[${i}]: newText must be a string`;
      out.push({ startLine: s as number, endLine: en as number, newText: e.newText });
    } else {
      return `edits[${i}] needs oldString/newString or startLine/endLine/newText`;
    }
  }
  return out;
}

/** Applies the edits to `text`; throws EditError with a precise reason. */
export function applyEdits(text: string, edits: EditSpec[]): string {
  const regions: Region[] = [];
  let starts: number[] | null = null;
  edits.forEach((e, index) => {
    if ('oldString' in e) {
      const hits = countOccurrences(text, e.oldString, 2);
      if (hits.length === 0) throw new EditError(`edits[${index}]: oldString not found`);
      if (hits.length > 1) throw new EditError(`edits[${index}]: oldString is ambiguous (it occurs more than once); include more context`);
      regions.push({ start: hits[0], end: hits[0] + e.oldString.length, text: e.newString, index });
      return;
    }
    starts ??= lineStarts(text);
    const lines = starts.length - 1;
    if (e.startLine > lines + 1 || e.endLine > lines) {
      throw new EditError(`edits[${index}]: lines ${e.startLine}-${e.endLine} are out of range (the file has ${lines} lines)`);
    }
    const start = starts[e.startLine - 1];
    const end = e.endLine >= e.startLine ? starts[e.endLine] : start;
    let repl = e.newText;
    if (repl !== '') {
      if (!repl.endsWith('\n')) repl += '\n';
      // At the end of a file without a final newline: stay without one.
      if (end === text.length && text.length > 0 && !text.endsWith('\n')) {
        if (start === text.length) repl = '\n' + repl;
        repl = repl.slice(0, -1);
      }
    }
    regions.push({ start, end, text: repl, index });
  });
  regions.sort((a, b) => a.start - b.start || a.end - b.end);
  for (let i = 1; i < regions.length; i++) {
    const a = regions[i - 1];
    const b = regions[i];
    if (b.start < a.end || (b.start === a.start && a.start === a.end && b.start === b.end)) {
      throw new EditError(`edits[${a.index}] and edits[${b.index}] overlap`);
    }
  }
  let out = '';
  let pos = 0;
  for (const r of regions) {
    out += text.slice(pos, r.start) + r.text;
    pos = r.end;
  }
  return out + text.slice(pos);
}
