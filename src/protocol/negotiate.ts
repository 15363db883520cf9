// Common-commit negotiation shared by v0/v1 and v2 fetch: which haves we share with the client,
// and whether we may stop ("ready": every want reaches a common commit; upload-pack.c
// ok_to_give_up).
import type { CommitGraph } from '../storage/fetch-interface';

export class Negotiation {
  readonly common: string[] = [];
  private readonly commonSet = new Set<string>();

  constructor(
    private readonly cc: CommitGraph,
    private readonly wants: string[],
    /** Whether the repository has `oid`: in a shared store, what its refs reach (never ACK the
     *  rest, or the answer would tell that another repository holds it). */
    private readonly known: (oid: string) => boolean,
  ) {}

  /** Records a have; true if we have the object (so it is common). */
  have(oid: string): boolean {
    if (!this.known(oid)) return false;
    if (!this.commonSet.has(oid)) {
      this.commonSet.add(oid);
      this.common.push(oid);
    }
    return true;
  }

  /** True when each wanted commit can reach a common commit (bounded by the oldest have). */
  okToGiveUp(): boolean {
    if (this.common.length === 0) return false;
    let oldest = Infinity;
    for (const c of this.common) {
      try {
        oldest = Math.min(oldest, this.cc.get(c).time);
      } catch {
        /* a common non-commit: ignore */
      }
    }
    for (const w of this.wants) {
      if (!this.reachesCommon(w, oldest)) return false;
    }
    return true;
  }

  private reachesCommon(want: string, oldest: number): boolean {
    const seen = new Set<string>();
    const stack = [want];
    let budget = 20_000;
    while (stack.length > 0 && budget-- > 0) {
      const o = stack.pop()!;
      if (seen.has(o)) continue;
      seen.add(o);
      if (this.commonSet.has(o)) return true;
      let info;
      try {
        info = this.cc.get(o);
      } catch {
        return true; // not a commit (tag/tree/blob want): nothing to negotiate
      }
      if (info.time < oldest) continue;
      for (const p of info.parents) stack.push(p);
    }
    return false;
  }
}
