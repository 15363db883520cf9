// The commit and read service: the one implementation behind the REST handlers
// (src/repo/rest-api.ts) and the RepoObject RPC methods.
export type { RepoContext } from './context';
export { ServiceError, toResult, type ServiceResult } from './errors';
export { createCommit, MAX_CHANGES, MAX_FILE_BYTES, type CommitInput, type CommitResult, type ChangeInput } from './commit';
export { listRefs, getCommit, readTree, readFile, readRawObject, type CommitJson, type TreeJson, type FileJson, type RefsJson, type RawObject } from './read';
export { log, type LogOptions, type LogJson } from './log';
export { compare, mergeBase, type CompareJson, type CompareOptions, type CompareOutput } from './compare';
export { resolveRev, resolveCommit, splitRevPath } from './rev';
export { mergeBranches, type MergeInput, type MergeResult } from './merge';
export { writeRef, deleteRef, createTag, type RefWriteInput, type RefWriteResult, type TagInput, type TagResult } from './refs-write';

import type { RepoContext } from './context';
import { toResult, type ServiceResult } from './errors';

/** Runs a service function for an RPC caller: 404 when the repository does not exist. */
export async function repoCall<T>(exists: boolean, ctx: RepoContext, fn: (ctx: RepoContext) => T | Promise<T>): Promise<ServiceResult<T>> {
  if (!exists) return { ok: false, status: 404, code: 'not_found', message: 'repository not found' };
  return toResult(() => fn(ctx));
}
