// How long housekeeping's steps take, by kind ('build:write', 'fold', 'migrate'...): a step
// is synchronous, so its duration is how long the Durable Object did not answer. The run summary
// keeps only the longest step; this keeps every kind's count, longest and total, so a test or a
// bench can tell which kind overruns the budget (budget.ts) without logging every step.
// A step also marks its parts (`part('sql:migrate')`): the longest step of each kind keeps where
// its time went (ms per part, and how many times each part ran), so an overrun names its cause -
// one SQL statement, a read, the JS between - instead of being guessed at. Marking costs a
// performance.now() and a small array entry per part; a step has a few dozen parts at most.
export interface StepKind {
  n: number;
  maxMs: number;
  totalMs: number;
  /** The longest step's parts: name -> [ms, times, longest once]; what no part covers is 'rest'. */
  worst?: Record<string, [number, number, number]>;
}

/** The trace of the step being run: a step is synchronous, so at most one in the isolate. */
let active: StepTrace | null = null;

/** Marks a part of the running step, if any (see StepTrace.part). */
export function stepPart(name: string): void {
  active?.part(name);
}

export class StepTrace {
  readonly kinds = new Map<string, StepKind>();
  /** The running step's parts: name -> [ms, times]. */
  private parts = new Map<string, [number, number, number]>();
  private covered = 0;
  private last = 0;

  /** A step starts: parts are measured from here. */
  begin(): void {
    this.parts.clear();
    this.covered = 0;
    this.last = performance.now();
    active = this;
  }

  /** The time since the previous mark (or begin) was spent on `name`. */
  part(name: string): void {
    const t = performance.now();
    let p = this.parts.get(name);
    if (!p) this.parts.set(name, (p = [0, 0, 0]));
    p[0] += t - this.last;
    p[1]++;
    if (t - this.last > p[2]) p[2] = t - this.last;
    this.covered += t - this.last;
    this.last = t;
  }

  note(where: string, ms: number, withParts = false): void {
    if (withParts && active === this) active = null;
    const k = this.kinds.get(where) ?? { n: 0, maxMs: 0, totalMs: 0 };
    k.n++;
    k.totalMs += ms;
    if (ms > k.maxMs) {
      k.maxMs = ms;
      if (withParts) k.worst = this.summarise(ms);
    }
    this.kinds.set(where, k);
  }

  private summarise(ms: number): Record<string, [number, number, number]> {
    const r = (x: number) => Math.round(x * 10) / 10;
    const out: Record<string, [number, number, number]> = {};
    for (const [name, [t, n, m]] of this.parts) out[name] = [r(t), n, r(m)];
    if (ms - this.covered > 0.05) out.rest = [r(ms - this.covered), 1, r(ms - this.covered)];
    return out;
    return out;
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
    return Object.fromEntries(
      [...this.kinds].map(([w, k]) => [w, { n: k.n, maxMs: Math.round(k.maxMs * 10) / 10, totalMs: Math.round(k.totalMs), ...(k.worst ? { worst: k.worst } : {}) }]),
    );
  }
}
