// The origin's side of making a fork, and the reference counts of published packs across DOs
// (storage/publish.ts). A count lives in the DO that published the pack; the fork raises it when
// it is made and lowers it when it is deleted. A chain (a fork of a fork) names its origin's
// snapshot packs too, so it raises their publishers' counts as well: deleting a middle fork
// lowers only its own references, and the packs its forks name stay in R2.
import type { RepoHost } from './host';
import { countRefs, localPacks, publishPacks, publisherOf, snapshotPacks, unpublish, type PublishedPack } from '../storage/publish';
import { logError } from '../http/log';
import { notFound, type RpcResult } from './types';

/** What a new fork copies from its origin: refs and the published packs (its snapshot). */
export interface ForkSource {
  head: string;
  defaultBranch: string | null;
  refs: { name: string; oid: string }[];
  shallow: string[];
  packs: PublishedPack[];
  /** Every object the packs index is reachable from `refs` (a fork taking them all clones without a walk). */
  whole?: boolean;
}

/**
 * In the origin's DO: publishes the packs not published yet and raises the count of every pack
 * the fork will name. The refs and the pack list are read together, before any await: the refs
 * reach only objects of those packs.
 */
export async function forkSource(host: RepoHost, source: string): Promise<RpcResult<ForkSource>> {
  const h = host.hosted(source);
  if (!h) {
    const s = host.linked(source); // a fork of an earlier version's network
    return s ? ((await s.forkSource(source)) as RpcResult<ForkSource>) : notFound(source);
  }
  const bucket = host.env.PACKS;
  if (!bucket) return { ok: false, status: 500, code: 'internal', message: 'forks need the PACKS R2 bucket binding' };
  const sql = host.ctx.storage.sql;
  const head = h.store.refs.head().target;
  const refs = h.store.refs.list();
  const shallow = h.store.shallow().list();
  const defaultBranch = h.store.meta('default_branch');
  const whole = h.store.allReachable();
  const inherited = snapshotPacks(sql).map(({ key, size, objects }) => ({ key, size, objects }));
  // Both at once: the inherited packs' counts live at their publishers, not here.
  const [own] = await Promise.all([
    publishPacks(sql, host.root.fs, bucket, host.ctx.id.toString(), localPacks(sql), (key) => deleting.get(key) ?? Promise.resolve()),
    retainKeys(host, inherited.map((p) => p.key), 1),
  ]);
  return { ok: true, value: { head, defaultBranch, refs, shallow, packs: [...inherited, ...own], whole } };
}

/** Raises or lowers the counts of `keys` at each publisher (this DO's own directly). */
export async function retainKeys(host: RepoHost, keys: string[], delta: 1 | -1): Promise<void> {
  const by = new Map<string, string[]>();
  for (const k of keys) by.set(publisherOf(k), [...(by.get(publisherOf(k)) ?? []), k]);
  await Promise.all(
    [...by].map(async ([pub, ks]) => {
      if (pub === host.ctx.id.toString()) await countHere(host, ks, delta);
      else await host.stubOf(pub).countPackRefs(ks, delta);
    }),
  );
}

/** The RPC a fork calls on a publisher: counts here, and deletes from R2 what no fork names. */
export async function countHere(host: RepoHost, keys: string[], delta: 1 | -1): Promise<void> {
  const gone = countRefs(host.ctx.storage.sql, keys, delta);
  if (gone.length === 0 || !host.env.PACKS) return;
  // A fork made while these are being deleted uploads them again once the deletion is done.
  const done = unpublish(host.env.PACKS, gone);
  for (const k of gone) deleting.set(k, done.catch(() => {}));
  try {
    await done;
  } finally {
    for (const k of gone) if (deleting.get(k)) deleting.delete(k);
  }
}

/** Deletions from R2 under way, by key (packs are published by one DO: this instance's are here). */
const deleting = new Map<string, Promise<void>>();

/** A fork DO being emptied lets go of its snapshot (errors logged: a lost release only keeps bytes). */
export async function releaseSnapshot(host: RepoHost): Promise<void> {
  const keys = snapshotPacks(host.ctx.storage.sql).map((p) => p.key);
  if (keys.length === 0) return;
  try {
    await retainKeys(host, keys, -1);
  } catch (e) {
    logError('releasing a fork snapshot', e);
  }
}
