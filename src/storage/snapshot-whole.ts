// Every object of a store, each exactly once, in storage order: what a whole clone sends without
// an object walk (fetch-source.ts quickPlan, pack-out.ts OutgoingPack.whole). A DO without a
// snapshot streams its `objects` table. A fork streams its snapshot's packs (oldest first, each
// in offset order, as its origin streams its own), then its own packs. An object may be indexed
// twice: in two snapshot packs (a chain's inherited packs and the origin's own; a pack published
// before housekeeping moved its rows into a newer one) or in the snapshot and the fork's own
// index (a push that carried an object the snapshot has). The copy sent is the one reads use
// (ObjectStore.row: the DO's own first, then the newest snapshot pack), so the pack header's
// count is exact and no object goes out twice.
import type { ObjectRow, ObjectStore } from './object-store';
import type { Snapshot } from './snapshot';

export interface WholeRows {
  count: number;
  /** Objects stored whole with at least `minSize` bytes (git's delta-search candidates). */
  candidates(minSize: number): number;
  rows(): Iterable<ObjectRow>;
}

/** Per snapshot, per pack (oldest first): 1 for a record a newer pack indexes too. */
const shadowed = new WeakMap<Snapshot, Uint8Array[]>();

function snapshotShadows(snap: Snapshot): Uint8Array[] {
  const hit = shadowed.get(snap);
  if (hit) return hit;
  const packs = snap.indexed();
  const skip = packs.map(({ idx }) => new Uint8Array(idx.count));
  if (packs.length > 1) {
    // Newest first, one pass over every record: a set of ids, not a search per pack pair.
    const seen = new Set<string>();
    for (let p = packs.length - 1; p >= 0; p--) {
      const { idx } = packs[p];
      for (let i = 0; i < idx.count; i++) {
        const oid = idx.oid(i);
        if (seen.has(oid)) skip[p][i] = 1;
        else seen.add(oid);
      }
    }
  }
  shadowed.set(snap, skip);
  return skip;
}

export function wholeRows(objects: ObjectStore): WholeRows {
  const snap = objects.snapshot;
  if (!snap) {
    return { count: objects.count(), candidates: (min) => objects.countWhole(min), rows: () => objects.allRows() };
  }
  const packs = snap.indexed();
  const base = snapshotShadows(snap);
  let skip = base;
  let local = 0;
  // The DO's own copy wins: its snapshot copies are left out.
  for (const { oid } of objects.localOids()) {
    local++;
    packs.forEach(({ idx }, p) => {
      const i = idx.find(oid);
      if (i < 0 || skip[p][i]) return;
      if (skip === base) skip = base.map((s) => s.slice());
      skip[p][i] = 1;
    });
  }
  let count = local;
  packs.forEach(({ idx }, p) => {
    for (let i = 0; i < idx.count; i++) if (!skip[p][i]) count++;
  });
  return {
    count,
    candidates(min) {
      let n = objects.countWhole(min);
      packs.forEach(({ idx }, p) => {
        for (let i = 0; i < idx.count; i++) if (!skip[p][i] && idx.wholeAtLeast(i, min)) n++;
      });
      return n;
    },
    *rows() {
      for (let p = 0; p < packs.length; p++) {
        const { pack, idx } = packs[p];
        for (const i of idx.byOffset()) if (!skip[p][i]) yield idx.row(i, -pack.seq);
      }
      yield* objects.allRows();
    },
  };
}
