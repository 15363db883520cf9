// How long housekeeping's steps take, by kind ('build:write', 'fold', 'migrate'...): a step
// is synchronous, so its duration is how long the Durable Object did not answer. The run summary
// keeps only the longest step; this keeps every kind's count, longest and total, so a test or a
// bench can tell which kind overruns the budget (budget.ts) without logging every step.
export interface StepKind {
  n: number;
  maxMs: number;
  totalMs: number;
}

export class StepTrace {
  readonly kinds = new Map<string, StepKind>();

  note(where: string, ms: number): void {
    const k = this.kinds.get(where) ?? { n: 0, maxMs: 0, totalMs: 0 };
    k.n++;
    k.totalMs += ms;
    if (ms > k.maxMs) k.maxMs = ms;
    this.kinds.set(where, k);
  }

  /** The longest step of any kind. */
  longest(): { where: string; ms: number } {
    let best = { where: '', ms: 0 };
    for (const [where, k] of this.kinds) if (k.maxMs > best.ms) best = { where, ms: k.maxMs };
    return best;
  }

  clear(): void {
    this.kinds.clear();
  }

  toJSON(): Record<string, StepKind> {
    return Object.fromEntries([...this.kinds].map(([w, k]) => [w, { n: k.n, maxMs: Math.round(k.maxMs * 10) / 10, totalMs: Math.round(k.totalMs) }]));
  }
}
