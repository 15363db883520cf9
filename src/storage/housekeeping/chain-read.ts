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
import { DeltaPieces } from '../../codec/delta-pieces';
import { ByteLru } from '../lru';
import { MissingObjectError, TYPE_NAMES, type GitObject, type ObjectRow, type ObjectStore } from '../object-store';
import { type Budget, PER_OBJECT, yieldToOthers } from './budget';

const CACHE_BYTES = 8 << 20;
const caches = new WeakMap<ObjectStore, ByteLru<string, Uint8Array>>();

/**
 * One content too big for the cache (ByteLru holds nothing over a quarter of it, 2 MiB): the
 * deepest result of a big object's chain read so far, which the next step goes on from instead of
 * the chain's base, or a big base inflated between steps.
 */
interface BigSlot {
  oid: string;
  data: Uint8Array | null;
  /** A big base being inflated between steps (inflateLater), and how that ended. */
  inflating: Promise<void> | null;
  error: unknown;
  /** A delta making a big object, applied a piece per unit across steps (applyInPieces). */
  applying?: { oid: string; pieces: DeltaPieces } | null;
}
const bigs = new WeakMap<ObjectStore, BigSlot>();

/** A whole object at least this big is inflated between steps, a piece at a time with the
 *  object handed back to requests in between, not within one: inflating 9 MB and applying its
 *  delta took one 104 ms unit (step-bound.test.ts), and an object may be 64 MiB. */
export const BIG_INFLATE = 4 << 20;
const INFLATE_PIECE = 256 << 10;
/** A big object's delta is applied this many bytes of result a unit (fresh memory's page faults
 *  and the copy: ~3-5 ms per MiB), costed at 4 units a byte (the budget's 2 MiB is ~40 ms). */
const APPLY_PIECE = 256 << 10;
const APPLY_UNITS = PER_OBJECT + 4 * APPLY_PIECE;

/** Housekeeping's cache of object contents for `objects` (see the file comment). */
function cacheOf(objects: ObjectStore): ByteLru<string, Uint8Array> {
  let c = caches.get(objects);
  if (!c) caches.set(objects, (c = new ByteLru(CACHE_BYTES)));
  return c;
}

/** Empties housekeeping's cache (a gc walk's trees, which the write does not read again). */
export function clearReadCache(objects: ObjectStore): void {
  caches.get(objects)?.clear();
  if (!bigs.get(objects)?.inflating) bigs.delete(objects);
}

/** The inflate a read is waiting for (readWithin answered null for it), if any: await it before
 *  the next step (run.ts). */
export function pendingInflate(objects: ObjectStore): Promise<void> | null {
  return bigs.get(objects)?.inflating ?? null;
}

/** The object, or null when the budget ran out first (call again at the next step). `extra`: what
 *  the caller will spend on the result (a tree's walk), counted in the read's first unit. */
export function readWithin(objects: ObjectStore, oid: string, budget: Budget, extra = 0): GitObject | null {
  const row = objects.row(oid);
  if (!row) throw new MissingObjectError(oid);
  const type = TYPE_NAMES[row.type];
  const cache = cacheOf(objects);
  const big = bigs.get(objects);
  if (big?.inflating) return null; // the caller's turn waits for it
  if (big?.error) {
    bigs.delete(objects);
    throw big.error;
  }
  const cached = (o: string) => (big?.oid === o && big.data ? big.data : (cache.get(o) ?? objects.cached(o)));
  const keep = (o: string, data: Uint8Array) => {
    if (data.length > CACHE_BYTES / 4) bigs.set(objects, { oid: o, data, inflating: null, error: null });
    else cache.set(o, data);
  };
  const hit = cached(oid);
  if (hit) return extra === 0 || budget.fits(extra) ? { type, data: hit } : null;
  if (row.size >= BIG_INFLATE) {
    const bottom = wholeBase(objects, row, cached);
    if (bottom && bottom.raw_size >= BIG_INFLATE) {
      inflateLater(objects, bottom);
      return null;
    }
  }
  // the read's first unit: the chain's base inflated (unless cached) and one delta applied, each
  // about a version's size, and what the caller does with the result
  if (!budget.fits(2 * (PER_OBJECT + row.size) + extra)) return null;
  const { chain, base: start, inflated } = objects.deltaChain(row, cached);
  let base = start;
  if (inflated) {
    budget.spend(PER_OBJECT + base.length);
    keep(inflated.oid, base);
  }
  for (let i = chain.length - 1; i >= 0; i--) {
    const r = chain[i];
    if (r.size >= BIG_INFLATE) {
      const made = applyInPieces(objects, base, r, budget);
      if (!made) return null; // goes on at the next step
      base = made;
    } else {
      if (i < chain.length - 1 && !budget.fits(PER_OBJECT + r.size)) return null; // the results so far are kept
      base = accel.applyDelta(base, objects.inflateEntry(r), r.size);
      budget.spend(PER_OBJECT + base.length);
    }
    keep(r.oid, base);
  }
  if (bigs.get(objects)?.oid === oid) bigs.delete(objects); // handed to the caller: not held twice
  return { type, data: base };
}

/** The delta `row` applied to `base` a piece per unit, going on from where the last step left
 *  it (the slot keeps the pieces, and with them the base); the result once it is all made. */
function applyInPieces(objects: ObjectStore, base: Uint8Array, row: ObjectRow, budget: Budget): Uint8Array | null {
  let slot = bigs.get(objects);
  if (!slot) bigs.set(objects, (slot = { oid: '', data: null, inflating: null, error: null }));
  if (slot.applying?.oid !== row.oid) slot.applying = { oid: row.oid, pieces: new DeltaPieces(base, objects.inflateEntry(row), row.size) };
  const a = slot.applying.pieces;
  for (;;) {
    if (!budget.fits(APPLY_UNITS)) return null;
    budget.spend(APPLY_UNITS);
    if (a.step(APPLY_PIECE)) {
      slot.applying = null;
      return a.out;
    }
  }
}

/** The whole object `row`'s chain starts from, or null when it starts from a cached content. */
function wholeBase(objects: ObjectStore, row: ObjectRow, cached: (o: string) => Uint8Array | undefined): ObjectRow | null {
  let cur = row;
  for (let depth = 0; cur.base_oid !== null; depth++) {
    if (cached(cur.base_oid) || depth > 10_000) return null;
    const next = objects.row(cur.base_oid);
    if (!next) throw new MissingObjectError(cur.base_oid);
    cur = next;
  }
  return cur;
}

/** Inflates a big whole entry through a DecompressionStream, INFLATE_PIECE of it at a time,
 *  yielding between pieces, into the big slot; readWithin answers null until it is there. */
function inflateLater(objects: ObjectStore, row: ObjectRow): void {
  const slot: BigSlot = { oid: row.oid, data: null, inflating: null, error: null };
  bigs.set(objects, slot);
  slot.inflating = (async () => {
    try {
      const out = new Uint8Array(row.raw_size);
      let at = 0;
      const ds = new DecompressionStream('deflate');
      const writer = ds.writable.getWriter();
      const feed = (async () => {
        for (let a = row.data_offset; a < row.end_offset; a += INFLATE_PIECE) {
          await writer.write(objects.packs.read(row.pack_id, a, Math.min(row.end_offset, a + INFLATE_PIECE)));
          await yieldToOthers();
        }
        await writer.close();
      })();
      const reader = ds.readable.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (at + value.length > out.length) throw new Error(`object ${row.oid} inflates to more than its ${row.raw_size} bytes`);
        out.set(value, at);
        at += value.length;
      }
      await feed;
      if (at !== out.length) throw new Error(`object ${row.oid} inflates to ${at} bytes, not ${row.raw_size}`);
      slot.data = out;
    } catch (e) {
      slot.error = e instanceof Error ? e : new Error(String(e));
    } finally {
      slot.inflating = null;
    }
  })();
}
