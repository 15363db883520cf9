// Tree entry names that some filesystem would read as `.git`, `.gitmodules`, `.gitattributes`,
// `.gitignore` or `.mailmap` (the CVE-2014-9390 / CVE-2018-11235 / CVE-2019-1353 family).
//
// The rules are git's own (fsck.c with utf8.c is_hfs_dot*, path.c is_ntfs_dot*), re-implemented
// over a byte range [s, e) of a tree: bytes past `e` read as the NUL that ends a name in git.
//  - HFS+ ignores some Unicode code points when comparing names (zero-width joiners, direction
//    marks, U+FEFF) and folds case: ".g\u200cit" and ".GIT" are ".git" there.
//  - NTFS drops trailing dots and spaces, reads "name:stream" as an alternate data stream of
//    "name", and knows 8.3 short names: "GIT~1" for ".git", "GITMOD~1" or a hashed fallback
//    such as "GI7EBA~1" for ".gitmodules".
//  - Windows also splits paths at '\', so "a\.git" and "a\.gitmodules" are checked after each '\'.

/** Kinds of special dotfile, as a bitmask. */
export const DOT_GITMODULES = 1;
export const DOT_GITATTRIBUTES = 2;
export const DOT_GITIGNORE = 4;
export const DOT_MAILMAP = 8;

const BACKSLASH = 0x5c;
const SLASH = 0x2f;

function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 32 : c;
}

/** Reads d[i], or 0 at and past the end (git's names are NUL-terminated strings). */
function at(d: Uint8Array, i: number, e: number): number {
  return i < e ? d[i] : 0;
}

/** HFS+ code points that are ignored completely when names are compared. */
function hfsIgnorable(cp: number): boolean {
  return (cp >= 0x200c && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x206a && cp <= 0x206f) || cp === 0xfeff;
}

/**
 * One UTF-8 code point at pos: [code point, next pos]; [0, -1] for malformed input (overlong,
 * surrogate, U+FFFE/U+FFFF, > U+10FFFF, truncated), which git's HFS check reads as the end.
 */
function utf8At(d: Uint8Array, p: number, e: number): [number, number] {
  const c0 = at(d, p, e);
  if (c0 < 0x80) return [c0, p + 1];
  const c1 = at(d, p + 1, e);
  if ((c0 & 0xe0) === 0xc0) {
    if ((c1 & 0xc0) !== 0x80 || (c0 & 0xfe) === 0xc0) return [0, -1];
    return [((c0 & 0x1f) << 6) | (c1 & 0x3f), p + 2];
  }
  const c2 = at(d, p + 2, e);
  if ((c0 & 0xf0) === 0xe0) {
    if ((c1 & 0xc0) !== 0x80 || (c2 & 0xc0) !== 0x80) return [0, -1];
    if (c0 === 0xe0 && (c1 & 0xe0) === 0x80) return [0, -1]; // overlong
    if (c0 === 0xed && (c1 & 0xe0) === 0xa0) return [0, -1]; // surrogate
    if (c0 === 0xef && c1 === 0xbf && (c2 & 0xfe) === 0xbe) return [0, -1]; // U+FFFE, U+FFFF
    return [((c0 & 0x0f) << 12) | ((c1 & 0x3f) << 6) | (c2 & 0x3f), p + 3];
  }
  const c3 = at(d, p + 3, e);
  if ((c0 & 0xf8) === 0xf0) {
    if ((c1 & 0xc0) !== 0x80 || (c2 & 0xc0) !== 0x80 || (c3 & 0xc0) !== 0x80) return [0, -1];
    if (c0 === 0xf0 && (c1 & 0xf0) === 0x80) return [0, -1]; // overlong
    if ((c0 === 0xf4 && c1 > 0x8f) || c0 > 0xf4) return [0, -1]; // past U+10FFFF
    return [((c0 & 0x07) << 18) | ((c1 & 0x3f) << 12) | ((c2 & 0x3f) << 6) | (c3 & 0x3f), p + 4];
  }
  return [0, -1];
}

/**
 * Is d[s..e) "." + needle on HFS+ (ignorable code points skipped, ASCII case folded), followed
 * by the end or a '/'? `needle` is lower-case ASCII.
 */
export function isHfsDot(d: Uint8Array, s: number, e: number, needle: string): boolean {
  let p = s;
  const next = (): number => {
    for (;;) {
      if (p < 0) return 0;
      const [cp, q] = utf8At(d, p, e);
      p = q;
      if (q < 0) return 0; // malformed: reads as the end, as in git
      if (!hfsIgnorable(cp)) return cp;
    }
  };
  if (next() !== 0x2e) return false;
  for (let i = 0; i < needle.length; i++) {
    const c = next();
    if (c > 127 || lower(c) !== needle.charCodeAt(i)) return false;
  }
  const c = next();
  return c === 0 || c === SLASH;
}

/** Only spaces and periods from i to the end (or to a ':', an NTFS stream name). */
function onlySpacesAndPeriods(d: Uint8Array, i: number, e: number): boolean {
  for (;;) {
    const c = at(d, i++, e);
    if (c === 0 || c === 0x3a) return true;
    if (c !== 0x20 && c !== 0x2e) return false;
  }
}

/** Case-insensitive: d[s..s+word.length) is the lower-case ASCII word (never reads past e). */
function matchesCi(d: Uint8Array, s: number, e: number, word: string): boolean {
  if (s + word.length > e) return false;
  for (let i = 0; i < word.length; i++) if ((d[s + i] | (d[s + i] >= 0x41 && d[s + i] <= 0x5a ? 0x20 : 0)) !== word.charCodeAt(i)) return false;
  return true;
}

/**
 * Is d[s..e) "." + needle on NTFS? Also its 8.3 short names: the first six characters of the
 * needle + "~1".."~4", or the fallback `shortPrefix` (git's hash-derived prefix) + "~<digits>".
 */
export function isNtfsDot(d: Uint8Array, s: number, e: number, needle: string, shortPrefix: string, needle6 = needle.slice(0, 6)): boolean {
  // A name starting with '.' can only be the long form (no short name starts with '.').
  if (at(d, s, e) === 0x2e) return matchesCi(d, s + 1, e, needle) && onlySpacesAndPeriods(d, s + 1 + needle.length, e);
  if (matchesCi(d, s, e, needle6)) {
    const t = at(d, s + 7, e);
    if (at(d, s + 6, e) === 0x7e && t >= 0x31 && t <= 0x34) return onlySpacesAndPeriods(d, s + 8, e);
  }
  // The fallback short name: up to six characters of the prefix, '~', a digit 1-9, digits,
  // eight characters in all.
  let sawTilde = false;
  let i = 0;
  for (; i < 8; i++) {
    const c = at(d, s + i, e);
    if (c === 0) return false;
    if (sawTilde) {
      if (c < 0x30 || c > 0x39) return false;
    } else if (c === 0x7e) {
      i++;
      const n = at(d, s + i, e);
      if (n < 0x31 || n > 0x39) return false;
      sawTilde = true;
    } else if (i >= 6 || c >= 0x80 || lower(c) !== shortPrefix.charCodeAt(i)) {
      return false;
    }
  }
  return onlySpacesAndPeriods(d, s + i, e);
}

/** ".git" on NTFS: ".git" or "git~1", then only spaces and periods up to the end, a separator or ':'. */
export function isNtfsDotGit(d: Uint8Array, s: number, e: number): boolean {
  let p: number;
  const c = at(d, s, e);
  if (c === 0x2e && matchesCi(d, s + 1, e, 'git')) p = s + 4;
  else if (lower(c) === 0x67 && matchesCi(d, s + 1, e, 'it') && at(d, s + 3, e) === 0x7e && at(d, s + 4, e) === 0x31) p = s + 5;
  else return false;
  for (;;) {
    const x = at(d, p++, e);
    if (x === 0 || x === SLASH || x === BACKSLASH || x === 0x3a) return true;
    if (x !== 0x2e && x !== 0x20) return false;
  }
}

/**
 * Could this name need the checks below? Every special spelling starts with '.', 'g' or 'm'
 * (GITMOD~1, GI7EBA~1, MAILMA~1) or '~' (git's fallback short name may be all '~' and digits:
 * "~1234567"), or has a non-ASCII byte (HFS+) or a '\' (Windows).
 * Cheap: runs for every tree entry of every push.
 */
export function maybeSpecial(first: number, high: boolean, backslash: boolean): boolean {
  const c = first | 0x20;
  return c === 0x2e || c === 0x67 || c === 0x6d || first === 0x7e || high || backslash;
}

/**
 * Is the name `.git` on some filesystem? `high`: the name has a byte >= 0x80; `backslash`: it
 * has a '\' (each part after a '\' is checked as an NTFS name too, as git does).
 */
export function isDotGitName(d: Uint8Array, s: number, e: number, high: boolean, backslash: boolean): boolean {
  if (isNtfsDotGit(d, s, e) || (high && isHfsDot(d, s, e, 'git'))) return true;
  if (backslash) {
    for (let i = s; i < e; i++) if (d[i] === BACKSLASH && isNtfsDotGit(d, i + 1, e)) return true;
  }
  return false;
}

interface Needle {
  kind: number;
  needle: string;
  /** git's fallback 8.3 prefix for it. */
  short: string;
  needle6: string;
  c0: number;
  c1: number;
}

const NEEDLES: Needle[] = ([
  [DOT_GITMODULES, 'gitmodules', 'gi7eba'],
  [DOT_GITATTRIBUTES, 'gitattributes', 'gi7d29'],
  [DOT_GITIGNORE, 'gitignore', 'gi250a'],
  [DOT_MAILMAP, 'mailmap', 'maba30'],
] as const).map(([kind, needle, short]) => ({ kind, needle, short, needle6: needle.slice(0, 6), c0: needle.charCodeAt(0), c1: needle.charCodeAt(1) }));

/**
 * Can an NTFS spelling of this needle start with c0, c1 (lower-cased)? ".g…", "gi…", "g~…"
 * (short names) or "~…" (the fallback may start with its '~'). Keeps the full checks off the
 * common names.
 */
function couldBe(n: Needle, c0: number, c1: number): boolean {
  if (c0 === 0x2e) return c1 === n.c0;
  if (c0 === n.c0) return c1 === n.c1 || c1 === 0x7e;
  return c0 === 0x7e;
}

/**
 * Which special dotfiles this name is on some filesystem (a DOT_* bitmask, usually 0). As in
 * git, only `.gitmodules` is also looked for after each '\'.
 */
export function dotfileKinds(d: Uint8Array, s: number, e: number, high: boolean, backslash: boolean): number {
  let kinds = 0;
  const c0 = lower(at(d, s, e));
  const c1 = lower(at(d, s + 1, e));
  for (const n of NEEDLES) {
    if ((couldBe(n, c0, c1) && isNtfsDot(d, s, e, n.needle, n.short, n.needle6)) || (high && isHfsDot(d, s, e, n.needle))) kinds |= n.kind;
  }
  if (backslash && (kinds & DOT_GITMODULES) === 0) {
    for (let i = s; i < e; i++) {
      if (d[i] === BACKSLASH && isNtfsDot(d, i + 1, e, 'gitmodules', 'gi7eba')) {
        kinds |= DOT_GITMODULES;
        break;
      }
    }
  }
  return kinds;
}
