// RepoObject's commit and read API: REST requests forwarded by the Worker (api(), served by
// rest-api.ts) and the RPC methods, both calling the same service functions in src/commit.
import type { Scope } from '../auth/tokens';
import {
  createCommit, log, readFile, readTree, repoCall, type CommitInput, type CommitResult, type FileJson, type LogJson, type LogOptions, type ServiceResult, type TreeJson,
} from '../commit';
import { NO_TOKENS, authorize } from './auth';
import type { Hosted, RepoHost } from './host';
import { serveRepoApi, type ApiRoute } from './rest-api';
import { notFound } from './types';

/** REST commit/read routes: the Worker forwards the request with the name of its route. */
export async function serveApi(host: RepoHost, key: string, route: ApiRoute, rest: string, request: Request): Promise<Response> {
  const h = host.hosted(key);
  if (!h) {
    const s = host.linked(key);
    if (s) return s.api(key, route, rest, request);
  }
  const store = h?.store.withActor(null) ?? host.root; // this request's view: ref changes name its token
  const authorizeFor = (need: Scope) => {
    const access = authorize(request, host.env.ARBOR_ADMIN_TOKEN, h?.tokens ?? NO_TOKENS, need, key); // a missing repository has none
    if (access.ok) (store as { actor: string | null }).actor = access.tokenId;
    return access;
  };
  const readOnly = h?.store.meta('read_only') === '1';
  return serveRepoApi({ exists: h !== null, readOnly, ctx: { store }, authorize: authorizeFor }, route, rest, request);
}

/** Runs a commit/read service function on repository `key` (hosted here or forwarded). */
function onRepo<T>(host: RepoHost, key: string, fn: (h: Hosted) => Promise<ServiceResult<T>>, remote: Parameters<RepoHost['on']>[2]): Promise<ServiceResult<T>> {
  return host.on<ServiceResult<T>>(key, fn, remote, notFound);
}

/** One atomic commit of many file changes (see CommitInput). */
export function commit(host: RepoHost, key: string, input: CommitInput): Promise<ServiceResult<CommitResult>> {
  return onRepo<CommitResult>(
    host,
    key,
    (h) =>
      h.store.meta('read_only') === '1'
        ? Promise.resolve({ ok: false, status: 403, code: 'forbidden', message: 'this repository is a read-only fork: commits are refused' })
        : repoCall(true, { store: h.store }, (ctx) => createCommit(ctx, input)),
    (s) => s.commit(key, input),
  );
}

/** A file's bytes, sha and mode at a revision. */
export function readFileAt(host: RepoHost, key: string, rev: string, path: string): Promise<ServiceResult<FileJson>> {
  return onRepo<FileJson>(host, key, (h) => repoCall(true, { store: h.store }, (ctx) => readFile(ctx, rev, path)), (s) => s.readFile(key, rev, path));
}

/** The entries of a directory at a revision (recursive: the whole subtree). */
export function readTreeAt(host: RepoHost, key: string, rev: string, path: string, opts: { recursive?: boolean }): Promise<ServiceResult<TreeJson>> {
  return onRepo<TreeJson>(host, key, (h) => repoCall(true, { store: h.store }, (ctx) => readTree(ctx, rev, path, opts)), (s) => s.readTree(key, rev, path, opts));
}

/** History from a revision, newest first (path filter, first-parent, cursor pages). */
export function logFrom(host: RepoHost, key: string, rev: string, opts: LogOptions): Promise<ServiceResult<LogJson>> {
  return onRepo<LogJson>(host, key, (h) => repoCall(true, { store: h.store }, (ctx) => log(ctx, rev, opts)), (s) => s.log(key, rev, opts));
}
