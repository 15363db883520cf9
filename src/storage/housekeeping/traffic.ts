// Housekeeping stands aside while its Durable Object serves requests. Steps are synchronous
// (~40 ms, budget.ts) and a request awaits many times (SQL is sync, but body reads, stream
// writes and RPC hops yield), so a slice stepping on every setTimeout(0) lands a step in each of
// the request's awaits: measured, an incremental fetch right after a big push's repack took 3.2x
// native git. So the DO counts requests in flight (RepoObject: git HTTP until the answer's last
// byte, REST /v1 and RPC calls until they return) and a step starts only when none is in flight
// and the last one ended QUIET_MS ago.
//
// QUIET_MS = 30: the next request of the same conversation comes within a round trip plus the
// client's own work (git's info/refs -> upload-pack POST, an agent's commit loop: a few ms
// locally, ~10-20 ms through a deployed Worker), so a step does not slip in between them; much
// longer would idle housekeeping for nothing once the client is done.
//
// No starvation: under continuous traffic (an agent committing back to back never leaves 30 ms
// quiet) housekeeping, once held back for MAX_HOLD_MS, takes one turn of steps anyway (a turn
// is bounded by one step budget, ~40 ms), then is held again. So it still gets >= 40/(40+150)
// ~ 20% of the object's time, and a run always finishes. With more packs than HARD_CAP_PACKS
// (reads and clones slow down with the pack count; issue 19 bounds it at ~20) the hold is
// URGENT_HOLD_MS instead (~45%) until the runs have caught up.
// Worst-case latency added to one request: the turn that was already running when it arrived,
// or one forced turn, plus one more turn per MAX_HOLD_MS (URGENT_HOLD_MS) of its own duration —
// for a request shorter than the hold (a commit, a small fetch) at most one turn: ~40 ms, its
// budget, which a step can overrun by its last unit of work (71 ms seen at load 8 on 2 cores).
export const QUIET_MS = 30;
export const MAX_HOLD_MS = 150;
export const URGENT_HOLD_MS = 50;
export const HARD_CAP_PACKS = 18;
/** A request counted in flight this long is taken as ended (its end was lost: a cancelled stream). */
const STALE_MS = 10 * 60_000;

export class Traffic {
  private readonly live = new Map<number, number>();
  private seq = 0;
  private lastEnd = 0;
  private heldSince: number | null = null;
  /** Housekeeping turns started while a request was in flight (forced ones), for tests and logs. */
  forcedTurns = 0;
  /** Called as each request ends, before its answer goes out where the caller awaits the end
   *  (RPC, REST): housekeeping's fold of the packs past the bound (fold.ts). */
  afterRequest: (() => void) | null = null;

  /** A request starts; call the returned function (idempotent) when it is over. */
  begin(): () => void {
    const id = ++this.seq;
    this.live.set(id, Date.now());
    return () => {
      if (!this.live.delete(id)) return;
      this.lastEnd = Date.now();
      try {
        this.afterRequest?.();
      } catch (e) {
        console.error('housekeeping after a request', e); // the request itself succeeded
      }
    };
  }

  /** Requests in flight now. */
  inFlight(now = Date.now()): number {
    for (const [id, t] of this.live) if (now - t > STALE_MS) this.live.delete(id);
    return this.live.size;
  }

  /**
   * How long housekeeping should wait before its next turn (0: go now). `urgent`: called only
   * when traffic holds it (a query the quiet case does not pay for).
   */
  holdFor(urgent: () => boolean, now = Date.now()): number {
    const busy = this.inFlight(now) > 0;
    const quietAt = busy ? now + QUIET_MS : this.lastEnd + QUIET_MS;
    if (quietAt <= now) {
      this.heldSince = null;
      return 0;
    }
    this.heldSince ??= now;
    const hold = urgent() ? URGENT_HOLD_MS : MAX_HOLD_MS;
    const forceAt = this.heldSince + hold;
    if (forceAt <= now) {
      this.heldSince = null; // the next hold counts from the end of this turn
      if (busy) this.forcedTurns++;
      return 0;
    }
    return Math.min(quietAt, forceAt) - now;
  }
}
