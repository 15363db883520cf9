// Forks (README "Forks"): every fork is its own Durable Object — the one its name maps to —
// holding its refs, tokens, events, settings and the objects pushed to it. What it shares with
// its origin is the origin's packs at fork time, published once to the R2 bucket (storage/
// publish.ts) and read by the fork from there (storage/snapshot.ts): no request to a fork is
// served by, or waits on, the origin's DO. Making a fork asks the origin's DO once for its refs
// and its pack keys (publishing the packs it has not published yet), then writes metadata only.
//
// Repositories forked by earlier versions live in their origin's DO (a "fork network", see
// storage/schema.ts) and keep being served there; addFork (below) is that older path, kept for
// them and for tests that build such a store.
import type { RepoHost } from './host';
import { register } from './lifecycle';
import { TokenStore } from './token-store';
import { recordSnapshot, type PublishedPack } from '../storage/publish';
import { forkSource, type ForkSource } from './fork-packs';
import { DEFAULT_BRANCH, conflict, notFound, type ForkOptions, type RepoInfo, type RpcResult } from './types';

export { forkSource, type ForkSource };

/** The DO (hex id) hosting repository `key`'s network. */
export async function networkOf(host: RepoHost, key: string): Promise<RpcResult<string>> {
  if (host.root.hosts(key)) return { ok: true, value: host.ctx.id.toString() };
  const s = host.linked(key);
  return s ? s.networkOf(key) : notFound(key);
}

/** Makes `namespace/name` (this DO's own name) a fork of `source`, in this DO. */
export async function createFork(host: RepoHost, namespace: string, name: string, source: string, opts: ForkOptions, tokenTtl: number): Promise<RpcResult<RepoInfo & { token: string }>> {
  const key = `${namespace}/${name}`;
  if (await host.taken(key)) return conflict(key);
  host.root.setLink(`pending:${Date.now()}`, key);
  try {
    const [srcNs, srcName] = source.split('/');
    const home = host.env.REPO.get(host.env.REPO.idFromName(`${srcNs}/${srcName}`));
    const src = (await home.forkSource(source)) as RpcResult<ForkSource>;
    if (!src.ok) return src;
    const s = src.value;
    const store = host.root.forRepo(key);
    const head = s.head;
    const token = host.ctx.storage.transactionSync(() => {
      register(store, namespace, name);
      store.setMeta('default_branch', s.defaultBranch ?? DEFAULT_BRANCH);
      store.setMeta('forked_from', source);
      store.markShared(); // objects by id only as far as this repository's refs reach
      // All refs of an origin that reached every object it stored: so does the fork (see
      // RepoStore.allReachable); one branch of them may not.
      const whole = s.whole === true && !opts.defaultBranchOnly;
      store.setMeta('all_reachable', whole ? '1' : '0');
      if (whole) store.setMeta('snapshot_reachable', '1');
      if (opts.readOnly) store.setMeta('read_only', '1');
      store.refs.setHead(head);
      store.refs.load(opts.defaultBranchOnly ? s.refs.filter((r) => r.name === head) : s.refs);
      store.shallow().set(s.shallow); // a fork of a shallow repository is as shallow
      recordSnapshot(host.ctx.storage.sql, s.packs);
      return new TokenStore(host.ctx.storage.sql, key).issue('write', tokenTtl);
    });
    host.loadSnapshot();
    return { ok: true, value: { ...host.info(host.hosted(key)!), token: token.token } };
  } finally {
    host.root.removeLink(key);
  }
}

/** Adds fork `namespace/name` of hosted repository `source` to this DO's network (stores of earlier versions). */
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
    store.markShared();
    if (opts.readOnly) store.setMeta('read_only', '1');
    store.refs.copyFrom(source, opts.defaultBranchOnly ? ['HEAD', head.target] : undefined);
    store.shallow().set(src.store.shallow().list());
    store.setMeta('all_reachable', !opts.defaultBranchOnly && src.store.allReachable() ? '1' : '0');
    return new TokenStore(host.ctx.storage.sql, key).issue('write', tokenTtl);
  });
  return { ok: true, value: { ...host.info(host.hosted(key)!), token: token.token } };
}

export type { PublishedPack };
