// How many objects one run may take, decided before it starts (a limit checked before the bytes
// exist). A run's in-memory part grows with the objects it lists: ~100 bytes each (work.ts's
// columns and their id index, the pack builder's new offsets and depths, the search order and
// reuse forest while they are built), beside ~39 MiB that does not grow with the run (the
// isolate's code and caches; session 3's model from bench/housekeeping-memory.mjs). At
// MAX_RUN_OBJECTS that is ~63 MiB: the 64 MB issue 19 gives a slice, half the isolate's 128 MB,
// which the requests served meanwhile share. An isolate that ran out would be killed with every
// request in flight, and its run would start again from the build and die the same way.
//   - A geometric repack takes the smallest packs of its roll-up that fit (it needs two).
//   - A gc or a full repack takes every pack: over the cap it goes in parts of the cap each
//     (parts.ts), a gc's marks kept in SQLite instead of memory.
import type { PackInfo } from './geometry';

export const MAX_RUN_OBJECTS = 250_000;

const total = (packs: readonly PackInfo[]) => packs.reduce((a, p) => a + p.objects, 0);

/** The packs a run may take out of `selected` (smallest first when not `all`), and whether it
 *  must go in parts (`all` over the cap). */
export function fitToHeap(selected: PackInfo[], all: boolean, cap = MAX_RUN_OBJECTS): { packs: PackInfo[]; parts: boolean } {
  if (total(selected) <= cap) return { packs: selected, parts: false };
  if (all) return { packs: selected, parts: true };
  const packs: PackInfo[] = [];
  let sum = 0;
  for (const p of [...selected].sort((a, b) => a.objects - b.objects || a.id - b.id)) {
    if (sum + p.objects > cap) break;
    packs.push(p);
    sum += p.objects;
  }
  return { packs: packs.length >= 2 ? packs : [], parts: false };
}
