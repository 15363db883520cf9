// Compare two revisions: the changed files (A/M/D/R, and T for a file <-> symlink type change)
// and a unified diff in git's format. `base...head` diffs from the merge base (like
// `git diff base...head`), `base..head` diffs the two trees directly (like `git diff base head`).
// Renames are detected as git does by default (renames.ts): exact matches first, then by content
// similarity (>= 50%). The patch form (`git diff --binary`) includes binary files, so `git apply`
// can apply everything (patch-text.ts).
import { parseCommit } from '../pack';
import { display, fromUtf8 } from './bytes';
import type { RepoContext } from './context';
import { ServiceError, badInput } from './errors';
import { mergeBase } from './merge-base';
import { Contents, detectRenames } from './renames';
import { renderPair, type Rendered } from './patch-text';
import { MAX_SCORE } from './similarity';
import { readObject, resolveCommit } from './rev';
import { diffTrees, mode6, type FileStatus, type Pair } from './tree-diff';

export { mergeBase } from './merge-base';
export { diffTrees, type FileStatus } from './tree-diff';
export { MAX_COMPARE_BYTES } from './renames';

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
