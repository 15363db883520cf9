// Forks (README "Forks"): a fork is hosted by the DO of its origin's network and shares its
// object store; the fork's own name's DO (when it is another one) links to that network.
import type { RepoHost } from './host';
import { register } from './lifecycle';
import { TokenStore } from './token-store';
import { DEFAULT_BRANCH, conflict, notFound, type ForkOptions, type RepoInfo, type RpcResult } from './types';

/** The DO (hex id) hosting repository `key`'s network. */
export async function networkOf(host: RepoHost, key: string): Promise<RpcResult<string>> {
  if (host.root.hosts(key)) return { ok: true, value: host.ctx.id.toString() };
  const s = host.linked(key);
  return s ? s.networkOf(key) : notFound(key);
}

/**
 * Makes `namespace/name` (this DO's own name) a fork of `source`: reserves the name, finds the
 * source's network and has that DO add the fork, then links the name to it.
 */
export async function createFork(host: RepoHost, namespace: string, name: string, source: string, opts: ForkOptions, tokenTtl: number): Promise<RpcResult<RepoInfo & { token: string }>> {
  const key = `${namespace}/${name}`;
  if (await host.taken(key)) return conflict(key);
  host.root.setLink(`pending:${Date.now()}`, key);
  let keepLink = false;
  try {
    const [srcNs, srcName] = source.split('/');
    const home = host.env.REPO.get(host.env.REPO.idFromName(`${srcNs}/${srcName}`));
    const net = home.id.equals(host.ctx.id) ? await networkOf(host, source) : await home.networkOf(source);
    if (!net.ok) return net;
    if (net.value === host.ctx.id.toString()) {
      host.root.removeLink(key);
      return addFork(host, source, namespace, name, opts, tokenTtl);
    }
    host.root.setLink(net.value, key);
    keepLink = true; // from here on, a failure we cannot see the outcome of keeps the link
    const r = await host.stubOf(net.value).addFork(source, namespace, name, opts, tokenTtl);
    if (!r.ok) keepLink = false;
    return r;
  } finally {
    if (!keepLink) host.root.removeLink(key);
  }
}

/** Adds fork `namespace/name` of hosted repository `source`: refs and settings, no objects. */
export function addFork(host: RepoHost, source: string, namespace: string, name: string, opts: ForkOptions, tokenTtl: number): RpcResult<RepoInfo & { token: string }> {
  const src = host.hosted(source);
  if (!src) return notFound(source);
  const key = `${namespace}/${name}`;
  if (host.root.hosts(key)) return conflict(key);
  const store = host.root.forRepo(key);
  const token = host.ctx.storage.transactionSync(() => {
    register(store, namespace, name);
    const head = src.store.refs.head();
    store.setMeta('default_branch', src.store.meta('default_branch') ?? DEFAULT_BRANCH);
    store.setMeta('forked_from', source);
    store.markShared(); // from now on, objects by id only as far as each repository's refs reach
    if (opts.readOnly) store.setMeta('read_only', '1');
    store.refs.copyFrom(source, opts.defaultBranchOnly ? ['HEAD', head.target] : undefined);
    store.shallow().set(src.store.shallow().list()); // a fork of a shallow repository is as shallow
    // Same refs as the source reach what the source reaches; a subset may not reach all.
    store.setMeta('all_reachable', !opts.defaultBranchOnly && src.store.allReachable() ? '1' : '0');
    return new TokenStore(host.ctx.storage.sql, key).issue('write', tokenTtl);
  });
  return { ok: true, value: { ...host.info(host.hosted(key)!), token: token.token } };
}
