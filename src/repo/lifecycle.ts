// A repository's life in its Durable Object: create, import (src/import), delete. Each comes into
// existence in one transaction (meta, HEAD, refs, the first write token), so a failure leaves
// nothing behind; the last repository of a network to leave frees the whole store.
import { fetchRemote, type FetchedRemote } from '../import/run';
import { privateNetworksAllowed } from '../net/outbound';
import { ImportError } from '../import/errors';
import { importFailure, type ImportSummary } from '../import/result';
import { ZERO_OID } from '../storage/refs';
import type { RepoStore } from '../storage/repo-store';
import type { RepoHost } from './host';
import { TokenStore } from './token-store';
import { releaseSnapshot } from './fork-packs';
import { DEFAULT_BRANCH, conflict, notFound, type RepoInfo, type RpcResult } from './types';

export interface ImportOptions {
  url: string;
  branch?: string;
  depth?: number;
  headers: Record<string, string>;
}

/** Creates the empty bare repository `namespace/name` and its first write token. */
export async function create(host: RepoHost, namespace: string, name: string, tokenTtl: number): Promise<RpcResult<RepoInfo & { token: string }>> {
  const key = `${namespace}/${name}`;
  if (await host.taken(key)) return conflict(key);
  if (host.root.hosts(key)) return conflict(key); // created while we awaited
  const store = host.root.forRepo(key);
  const token = host.ctx.storage.transactionSync(() => {
    register(store, namespace, name);
    store.setMeta('default_branch', DEFAULT_BRANCH);
    store.refs.setHead(`refs/heads/${DEFAULT_BRANCH}`);
    return new TokenStore(host.ctx.storage.sql, key).issue('write', tokenTtl);
  });
  return { ok: true, value: { ...host.info(host.hosted(key)!), token: token.token } };
}

/**
 * Creates repository `namespace/name` from a remote git repository (src/import). The pack
 * streams into a pack file first; the repository (meta, HEAD, refs, objects, shallow boundary,
 * token) comes into existence in one transaction after it proved valid: a failure leaves nothing.
 */
export async function importRepo(host: RepoHost, namespace: string, name: string, opts: ImportOptions, tokenTtl: number): Promise<RpcResult<RepoInfo & { token: string; imported: ImportSummary }>> {
  const key = `${namespace}/${name}`;
  if (await host.taken(key)) return conflict(key);
  host.importing.add(key);
  let fetched: FetchedRemote | null = null;
  try {
    const store = host.root.forRepo(key);
    const allowPrivate = privateNetworksAllowed(host.env);
    fetched = await fetchRemote(store, { url: new URL(opts.url), branch: opts.branch, depth: opts.depth, headers: opts.headers, allowPrivate });
    if (host.root.hosts(key)) {
      fetched.discard(); // created while we fetched
      return conflict(key);
    }
    const f = fetched;
    const token = host.ctx.storage.transactionSync(() => {
      register(store, namespace, name);
      store.setMeta('default_branch', f.head.slice(11));
      store.refs.setHead(f.head);
      store.shallow().set(f.shallows);
      const updates = f.refs.map((r) => ({ name: r.name, oldOid: ZERO_OID, newOid: r.oid }));
      if (f.pack || updates.length) {
        const results = host.hosted(key)!.store.commitPush(f.pack, updates, true); // with the events hook
        const bad = results.find((r) => !r.ok);
        if (bad) throw new ImportError('invalid_pack', `cannot create ${bad.name}: ${bad.error}`); // rolls back
      }
      return new TokenStore(host.ctx.storage.sql, key).issue('write', tokenTtl);
    });
    const imported = { refs: f.refs.length, objects: f.pack?.objectCount ?? 0, head: f.head, shallow: f.shallows.length, protocol: f.protocol };
    return { ok: true, value: { ...host.info(host.hosted(key)!), token: token.token, imported } };
  } catch (e) {
    host.forget(key); // a view made inside the rolled-back transaction
    fetched?.discard();
    return importFailure(e);
  } finally {
    host.importing.delete(key);
  }
}

/** Makes `store`'s repository hosted here (inside the creating transaction). */
export function register(store: RepoStore, namespace: string, name: string): void {
  // Objects already here belong to other repositories of the network, not to this one.
  const others = store.objects.count() > 0;
  store.register();
  store.setMeta('namespace', namespace);
  store.setMeta('name', name);
  store.setMeta('created_at', new Date().toISOString());
  if (others) {
    store.setMeta('all_reachable', '0');
    store.markShared();
  }
}

/**
 * Deletes the repository. Its objects stay while another repository of the network is hosted
 * here (forks keep everything they can reach); the last one out frees the whole store.
 */
export async function destroy(host: RepoHost, key: string): Promise<RpcResult<null>> {
  const h = host.hosted(key);
  if (h) {
    host.forget(key);
    const left = host.ctx.storage.transactionSync(() => {
      h.tokens.clear();
      h.events.clear();
      host.webhooks.dropRepo(key);
      return h.store.unregister();
    });
    if (left === 0) {
      await releaseSnapshot(host); // a fork lets go of its origin's packs
      await host.root.wipe();
      host.reset();
      await host.ctx.storage.deleteAlarm();
    }
    return { ok: true, value: null };
  }
  const s = host.linked(key);
  if (!s) return notFound();
  const r = await s.destroy(key);
  host.root.removeLink(key);
  return r;
}
