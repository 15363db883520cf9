// RepoObject's branch protection calls (input is checked by src/service/rules.ts): read and
// replace a repository's rules, which RepoStore.commitPush enforces on every ref update.
import type { BranchRule } from '../storage/rules';
import type { RepoHost } from './host';
import { notFound, type RpcResult } from './types';

export function getRules(host: RepoHost, key: string): Promise<RpcResult<BranchRule[]>> {
  return host.on<RpcResult<BranchRule[]>>(key, (h) => ({ ok: true, value: h.store.rules().list() }), (s) => s.getRules(key), notFound);
}

/** Replaces every rule of the repository at once (an empty list removes protection). */
export function setRules(host: RepoHost, key: string, rules: BranchRule[]): Promise<RpcResult<BranchRule[]>> {
  return host.on<RpcResult<BranchRule[]>>(
    key,
    (h) => {
      const store = h.store.rules();
      host.ctx.storage.transactionSync(() => store.replace(rules));
      return { ok: true, value: store.list() };
    },
    (s) => s.setRules(key, rules),
    notFound,
  );
}
