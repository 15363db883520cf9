// The one-pass tree validator (src/pack/validate.ts) against the two-pass version it replaced
// (kept below as the reference: walkTree for structure, then per-entry checks): the same
// verdict and message on many random trees, well-formed and mangled, and for acceptable trees
// onTreeEntry sees exactly the entries walkTree sees.
import { describe, expect, it } from 'vitest';
import { DOT_GITMODULES, dotfileKinds, isDotGitName, PackError, validateObject, walkTree, type ValidateOptions } from '../../../src/pack';
import { concat, enc, rng } from './helpers';

// ---------------------------------------------------------------- reference (previous code)
const SLASH = 0x2f;

const utf8 = new TextDecoder('utf-8');

/**
 * Would this name be the repository's .git directory on some filesystem? The name rules are
 * git's (src/pack/fsck-names.ts, with their own corpus in fsck-gitmodules.test.ts); this test
 * is about the one-pass structure, so the reference uses the same predicates.
 */
function isDotGit(d: Uint8Array, s: number, e: number): boolean {
  const name = d.subarray(s, e);
  return isDotGitName(d, s, e, name.some((c) => c >= 0x80), name.includes(0x5c));
}

function isSymlinkedGitmodules(d: Uint8Array, s: number, e: number, mode: number): boolean {
  const name = d.subarray(s, e);
  return mode === 0o120000 && (dotfileKinds(d, s, e, name.some((c) => c >= 0x80), name.includes(0x5c)) & DOT_GITMODULES) !== 0;
}

function showName(d: Uint8Array, s: number, e: number): string {
  return JSON.stringify(utf8.decode(d.subarray(s, e)));
}

function checkName(d: Uint8Array, s: number, e: number): string | null {
  const len = e - s;
  if (len === 0) return 'contains an entry with an empty name';
  if (d.subarray(s, e).indexOf(SLASH) >= 0) return `contains a full pathname ${showName(d, s, e)}`;
  if (d[s] === 0x2e && (len === 1 || (len === 2 && d[s + 1] === 0x2e))) {
    return `contains an entry named ${showName(d, s, e)}`;
  }
  if (isDotGit(d, s, e)) return `contains an entry named ${showName(d, s, e)} (.git)`;
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

function referenceValidateTree(d: Uint8Array, opts: ValidateOptions): string | null {
  let problem: string | null = null;
  let prevStart = -1;
  let prevEnd = -1;
  let prevDir = false;
  // Non-directory names that a later directory of the same name could
  // duplicate without being adjacent: "foo", "foo.c", "foo/" sort that way.
  const pending: number[] = [];
  try {
    walkTree(d, (mode, modeStart, nameStart, nameEnd) => {
      if (d[modeStart] === 0x30 && !opts.allowZeroPaddedModes) {
        problem = `contains zero-padded file mode ${showName(d, modeStart, nameStart - 1)} for ${showName(d, nameStart, nameEnd)}`;
        return false;
      }
      switch (mode) {
        case 0o100644:
        case 0o100755:
        case 0o120000:
        case 0o40000:
        case 0o160000:
          break;
        case 0o100664:
          if (!opts.strictModes) break;
        // falls through
        default:
          problem = `contains bad file mode ${mode.toString(8)} for ${showName(d, nameStart, nameEnd)}`;
          return false;
      }
      problem = checkName(d, nameStart, nameEnd);
      if (problem !== null) return false;
      if (isSymlinkedGitmodules(d, nameStart, nameEnd, mode)) {
        problem = 'gitmodulesSymlink: .gitmodules is a symbolic link';
        return false;
      }
      const dir = mode === S_IFDIR;
      if (prevStart >= 0) {
        const cmp = compareEntries(d, prevStart, prevEnd, prevDir, nameStart, nameEnd, dir);
        if (cmp === 0) {
          problem = `contains duplicate entries ${showName(d, nameStart, nameEnd)}`;
          return false;
        }
        if (cmp > 0) {
          problem = `is not properly sorted: ${showName(d, prevStart, prevEnd)} before ${showName(d, nameStart, nameEnd)}`;
          return false;
        }
        // prev is a non-directory and a proper prefix of this name, followed by a byte below '/'.
        const prevLen = prevEnd - prevStart;
        if (!prevDir && nameEnd - nameStart > prevLen && d[nameStart + prevLen] < SLASH &&
            d.subarray(nameStart, nameStart + prevLen).every((c, i) => c === d[prevStart + i])) {
          pending.push(prevStart, prevEnd);
        }
      }
      if (dir && pending.length > 0) {
        // Same stack discipline as git's fsck: pop candidates that can no longer match.
        while (pending.length > 0) {
          const fs = pending[pending.length - 2];
          const fe = pending[pending.length - 1];
          const fl = fe - fs;
          let isPrefix = nameEnd - nameStart >= fl;
          for (let i = 0; isPrefix && i < fl; i++) if (d[fs + i] !== d[nameStart + i]) isPrefix = false;
          if (!isPrefix) break;
          if (nameEnd - nameStart === fl) {
            problem = `contains duplicate entries ${showName(d, nameStart, nameEnd)}`;
            return false;
          }
          if (d[nameStart + fl] < SLASH) break;
          pending.length -= 2;
        }
      }
      prevStart = nameStart;
      prevEnd = nameEnd;
      prevDir = dir;
    });
  } catch (e) {
    if (e instanceof PackError) return `tree ${e.message.replace(/^malformed tree: /, 'is malformed: ')}`;
    throw e;
  }
  if (problem === null) return null;
  return (problem as string).startsWith('gitmodules') ? problem : `tree ${problem}`;
}

// ---------------------------------------------------------------- random trees

const NAMES = ['a', 'b', 'foo', 'foo.c', 'foo-bar', 'foo0', '.git', '.GIT', 'Git~1', '.git.', '.git::$INDEX_ALLOCATION',
  '.', '..', '.gitignore', 'g', 'git', 'x/y', '', 'caf\u00e9', '.g\u200cit', 'GIT~1 .', 'zz', 'Z', '~', '\u00e9\u00e9',
  '.gitmodules', 'GITMOD~1', 'a\\.git', 'a\\.gitmodules'];
const MODES = ['100644', '100755', '120000', '40000', '160000', '100664', '040000', '100600', '777', '1006444'];

function randomTree(r: () => number): Uint8Array {
  const n = r() % 12;
  const entries: { mode: string; name: string }[] = [];
  for (let i = 0; i < n; i++) {
    const mode = r() % 4 === 0 ? MODES[r() % MODES.length] : MODES[r() % 5];
    entries.push({ mode, name: NAMES[r() % NAMES.length] });
  }
  if (r() % 4 !== 0) {
    const key = (e: { mode: string; name: string }) => (e.mode === '40000' ? e.name + '/' : e.name);
    entries.sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
  }
  const parts = entries.map((e) => {
    const oid = new Uint8Array(20);
    for (let i = 0; i < 20; i++) oid[i] = r() & 255;
    return concat(enc(`${e.mode} ${e.name}\0`), oid);
  });
  let t = concat(...parts);
  const mangle = r() % 6;
  if (mangle === 0 && t.length > 0) t = t.subarray(0, r() % t.length); // truncated
  else if (mangle === 1 && t.length > 0) t[r() % t.length] = [0, 0x20, 0x2f, 0x30, 0x38, 0xff][r() % 6]; // one byte changed
  return t;
}

function reference(data: Uint8Array, opts: ValidateOptions): string | null {
  return referenceValidateTree(data, opts);
}

describe('one-pass tree validation', () => {
  it('agrees with the two-pass reference on random trees, verdicts, messages and entries', () => {
    const r = rng(2024);
    let valid = 0;
    for (let i = 0; i < 20_000; i++) {
      const t = randomTree(r);
      for (const opts of [{}, { strictModes: true }, { allowZeroPaddedModes: true }] as ValidateOptions[]) {
        const seen: number[] = [];
        const got = validateObject('tree', t, { ...opts, onTreeEntry: (d, mode, oidAt) => (expect(d).toBe(t), seen.push(mode, oidAt)) });
        const want = reference(t, opts);
        expect(got, `tree ${i} ${JSON.stringify(opts)}`).toBe(want);
        if (want === null) {
          valid++;
          const walked: number[] = [];
          walkTree(t, (mode, _m, _n, _e, oidAt) => void walked.push(mode, oidAt));
          expect(seen).toEqual(walked);
        }
      }
    }
    expect(valid).toBeGreaterThan(5000); // the generator must produce plenty of acceptable trees too
  });
});
