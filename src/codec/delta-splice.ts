// A delta for an edit in one place: the target is the base with one run of bytes replaced (a
// file added to or changed in a directory, so a tree with one entry more or different). It
// copies the common prefix and suffix and inserts the middle. Finding them is two byte
// comparisons, where the general encoder (delta.ts) hashes every 16 bytes of the base and slides
// over the whole target: for a 10,000-entry tree (~440 KB) that was most of a 1-file commit's
// time in the Durable Object.

import { DeltaWriter } from './delta-writer';

/**
 * A delta turning `base` into `target` that copies their common prefix and suffix and inserts
 * what lies between, or null if that middle is longer than `maxInsert` bytes (an edit in many
 * places: the general encoder does better) or the copies would be too short to pay.
 */
export function spliceDelta(base: Uint8Array, target: Uint8Array, maxInsert: number): Uint8Array | null {
  const limit = Math.min(base.length, target.length);
  let pre = 0;
  while (pre < limit && base[pre] === target[pre]) pre++;
  let suf = 0;
  while (suf < limit - pre && base[base.length - 1 - suf] === target[target.length - 1 - suf]) suf++;
  const middle = target.length - pre - suf;
  if (middle > maxInsert || pre + suf < 64) return null;
  const w = new DeltaWriter(base.length, target.length, middle + 32);
  w.copy(0, pre);
  w.insert(target, pre, pre + middle);
  w.copy(base.length - suf, suf);
  return w.finish();
}
