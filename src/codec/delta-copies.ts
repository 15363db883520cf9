// Which bytes of a delta's result were copied from its base, and from where. A tree sent as a
// delta mostly copies its base's entries: the push ingest checks (and records the references
// of) only the entries that did not come whole from an already-checked entry of the base.

/**
 * The copy instructions of a well-formed delta (one applyDelta accepted) as runs of the
 * result: triples (resultStart, resultEnd, baseStart) in result order, with copies that
 * continue each other in both result and base merged into one run (encoders split long
 * copies). Insert instructions leave gaps between runs.
 */
export function deltaCopies(delta: Uint8Array, reuse?: { runs: Int32Array }): Int32Array {
  const n = delta.length;
  let i = 0;
  while (i < n && delta[i] & 0x80) i++; // base size
  i++;
  while (i < n && delta[i] & 0x80) i++; // result size
  i++;
  // at most one run per instruction, and an instruction takes at least one byte
  // A caller that reads the runs before its next call lends its buffer (kept if grown): an
  // ingest makes runs for every tree delta, ~80k of them in the large bench pack.
  let out = reuse?.runs ?? new Int32Array(3 * 16);
  let runs = 0;
  let t = 0;
  while (i < n) {
    const op = delta[i++];
    if (op & 0x80) {
      let off = 0;
      if (op & 0x01) off = delta[i++];
      if (op & 0x02) off += delta[i++] << 8;
      if (op & 0x04) off += delta[i++] << 16;
      if (op & 0x08) off += delta[i++] * 0x1000000;
      let size = 0;
      if (op & 0x10) size = delta[i++];
      if (op & 0x20) size += delta[i++] << 8;
      if (op & 0x40) size += delta[i++] << 16;
      if (size === 0) size = 0x10000;
      const last = (runs - 1) * 3;
      if (runs > 0 && out[last + 1] === t && out[last + 2] + (t - out[last]) === off) {
        out[last + 1] = t + size;
      } else {
        if ((runs + 1) * 3 > out.length) {
          const grown = new Int32Array(out.length * 2);
          grown.set(out);
          out = grown;
        }
        out[runs * 3] = t;
        out[runs * 3 + 1] = t + size;
        out[runs * 3 + 2] = off;
        runs++;
      }
      t += size;
    } else {
      // insert (op 0 is reserved; applyDelta refused it already)
      t += op;
      i += op;
    }
  }
  if (reuse !== undefined) reuse.runs = out;
  return out.subarray(0, runs * 3);
}
