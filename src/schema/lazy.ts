// Schemas built on first use. A zod (classic) schema is a heavy object: each instance carries its
// own ~60 method closures, so the REST schemas and the operation table cost ~2.9 MiB of V8 heap
// when built at module evaluation (bench/heap-rest.mjs, warm isolate after GC: 7.05 MiB live at
// rest with them built eagerly, 4.19 MiB once they were thunks; 3 runs each). Every isolate
// paid that from its start, and every request's peak on top of it, although git traffic and the
// pack indexer never validate with them. Each schema is therefore a thunk: built, once, by the
// first request (or OpenAPI document) that needs it, and the same object from then on (the
// document's component names key on schema identity).

/** `build()` on the first call, the same value on every later one. */
export function lazy<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= build());
}
