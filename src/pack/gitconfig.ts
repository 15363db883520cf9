// A reader for git's config format (what a `.gitmodules` blob holds), following git's own
// parser (config.c: git_parse_source, get_base_var, get_extended_base_var, get_value,
// parse_value) rule for rule, because fsck must see exactly the entries git will later act on:
//  - `[section]`, `[section.sub]` (old form: lower-cased) and `[section "sub"]` (case kept,
//    `\x` takes x literally); section and key names are [A-Za-z0-9-] (sections may hold '.'),
//    lower-cased; a key must start with a letter;
//  - `key = value`, or `key` alone (no value: null); values drop surrounding blanks, `"..."`
//    keeps them, `#` and `;` start a comment outside quotes, `\` escapes n t b \ " and joins
//    lines; any other escape is an error;
//  - CR LF reads as LF; a UTF-8 byte order mark at the start is skipped.
// Bytes are read unsigned, as git does when it reads the checked-out file, and text is handed
// on as "binary strings" (one char per byte) so every check sees the exact bytes.
// Parsing stops at the first error; entries before it were already reported (as in git).

const LF = 0x0a;
const CR = 0x0d;
const EOF = -1;

/** Called for each entry: full name ("submodule.<sub>.url"), value (null: a bare key). */
export type ConfigEntry = (name: string, value: string | null) => void;

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === LF || c === CR;
const isAlpha = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isKeyChar = (c: number) => isAlpha(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d;
const lower = (c: number) => (c >= 0x41 && c <= 0x5a ? c + 32 : c);

class Source {
  p = 0;
  eof = false;
  constructor(private readonly d: Uint8Array) {}

  /** The next byte, CR LF as LF; at the end: LF once with eof set (git's get_next_char). */
  next(): number {
    let c = this.p < this.d.length ? this.d[this.p++] : EOF;
    if (c === CR) {
      const n = this.p < this.d.length ? this.d[this.p] : EOF;
      if (n === LF) {
        this.p++;
        c = LF;
      }
    }
    if (c === EOF) {
      this.eof = true;
      return LF;
    }
    return c;
  }
}

/** A value after '=' (git's parse_value), or null on a syntax error. */
function parseValue(src: Source): string | null {
  let quote = false;
  let comment = false;
  let out = '';
  let trimLen = 0;
  for (;;) {
    let c = src.next();
    if (c === LF) {
      if (quote) return null;
      return trimLen ? out.slice(0, trimLen) : out;
    }
    if (comment) continue;
    if (isSpace(c) && !quote) {
      if (!trimLen) trimLen = out.length;
      if (out.length) out += String.fromCharCode(c);
      continue;
    }
    if (!quote && (c === 0x3b || c === 0x23)) {
      comment = true;
      continue;
    }
    trimLen = 0;
    if (c === 0x5c) {
      c = src.next();
      if (c === LF) continue; // a continued line (at the very end: the value just ends)
      if (c === 0x74) c = 0x09;
      else if (c === 0x62) c = 0x08;
      else if (c === 0x6e) c = LF;
      else if (c !== 0x5c && c !== 0x22) return null;
      out += String.fromCharCode(c);
      continue;
    }
    if (c === 0x22) {
      quote = !quote;
      continue;
    }
    out += String.fromCharCode(c);
  }
}

/** `[base "sub"]` after the blank that ended `base` (get_extended_base_var). */
function extendedBase(src: Source, c: number): string | null {
  do {
    if (c === LF) return null;
    c = src.next();
  } while (isSpace(c));
  if (c !== 0x22) return null;
  let sub = '';
  for (;;) {
    let x = src.next();
    if (x === LF) return null;
    if (x === 0x22) break;
    if (x === 0x5c) {
      x = src.next();
      if (x === LF) return null;
    }
    sub += String.fromCharCode(x);
  }
  if (src.next() !== 0x5d) return null;
  return sub;
}

/** A section header after '[' (get_base_var): "section" or "section.sub", or null on error. */
function sectionHeader(src: Source): string | null {
  let name = '';
  for (;;) {
    const c = src.next();
    if (src.eof) return null;
    if (c === 0x5d) return name;
    if (isSpace(c)) {
      const sub = extendedBase(src, c);
      return sub === null ? null : `${name}.${sub}`;
    }
    if (!isKeyChar(c) && c !== 0x2e) return null;
    name += String.fromCharCode(lower(c));
  }
}

/**
 * Reads every entry of a config text, in order. Returns false if the text has a syntax error
 * (the entries before it were reported; the rest is unreadable to git as well).
 */
export function parseGitConfig(data: Uint8Array, onEntry: ConfigEntry): boolean {
  const src = new Source(data);
  if (data.length >= 3 && data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) src.p = 3;
  let section = '';
  let comment = false;
  for (;;) {
    let c = src.next();
    if (c === LF) {
      if (src.eof) return true;
      comment = false;
      continue;
    }
    if (comment || isSpace(c)) continue;
    if (c === 0x23 || c === 0x3b) {
      comment = true;
      continue;
    }
    if (c === 0x5b) {
      const s = sectionHeader(src);
      if (s === null || s.length === 0) return false;
      section = s;
      continue;
    }
    if (!isAlpha(c)) return false;
    // key (get_value): letters, digits and '-', lower-cased; then blanks, then '=' or the end
    let key = String.fromCharCode(lower(c));
    for (;;) {
      c = src.next();
      if (src.eof || !isKeyChar(c)) break;
      key += String.fromCharCode(lower(c));
    }
    while (c === 0x20 || c === 0x09) c = src.next();
    let value: string | null = null;
    if (c !== LF) {
      if (c !== 0x3d) return false;
      value = parseValue(src);
      if (value === null) return false;
    }
    // git hands names and values on as C strings: a NUL ends them.
    onEntry(cut(`${section}.${key}`), value === null ? null : cut(value));
  }
}

function cut(s: string): string {
  const z = s.indexOf('\0');
  return z < 0 ? s : s.slice(0, z);
}

/**
 * Splits "section.sub.key" as git's parse_config_key does: the section up to the first dot, the
 * key after the last dot, the subsection (maybe with dots) between them, null if there is none.
 */
export function splitConfigName(name: string): { section: string; sub: string | null; key: string } {
  const first = name.indexOf('.');
  const last = name.lastIndexOf('.');
  if (first < 0) return { section: name, sub: null, key: '' };
  return { section: name.slice(0, first), sub: first === last ? null : name.slice(first + 1, last), key: name.slice(last + 1) };
}
