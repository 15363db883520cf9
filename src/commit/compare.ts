// Compare two revisions: the changed files (A/M/D/R, and T for a file <-> symlink type change)
// and a unified diff in git's format. `base...head` diffs from the merge base (like
// `git diff base...head`), `base..head` diffs the two trees directly (like `git diff base head`).
// Renames are detected as git does by default: exact matches first, then by content similarity
// (>= 50%). The patch form (`git diff --binary`) includes binary files, so `git apply` can apply
// everything.
import { Buffer } from 'node:buffer';
import { deflateSync } from 'node:zlib';
import { parseCommit } from '../pack';
import { display, fromUtf8 } from './bytes';
import type { RepoContext } from './context';
import { diffLines, isBinary, splitLines, unifiedHunks } from './diff';
import { ServiceError, badInput } from './errors';
import { readObject, resolveCommit } from './rev';
import { MIN_SCORE, MAX_SCORE, similarity, spanHash, type SpanCounts } from './similarity';
import { isGitlinkMode, isTreeMode, parseDir, type Entry } from './tree-edit';

export type FileStatus = 'A' | 'M' | 'D' | 'R' | 'T';

export interface CompareFile {
  path: string;
  oldPath?: string;
  status: FileStatus;
  oldMode?: string;
  newMode?: string;
  oldSha?: string;
  newSha?: string;
  similarity?: number;
  binary: boolean;
  additions: number;
  deletions: number;
}

export interface CompareJson {
  base: string;
  head: string;
  mergeBase: string | null;
  files: CompareFile[];
  additions: number;
  deletions: number;
  /** Unified diff as `git diff` prints it (binary files are named, not included). */
  diff?: string;
}

/** Upper bound on the bytes of file content read for one comparison. */
export const MAX_COMPARE_BYTES = 64 * 1024 * 1024;
/** git's default diff.renameLimit. */
const RENAME_LIMIT = 1000;

interface Side {
  path: string; // byte string
  mode: string; // as stored
  oid: string;
}

interface Pair {
  status: FileStatus;
  one: Side | null;
  two: Side | null;
  score?: number;
}

const ZERO = '0'.repeat(40);

function mode6(mode: string): string {
  return parseInt(mode, 8).toString(8).padStart(6, '0');
}

function fileType(mode: string): number {
  return parseInt(mode, 8) & 0o170000;
}

// ------------------------------------------------------------------------- merge base

const P1 = 1;
const P2 = 2;
const STALE = 4;
const RESULT = 8;

/** git's paint_down_to_common, keeping the newest common ancestor. */
export function mergeBase(ctx: RepoContext, one: string, two: string): string | null {
  if (one === two) return one;
  const flags = new Map<string, number>();
  const times = new Map<string, number>();
  const parentsOf = new Map<string, string[]>();
  const shallow = ctx.store.shallowCommits(); // history ends at the boundary (see log.ts)
  const load = (oid: string) => {
    if (!parentsOf.has(oid)) {
      const c = parseCommit(readObject(ctx, oid).data);
      parentsOf.set(oid, shallow.has(oid) ? [] : c.parents);
      times.set(oid, c.committerTime);
    }
  };
  const queue: string[] = [];
  const push = (oid: string) => {
    load(oid);
    const t = times.get(oid)!;
    let i = queue.length;
    while (i > 0 && times.get(queue[i - 1])! < t) i--;
    queue.splice(i, 0, oid);
  };
  flags.set(one, P1);
  flags.set(two, P2);
  push(one);
  push(two);
  const results: string[] = [];
  const nonStale = () => queue.some((o) => !((flags.get(o) ?? 0) & STALE));
  let steps = 0;
  while (nonStale()) {
    if (++steps > 1_000_000) throw new ServiceError(422, 'too_expensive', 'merge base search is too expensive');
    const c = queue.shift()!;
    let f = flags.get(c)! & (P1 | P2 | STALE);
    if (f === (P1 | P2)) {
      if (!(flags.get(c)! & RESULT)) {
        flags.set(c, flags.get(c)! | RESULT);
        results.push(c);
      }
      f |= STALE;
    }
    for (const p of parentsOf.get(c)!) {
      const pf = flags.get(p) ?? 0;
      if ((pf & f) === f) continue;
      flags.set(p, pf | f);
      push(p);
    }
  }
  // Results reached again from another result are not "best" common ancestors.
  const live = results.filter((r) => !(flags.get(r)! & STALE));
  live.sort((x, y) => times.get(y)! - times.get(x)!);
  return live[0] ?? results[0] ?? null;
}

// ------------------------------------------------------------------------- tree diff

function treeEntries(ctx: RepoContext, oid: string | null): [string, Entry][] {
  if (!oid) return [];
  const obj = readObject(ctx, oid);
  if (obj.type !== 'tree') throw new ServiceError(500, 'internal', `object ${oid} is a ${obj.type}, expected a tree`);
  const list = [...parseDir(obj.data).entries];
  const key = (k: string, e: Entry) => (isTreeMode(e.mode) ? k + '/' : k);
  list.sort((x, y) => {
    const a = key(x[0], x[1]);
    const b = key(y[0], y[1]);
    return a < b ? -1 : a > b ? 1 : 0;
  });
  return list;
}

/** Changed files between two trees, in git's order. */
export function diffTrees(ctx: RepoContext, a: string | null, b: string | null, prefix = '', out: Pair[] = []): Pair[] {
  if (a === b) return out;
  const ea = treeEntries(ctx, a);
  const eb = treeEntries(ctx, b);
  const sortKey = (k: string, e: Entry) => (isTreeMode(e.mode) ? k + '/' : k);
  let i = 0;
  let j = 0;
  const side = (name: string, e: Entry): Side => ({ path: prefix + name, mode: e.mode, oid: e.oid });
  const added = (name: string, e: Entry) => {
    if (isTreeMode(e.mode)) diffTrees(ctx, null, e.oid, prefix + name + '/', out);
    else out.push({ status: 'A', one: null, two: side(name, e) });
  };
  const deleted = (name: string, e: Entry) => {
    if (isTreeMode(e.mode)) diffTrees(ctx, e.oid, null, prefix + name + '/', out);
    else out.push({ status: 'D', one: side(name, e), two: null });
  };
  while (i < ea.length || j < eb.length) {
    if (j >= eb.length) {
      deleted(...ea[i++]);
      continue;
    }
    if (i >= ea.length) {
      added(...eb[j++]);
      continue;
    }
    const [na, xa] = ea[i];
    const [nb, xb] = eb[j];
    const ka = sortKey(na, xa);
    const kb = sortKey(nb, xb);
    if (ka < kb) {
      deleted(na, xa);
      i++;
    } else if (kb < ka) {
      added(nb, xb);
      j++;
    } else {
      i++;
      j++;
      if (xa.oid === xb.oid && xa.mode === xb.mode) continue;
      if (isTreeMode(xa.mode)) diffTrees(ctx, xa.oid, xb.oid, prefix + na + '/', out);
      else out.push({ status: fileType(xa.mode) === fileType(xb.mode) ? 'M' : 'T', one: side(na, xa), two: side(nb, xb) });
    }
  }
  return out;
}

// ------------------------------------------------------------------------- renames

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

class Contents {
  private readonly cache = new Map<string, Uint8Array>();
  private readonly spans = new Map<string, SpanCounts>();
  bytes = 0;
  constructor(private readonly ctx: RepoContext) {}

  get(oid: string): Uint8Array {
    let d = this.cache.get(oid);
    if (!d) {
      d = readObject(this.ctx, oid).data;
      this.bytes += d.length;
      if (this.bytes > MAX_COMPARE_BYTES) {
        throw new ServiceError(413, 'too_large', `the comparison needs more than ${MAX_COMPARE_BYTES} bytes of file content`);
      }
      this.cache.set(oid, d);
    }
    return d;
  }

  size(oid: string): number {
    const r = this.ctx.store.objects.row(oid);
    return r ? r.size : this.get(oid).length;
  }

  span(oid: string): SpanCounts {
    let s = this.spans.get(oid);
    if (!s) {
      s = spanHash(this.get(oid));
      this.spans.set(oid, s);
    }
    return s;
  }
}

/** git's diffcore_rename (default -M50%, no copies): exact renames, unique basenames, then similar ones. */
function detectRenames(pairs: Pair[], contents: Contents): Pair[] {
  const dsts = pairs.filter((p) => p.status === 'A' && !isGitlinkMode(p.two!.mode));
  const srcs = pairs.filter((p) => p.status === 'D' && !isGitlinkMode(p.one!.mode));
  if (dsts.length === 0 || srcs.length === 0) return pairs;
  const renameOf = new Map<Pair, Pair>(); // dst pair -> src pair
  const used = new Set<Pair>();
  // Exact: same blob and the same kind of file; prefer a source with the same basename.
  const byOid = new Map<string, Pair[]>();
  for (const s of srcs) {
    const l = byOid.get(s.one!.oid) ?? [];
    l.push(s);
    byOid.set(s.one!.oid, l);
  }
  for (const d of dsts) {
    const cands = (byOid.get(d.two!.oid) ?? []).filter((s) => !used.has(s) && fileType(s.one!.mode) === fileType(d.two!.mode));
    if (cands.length === 0) continue;
    const pick = cands.find((s) => basename(s.one!.path) === basename(d.two!.path)) ?? cands[0];
    used.add(pick);
    renameOf.set(d, pick);
    d.score = MAX_SCORE;
  }
  // Unique basenames first (git >= 2.33): a file moved to another directory keeping its name
  // pairs with its namesake if they are at least 75% similar.
  const leftD = dsts.filter((d) => !renameOf.has(d));
  const leftS = srcs.filter((s) => !used.has(s));
  const unique = (list: Pair[], side: 'one' | 'two') => {
    const m = new Map<string, Pair | null>();
    for (const p of list) {
      const b = basename(p[side]!.path);
      m.set(b, m.has(b) ? null : p);
    }
    return m;
  };
  const srcByBase = unique(leftS, 'one');
  const dstByBase = unique(leftD, 'two');
  const minBasename = MIN_SCORE + (MAX_SCORE - MIN_SCORE) / 2;
  for (const s of leftS) {
    const b = basename(s.one!.path);
    const d = dstByBase.get(b);
    if (!d || srcByBase.get(b) !== s || renameOf.has(d)) continue;
    if (fileType(s.one!.mode) !== 0o100000 || fileType(d.two!.mode) !== 0o100000) continue;
    const score = similarity(contents.size(s.one!.oid), contents.size(d.two!.oid), () => contents.span(s.one!.oid), () => contents.span(d.two!.oid), minBasename);
    if (score < minBasename) continue;
    used.add(s);
    renameOf.set(d, s);
    d.score = score;
  }
  // Inexact: regular files only, within git's rename limit.
  const restD = dsts.filter((d) => !renameOf.has(d) && fileType(d.two!.mode) === 0o100000);
  const restS = srcs.filter((s) => !used.has(s) && fileType(s.one!.mode) === 0o100000);
  if (restD.length && restS.length && restD.length * restS.length <= RENAME_LIMIT * RENAME_LIMIT) {
    const cands: { d: number; s: number; score: number; name: number }[] = [];
    restD.forEach((d, di) => {
      const dSize = contents.size(d.two!.oid);
      const best: { d: number; s: number; score: number; name: number }[] = [];
      restS.forEach((s, si) => {
        const sSize = contents.size(s.one!.oid);
        const score = similarity(sSize, dSize, () => contents.span(s.one!.oid), () => contents.span(d.two!.oid));
        if (score < MIN_SCORE) return;
        best.push({ d: di, s: si, score, name: basename(s.one!.path) === basename(d.two!.path) ? 1 : 0 });
      });
      best.sort((x, y) => y.score - x.score || y.name - x.name);
      cands.push(...best.slice(0, 4));
    });
    cands.sort((x, y) => y.score - x.score || y.name - x.name || x.d - y.d || x.s - y.s);
    for (const c of cands) {
      const d = restD[c.d];
      const s = restS[c.s];
      if (renameOf.has(d) || used.has(s)) continue;
      used.add(s);
      renameOf.set(d, s);
      d.score = c.score;
    }
  }
  const out: Pair[] = [];
  for (const p of pairs) {
    if (used.has(p)) continue;
    const src = renameOf.get(p);
    if (src) out.push({ status: 'R', one: src.one, two: p.two, score: p.score });
    else out.push(p);
  }
  return out;
}

// ------------------------------------------------------------------------- patch text

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

interface Rendered {
  text: string; // byte string
  binary: boolean;
  additions: number;
  deletions: number;
}

function renderPair(p: Pair, contents: Contents, binaryPatch: boolean): Rendered {
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

// ------------------------------------------------------------------------- service

export interface CompareOptions {
  /** 'patch': `git diff --binary` bytes (for `git apply`); otherwise JSON with a `git diff` text. */
  format?: 'json' | 'patch';
}

export function parseCompareSpec(spec: string): { base: string; head: string; threeDot: boolean } {
  let i = spec.indexOf('...');
  if (i >= 0) return { base: spec.slice(0, i), head: spec.slice(i + 3), threeDot: true };
  i = spec.indexOf('..');
  if (i >= 0) return { base: spec.slice(0, i), head: spec.slice(i + 2), threeDot: false };
  throw badInput(`compare needs '<base>...<head>' (or '<base>..<head>'), got '${spec.slice(0, 200)}'`);
}

export interface CompareOutput {
  json: CompareJson;
  /** The patch bytes when format=patch. */
  patch?: Uint8Array;
}

export function compare(ctx: RepoContext, spec: string, opts: CompareOptions = {}): CompareOutput {
  const { base, head, threeDot } = parseCompareSpec(spec);
  const baseOid = resolveCommit(ctx, base || 'HEAD');
  const headOid = resolveCommit(ctx, head || 'HEAD');
  let from: string | null = baseOid;
  let mb: string | null = null;
  if (threeDot) {
    mb = mergeBase(ctx, baseOid, headOid);
    if (!mb) throw new ServiceError(422, 'no_merge_base', `'${base}' and '${head}' have no common ancestor (use '..' to diff the trees)`);
    from = mb;
  }
  const treeA = parseCommit(readObject(ctx, from).data).tree;
  const treeB = parseCommit(readObject(ctx, headOid).data).tree;
  const contents = new Contents(ctx);
  const pairs = detectRenames(diffTrees(ctx, treeA, treeB), contents);
  const patchMode = opts.format === 'patch';
  const files: CompareFile[] = [];
  const chunks: string[] = [];
  let additions = 0;
  let deletions = 0;
  for (const p of pairs) {
    // A type change is shown as a deletion and a creation, as git does.
    const parts: Pair[] = p.status === 'T' ? [{ status: 'D', one: p.one, two: null }, { status: 'A', one: null, two: p.two }] : [p];
    let r: Rendered = { text: '', binary: false, additions: 0, deletions: 0 };
    for (const part of parts) {
      const x = renderPair(part, contents, patchMode);
      r = { text: r.text + x.text, binary: r.binary || x.binary, additions: r.additions + x.additions, deletions: r.deletions + x.deletions };
    }
    chunks.push(r.text);
    additions += r.additions;
    deletions += r.deletions;
    const f: CompareFile = {
      path: display((p.two ?? p.one)!.path),
      status: p.status,
      binary: r.binary,
      additions: r.additions,
      deletions: r.deletions,
    };
    if (p.status === 'R') f.oldPath = display(p.one!.path);
    if (p.one) {
      f.oldMode = mode6(p.one.mode);
      f.oldSha = p.one.oid;
    }
    if (p.two) {
      f.newMode = mode6(p.two.mode);
      f.newSha = p.two.oid;
    }
    if (p.status === 'R') f.similarity = Math.floor(((p.score ?? MAX_SCORE) * 100) / MAX_SCORE);
    files.push(f);
  }
  const text = chunks.join('');
  const json: CompareJson = { base: baseOid, head: headOid, mergeBase: mb, files, additions, deletions };
  if (patchMode) {
    const b = Buffer.from(text, 'latin1');
    return { json, patch: new Uint8Array(b.buffer, b.byteOffset, b.length) };
  }
  json.diff = fromUtf8(Buffer.from(text, 'latin1'));
  return { json };
}
