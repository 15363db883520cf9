// A gc or full repack of a store over the run cap (heap-cap.ts), in parts. The whole store cannot
// be listed in memory at once (~100 bytes an object; a 10 GB store can hold millions), so:
//   mark     gc: reachability is marked in SQLite over the whole store (mark-sql.ts), including
//            the closure of the young unreachable objects, which crosses parts;
//   parts    the run's packs are then listed in their order, pack by pack and offset by offset,
//            up to the cap at a time: each part is built (its kept objects, from the marks, into a
//            new pack, deltified within the part), indexed and migrated as a whole run's build
//            is, and the next one starts where its listing stopped, inside a pack if need be (a
//            single pushed pack of millions of objects splits too);
//   finish   once, after the last part: the old packs' remaining rows are what every part dropped.
// The index rows of every part stay in hk_work (their seq numbers follow on) for the cleanup's
// cruft times, which it then deletes in pieces with the marks.
// What a part does not see: a delta whose base is in another part is not searched (each part's
// pack is self-contained, bases inside it), and a part's repack without marks names only what its
// own trees hold. A part's pack is a little bigger than one run's; the next gc, with the store's
// objects then in fewer, bigger parts, is the same.
import type { MarkState } from './mark-sql';
import type { BuildStats } from './pack-builder';
import type { RunState } from './state';

export interface PartState {
  /** Objects per part (the cap when the run started). */
  cap: number;
  /** Where the current part's listing starts: an index into run.packs, and the offset after which. */
  from: [number, number];
  /** Where the built part's listing stopped, i.e. the next part's start; null: the last part. */
  next: [number, number] | null;
  /** Parts built, indexed and migrated, and their packs. */
  done: number;
  built: number[];
}

/** Sets `run` up to go in parts of `cap` objects (and, for a gc, to mark in SQLite first). */
export function startParts(run: RunState, cap: number): void {
  run.parts = { cap, from: [0, -1], next: null, done: 0, built: [] };
  if (run.cutoff !== null) {
    run.phase = 'mark';
    run.mark = { stage: 'seed', cursor: '', visited: 0 } satisfies MarkState;
  }
}

/** Every pack this run wrote (the parts finished and the current one). */
export function newPacksOf(run: Pick<RunState, 'parts' | 'newPack'>): number[] {
  return [...(run.parts?.built ?? []), ...(run.newPack !== null ? [run.newPack] : [])];
}

/** After a part's rows are migrated: moves on to the next part (true), or false for the last. */
export function nextPart(run: RunState): boolean {
  const p = run.parts;
  if (!p || p.next === null) return false;
  p.built.push(run.newPack!);
  p.done++;
  p.from = p.next;
  p.next = null;
  run.newPack = null; // the next build allocates its own
  run.phase = 'build';
  return true;
}

/** The run's totals after one more part (the pack's own figures go in its `packs` row). */
export function sumStats(a: BuildStats, b: BuildStats): BuildStats {
  return {
    objects: a.objects + b.objects, bytes: a.bytes + b.bytes, checksum: b.checksum,
    newDeltas: a.newDeltas + b.newDeltas, reusedDeltas: a.reusedDeltas + b.reusedDeltas, whole: a.whole + b.whole,
  };
}
