// Differential tests: wasmInflateAt (zig/inflate.zig) against inflateAt
// (src/codec/inflate.ts, node:zlib) on generated and hostile zlib streams.
// Both must return identical bytes and consumed counts, or throw the same
// error class with the same message.
import * as zlib from 'node:zlib';
import { describe as suite, expect, it } from 'vitest';
import { inflateAt } from '../../../../src/codec/inflate';
import { NeedMoreInput, PackError } from '../../../../src/codec/errors';
import { wasmInflateAt } from '../../../../src/codec';
import {
  BitWriter,
  concat,
  describe,
  fixedLit,
  hexOf,
  outcome,
  randomBytes,
  repeatBytes,
  rng,
  sameBytes,
  textBytes,
  zlibWrap,
} from './helpers';

type R = { data: Uint8Array; consumed: number };

/** Compares both implementations on one input; returns a description of any difference. */
function diff(buf: Uint8Array, offset: number, size: number): string | null {
  const t = outcome<R>(() => inflateAt(buf, offset, size));
  const w = outcome<R>(() => wasmInflateAt(buf, offset, size));
  if (t.ok && w.ok) {
    if (t.value.consumed !== w.value.consumed) return `consumed ${w.value.consumed} vs ts ${t.value.consumed}`;
    if (!sameBytes(t.value.data, w.value.data)) return 'different bytes';
    if (w.value.data.constructor !== Uint8Array) return 'not a plain Uint8Array';
    return null;
  }
  if (!t.ok && !w.ok) {
    if (t.error === w.error && t.message === w.message) return null;
    return `wasm ${w.error}: ${w.message} | ts ${t.error}: ${t.message}`;
  }
  return `wasm ${w.ok ? 'ok' : `${w.error}: ${w.message}`} | ts ${t.ok ? 'ok' : `${t.error}: ${t.message}`}`;
}

/** Runs diff over many cases and fails with the first few differences. */
class Diffs {
  readonly found: string[] = [];
  count = 0;
  check(label: string, buf: Uint8Array, offset: number, size: number): void {
    this.count++;
    const d = diff(buf, offset, size);
    if (d === null) return;
    // The first difference carries the whole input, to reproduce it.
    const input = this.found.length === 0 ? hexOf(buf.subarray(offset, offset + 4000)) : describe(buf.subarray(offset));
    this.found.push(`${label} [${input}, size ${size}]: ${d}`);
  }
  assert(): void {
    expect(this.found.slice(0, 8), `${this.found.length} of ${this.count} cases differ`).toEqual([]);
  }
}

const u8 = (b: Uint8Array) => new Uint8Array(b.buffer, b.byteOffset, b.length);
const deflate = (d: Uint8Array, o?: zlib.ZlibOptions) => u8(zlib.deflateSync(d, o));

const rand = rng(7);
const KINDS: Record<string, (n: number) => Uint8Array> = {
  random: (n) => randomBytes(n, rand),
  text: (n) => textBytes(n, rand),
  zeros: (n) => new Uint8Array(n),
  lowEntropy: (n) => randomBytes(n, rand, 0x03),
  repeats: (n) => repeatBytes(n, rand),
};
const SIZES = [0, 1, 2, 3, 15, 100, 257, 511, 512, 513, 1000, 4095, 4096, 16384, 65535, 65536, 65537, 200_000];

suite('wasmInflateAt matches inflateAt on valid streams', () => {
  it('every level, every strategy, many sizes and kinds of data', () => {
    const d = new Diffs();
    const configs: zlib.ZlibOptions[] = [];
    for (let level = 0; level <= 9; level++) configs.push({ level });
    for (const strategy of [1, 2, 3, 4]) for (const level of [1, 6, 9]) configs.push({ level, strategy });
    for (const n of SIZES) {
      for (const [kind, gen] of Object.entries(KINDS)) {
        const data = gen(n);
        for (const o of configs) {
          const z = deflate(data, o);
          d.check(`${kind} ${n} ${JSON.stringify(o)}`, z, 0, n);
        }
      }
    }
    d.assert();
    expect(d.count).toBe(SIZES.length * 5 * 22);
  });

  it('window sizes and memory levels (zlib headers with other CINFO, more blocks)', () => {
    const d = new Diffs();
    for (const windowBits of [9, 10, 12, 15]) {
      for (const memLevel of [1, 4, 9]) {
        for (const n of [0, 700, 70_000]) {
          const data = textBytes(n, rand);
          d.check(`wb ${windowBits} ml ${memLevel} ${n}`, deflate(data, { windowBits, memLevel }), 0, n);
          d.check(`wb ${windowBits} ml ${memLevel} ${n} stored`, deflate(data, { windowBits, memLevel, level: 0 }), 0, n);
        }
      }
    }
    d.assert();
  });

  it('multi-megabyte objects (random, text, zeros, repeats)', () => {
    const d = new Diffs();
    for (const [kind, n] of [['random', 3 << 20], ['text', 4 << 20], ['zeros', 8 << 20], ['repeats', 3 << 20]] as const) {
      const data = KINDS[kind](n);
      for (const level of [1, 6]) {
        const z = deflate(data, { level });
        d.check(`${kind} ${n} level ${level}`, concat(z, randomBytes(9, rand)), 0, n);
      }
    }
    d.assert();
  });

  it('at an offset, with trailing bytes, and through a pack of concatenated streams', () => {
    const d = new Diffs();
    const objects = Array.from({ length: 300 }, (_, i) => KINDS[Object.keys(KINDS)[i % 5]](rand() % 5000));
    const zs = objects.map((o, i) => deflate(o, { level: i % 10 }));
    const pack = concat(randomBytes(12, rand), ...zs, randomBytes(20, rand));
    let at = 12;
    for (let i = 0; i < objects.length; i++) {
      d.check(`object ${i}`, pack, at, objects[i].length);
      const r = wasmInflateAt(pack, at, objects[i].length);
      expect(r.consumed).toBe(zs[i].length);
      at += r.consumed;
    }
    expect(at).toBe(pack.length - 20);
    d.assert();
  });

  it('hand-made streams: empty stored blocks, many tiny blocks, a single-code distance tree', () => {
    const d = new Diffs();
    // 200 empty stored blocks then a final fixed block with "hi".
    const w = new BitWriter();
    for (let i = 0; i < 200; i++) w.bits(0, 3).align().bits(0, 16).bits(0xffff, 16);
    w.bits(1, 1).bits(1, 2);
    fixedLit(w, 104);
    fixedLit(w, 105);
    fixedLit(w, 256);
    const hi = new TextEncoder().encode('hi');
    d.check('empty stored blocks', zlibWrap(w.bytesOut(), hi), 0, 2);
    // Z_SYNC_FLUSH-style output: deflateSync with many flushes is not possible,
    // so concatenate raw deflate of pieces with non-final headers.
    const parts = Array.from({ length: 50 }, () => textBytes(rand() % 100, rand));
    const whole = concat(...parts);
    const body = new BitWriter();
    for (let i = 0; i < parts.length; i++) {
      body.bits(i === parts.length - 1 ? 1 : 0, 1).bits(1, 2);
      for (const b of parts[i]) fixedLit(body, b);
      fixedLit(body, 256);
    }
    d.check('50 fixed blocks', zlibWrap(body.bytesOut(), whole), 0, whole.length);
    d.assert();
  });
});

suite('wasmInflateAt matches inflateAt on hostile streams', () => {
  const small = [
    new Uint8Array(0),
    new TextEncoder().encode('hello hello hello hello hello hello'),
    textBytes(300, rand),
    randomBytes(200, rand),
    repeatBytes(600, rand),
  ];
  const streams = small.flatMap((data) => [0, 1, 6, 9].map((level) => ({ data, z: deflate(data, { level }) })));

  it('truncated at every byte', () => {
    const d = new Diffs();
    for (const { data, z } of streams) {
      for (let cut = 0; cut < z.length; cut++) d.check(`cut ${cut}/${z.length}`, z.subarray(0, cut), 0, data.length);
    }
    const big = textBytes(100_000, rand);
    const zb = deflate(big);
    for (let cut = 0; cut < zb.length; cut += 97) d.check(`big cut ${cut}`, zb.subarray(0, cut), 0, big.length);
    d.assert();
    expect(() => wasmInflateAt(streams[4].z.subarray(0, 10), 0, streams[4].data.length)).toThrow(NeedMoreInput);
  });

  it('every single-bit flip of small streams', () => {
    const d = new Diffs();
    for (const { data, z } of streams.filter((_, i) => i % 2 === 1)) {
      for (let bit = 0; bit < z.length * 8; bit++) {
        const bad = z.slice();
        bad[bit >> 3] ^= 1 << (bit & 7);
        d.check(`flip ${bit}`, concat(bad, new Uint8Array([1, 2, 3])), 0, data.length);
        d.check(`flip ${bit} (no tail)`, bad, 0, data.length);
      }
    }
    d.assert();
    expect(d.count).toBeGreaterThan(10_000);
  });

  it('bad Adler-32 and every possible 2-byte header', () => {
    const d = new Diffs();
    const { data, z } = streams[5];
    for (let i = 1; i <= 4; i++) {
      const bad = z.slice();
      bad[z.length - i] ^= 0x40;
      d.check(`adler byte ${i}`, bad, 0, data.length);
    }
    for (let h = 0; h < 65536; h++) {
      const bad = z.slice();
      bad[0] = h >> 8;
      bad[1] = h & 0xff;
      d.check(`header ${h.toString(16)}`, bad, 0, data.length);
    }
    d.assert();
    expect(() => wasmInflateAt(concat(new Uint8Array([0x78, 0x9d]), z.subarray(2)), 0, data.length)).toThrow(
      /corrupt zlib stream at offset 0: incorrect header check/,
    );
  });

  it('random bytes after a valid header (fuzz)', () => {
    const d = new Diffs();
    for (let i = 0; i < 20_000; i++) {
      const n = 1 + (rand() % 64);
      const buf = concat(new Uint8Array([0x78, 0x9c]), randomBytes(n, rand));
      d.check(`fuzz ${i}`, buf, 0, rand() % 3 === 0 ? rand() % 2000 : rand() % 40);
    }
    d.assert();
  });

  it('mutated dynamic-block headers (fuzz)', () => {
    const d = new Diffs();
    const data = textBytes(2000, rand);
    const z = deflate(data, { level: 9 });
    for (let i = 0; i < 20_000; i++) {
      const bad = z.slice();
      const flips = 1 + (rand() % 3);
      for (let k = 0; k < flips; k++) bad[2 + (rand() % 60)] ^= 1 << rand() % 8;
      d.check(`mutation ${i}`, bad, 0, data.length);
    }
    d.assert();
  });

  it('hand-made corrupt blocks', () => {
    const d = new Diffs();
    const blocks: [string, (w: BitWriter) => void][] = [
      ['distance too far back', (w) => { w.bits(1, 1).bits(1, 2); fixedLit(w, 97); fixedLit(w, 257); w.code(4, 5); fixedLit(w, 256); }],
      ['distance just in range', (w) => { w.bits(1, 1).bits(1, 2); fixedLit(w, 97); fixedLit(w, 257); w.code(0, 5); fixedLit(w, 256); }],
      ['literal/length code 286', (w) => { w.bits(1, 1).bits(1, 2); fixedLit(w, 97); fixedLit(w, 286); }],
      ['literal/length code 287', (w) => { w.bits(1, 1).bits(1, 2); fixedLit(w, 287); }],
      ['distance code 30', (w) => { w.bits(1, 1).bits(1, 2); fixedLit(w, 97); fixedLit(w, 257); w.code(30, 5); }],
      ['distance code 31', (w) => { w.bits(1, 1).bits(1, 2); fixedLit(w, 97); fixedLit(w, 257); w.code(31, 5); }],
      ['block type 3', (w) => { w.bits(1, 1).bits(3, 2); }],
      ['stored length mismatch', (w) => { w.bits(1, 1).bits(0, 2).align().bits(5, 16).bits(5, 16); }],
      ['stored block cut short', (w) => { w.bits(1, 1).bits(0, 2).align().bits(5, 16).bits(~5 & 0xffff, 16).bits(0x41, 8); }],
      ['no final block', (w) => { w.bits(0, 1).bits(1, 2); fixedLit(w, 256); }],
      ['nlen 287', (w) => { w.bits(1, 1).bits(2, 2).bits(30, 5).bits(0, 5).bits(0, 4); }],
      ['ndist 31', (w) => { w.bits(1, 1).bits(2, 2).bits(0, 5).bits(30, 5).bits(0, 4); }],
      ['code-length code over-subscribed', (w) => { w.bits(1, 1).bits(2, 2).bits(0, 5).bits(0, 5).bits(15, 4); for (let i = 0; i < 19; i++) w.bits(1, 3); }],
      ['code-length code incomplete', (w) => { w.bits(1, 1).bits(2, 2).bits(0, 5).bits(0, 5).bits(0, 4); w.bits(1, 3).bits(0, 3).bits(0, 3).bits(0, 3); }],
      ['all code-length code lengths zero', (w) => { w.bits(1, 1).bits(2, 2).bits(0, 5).bits(0, 5).bits(0, 4); for (let i = 0; i < 4; i++) w.bits(0, 3); for (let i = 0; i < 40; i++) w.bits(0, 8); }],
    ];
    // Dynamic blocks from explicit code lengths. The code-length code gives
    // symbols 0..15 length 4 (a complete code in which symbol s is "s" in 4
    // bits) and 16..18 nothing, so each length is written as itself.
    const dyn = (lit: number[], dist: number[], tail: (w: BitWriter) => void) => (w: BitWriter) => {
      w.bits(1, 1).bits(2, 2).bits(lit.length - 257, 5).bits(dist.length - 1, 5).bits(19 - 4, 4);
      const order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
      for (const s of order) w.bits(s <= 15 ? 4 : 0, 3);
      for (const l of [...lit, ...dist]) w.code(l, 4); // code of symbol l is l itself (canonical, all length 4)
      tail(w);
    };
    const litOnlyEob = Array.from({ length: 257 }, (_, i) => (i === 256 ? 1 : 0));
    const litAEob = Array.from({ length: 257 }, (_, i) => (i === 256 || i === 97 ? 1 : 0));
    // 'a' = 00, 'b' = 01, end-of-block = 10, length 3 = 11.
    const litAEobLen = Array.from({ length: 258 }, (_, i) => (i === 256 || i === 97 || i === 98 || i === 257 ? 2 : 0));
    blocks.push(
      ['missing end-of-block code', dyn(Array.from({ length: 257 }, (_, i) => (i === 97 ? 1 : 0)), [1], () => {})],
      ['only end-of-block (incomplete 1-bit code)', dyn(litOnlyEob, [0], (w) => w.bits(0, 1))],
      ['only end-of-block, then the unused 1-bit code', dyn(litOnlyEob, [0], (w) => w.bits(1, 1))],
      ['literal set over-subscribed', dyn(Array.from({ length: 257 }, (_, i) => (i < 3 || i === 256 ? 1 : 0)), [1], () => {})],
      ['literal set incomplete', dyn(Array.from({ length: 257 }, (_, i) => (i === 256 || i === 97 || i === 98 ? 2 : 0)), [1], () => {})],
      ['distance set incomplete', dyn(litAEob, [2, 2, 2], () => {})],
      ['distance set over-subscribed', dyn(litAEob, [1, 1, 1], () => {})],
      ['no distance codes, none used', dyn(litAEob, [0], (w) => w.bits(0, 1).bits(1, 1))],
      ['no distance codes, one needed', dyn(litAEobLen, [0], (w) => w.code(0, 2).code(3, 2).bits(0, 1).bits(0, 8))],
      ['single distance code, used', dyn(litAEobLen, [1], (w) => w.code(0, 2).code(3, 2).bits(0, 1).code(2, 2))],
      ['single distance code, unused pattern', dyn(litAEobLen, [1], (w) => w.code(0, 2).code(3, 2).bits(1, 1).code(2, 2))],
    );
    for (const [name, make] of blocks) {
      const w = new BitWriter();
      make(w);
      const body = w.bytesOut();
      for (const header of [[0x78, 0x9c], [0x78, 0x01], [0x08, 0x1d]]) {
        const z = concat(new Uint8Array(header), body, new Uint8Array([0, 0, 0, 1]));
        for (const size of [0, 1, 2, 4, 6, 100, 600]) {
          d.check(`${name} ${size}`, z, 0, size);
          d.check(`${name} ${size} +tail`, concat(z, randomBytes(40, rand)), 0, size);
          for (let cut = 0; cut < z.length; cut++) d.check(`${name} ${size} cut ${cut}`, z.subarray(0, cut), 0, size);
        }
      }
    }
    d.assert();
  });

  it('streams longer than declared, cut or corrupted past the declared size (where zlib notices the overflow)', () => {
    const d = new Diffs();
    for (const [kind, n] of [['text', 70_000], ['random', 70_000], ['text', 3000], ['repeats', 200_000]] as const) {
      const data = KINDS[kind](n);
      for (const level of [0, 6]) {
        const z = deflate(data, { level });
        for (const size of [300, 512, 513, 2000, n >> 1, 65_535, 65_536, n - 1]) {
          if (size >= n) continue;
          d.check(`${kind} ${n} as ${size}`, z, 0, size);
          for (let k = 1; k <= 12; k++) {
            const cut = Math.floor((z.length * k) / 13);
            d.check(`${kind} ${n} as ${size} cut ${cut}`, z.subarray(0, cut), 0, size);
            const bad = z.slice();
            bad[cut] ^= 0x10;
            d.check(`${kind} ${n} as ${size} flip at ${cut}`, bad, 0, size);
          }
        }
      }
    }
    d.assert();
  });

  it('declared sizes that are wrong, huge, or far below a zip bomb', () => {
    const d = new Diffs();
    for (const { data, z } of streams) {
      for (const size of [0, 1, data.length - 1, data.length + 1, data.length + 2, 511, 512, 513, 514, 2 ** 31 - 2, 2 ** 31 - 1, 2 ** 31, 2 ** 40, -1, 1.5, NaN]) {
        if (size !== -1 || data.length > 0) d.check(`size ${size} for ${data.length}`, z, 0, size);
      }
    }
    const bomb = deflate(new Uint8Array(50 << 20), { level: 9 });
    for (const size of [0, 100, 512, 513, 1000, 1 << 20]) d.check(`bomb ${size}`, bomb, 0, size);
    for (const size of [0, 100, 513, 1 << 20]) d.check(`cut bomb ${size}`, bomb.subarray(0, 5000), 0, size);
    d.assert();
    expect(() => wasmInflateAt(bomb, 0, 1000)).toThrow(/more than the declared 1000 bytes/);
    expect(() => wasmInflateAt(streams[4].z, 0, 1)).toThrow(PackError);
  });
});
