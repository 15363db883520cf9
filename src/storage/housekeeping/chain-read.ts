// An object read within a step's budget. The commit API stores each version of a tree as a thin
// delta on the one before (up to 50 deep, commit/thin-delta.ts), so reading one version whose
// base is not in the object cache applies up to 50 deltas of a ~500 KB tree: tens of ms that
// ObjectStore.read does in one go and a step only counted as one object (86-94 ms steps of
// build:names after a restart). Here each delta applied is spent from the budget, every result is
// cached and, once the next delta does not fit the budget, the read stops and answers null: the
// caller tries again at its next step, which starts from the deepest result cached. A read
// starts only if one version fits (budget.ts: a fresh budget always does), and then applies at
// least one delta, so a read always advances.
//
// The results go to housekeeping's own cache, not the object store's: that one keeps what the
// commit API stored last (its next commit's base tree, ObjectStore.remember), and a run reading
// 16 MB of old trees through it evicts that: the next commit then rebuilds a 10,000-entry tree
// through its chain. The store's cache is only looked into.
import { accel } from '../../codec';
import { ByteLru } from '../lru';
import { MissingObjectError, TYPE_NAMES, type GitObject, type ObjectStore } from '../object-store';
import { type Budget, PER_OBJECT } from './budget';

const CACHE_BYTES = 8 << 20;
const caches = new WeakMap<ObjectStore, ByteLru<string, Uint8Array>>();

/** Housekeeping's cache of object contents for `objects` (see the file comment). */
function cacheOf(objects: ObjectStore): ByteLru<string, Uint8Array> {
  let c = caches.get(objects);
  if (!c) caches.set(objects, (c = new ByteLru(CACHE_BYTES)));
  return c;
}

/** Empties housekeeping's cache (a gc walk's trees, which the write does not read again). */
export function clearReadCache(objects: ObjectStore): void {
  caches.get(objects)?.clear();
}

/** The object, or null when the budget ran out first (call again at the next step). `extra`: what
 *  the caller will spend on the result (a tree's walk), counted in the read's first unit. */
export function readWithin(objects: ObjectStore, oid: string, budget: Budget, extra = 0): GitObject | null {
  const row = objects.row(oid);
  if (!row) throw new MissingObjectError(oid);
  const type = TYPE_NAMES[row.type];
  const cache = cacheOf(objects);
  const cached = (o: string) => cache.get(o) ?? objects.cached(o);
  const hit = cached(oid);
  if (hit) return extra === 0 || budget.fits(extra) ? { type, data: hit } : null;
  // the read's first unit: the chain's base inflated (unless cached) and one delta applied, each
  // about a version's size, and what the caller does with the result
  if (!budget.fits(2 * (PER_OBJECT + row.size) + extra)) return null;
  const { chain, base: start, inflated } = objects.deltaChain(row, cached);
  let base = start;
  if (inflated) {
    budget.spend(PER_OBJECT + base.length);
    cache.set(inflated.oid, base);
  }
  for (let i = chain.length - 1; i >= 0; i--) {
    if (i < chain.length - 1 && !budget.fits(PER_OBJECT + chain[i].size)) return null; // the results so far are cached
    base = accel.applyDelta(base, objects.inflateEntry(chain[i]), chain[i].size);
    budget.spend(PER_OBJECT + base.length);
    cache.set(chain[i].oid, base);
  }
  return { type, data: base };
}
