// The Wasm pack walker (zig/pack_walk.zig, wasmWalkPack) against its twin, the TS parser's
// readEntry: PackParser in 'ts' mode parses every entry itself, in 'wasm' and 'auto' modes
// it walks what the walker takes. Same entries (offsets, CRCs, bases, bytes), correct ids where
// the walker hashed, and the same error text on hostile packs, for any way of cutting the pack.
import { afterEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { createDelta, deflate, encodeEntryHeader, encodeOfsDistance, hashObject, PackParser, typeName, type PackEntry } from '../../../../src/pack';
import { bytesToHex, setAccelerator, wasmWalkPack, Walk, type AcceleratorMode, type WalkedEntry } from '../../../../src/codec';
import { fixturePack } from '../../pack/helpers';
import { concat, randomBytes, rng, sameBytes, textBytes } from './helpers';

afterEach(() => setAccelerator('auto'));

const MODES: AcceleratorMode[] = ['ts', 'wasm', 'auto'];

function withTrailer(body: Uint8Array): Uint8Array {
  return concat(body, new Uint8Array(createHash('sha1').update(body).digest()));
}

function packOf(entries: Uint8Array[]): Uint8Array {
  const n = entries.length;
  const head = new Uint8Array([0x50, 0x41, 0x43, 0x4b, 0, 0, 0, 2, n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
  return withTrailer(concat(head, ...entries));
}

/** Blobs of 0 B .. 20 KiB (some above the walker's auto limit), commits, and ofs-deltas between them. */
function generatedPack(seed: number, count: number): Uint8Array {
  const rand = rng(seed);
  const parts: Uint8Array[] = [];
  const datas: Uint8Array[] = [];
  const offsets: number[] = [];
  let at = 12;
  for (let i = 0; i < count; i++) {
    const size = [0, 1, 50, 700, 1536, 1537, 4000, 8192, 8193, 20000][rand() % 10];
    const data = rand() % 3 === 0 ? randomBytes(size, rand) : textBytes(size, rand);
    let entry: Uint8Array;
    if (i > 0 && rand() % 2 === 0) {
      const b = rand() % i;
      const target = concat(datas[b].subarray(0, datas[b].length >> 1), data.subarray(0, 100));
      const delta = createDelta(datas[b], target);
      entry = concat(encodeEntryHeader(6, delta.length), encodeOfsDistance(at - offsets[b]), deflate(delta));
      datas.push(target);
    } else {
      const type = rand() % 7 === 0 ? 1 : 3;
      entry = concat(encodeEntryHeader(type as 1 | 3, data.length), deflate(data, rand() % 10));
      datas.push(data);
    }
    offsets.push(at);
    at += entry.length;
    parts.push(entry);
  }
  return packOf(parts);
}

type Outcome = { entries: PackEntry[]; checksum: string } | { error: string };

function parseIn(mode: AcceleratorMode, pack: Uint8Array, chunk: (i: number) => number): Outcome {
  setAccelerator(mode);
  const p = new PackParser({ maxObjectSize: 8 << 20 });
  const entries: PackEntry[] = [];
  try {
    for (let at = 0, i = 0; at < pack.length; i++) {
      const n = Math.max(1, chunk(i));
      entries.push(...p.push(pack.subarray(at, at + n)));
      at += n;
    }
    const end = p.end();
    entries.push(...end.entries);
    return { entries, checksum: end.checksum };
  } catch (e) {
    return { error: `${(e as Error).name}: ${(e as Error).message}` };
  } finally {
    setAccelerator('auto');
  }
}

function expectSame(a: Outcome, b: Outcome, what: string): void {
  if ('error' in a || 'error' in b) {
    expect('error' in b ? b.error : 'parsed', what).toBe('error' in a ? a.error : 'parsed');
    return;
  }
  expect(b.checksum).toBe(a.checksum);
  expect(b.entries.length, what).toBe(a.entries.length);
  for (let i = 0; i < a.entries.length; i++) {
    const { data, id: oid, ...rest } = a.entries[i];
    const { data: bdata, id: boid, ...brest } = b.entries[i];
    expect(brest, `${what}: entry ${i}`).toEqual(rest);
    expect(sameBytes(bdata, data), `${what}: entry ${i} bytes`).toBe(true);
    for (const id of [oid, boid]) if (id !== undefined) expect(bytesToHex(id)).toBe(hashObject(typeName(rest.type), data));
  }
}

const CUTS: Array<[string, (i: number) => number]> = [
  ['whole', () => 1 << 30],
  ['4 KiB', () => 4096],
  ['256 KiB', () => 256 << 10],
  ['1-byte', () => 1],
];

describe('Wasm pack walker vs the TS parser', () => {
  it('gives the same entries on git-made and generated packs, however they are cut', () => {
    const packs: Array<[string, Uint8Array]> = [
      ['small-ofs', fixturePack('small-ofs')],
      ['small-ref', fixturePack('small-ref')],
      ['big', fixturePack('big')],
      ['generated', generatedPack(3, 300)],
    ];
    for (const [name, pack] of packs) {
      const rand = rng(pack.length);
      const cuts: Array<[string, (i: number) => number]> = [...CUTS, ['random', () => 1 + (rand() % 9000)]];
      for (const [cut, chunk] of cuts) {
        if (cut === '1-byte' && pack.length > 200_000) continue;
        const ref = parseIn('ts', pack, chunk);
        expect('entries' in ref, `${name} ${cut}: ${'error' in ref ? ref.error : ''}`).toBe(true);
        for (const mode of ['wasm', 'auto'] as const) expectSame(ref, parseIn(mode, pack, chunk), `${name} ${cut} ${mode}`);
      }
    }
  });

  it('hashes the whole objects it walks (auto: up to 1.5 KiB; wasm: all it walks)', () => {
    const pack = generatedPack(5, 80);
    const got = (mode: AcceleratorMode) => {
      const o = parseIn(mode, pack, () => 1 << 30);
      if ('error' in o) throw new Error(o.error);
      return o.entries;
    };
    expect(got('ts').some((e) => e.id !== undefined)).toBe(false);
    const auto = got('auto');
    for (const e of auto) if (e.type <= 4) expect(e.id !== undefined, `size ${e.size}`).toBe(e.size <= 1536);
    for (const e of got('wasm')) if (e.type <= 4) expect(bytesToHex(e.id!)).toBe(hashObject(typeName(e.type), e.data));
  });

  it('reports the same error as the TS parser for every truncation and every flipped byte', () => {
    const pack = generatedPack(11, 40);
    const rand = rng(99);
    for (let k = 0; k < 400; k++) {
      const bad = pack.slice();
      const at = rand() % pack.length;
      bad[at] ^= 1 << (rand() % 8);
      for (const [cut, chunk] of [CUTS[0], CUTS[1]]) {
        const ref = parseIn('ts', bad, chunk);
        for (const mode of ['wasm', 'auto'] as const) expectSame(ref, parseIn(mode, bad, chunk), `flip ${at} ${cut} ${mode}`);
      }
    }
    for (let n = 0; n < pack.length; n += 1 + (rand() % 97)) {
      const cutPack = pack.subarray(0, n);
      const ref = parseIn('ts', cutPack, () => 4096);
      expect('error' in ref).toBe(true);
      for (const mode of ['wasm', 'auto'] as const) expectSame(ref, parseIn(mode, cutPack, () => 4096), `truncated at ${n} ${mode}`);
    }
  });

  it('hostile entries: bad types, size lies, bad ofs bases, over-long headers, stored-block padding', () => {
    const blob = (s: string) => {
      const d = new TextEncoder().encode(s);
      return concat(encodeEntryHeader(3, d.length), deflate(d));
    };
    const hello = new TextEncoder().encode('hello world');
    const cases: Array<[string, Uint8Array]> = [
      ['type 5', packOf([concat(new Uint8Array([0x51]), deflate(hello))])],
      ['type 0', packOf([concat(new Uint8Array([0x01]), deflate(hello))])],
      ['size too big', packOf([concat(encodeEntryHeader(3, 12), deflate(hello))])],
      ['size too small', packOf([concat(encodeEntryHeader(3, 10), deflate(hello))])],
      ['over maxObjectSize', packOf([concat(encodeEntryHeader(3, (8 << 20) + 1), deflate(hello))])],
      ['size header too long', packOf([new Uint8Array([0xb0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])])],
      ['ofs base 0 away', packOf([blob('a'), concat(encodeEntryHeader(6, 3), new Uint8Array([0]), deflate(new Uint8Array([1, 1, 0x01])))])],
      ['ofs base mid-entry', packOf([blob('abc'), concat(encodeEntryHeader(6, 3), encodeOfsDistance(3), deflate(new Uint8Array([3, 1, 0x11])))])],
      ['ofs base before the pack', packOf([blob('abc'), concat(encodeEntryHeader(6, 3), encodeOfsDistance(9999), deflate(new Uint8Array([3, 1, 0x11])))])],
      ['ofs distance too long', packOf([blob('abc'), concat(encodeEntryHeader(6, 3), new Uint8Array(12).fill(0xff), new Uint8Array([1]))])],
      ['more objects than declared', withTrailer(concat(packOf([blob('a')]).subarray(0, -20), blob('b')))],
      ['zip bomb', packOf([concat(encodeEntryHeader(3, 100), deflate(new Uint8Array(1 << 20)))])],
      // 20,000 empty stored blocks before the real one: a valid stream far longer than its size
      ['stored-block padding', packOf([concat(encodeEntryHeader(3, 1), new Uint8Array([0x78, 0x01]), ...new Array(20000).fill(new Uint8Array([0, 0, 0, 0xff, 0xff])), deflate(new Uint8Array([7])).subarray(2))])],
    ];
    for (const [name, pack] of cases) {
      for (const [cut, chunk] of CUTS) {
        const ref = parseIn('ts', pack, chunk);
        for (const mode of ['wasm', 'auto'] as const) expectSame(ref, parseIn(mode, pack, chunk), `${name} ${cut} ${mode}`);
      }
    }
  });

  it('stops at what it must not take and says how far to wait', () => {
    const small = textBytes(3000, rng(1));
    const big = textBytes(50_000, rng(2));
    const pack = packOf([concat(encodeEntryHeader(3, small.length), deflate(small)), concat(encodeEntryHeader(3, big.length), deflate(big))]);
    const out: WalkedEntry[] = [];
    // Walk max 8 KiB: the first entry is walked, the second is left to the TS path.
    let r = wasmWalkPack(pack, 12, pack.length, 12, 2, 1 << 30, 8192, 1536, out);
    expect(r.status).toBe(Walk.Fallback);
    expect(out.length).toBe(1);
    expect(out[0].id).toBeUndefined(); // 3000 B > hashMax
    expect(sameBytes(out[0].data, small)).toBe(true);
    // The first entry cut short: wait for half its size first (the TS parser's first try).
    out.length = 0;
    r = wasmWalkPack(pack, 12, 12 + 100, 12, 2, 1 << 30, 8192, 1 << 30, out);
    expect(r.status).toBe(Walk.Need);
    expect(r.consumed).toBe(0);
    expect(r.retryAt).toBe(3 + 1500); // a 3-byte header for 3000
    // The object count ends the walk before the trailer.
    r = wasmWalkPack(pack, 12, pack.length, 12, 1, 1 << 30, 1 << 20, 1 << 30, out);
    expect(r.status).toBe(Walk.More);
    expect(out.length).toBe(1);
    expect(bytesToHex(out[0].id!)).toBe(hashObject('blob', small));
  });

  it('copies a long window in in pieces: a walk ends early (More) where a piece ends, the next goes on', () => {
    // 40 incompressible 3000-byte blobs: ~120 KiB of window, more than one copy (32 KiB) holds.
    const rand = rng(21);
    const datas = Array.from({ length: 40 }, () => randomBytes(3000, rand));
    const pack = packOf(datas.map((d) => concat(encodeEntryHeader(3, d.length), deflate(d))));
    const out: WalkedEntry[] = [];
    let at = 12;
    let calls = 0;
    for (;;) {
      const r = wasmWalkPack(pack, at, pack.length - 20, at, 40 - out.length, 1 << 30, 8192, 1536, out);
      calls++;
      expect(r.status).toBe(Walk.More);
      expect(r.consumed).toBeGreaterThan(0);
      expect(r.consumed).toBeLessThanOrEqual(32 << 10);
      at += r.consumed;
      if (out.length === 40) break;
    }
    expect(at).toBe(pack.length - 20);
    expect(calls).toBeGreaterThan(3);
    for (let i = 0; i < 40; i++) expect(sameBytes(out[i].data, datas[i]), `entry ${i}`).toBe(true);
  });

  for (const mode of MODES) {
    it(`parses the stored-block padding pack in ${mode} mode without quadratic work`, () => {
      const pack = packOf([concat(encodeEntryHeader(3, 1), new Uint8Array([0x78, 0x01]), ...new Array(20000).fill(new Uint8Array([0, 0, 0, 0xff, 0xff])), deflate(new Uint8Array([7])).subarray(2))]);
      const o = parseIn(mode, pack, () => 512);
      expect('error' in o ? o.error : 'parsed').toMatch(/parsed|zlib/);
    });
  }
});
