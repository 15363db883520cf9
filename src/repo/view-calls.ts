// RepoObject's isomorphic-git calls: the RPC fs over a repository's git directory view
// (src/storage/git-view, bridged by git-fs.ts), and the RPC twins of the merge and ref-write
// routes (their REST side is rest-writes.ts). Each runs on the hosted repository or is forwarded
// to the DO hosting its fork network.
import {
  createTag, deleteRef, mergeBranches, repoCall, writeRef, type MergeInput, type MergeResult, type RefWriteInput, type RefWriteResult, type RepoContext,
  type ServiceResult, type TagInput, type TagResult,
} from '../commit';
import { openGitView } from '../storage/git-view';
import { authorize } from './auth';
import { GitFs } from './git-fs';
import type { RepoHost } from './host';
import type { RepoObject } from './repo-object';
import { notFound, type RpcResult } from './types';

/**
 * An fs over repository `key`'s git directory view, for RPC `repo(ns, name).fs()`. With a token,
 * its scope decides (a read token: read-only) and ref changes name it; `readOnly` asks for a
 * read-only one. A read-only fork refuses writes anyway.
 */
export async function gitFs(host: RepoHost, key: string, opts: { token?: string; readOnly?: boolean }): Promise<RpcResult<GitFs>> {
  const h = host.hosted(key);
  if (!h) {
    const s = host.linked(key);
    return s ? ((await s.gitFs(key, opts)) as unknown as RpcResult<GitFs>) : notFound();
  }
  let actor: string | null = null;
  let readOnly = opts.readOnly === true;
  if (typeof opts.token === 'string') {
    const access = authorize(new Request('http://arbor/', { headers: { authorization: `Bearer ${opts.token}` } }), host.env.ARBOR_ADMIN_TOKEN, h.tokens, 'read', key);
    if (!access.ok) return { ok: false, status: access.status, code: access.status === 401 ? 'unauthorized' : 'forbidden', message: access.message };
    actor = access.tokenId;
    if (access.scope === 'read') readOnly = true;
  }
  const { fs, gitdir, view } = openGitView(h.store.withActor(actor), { readOnly });
  const snapshot = h.store.objects.snapshot;
  return { ok: true, value: new GitFs(fs, gitdir, snapshot && !snapshot.empty ? { snapshot, view } : undefined) };
}

/** Runs a service function that changes the repository (refused on a read-only fork). */
function writeCall<T>(host: RepoHost, key: string, what: string, fn: (ctx: RepoContext) => Promise<T>, remote: (s: DurableObjectStub<RepoObject>) => Promise<unknown>): Promise<ServiceResult<T>> {
  return host.on<ServiceResult<T>>(
    key,
    (h) =>
      h.store.meta('read_only') === '1'
        ? Promise.resolve({ ok: false, status: 403, code: 'forbidden', message: `this repository is a read-only fork: ${what} are refused` })
        : repoCall(true, { store: h.store.withActor(null) }, fn),
    remote,
    notFound,
  );
}

/** Merges `head` into branch `base` with isomorphic-git on the view (see MergeInput). */
export function merge(host: RepoHost, key: string, input: MergeInput): Promise<ServiceResult<MergeResult>> {
  return writeCall(host, key, 'merges', (ctx) => mergeBranches(ctx, input), (s) => s.merge(key, input));
}

/** Creates or moves a ref, compare-and-swap with `expectedOld`. */
export function writeRefCall(host: RepoHost, key: string, input: RefWriteInput): Promise<ServiceResult<RefWriteResult>> {
  return writeCall(host, key, 'ref changes', (ctx) => writeRef(ctx, input), (s) => s.writeRef(key, input));
}

/** Deletes a ref (only if it is at `expectedOld`, when given). */
export function deleteRefCall(host: RepoHost, key: string, name: string, expectedOld?: string): Promise<ServiceResult<{ name: string; old: string }>> {
  return writeCall(host, key, 'ref changes', (ctx) => deleteRef(ctx, name, expectedOld), (s) => s.deleteRef(key, name, expectedOld));
}

/** Makes an annotated tag with isomorphic-git on the view. */
export function createTagCall(host: RepoHost, key: string, input: TagInput): Promise<ServiceResult<TagResult>> {
  return writeCall(host, key, 'ref changes', (ctx) => createTag(ctx, input), (s) => s.createTag(key, input));
}
