// A zlib stream made a piece at a time (deflate-pieces.ts) inflates, with node:zlib and with our
// own pack inflater, to exactly the data, and compresses about as well as one call.
import { describe, expect, it } from 'vitest';
import * as zlib from 'node:zlib';
import { accel } from '../../../src/codec';
import { DeflatePieces } from '../../../src/codec/deflate-pieces';

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o), (o += p.length));
  return out;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sample(n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    // text-like: words from a small alphabet, some random bytes
    out[i] = i % 97 < 90 ? 97 + ((x >>> 16) % 8) : (x >>> 24) & 0xff;
  }
  return out;
}

describe('DeflatePieces', () => {
  for (const [n, piece] of [[0, 1024], [1, 1024], [70_000, 65_536], [3_000_000, 1 << 20], [1 << 20, 1 << 20]] as const) {
    it(`${n} bytes in pieces of ${piece}: inflates to the data`, () => {
      const data = sample(n);
      const d = new DeflatePieces();
      for (let at = 0; at < n; at += piece) d.push(data.subarray(at, Math.min(n, at + piece)));
      const z = concat(d.finish());
      expect(z.length).toBe(d.bytes);
      expect(same(new Uint8Array(zlib.inflateSync(z)), data)).toBe(true);
      const ours = accel.inflateAt(z, 0, n);
      expect(same(ours.data, data)).toBe(true);
      expect(ours.consumed).toBe(z.length);
      if (n >= 1 << 20) expect(z.length).toBeLessThan(zlib.deflateSync(data).length * 1.05 + 64);
    });
  }
});
