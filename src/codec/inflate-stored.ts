// A zlib stream made only of stored blocks (what deflaters write for incompressible data:
// binaries, images, compressed archives) is its bytes with a 5-byte header every <= 64 KiB, so
// it is "inflated" by copying them out and checking the Adler-32 trailer. Packs carry such
// objects above the Wasm walker's size limit (a 13 KB binary per commit in the large bench
// repository) to the native path, whose inflate must find where the stream ends: it inflated
// each object twice (the second time to confirm the trailer it found) and was ~10% of the large
// pack's ingest in a profile.
//
// Anything else (a compressed block, a header or length that does not check out, a stream cut
// short, a size other than the declared one) returns null and the caller inflates as before,
// so errors keep their wording: this only ever answers for a well-formed stored-only stream,
// with the bytes and length the general inflate gives it.

/**
 * Inflates the stored-only zlib stream at buf[offset], which must produce exactly expectedSize
 * bytes: its data and the compressed length, or null for anything else (see the file comment).
 */
export function inflateStored(
  buf: Uint8Array,
  offset: number,
  expectedSize: number,
  adler32: (data: Uint8Array) => number,
  into?: Uint8Array,
): { data: Uint8Array; consumed: number } | null {
  const n = buf.length;
  let q = offset;
  if (q + 2 > n) return null;
  const cmf = buf[q];
  const flg = buf[q + 1];
  // deflate (CM 8) with a window zlib accepts (CINFO <= 7), no preset dictionary, header check
  if ((cmf & 15) !== 8 || cmf >> 4 > 7 || (flg & 0x20) !== 0 || ((cmf << 8) | flg) % 31 !== 0) return null;
  q += 2;
  // `into`: the caller's buffer when large enough (the data is then a view of it).
  const out = into !== undefined && into.length >= expectedSize ? into.subarray(0, expectedSize) : new Uint8Array(expectedSize);
  let produced = 0;
  for (;;) {
    if (q + 5 > n) return null;
    const head = buf[q];
    if (((head >> 1) & 3) !== 0) return null; // not a stored block
    const len = buf[q + 1] | (buf[q + 2] << 8);
    const nlen = buf[q + 3] | (buf[q + 4] << 8);
    if ((len ^ 0xffff) !== nlen) return null;
    q += 5;
    if (q + len > n || produced + len > expectedSize) return null;
    out.set(buf.subarray(q, q + len), produced);
    produced += len;
    q += len;
    if (head & 1) break; // the final block
  }
  if (produced !== expectedSize || q + 4 > n) return null;
  const ad = adler32(out);
  if (buf[q] !== ad >>> 24 || buf[q + 1] !== ((ad >>> 16) & 0xff) || buf[q + 2] !== ((ad >>> 8) & 0xff) || buf[q + 3] !== (ad & 0xff)) {
    return null;
  }
  return { data: out, consumed: q + 4 - offset };
}
