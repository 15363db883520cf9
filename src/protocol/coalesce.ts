// Many small pieces (a pkt-line per ref) joined into few large ones. A response body streamed a
// pkt-line at a time crosses the runtime's stream machinery once per line: 40,000 lines of an
// advertisement with 20,000 peeled tags cost ~3.5 s that way, against ~0.5 s to make them.
import { concatBytes } from './pktline';

const TARGET = 64 * 1024;

/** Yields the pieces of `parts` joined into runs of about `target` bytes (order kept). */
export function* coalesce(parts: Iterable<Uint8Array>, target = TARGET): Generator<Uint8Array> {
  let run: Uint8Array[] = [];
  let n = 0;
  for (const p of parts) {
    run.push(p);
    n += p.length;
    if (n >= target) {
      yield concatBytes(run, n);
      run = [];
      n = 0;
    }
  }
  if (n > 0) yield concatBytes(run, n);
}
