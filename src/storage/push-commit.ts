// The ref-update half of a push (RepoStore.commitPush), on its own: the checks every ref update
// passes (ref name, objects present, commit on a branch, protection rules) and the ONE
// transaction that indexes the pack and moves the refs, with the reachability bookkeeping that
// goes with it. It is the longest single operation of the store; RepoStore keeps the method and
// hands over the few internals it needs (PushInternals).
import { isAncestor, type ObjectReader } from './ancestry';
import type { IngestedPack } from './ingest';
import { rememberPushedTags } from './peel-cache';
import { ReachCache } from './reach';
import { ZERO_OID, isValidRefName, type RefUpdate, type RefUpdateResult } from './refs';
import type { RepoStore } from './repo-store';
import type { WriteRoute } from './rules';
import { needBytesIn } from './snapshot';

/** What commitPushTo needs of a RepoStore beyond its public API. */
export interface PushInternals {
  sql: SqlStorage;
  transactionSync<T>(fn: () => T): T;
  /** Pack ids of uploads in progress (the pushed pack leaves the set here). */
  livePacks: Set<number>;
  reach: ReachCache;
  othersMayNotReachAll(): void;
  typeNumber(oid: string): number | null;
}

/** RepoStore.commitPush's body (see there): `store` is the view the push goes through. */
export function commitPushTo(
  store: RepoStore,
  internals: PushInternals,
  pack: IngestedPack | null,
  updates: RefUpdate[],
  atomic: boolean,
  via: WriteRoute,
  /** Fast-forward answers decided before (push-settle.ts: a fork fetched the bytes they read). */
  decided?: ReadonlyMap<string, boolean>,
): RefUpdateResult[] {
  // A new tip must be in the pack or reachable already (pack.has asks the same of the store).
  const has = pack ? (oid: string) => pack.has(oid) : store.visibility();
  const typeOf = (oid: string) => (pack ? pack.typeOf(oid) : internals.typeNumber(oid));
  const rules = store.rules().set();
  const read = (oid: string) => pack?.read(oid) ?? store.objects.find(oid);
  const pre: (RefUpdateResult | null)[] = updates.map((u) => {
    if (!isValidRefName(u.name)) return { name: u.name, ok: false, error: 'funny refname' };
    if (u.newOid !== ZERO_OID) {
      if (!has(u.newOid)) return { name: u.name, ok: false, error: 'missing necessary objects' };
      if (u.name.startsWith('refs/heads/') && typeOf(u.newOid) !== 1) {
        return { name: u.name, ok: false, error: 'trying to write non-commit object to branch' };
      }
    }
    const refused = rules.empty ? null : rules.refusal(u, via, () => decided?.get(ffKey(u)) ?? isAncestorIn(store, u.oldOid, u.newOid, read));
    return refused ? { name: u.name, ok: false, error: refused } : null;
  });
  if (atomic && pre.some((p) => p !== null)) {
    return updates.map((u, i) => pre[i] ?? { name: u.name, ok: false, error: 'atomic transaction failed' });
  }
  const live = updates.filter((_, i) => pre[i] === null);
  // Indexed below, or discarded by the caller; live again if the update faulted for snapshot
  // bytes (rolled back: the caller fetches them and runs it again, push-settle.ts).
  if (pack) internals.livePacks.delete(pack.packId);
  const walked = internals.reach.keyOf(store.repo) !== null ? ReachCache.key(store.refs.list()) : null;
  let moved: RefUpdate[] = [];
  const out = relive(internals, pack, () => internals.transactionSync(() => {
    const results = store.refs.update(live, atomic);
    const indexPack = pack !== null && (results.some((r) => r.ok) || updates.length === 0);
    // Keep "every stored object is reachable" (the full-clone fast path) only if this push
    // provably preserves it: no deletions, only fast-forwards, every new root a new tip.
    moved = live.filter((_, i) => results[i].ok);
    if (moved.length > 0) store.onRefChange?.(moved, store.actor);
    const tips = new Set(moved.map((u) => u.newOid));
    const rootsAreTips = !indexPack || pack!.roots.every((r) => tips.has(r) || store.objects.has(r));
    if (pack && indexPack) {
      store.objects.insertRecords(pack.packId, pack.records(), pack.objectCount);
      internals.othersMayNotReachAll(); // the other repositories' refs do not reach the new objects
      internals.sql.exec(
        `INSERT INTO packs (id, path, size, checksum, objects, created) VALUES (?, ?, ?, ?, ?, ?)`,
        pack.packId,
        `pack-${pack.packId}`,
        pack.size,
        pack.checksum,
        pack.objectCount,
        Date.now(),
      );
      rememberPushedTags(internals.sql, moved, pack.tagTarget, (oid) => store.peeled(oid));
    }
    if (
      store.allReachable() &&
      !(rootsAreTips && moved.every((u) => u.newOid !== ZERO_OID && (u.oldOid === ZERO_OID || ancestorOrFalse(store, u.oldOid, u.newOid))))
    ) {
      store.setMeta('all_reachable', '0');
      if (store.objects.snapshot) store.setMeta('snapshot_reachable', '0');
    }
    let k = 0;
    return updates.map((u, i) => pre[i] ?? results[k++]);
  }));
  if (walked !== null && moved.length > 0) {
    const forward = moved.every((u) => u.newOid !== ZERO_OID && (u.oldOid === ZERO_OID || ancestorOrFalse(store, u.oldOid, u.newOid)));
    internals.reach.moved(store.repo, walked, forward ? moved.map((u) => u.newOid) : null, () => store.refs.list());
  }
  return out;
}

/** The key a decided fast-forward answer is looked up by (push-settle.ts). */
export const ffKey = (u: RefUpdate): string => `${u.oldOid}..${u.newOid}`;

/** Runs the ref update; a NeedBytes out of it leaves `pack` live (not swept) for the retry. */
function relive<T>(internals: PushInternals, pack: IngestedPack | null, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (pack && needBytesIn(e)) internals.livePacks.add(pack.packId);
    throw e;
  }
}

/**
 * isAncestor for bookkeeping inside or after a ref update: a fork's snapshot bytes not in
 * memory yet (NeedBytes) answer "not known to be", which only costs a later walk, instead of
 * failing an update that is already decided.
 */
function ancestorOrFalse(store: RepoStore, a: string, b: string): boolean {
  try {
    return isAncestorIn(store, a, b);
  } catch (e) {
    if (needBytesIn(e)) return false;
    throw e;
  }
}

/** isAncestor over the store (and, when given, the pack being pushed). */
export function isAncestorIn(store: RepoStore, a: string, b: string, read: ObjectReader = (oid) => store.objects.find(oid)): boolean {
  return isAncestor(a, b, read);
}
