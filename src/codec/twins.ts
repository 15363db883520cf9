// Pure-TS / platform twins of the Wasm functions that src/pack does not
// export as functions of their own: one-shot and streaming SHA-1 (node:crypto,
// native in workerd) and Adler-32 (a JS loop; node:zlib has no adler32).
import { createHash } from 'node:crypto';

/** Streaming SHA-1 with the subset of node:crypto's Hash that Arbor uses. */
export interface Sha1Hasher {
  update(data: Uint8Array): this;
  digest(): Uint8Array;
  digest(encoding: 'hex'): string;
}

/** Hex SHA-1 of data. */
export function sha1Ts(data: Uint8Array): string {
  return createHash('sha1').update(data).digest('hex');
}

class NodeSha1 implements Sha1Hasher {
  private readonly h = createHash('sha1');
  update(data: Uint8Array): this {
    this.h.update(data);
    return this;
  }
  digest(): Uint8Array;
  digest(encoding: 'hex'): string;
  digest(encoding?: 'hex'): Uint8Array | string {
    if (encoding === 'hex') return this.h.digest('hex');
    const b = this.h.digest();
    return new Uint8Array(b.buffer, b.byteOffset, b.length);
  }
}

export function createSha1Ts(): Sha1Hasher {
  return new NodeSha1();
}

/** Adler-32 of data continuing from `prev` (1 for a fresh checksum, as zlib). */
export function adler32Ts(data: Uint8Array, prev = 1): number {
  let a = prev & 0xffff;
  let b = prev >>> 16;
  const n = data.length;
  let i = 0;
  while (i < n) {
    const end = Math.min(i + 3800, n); // keeps b far below 2^53
    for (; i < end; i++) {
      a += data[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}
