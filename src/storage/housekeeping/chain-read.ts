// An object read within a step's budget. The commit API stores each version of a tree as a thin
// delta on the one before (up to 50 deep, commit/thin-delta.ts), so reading one version whose
// base is not in the object cache applies up to 50 deltas of a ~500 KB tree: tens of ms that
// ObjectStore.read does in one go and a step only counted as one object (86-94 ms steps of
// build:names after a restart). Here each delta applied is spent from the budget, every result is
// cached (ObjectStore.remember) and, once the budget is spent, the read stops and answers null:
// the caller tries again at its next step, which starts from the deepest result cached. At least
// one delta is applied per call, so a read always advances.
import { accel } from '../../codec';
import { MissingObjectError, TYPE_NAMES, type GitObject, type ObjectRow, type ObjectStore } from '../object-store';
import { type Budget, PER_OBJECT } from './budget';

/** Reads no deeper than this (ObjectStore.content's guard against a corrupt cycle). */
const MAX_CHAIN = 10_000;

/** The object, or null when the budget ran out first (call again at the next step). */
export function readWithin(objects: ObjectStore, oid: string, budget: Budget): GitObject | null {
  const row = objects.row(oid);
  if (!row) throw new MissingObjectError(oid);
  const type = TYPE_NAMES[row.type];
  const hit = objects.cached(oid);
  if (hit) return { type, data: hit };
  const chain: ObjectRow[] = [];
  let cur = row;
  let base: Uint8Array | undefined;
  for (;;) {
    if (cur.base_oid === null) {
      base = objects.inflateEntry(cur);
      budget.spend(PER_OBJECT + base.length);
      objects.remember(cur.oid, base);
      break;
    }
    chain.push(cur);
    base = objects.cached(cur.base_oid);
    if (base) break;
    const next = objects.row(cur.base_oid);
    if (!next) throw new MissingObjectError(cur.base_oid);
    if (chain.length > MAX_CHAIN) throw new Error(`delta chain too deep at ${oid}`);
    cur = next;
  }
  for (let i = chain.length - 1; i >= 0; i--) {
    if (budget.over && i < chain.length - 1) return null; // the results so far are cached
    base = accel.applyDelta(base, objects.inflateEntry(chain[i]), chain[i].size);
    budget.spend(PER_OBJECT + base.length);
    objects.remember(chain[i].oid, base);
  }
  return { type, data: base };
}
