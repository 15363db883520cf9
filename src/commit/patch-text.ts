// One file pair of a comparison as `git diff` prints it: the header lines, then the unified
// hunks, or for a binary file "Binary files differ" or (patch mode, `git diff --binary`) a
// base85 literal that `git apply` takes.
import { deflateSync } from 'node:zlib';
import { diffLines, isBinary, splitLines, unifiedHunks } from './diff';
import type { Contents } from './renames';
import { MAX_SCORE } from './similarity';
import { isGitlinkMode } from './tree-edit';
import { ZERO, mode6, type Pair } from './tree-diff';

const EN85 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~';

function encode85(data: Uint8Array, start: number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i += 4) {
    let acc = 0;
    for (let k = 0; k < 4; k++) acc = acc * 256 + (i + k < len ? data[start + i + k] : 0);
    let chunk = '';
    for (let k = 0; k < 5; k++) {
      chunk = EN85[acc % 85] + chunk;
      acc = Math.floor(acc / 85);
    }
    s += chunk;
  }
  return s;
}

/** One direction of a "GIT binary patch" (always a literal). */
function binaryLiteral(data: Uint8Array): string {
  const z = new Uint8Array(deflateSync(data));
  let s = `literal ${data.length}\n`;
  for (let i = 0; i < z.length; i += 52) {
    const n = Math.min(52, z.length - i);
    s += (n <= 26 ? String.fromCharCode(0x41 + n - 1) : String.fromCharCode(0x61 + n - 27)) + encode85(z, i, n) + '\n';
  }
  return s + '\n';
}

const C_ESCAPES: Record<number, string> = { 7: 'a', 8: 'b', 9: 't', 10: 'n', 11: 'v', 12: 'f', 13: 'r', 0x22: '"', 0x5c: '\\' };

/** git's quote_c_style with core.quotePath=false: quotes only control characters, '"' and '\'. */
function quote(s: string): string {
  if (!/[\x00-\x1f\x7f"\\]/.test(s)) return s;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (C_ESCAPES[c]) out += '\\' + C_ESCAPES[c];
    else if (c < 0x20 || c === 0x7f) out += '\\' + c.toString(8).padStart(3, '0');
    else out += s[i];
  }
  return out + '"';
}

export interface Rendered {
  text: string; // byte string
  binary: boolean;
  additions: number;
  deletions: number;
}

export function renderPair(p: Pair, contents: Contents, binaryPatch: boolean): Rendered {
  const one = p.one;
  const two = p.two;
  const nameA = (one ?? two)!.path;
  const nameB = (two ?? one)!.path;
  let head = `diff --git ${quote('a/' + nameA)} ${quote('b/' + nameB)}\n`;
  if (!one) head += `new file mode ${mode6(two!.mode)}\n`;
  else if (!two) head += `deleted file mode ${mode6(one.mode)}\n`;
  else if (one.mode !== two.mode) head += `old mode ${mode6(one.mode)}\nnew mode ${mode6(two.mode)}\n`;
  if (p.status === 'R') {
    head += `similarity index ${Math.floor(((p.score ?? MAX_SCORE) * 100) / MAX_SCORE)}%\n`;
    head += `rename from ${quote(nameA)}\nrename to ${quote(nameB)}\n`;
  }
  const oidA = one ? one.oid : ZERO;
  const oidB = two ? two.oid : ZERO;
  const dataA = one ? (isGitlinkMode(one.mode) ? gitlinkText(one.oid) : contents.get(one.oid)) : new Uint8Array(0);
  const dataB = two ? (isGitlinkMode(two.mode) ? gitlinkText(two.oid) : contents.get(two.oid)) : new Uint8Array(0);
  const binary = isBinary(dataA) || isBinary(dataB);
  const indexLine = (full: boolean) => {
    if (oidA === oidB) return '';
    const ab = full ? 40 : 7;
    return `index ${oidA.slice(0, ab)}..${oidB.slice(0, ab)}${one && two && one.mode === two.mode ? ' ' + mode6(one.mode) : ''}\n`;
  };
  const lblA = one ? quote('a/' + nameA) : '/dev/null';
  const lblB = two ? quote('b/' + nameB) : '/dev/null';
  if (binary) {
    head += indexLine(binaryPatch);
    if (oidA === oidB) return { text: head, binary, additions: 0, deletions: 0 };
    if (binaryPatch) head += 'GIT binary patch\n' + binaryLiteral(dataB) + binaryLiteral(dataA);
    else head += `Binary files ${lblA} and ${lblB} differ\n`;
    return { text: head, binary, additions: 0, deletions: 0 };
  }
  head += indexLine(false);
  const a = splitLines(dataA);
  const b = splitLines(dataB);
  const h = unifiedHunks(a, b, diffLines(a, b));
  // git appends a tab to a ---/+++ label that contains a space (for GNU patch).
  const tab = (l: string) => (l.includes(' ') ? '\t' : '');
  if (h.text) head += `--- ${lblA}${tab(lblA)}\n+++ ${lblB}${tab(lblB)}\n` + h.text;
  return { text: head, binary, additions: h.additions, deletions: h.deletions };
}

function gitlinkText(oid: string): Uint8Array {
  return new TextEncoder().encode(`Subproject commit ${oid}\n`);
}
