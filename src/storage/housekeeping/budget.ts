// How much one step of housekeeping may do before it hands the Durable Object back. A step is
// synchronous (nothing else runs in the object meanwhile), so it must stay short: ~40 ms of wall
// time where the clock advances during execution (local workerd), and in any case a bounded
// amount of work, because deployed Workers only advance Date.now() at I/O: there the unit cap is
// what ends a step. Units are roughly bytes touched (read, inflated, deltified, written) plus a
// fixed cost per object and per SQL row.
export const STEP_MS = 40;
/** Well under 40 ms of work (inflating/deltifying small objects runs at ~100-200 MB/s; a step of
 *  4 MiB took up to 94 ms on a machine loaded 6x over its cores). */
export const STEP_UNITS = 2 << 20;
export const PER_OBJECT = 2048;
export const PER_ROW = 512;

export class Budget {
  private used = 0;
  private readonly start = Date.now();

  constructor(
    private readonly ms = STEP_MS,
    private readonly units = STEP_UNITS,
  ) {}

  spend(n: number): void {
    this.used += n;
  }

  get over(): boolean {
    return this.used >= this.units || Date.now() - this.start >= this.ms;
  }
}

/** Lets whatever is waiting on the Durable Object (requests, the next event) run. */
export function yieldToOthers(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
