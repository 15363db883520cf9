// fsck-style checks for pushed objects. Modelled on git's fsck.c: everything
// git reports at "error" level, plus the tree-entry-name problems that git only
// warns about but that hosting services reject because they are dangerous on
// checkout ('.', '..', '.git' in any case or NTFS/HFS spelling, names with '/').
import type { ObjectType } from './object';
import { dotfileKinds, isDotGitName, maybeSpecial, DOT_GITMODULES } from './fsck-names';
import { validateCommit, validateTag } from './validate-headers';

export interface ValidateOptions {
  /** Also reject mode 100664 (which git itself tolerates because early git wrote it). */
  strictModes?: boolean;
  /** Accept zero-padded tree modes ('040000'), which some very old tools wrote. */
  allowZeroPaddedModes?: boolean;
  /**
   * Called for each entry of a tree once the entry passed its checks, so a caller that needs
   * every entry's object id (a push collects them for its connectivity check) does not walk
   * the tree a second time. An invalid tree may have reported some entries before the problem.
   */
  onTreeEntry?: TreeEntrySink;
  /**
   * For a tree that is the result of a delta: the delta's copy runs (deltaCopies) and the
   * entry start offsets of its base, a tree that passed these same checks. An entry copied
   * whole from an entry of the base is the same entry, so only its place among its
   * neighbours (order, duplicates) is checked again, and onTreeEntry is not called for it.
   */
  copiedFrom?: { runs: Int32Array; baseStarts: Int32Array };
  /** Receives the offset of every entry of a tree (what copiedFrom wants of a base). */
  entryStarts?: EntryStarts;
  /**
   * Called for each checked entry whose name is a special dotfile on some filesystem
   * (`.gitmodules`, `.gitattributes`, `.gitignore`, `.mailmap`: kinds is a DOT_* bitmask of
   * fsck-names.ts), so the blobs they name can be checked (fsck-gitmodules.ts).
   */
  onDotfile?: (kinds: number, mode: number, data: Uint8Array, oidAt: number) => void;
}

/** A growable list of tree entry offsets: offsets[0..count). */
export interface EntryStarts {
  offsets: Int32Array;
  count: number;
}

/** (tree data, entry mode, offset of the entry's 20-byte object id). */
export type TreeEntrySink = (data: Uint8Array, mode: number, oidAt: number) => void;

/**
 * The first index of ascending `a` whose value is not below v, looked for from `from` on (the
 * entries of a copy run come in ascending order: a step or a few from the last one) and by
 * binary search when it is further or behind (a later run may copy from earlier in the base).
 */
function seek(a: Int32Array, v: number, from: number): number {
  let lo = 0;
  let hi = a.length;
  if (from < hi && (from === 0 || a[from - 1] < v)) {
    for (let k = 0; k < 4; k++, from++) if (from === hi || a[from] >= v) return from;
    lo = from;
  }
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Returns a description of the first problem found, or null if the object is acceptable. */
export function validateObject(
  type: ObjectType | number,
  data: Uint8Array,
  opts: ValidateOptions = {},
): string | null {
  switch (type) {
    case 'blob':
    case 3:
      return null;
    case 'tree':
    case 2:
      return validateTree(data, opts);
    case 'commit':
    case 1:
      return validateCommit(data);
    case 'tag':
    case 4:
      return validateTag(data);
    default:
      return `unknown object type ${String(type)}`;
  }
}

// ---------------------------------------------------------------- trees

const SLASH = 0x2f;

const utf8 = new TextDecoder('utf-8');

function showName(d: Uint8Array, s: number, e: number): string {
  return JSON.stringify(utf8.decode(d.subarray(s, e)));
}

/**
 * `slash` / `high` / `backslash`: the name holds a '/' / a byte >= 0x80 / a '\\' (found while
 * looking for its end).
 */
function checkName(d: Uint8Array, s: number, e: number, slash: boolean, high: boolean, backslash: boolean): string | null {
  const len = e - s;
  if (len === 0) return 'contains an entry with an empty name';
  if (slash) return `contains a full pathname ${showName(d, s, e)}`;
  if (d[s] === 0x2e && (len === 1 || (len === 2 && d[s + 1] === 0x2e))) {
    return `contains an entry named ${showName(d, s, e)}`;
  }
  // only names starting with '.' or 'g'/'G' can be .git, except HFS+ and '\\' spellings
  const c = d[s] | 0x20;
  if ((c === 0x2e || c === 0x67 || high || backslash) && isDotGitName(d, s, e, high, backslash)) {
    return `contains an entry named ${showName(d, s, e)} (.git)`;
  }
  return null;
}

const S_IFDIR = 0o40000;

/**
 * git's tree order: bytewise, but a directory compares as if its name ended in '/'.
 * Returns <0 / >0 like memcmp, or 0 for two entries with the same name.
 */
function compareEntries(
  d: Uint8Array,
  s1: number, e1: number, dir1: boolean,
  s2: number, e2: number, dir2: boolean,
): number {
  const l1 = e1 - s1;
  const l2 = e2 - s2;
  const len = l1 < l2 ? l1 : l2;
  for (let i = 0; i < len; i++) {
    const diff = d[s1 + i] - d[s2 + i];
    if (diff !== 0) return diff;
  }
  let c1 = l1 > len ? d[s1 + len] : 0;
  let c2 = l2 > len ? d[s2 + len] : 0;
  if (c1 === 0 && c2 === 0) return 0;
  if (c1 === 0 && dir1) c1 = SLASH;
  if (c2 === 0 && dir2) c2 = SLASH;
  return c1 - c2;
}

/** d[a..a+n) equals d[b..b+n). */
function sameRun(d: Uint8Array, a: number, b: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (d[a + i] !== d[b + i]) return false;
  return true;
}

/**
 * Parses and checks every entry in one pass (this runs for every tree of every push, so it
 * does its own parsing instead of walkTree's callback, and finds a name's end, its '/' and
 * its non-ASCII bytes in a single scan). Structure errors read like walkTree's PackErrors.
 */
function validateTree(d: Uint8Array, opts: ValidateOptions): string | null {
  const n = d.length;
  const sink = opts.onTreeEntry;
  const strictModes = opts.strictModes === true;
  const allowZeroPadded = opts.allowZeroPaddedModes === true;
  const runs = opts.copiedFrom?.runs;
  const baseStarts = opts.copiedFrom?.baseStarts;
  let ri = 0; // the first copy run that does not end before the current entry
  const starts = opts.entryStarts;
  if (starts !== undefined) starts.count = 0;
  let prevStart = -1;
  let prevEnd = -1;
  let prevDir = false;
  // Non-directory names that a later directory of the same name could
  // duplicate without being adjacent: "foo", "foo.c", "foo/" sort that way.
  let pending: number[] | null = null;
  let bk = 0; // baseStarts cursor (copied offsets mostly ascend: see seek)
  let prevBk = -2; // the base entry the previous entry was copied from, or -2
  let p = 0;
  while (p < n) {
    const modeStart = p;
    let mode = 0;
    // An entry copied whole from an entry of the checked base: the same bytes parse as the same
    // entry, so it is only placed among its neighbours (order, duplicates) below. Its end is the
    // first NUL (mode and name hold none) plus the id: found without the byte-by-byte scan.
    let copied = false;
    let nameStart = 0;
    let nameEnd = 0;
    let slash = false;
    let high = false;
    let backslash = false;
    if (runs !== undefined) {
      while (ri < runs.length && runs[ri + 1] <= modeStart) ri += 3;
      if (ri < runs.length && runs[ri] <= modeStart) {
        const at = runs[ri + 2] + (modeStart - runs[ri]);
        bk = seek(baseStarts!, at, bk);
        if (bk < baseStarts!.length && baseStarts![bk] === at) {
          // The base entry ends where the next one starts (its NUL is the first after `at`: a
          // checked mode and name hold none), so its NUL is found without a scan (a native
          // indexOf call per entry was a third of a 10,000-entry tree's check); the base's
          // last entry is scanned for.
          let nul = bk + 1 < baseStarts!.length ? modeStart + (baseStarts![bk + 1] - at) - 21 : d.indexOf(0, p);
          if (nul >= p && nul + 21 <= n && d[nul] !== 0) nul = d.indexOf(0, p); // not the base's layout: scan
          copied = nul >= 0 && nul + 21 <= n && nul + 21 <= runs[ri + 1];
          if (copied) {
            for (; d[p] !== 0x20; p++) mode = mode * 8 + (d[p] - 0x30);
            nameStart = p + 1;
            nameEnd = nul;
            p = nul + 21;
          }
        }
      }
    }
    if (!copied) {
      for (;;) {
        if (p >= n) return `tree is malformed: truncated entry at byte ${modeStart}`;
        const c = d[p];
        if (c === 0x20) break;
        if (c < 0x30 || c > 0x37 || p - modeStart >= 7) return `tree is malformed: bad mode at byte ${modeStart}`;
        mode = mode * 8 + (c - 0x30);
        p++;
      }
      if (p === modeStart) return `tree is malformed: empty mode at byte ${modeStart}`;
      nameStart = ++p;
      for (;;) {
        if (p >= n) return `tree is malformed: unterminated name at byte ${nameStart}`;
        const c = d[p];
        if (c === 0) break;
        if (c === SLASH) slash = true;
        else if (c >= 0x80) high = true;
        else if (c === 0x5c) backslash = true;
        p++;
      }
      nameEnd = p++;
      if (p + 20 > n) return `tree is malformed: truncated object id at byte ${p}`;
      p += 20;
    }
    const oidAt = nameEnd + 1;
    if (!copied) {
      if (d[modeStart] === 0x30 && !allowZeroPadded) {
        return `tree contains zero-padded file mode ${showName(d, modeStart, nameStart - 1)} for ${showName(d, nameStart, nameEnd)}`;
      }
      switch (mode) {
        case 0o100644:
        case 0o100755:
        case 0o120000:
        case 0o40000:
        case 0o160000:
          break;
        case 0o100664:
          if (!strictModes) break;
        // falls through
        default:
          return `tree contains bad file mode ${mode.toString(8)} for ${showName(d, nameStart, nameEnd)}`;
      }
      const problem = checkName(d, nameStart, nameEnd, slash, high, backslash);
      if (problem !== null) return `tree ${problem}`;
      if (maybeSpecial(d[nameStart], high, backslash)) {
        const kinds = dotfileKinds(d, nameStart, nameEnd, high, backslash);
        // git's gitmodulesSymlink: checking out a symlinked .gitmodules could make git read
        // submodule settings from outside the repository (CVE-2018-11235)
        if (kinds & DOT_GITMODULES && mode === 0o120000) return 'gitmodulesSymlink: .gitmodules is a symbolic link';
        if (kinds !== 0) opts.onDotfile?.(kinds, mode, d, oidAt);
      }
    }
    const dir = mode === S_IFDIR;
    if (prevStart >= 0) {
      // Two entries copied from neighbouring entries of the checked base are in order (the
      // base's own check compared them); any other pair is compared.
      const cmp = copied && bk === prevBk + 1 ? -1 : compareEntries(d, prevStart, prevEnd, prevDir, nameStart, nameEnd, dir);
      if (cmp === 0) return `tree contains duplicate entries ${showName(d, nameStart, nameEnd)}`;
      if (cmp > 0) return `tree is not properly sorted: ${showName(d, prevStart, prevEnd)} before ${showName(d, nameStart, nameEnd)}`;
      // prev is a non-directory and a proper prefix of this name, followed by a byte below '/'.
      const prevLen = prevEnd - prevStart;
      if (!prevDir && nameEnd - nameStart > prevLen && d[nameStart + prevLen] < SLASH &&
          sameRun(d, nameStart, prevStart, prevLen)) {
        (pending ??= []).push(prevStart, prevEnd);
      }
    }
    if (dir && pending !== null && pending.length > 0) {
      // Same stack discipline as git's fsck: pop candidates that can no longer match.
      while (pending.length > 0) {
        const fs = pending[pending.length - 2];
        const fe = pending[pending.length - 1];
        const fl = fe - fs;
        if (nameEnd - nameStart < fl || !sameRun(d, fs, nameStart, fl)) break;
        if (nameEnd - nameStart === fl) return `tree contains duplicate entries ${showName(d, nameStart, nameEnd)}`;
        if (d[nameStart + fl] < SLASH) break;
        pending.length -= 2;
      }
    }
    prevStart = nameStart;
    prevEnd = nameEnd;
    prevDir = dir;
    prevBk = copied ? bk : -2;
    if (starts !== undefined) {
      if (starts.count === starts.offsets.length) {
        const grown = new Int32Array(Math.max(64, starts.offsets.length * 2));
        grown.set(starts.offsets);
        starts.offsets = grown;
      }
      starts.offsets[starts.count++] = modeStart;
    }
    if (sink !== undefined && !copied) sink(d, mode, oidAt);
  }
  return null;
}
