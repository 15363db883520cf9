// A delta for an edit in one place: the target is the base with one run of bytes replaced (a
// file added to or changed in a directory, so a tree with one entry more or different). It
// copies the common prefix and suffix and inserts the middle. Finding them is two byte
// comparisons, where the general encoder (delta.ts) hashes every 16 bytes of the base and slides
// over the whole target: for a 10,000-entry tree (~440 KB) that was most of a 1-file commit's
// time in the Durable Object.

const MAX_COPY = 0x10000; // git never emits longer copies; some decoders assume it
const MAX_INSERT = 0x7f;

function writeSize(out: number[], v: number): void {
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function copy(out: number[], off: number, len: number): void {
  for (; len > 0; ) {
    const n = Math.min(len, MAX_COPY);
    const at = out.length;
    let op = 0x80;
    out.push(0);
    for (let i = 0; i < 4; i++) {
      const b = (off >>> (8 * i)) & 0xff;
      if (b !== 0) {
        op |= 1 << i;
        out.push(b);
      }
    }
    if (n !== MAX_COPY) {
      // 0x10000 is written as no size bytes at all
      for (let i = 0; i < 3; i++) {
        const b = (n >>> (8 * i)) & 0xff;
        if (b !== 0) {
          op |= 0x10 << i;
          out.push(b);
        }
      }
    }
    out[at] = op;
    off += n;
    len -= n;
  }
}

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
  const out: number[] = [];
  writeSize(out, base.length);
  writeSize(out, target.length);
  copy(out, 0, pre);
  for (let p = pre; p < pre + middle; p += MAX_INSERT) {
    const n = Math.min(MAX_INSERT, pre + middle - p);
    out.push(n);
    for (let i = 0; i < n; i++) out.push(target[p + i]);
  }
  copy(out, base.length - suf, suf);
  return Uint8Array.from(out);
}
