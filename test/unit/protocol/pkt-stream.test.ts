import { describe, expect, it } from 'vitest';
import { PktStream } from '../../../src/protocol/pkt-stream';
import { concatBytes, FLUSH, pkt } from '../../../src/protocol/pktline';

/** A stream handing `bytes` over in pieces of the given sizes (cycled). */
function pieces(bytes: Uint8Array, sizes: number[]): ReadableStream<Uint8Array> {
  let at = 0;
  let k = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (at >= bytes.length) return c.close();
      const n = sizes[k++ % sizes.length];
      c.enqueue(bytes.slice(at, at + n));
      at += n;
    },
  });
}

describe('PktStream', () => {
  it('reads packets that straddle many small pieces, then the raw rest', async () => {
    const big = new Uint8Array(65516).map((_, i) => (i * 7) & 255);
    const tail = new Uint8Array(10_000).map((_, i) => i & 255);
    const wire = concatBytes([pkt('hello\n'), pkt(big), FLUSH, pkt('x'), tail]);
    for (const sizes of [[1], [3, 4096, 7], [4096], [wire.length]]) {
      const s = new PktStream(pieces(wire, sizes));
      const a = await s.need('hello');
      expect(a.kind === 'data' && new TextDecoder().decode(a.data)).toBe('hello\n');
      const b = await s.need('big');
      expect(b.kind).toBe('data');
      expect(b.kind === 'data' && b.data.length).toBe(big.length);
      expect(b.kind === 'data' && b.data.every((v, i) => v === big[i])).toBe(true);
      expect((await s.need('flush')).kind).toBe('flush');
      const x = await s.need('x');
      expect(x.kind === 'data' && x.data[0]).toBe(0x78);
      const rest: Uint8Array[] = [];
      for await (const c of s.rest()) rest.push(c);
      expect([...concatBytes(rest)]).toEqual([...tail]);
    }
  });

  it('reports a packet cut off by the end of the stream', async () => {
    const wire = pkt(new Uint8Array(5000)).subarray(0, 3000);
    const s = new PktStream(pieces(wire, [100]));
    await expect(s.packet()).rejects.toThrow(/truncated pkt-line/);
  });
});
