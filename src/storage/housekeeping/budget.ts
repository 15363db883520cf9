// How much one step of housekeeping may do before it hands the Durable Object back. A step is
// synchronous (nothing else runs in the object meanwhile), so it must stay short: ~40 ms of wall
// time where the clock advances during execution (local workerd), and in any case a bounded
// amount of work, because deployed Workers only advance Date.now() at I/O: there the unit cap is
// what ends a step. Units are roughly bytes touched (read, inflated, deltified, written) plus a
// fixed cost per object and per SQL row.
//
// The bound is structural: work is done in units whose cost is known before they start (an
// object's size, a comparison's two sizes, a batch of rows), and a unit starts only if it fits
// what is left (`fits`), by units and by the clock at ~20 ns a unit. The first unit of a budget
// always runs (progress); a unit bigger than a whole budget therefore runs alone. So a turn ends
// within its budget plus what the last unit's estimate missed, and the largest units are named
// and capped where they are made (pack-builder.ts: one comparison, both sides at most
// MAX_SEARCH_BYTES; a big stored entry copied a COPY_PIECE at a time; swap.ts: MIGRATE_PIECE,
// an old pack file freed a FILE_PIECE and the pruned rows a ROW_PIECE at a time, cleanup.ts; a
// gc's check of what refs moved to during the run an object at a time, recheck.ts; a big object
// rebuilt is deflated and written in pieces, big-entry.ts, and its base, if big, inflated
// between steps, chain-read.ts). Still one unit whatever its size: one delta applied to make a
// version of a big object (a copy of its size: a few ms per MB).
// What no unit accounts for - a V8 major GC (28-236 ms measured in local workerd under load), or
// the thread waiting for a core - lands on whichever step it hits: the budget keeps the step's
// own work at ~40 ms, under half of the 100 ms the issue allows, so that one such pause fits.
export const STEP_MS = 40;
/** Well under 40 ms of work (inflating/deltifying small objects runs at ~100-200 MB/s; a step of
 *  4 MiB took up to 94 ms on a machine loaded 6x over its cores). */
export const STEP_UNITS = 2 << 20;
export const PER_OBJECT = 2048;
export const PER_ROW = 512;
/** Expected ms per unit (STEP_MS / STEP_UNITS: ~19 ns, i.e. ~50 MB/s of bytes touched). */
export const MS_PER_UNIT = STEP_MS / STEP_UNITS;

export class Budget {
  private used = 0;
  private stopped = false;
  private readonly start = Date.now();
  /** Units started (each `fits` that answered true, or `spend` without one): tests. */
  unitsStarted = 0;
  /** The largest unit started (tests: units are capped where they are made). */
  largest = 0;

  constructor(
    private readonly ms = STEP_MS,
    private readonly units = STEP_UNITS,
  ) {}

  spend(n: number): void {
    this.used += n;
  }

  /** Nothing was started or spent yet: the next unit runs whatever its size (progress). */
  get fresh(): boolean {
    return this.used === 0 && this.unitsStarted === 0;
  }

  /**
   * Whether a unit expected to cost `n` units may start now: yes on a fresh budget, else only if
   * it ends within the budget by units and by the clock. A unit that does not fit ends the
   * budget (`over`): it is the first unit of the next one.
   */
  fits(n: number): boolean {
    if (this.stopped) return false;
    if (!this.fresh) {
      const ok = this.used + n <= this.units && Date.now() - this.start + n * MS_PER_UNIT <= this.ms;
      if (!ok) {
        this.stopped = true;
        return false;
      }
    }
    if (n > this.largest) this.largest = n;
    this.unitsStarted++;
    return true;
  }

  /** How many rows of `perRow` units fit (at most `max`; `max` on a fresh budget); none ends it. */
  rowsThatFit(perRow: number, max: number): number {
    if (this.stopped) return 0;
    if (this.fresh) return this.fits(perRow * max) ? max : 0;
    const byUnits = (this.units - this.used) / perRow;
    const byClock = (this.ms - (Date.now() - this.start)) / MS_PER_UNIT / perRow;
    const n = Math.min(max, Math.floor(Math.min(byUnits, byClock)));
    if (n > 0 && this.fits(perRow * n)) return n;
    this.stopped = true;
    return 0;
  }

  /** Ends the budget (a step that did its share: the next turn starts fresh). */
  end(): void {
    this.stopped = true;
  }

  /** A unit was refused, or the budget was ended. */
  get refused(): boolean {
    return this.stopped;
  }

  /** Units spent so far. */
  get spent(): number {
    return this.used;
  }

  get over(): boolean {
    return this.stopped || this.used >= this.units || Date.now() - this.start >= this.ms;
  }
}

/** Lets whatever is waiting on the Durable Object (requests, the next event) run. */
export function yieldToOthers(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
