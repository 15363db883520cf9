// Progress while a long step runs. An async generator cannot yield from inside a callback, so a
// step that reports progress through one (PackIngest.finish's delta resolution: ~1 s per 80 MB of
// deltas) used to have its lines collected and sent after it ended: the client saw nothing for the
// whole step, and git clients and proxies give up on a silent connection. pumped() runs the step
// and yields each batch of bytes as soon as it is emitted; emit() resolves once the bytes were
// handed on (one macrotask later), so the step cannot run ahead of its reader without bound.

/** Runs `step`, yielding what it emits while it runs; returns (yield*) the step's result. */
export async function* pumped<T>(step: (emit: (chunks: Uint8Array[]) => Promise<void>) => Promise<T>): AsyncGenerator<Uint8Array, T> {
  const queue: Uint8Array[] = [];
  let wake: (() => void) | null = null;
  let settled = false;
  let failure: { error: unknown } | null = null;
  let result: T | undefined;
  const nudge = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const emit = async (chunks: Uint8Array[]): Promise<void> => {
    if (chunks.length === 0) return;
    queue.push(...chunks);
    nudge();
    // Let the reader take the bytes (and the response stream send them) before going on.
    await new Promise<void>((r) => setTimeout(r, 0));
  };
  step(emit).then(
    (v) => {
      result = v;
      settled = true;
      nudge();
    },
    (e: unknown) => {
      failure = { error: e };
      settled = true;
      nudge();
    },
  );
  for (;;) {
    while (queue.length > 0) yield queue.shift()!;
    if (settled) break;
    await new Promise<void>((r) => {
      wake = r;
    });
  }
  while (queue.length > 0) yield queue.shift()!;
  if (failure) throw (failure as { error: unknown }).error;
  return result as T;
}
