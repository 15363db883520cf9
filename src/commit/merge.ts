// The merge service: POST /v1/repos/:ns/:name/merges and RPC merge(). isomorphic-git's merge
// runs on the repository's git directory view (src/storage/git-view), so its tree merge is the
// one isomorphic-git users get; its objects land in the store as one pack and the branch moves
// by compare-and-swap, with the same checks and events as a push. A conflict writes nothing.
//
// Semantics follow `git merge` into `base`: already contained -> nothing to do; base is an
// ancestor of head -> fast-forward; otherwise "ff-only" refuses and "merge" makes a merge
// commit (parents: base, head).
import git from 'isomorphic-git';
import { isOid } from '../pack';
import { isValidRefName } from '../storage/refs';
import { openGitView } from '../storage/git-view';
import { MAX_MESSAGE_BYTES } from './commit';
import type { RepoContext } from './context';
import { ServiceError, badInput, notFound, unprocessable } from './errors';
import { cleanupMessage, parseIdentInput, type Ident, type IdentInput } from './ident';
import { dwimRef, resolveCommit } from './rev';
import { fromViewError, isoIdent } from './view-errors';

export interface MergeInput {
  /** The branch to merge into (name or refs/heads/name); it moves. */
  base: string;
  /** What to merge: any revision naming a commit (branch, tag, sha, main~2 ...). */
  head: string;
  /** "merge" (default): fast-forward when possible, else a merge commit. "ff-only": fast-forward or 409. */
  strategy?: 'ff-only' | 'merge';
  /** Message of a merge commit (default as git: "Merge branch 'x'"). */
  message?: string;
  /** Author (and committer) of a merge commit; required when one is made. */
  author?: IdentInput;
  /** Compare-and-swap: base must be at this commit. */
  expectedHead?: string;
}

export interface MergeResult {
  /** Where base is now. */
  sha: string;
  fastForward: boolean;
  /** True when head was already contained in base (nothing moved). */
  alreadyUpToDate: boolean;
  branch: string;
  /** The merge commit's parents, when one was made. */
  parents?: string[];
  tree?: string;
}

function parseInput(v: unknown, nowMs: number) {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw badInput('request body must be a JSON object');
  const o = v as Record<string, unknown>;
  if (typeof o.base !== 'string' || o.base === '') throw badInput('base must be a branch name');
  const branch = o.base.replace(/^refs\/heads\//, '');
  const ref = `refs/heads/${branch}`;
  if (!isValidRefName(ref)) throw badInput(`invalid branch name '${o.base.slice(0, 200)}'`);
  if (typeof o.head !== 'string' || o.head === '') throw badInput('head must be a revision (branch, tag or commit id)');
  const strategy = o.strategy ?? 'merge';
  if (strategy !== 'merge' && strategy !== 'ff-only') throw badInput('strategy must be "ff-only" or "merge"');
  let message: string | null = null;
  if (o.message !== undefined && o.message !== null) {
    if (typeof o.message !== 'string') throw badInput('message must be a string');
    if (o.message.length > MAX_MESSAGE_BYTES) throw badInput(`message is longer than ${MAX_MESSAGE_BYTES} bytes`);
    if (o.message.includes('\0')) throw badInput('message contains a NUL character');
    message = cleanupMessage(o.message);
    if (message === '') throw badInput('message is empty');
  }
  const author: Ident | null = o.author === undefined || o.author === null ? null : parseIdentInput(o.author, 'author', nowMs);
  let expectedHead: string | null = null;
  if (o.expectedHead !== undefined && o.expectedHead !== null) {
    if (typeof o.expectedHead !== 'string' || !isOid(o.expectedHead.toLowerCase())) throw badInput('expectedHead must be a full 40-hex commit id');
    expectedHead = o.expectedHead.toLowerCase();
  }
  return { branch, ref, head: o.head, strategy, message, author, expectedHead };
}

/** git's default merge message (fmt-merge-msg): "Merge branch 'x'" (+ " into y" unless y is main/master). */
function defaultMessage(ctx: RepoContext, head: string, headOid: string, branch: string): string {
  const into = branch === 'main' || branch === 'master' ? '' : ` into ${branch}`;
  const r = dwimRef(ctx, head);
  if (r?.ref.startsWith('refs/heads/')) return `Merge branch '${r.ref.slice(11)}'${into}\n`;
  if (r?.ref.startsWith('refs/tags/')) return `Merge tag '${r.ref.slice(10)}'${into}\n`;
  return `Merge commit '${headOid}'${into}\n`;
}

export async function mergeBranches(ctx: RepoContext, body: unknown, nowMs = Date.now()): Promise<MergeResult> {
  const input = parseInput(body, nowMs);
  const { fs, gitdir, view } = openGitView(ctx.store);
  const current = ctx.store.refs.get(input.ref);
  if (!current) throw notFound(`branch '${input.branch}' does not exist`);
  if (input.expectedHead !== null && input.expectedHead !== current) {
    throw new ServiceError(409, 'stale_head', `branch '${input.branch}' is at ${current}, not at the expected ${input.expectedHead}`, { currentHead: current });
  }
  const headOid = resolveCommit(ctx, input.head);
  const contains = (oid: string, ancestor: string) => oid === ancestor || git.isDescendent({ fs, gitdir, oid, ancestor, depth: -1 });
  const done = (sha: string, fastForward: boolean, extra: Partial<MergeResult> = {}): MergeResult => ({ sha, fastForward, alreadyUpToDate: false, branch: input.branch, ...extra });
  try {
    if (await contains(current, headOid)) return done(current, false, { alreadyUpToDate: true });
    if (await contains(headOid, current)) {
      await view.updateRef(input.ref, headOid, current, 'merge');
      return done(headOid, true);
    }
    if (input.strategy === 'ff-only') {
      throw new ServiceError(409, 'not_fast_forward', `'${input.head}' is not a descendant of branch '${input.branch}': cannot fast-forward (use strategy "merge")`, { currentHead: current });
    }
    if (!input.author) throw badInput('author is required to make a merge commit');
    const who = isoIdent(input.author);
    let result: { oid?: string; tree?: string };
    try {
      result = await git.merge({
        fs, gitdir, ours: current, theirs: headOid, fastForward: false, noUpdateBranch: true, abortOnConflict: true,
        author: who, committer: who, message: input.message ?? defaultMessage(ctx, input.head, headOid, input.branch),
      });
    } catch (e) {
      const err = e as { code?: string; data?: Record<string, string[]> };
      if (err.code === 'MergeConflictError') {
        const d = err.data ?? {};
        const paths = d.filepaths ?? [];
        const shown = paths.slice(0, 20).join(', ') + (paths.length > 20 ? `, ... (${paths.length} paths)` : '');
        throw new ServiceError(409, 'merge_conflict', `merging '${input.head}' into '${input.branch}' conflicts in ${shown}; nothing was written`, {
          paths: d.filepaths ?? [], bothModified: d.bothModified ?? [], deleteByUs: d.deleteByUs ?? [], deleteByTheirs: d.deleteByTheirs ?? [],
        });
      }
      if (err.code === 'MergeNotSupportedError') throw unprocessable(`cannot merge '${input.head}' into '${input.branch}': no single merge base (unrelated histories, or a criss-cross merge)`);
      throw e;
    }
    await view.updateRef(input.ref, result.oid!, current, 'merge');
    return done(result.oid!, false, { parents: [current, headOid], tree: result.tree });
  } catch (e) {
    view.discardUnused();
    throw fromViewError(view.faultOr(e), input.branch, input.ref, ctx); // a fault: fetched, run again
  }
}
