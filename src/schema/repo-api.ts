// Commit/read API schemas (the routes the repository's Durable Object answers: src/repo/rest-api.ts,
// rest-writes.ts). Bodies are strict: an unknown field (a misspelled expectedHead, which would
// drop the compare-and-swap) is refused with 400 naming it.
import * as z from 'zod';
import { Commit, IdentInput, Sha } from './common';
import { lazy } from './lazy';
import { QueryFlag, queryInt } from './params';

const AnySha = lazy(() => z.string().regex(/^[0-9a-fA-F]{40}$/));

const Edit = lazy(() =>
  z.union([
    z.strictObject({ oldString: z.string(), newString: z.string() }),
    z.strictObject({
      startLine: z.int().describe('1-based, inclusive'),
      endLine: z.int().describe('startLine - 1 inserts before startLine'),
      newText: z.string(),
    }),
  ]),
);

export const Change = lazy(() =>
  z
    .strictObject({
      action: z.enum(['create', 'update', 'edit', 'delete', 'rename']),
      path: z.string(),
      content: z.string().nullable().optional().describe('create/update: the file (see encoding)'),
      encoding: z.enum(['utf-8', 'utf8', 'base64']).optional().describe('default utf-8'),
      mode: z.enum(['100644', '100755', '120000']).optional(),
      edits: z.array(Edit()).optional().describe('edit: exact-string or line-range replacements, against the file before this change'),
      newPath: z.string().optional().describe('rename: the new path'),
    })
    .meta({ id: 'Change' }),
);

export const CommitBody = lazy(() =>
  z.strictObject({
    branch: z.string().describe('branch name or refs/heads/name'),
    message: z.string(),
    author: IdentInput(),
    committer: IdentInput().optional(),
    expectedHead: AnySha().nullable().optional().describe('compare-and-swap: the branch must be here; null: it must not exist'),
    createBranchFrom: z.string().optional().describe('start point when the branch does not exist yet'),
    changes: z.array(Change()).describe('1-1000 changes, applied in order'),
  }),
);

export const CommitResult = lazy(() => z.object({ commit: Sha(), tree: Sha(), branch: z.string(), parents: z.array(Sha()) }));

export const Refs = lazy(() =>
  z.object({
    head: z.object({ ref: z.string(), sha: Sha().nullable() }),
    branches: z.array(z.object({ name: z.string(), ref: z.string(), sha: Sha() })),
    tags: z.array(z.object({ name: z.string(), ref: z.string(), sha: Sha(), peeled: Sha().optional().describe('what an annotated tag points at') })),
  }),
);

export const RefBody = lazy(() =>
  z.strictObject({
    name: z.string().describe('full ref name: refs/heads/<branch>, refs/tags/<tag>, ...'),
    sha: AnySha(),
    expectedOld: AnySha().nullable().optional().describe('the current value, or null for "must not exist"; absent: no check'),
  }),
);

export const RefResult = lazy(() => z.object({ name: z.string(), sha: Sha(), old: Sha().nullable(), created: z.boolean() }));

export const TagBody = lazy(() =>
  z.strictObject({
    name: z.string().describe('v1.0 or refs/tags/v1.0'),
    target: z.string().describe('any revision (branch, sha, ...)'),
    message: z.string(),
    tagger: IdentInput(),
  }),
);

export const TagResult = lazy(() => z.object({ name: z.string(), sha: Sha(), target: Sha(), targetType: z.string() }));

export const MergeBody = lazy(() =>
  z.strictObject({
    base: z.string().describe('branch to merge into (it moves)'),
    head: z.string().describe('revision to merge'),
    strategy: z.enum(['ff-only', 'merge']).optional().describe('default merge'),
    message: z.string().optional(),
    author: IdentInput().optional().describe('required when a merge commit is made'),
    expectedHead: AnySha().optional().describe('compare-and-swap on base (409 stale_head)'),
  }),
);

export const MergeResult = lazy(() =>
  z.object({
    sha: Sha().describe('where base is now'),
    fastForward: z.boolean(),
    alreadyUpToDate: z.boolean(),
    branch: z.string(),
    parents: z.array(Sha()).optional(),
    tree: Sha().optional(),
  }),
);

export { Commit };

export const Tree = lazy(() =>
  z.object({
    commit: Sha().nullable(),
    sha: Sha(),
    path: z.string(),
    entries: z.array(
      z.object({ path: z.string(), name: z.string(), mode: z.string(), type: z.enum(['tree', 'blob', 'commit']), sha: Sha(), size: z.number().optional() }),
    ),
    truncated: z.boolean(),
  }),
);

export const Log = lazy(() => z.object({ commits: z.array(Commit()), nextCursor: z.string().nullable() }));

export const Compare = lazy(() =>
  z.object({
    base: Sha(),
    head: Sha(),
    mergeBase: Sha().nullable(),
    files: z.array(
      z.object({
        path: z.string(),
        oldPath: z.string().optional(),
        status: z.enum(['A', 'M', 'D', 'R', 'T']),
        oldMode: z.string().optional(),
        newMode: z.string().optional(),
        oldSha: Sha().optional(),
        newSha: Sha().optional(),
        similarity: z.number().optional(),
        binary: z.boolean(),
        additions: z.number(),
        deletions: z.number(),
      }),
    ),
    additions: z.number(),
    deletions: z.number(),
    diff: z.string().optional().describe('unified diff as git diff prints it'),
  }),
);

// Query parameters of the read and ref routes (strict: an unknown one is refused, naming it).
export const TreeQuery = lazy(() => z.strictObject({ recursive: QueryFlag().optional().describe('1 for the whole subtree') }));

export const LogQuery = lazy(() =>
  z.strictObject({
    path: z.string().optional().describe('only commits that change this path'),
    limit: queryInt('limit', 1, 1000).optional().describe('page size, 1-1000 (default 50)'),
    cursor: z.string().optional().describe('nextCursor of the previous page'),
    firstParent: QueryFlag().optional().describe('1: follow first parents only'),
  }),
);

export const CompareQuery = lazy(() =>
  z.strictObject({
    format: z.enum(['json', 'patch', 'diff'], { error: 'format must be json, patch or diff' }).optional().describe('patch: git diff --binary; diff: the unified diff as text'),
  }),
);

export const RefDeleteQuery = lazy(() => z.strictObject({ expectedOld: AnySha().optional().describe('delete only if the ref is at this sha') }));

/** Routes without query parameters: any parameter is unknown. */
export const NoQuery = lazy(() => z.strictObject({}));

// Arguments of the RPC repo handle that have no REST body (src/rpc/arbor-service.ts): positional
// arguments are checked as one object, so a refusal names the argument ("rev": ...).
export const ReadFileArgs = lazy(() => z.strictObject({ rev: z.string(), path: z.string() }));
export const ReadTreeArgs = lazy(() => z.strictObject({ rev: z.string(), path: z.string(), opts: TreeQuery() }));
export const LogArgs = lazy(() => z.strictObject({ rev: z.string(), opts: LogQuery() }));
export const DeleteRefArgs = lazy(() => z.strictObject({ name: z.string(), expectedOld: AnySha().optional() }));
export const FsArgs = lazy(() => z.strictObject({ token: z.string().optional(), readOnly: z.boolean().optional() }));
