import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import {
  PackParser,
  PackError,
  parsePackStream,
  buildIdxV2,
  resolvePackInMemory,
  deflate,
  encodeEntryHeader,
  encodeOfsDistance,
  bytesToHex,
  hashObject,
  typeName,
  type PackEntry,
} from '../../../src/pack';
import { concat, fixtureIdx, fixturePack, fixtures, hex, packErrorOf, rng, sameBytes } from './helpers';

function parseAll(pack: Uint8Array, chunks: number[] = [pack.length]): { entries: PackEntry[]; checksum: string } {
  const p = new PackParser();
  const entries: PackEntry[] = [];
  let at = 0;
  for (const n of chunks) {
    entries.push(...p.push(pack.subarray(at, at + n)));
    at += n;
  }
  if (at < pack.length) entries.push(...p.push(pack.subarray(at)));
  const end = p.end();
  entries.push(...end.entries);
  return { entries, checksum: end.checksum };
}

/** A pack from raw entries (header, entries, trailer) for corrupt-case tests. */
function rawPack(count: number, ...entries: Uint8Array[]): Uint8Array {
  const head = new Uint8Array([0x50, 0x41, 0x43, 0x4b, 0, 0, 0, 2, count >>> 24, (count >>> 16) & 255, (count >>> 8) & 255, count & 255]);
  const body = concat(head, ...entries);
  return concat(body, new Uint8Array(createHash('sha1').update(body).digest()));
}

function withTrailer(body: Uint8Array): Uint8Array {
  return concat(body, new Uint8Array(createHash('sha1').update(body).digest()));
}

const blobEntry = (text: string) => {
  const data = new TextEncoder().encode(text);
  return concat(encodeEntryHeader(3, data.length), deflate(data));
};

describe('PackParser on git-made packs', () => {
  for (const name of ['small-ofs', 'small-ref', 'big']) {
    it(`${name}: entries match git verify-pack and our idx equals git's byte for byte`, () => {
      const fx = fixtures[name];
      const pack = fixturePack(name);
      const { entries, checksum } = parseAll(pack);
      expect(checksum).toBe(fx.checksum);
      expect(entries.length).toBe(fx.objects.length);
      for (let i = 0; i < entries.length; i++) {
        const e = entries[i];
        const x = fx.objects[i];
        expect(e.offset).toBe(x.offset);
        expect(e.end - e.offset).toBe(x.sizeInPack);
        expect(e.size).toBe(x.size);
        expect(e.data.length).toBe(x.size);
        if (x.depth) {
          expect(e.type).toBe(name === 'small-ref' ? 7 : 6);
        } else {
          expect(['commit', 'tree', 'blob', 'tag'][e.type - 1]).toBe(x.type);
        }
        if (i + 1 < entries.length) expect(e.end).toBe(entries[i + 1].offset);
      }
      expect(entries[entries.length - 1].end).toBe(pack.length - 20);

      const resolved = resolvePackInMemory(pack);
      const byOffset = new Map(resolved.objects.map((o) => [o.offset, o]));
      for (const x of fx.objects) {
        const o = byOffset.get(x.offset)!;
        expect(o.oid).toBe(x.oid);
        expect(o.type).toBe(x.type);
        expect(o.depth).toBe(x.depth ?? 0);
        if (x.baseOid) expect(o.baseOid).toBe(x.baseOid);
      }
      const idx = buildIdxV2(
        resolved.objects.map((o) => ({ oid: o.oid, offset: o.offset, crc32: o.crc32 })),
        checksum,
      );
      expect(hex(idx)).toBe(hex(fixtureIdx(name)));
    });
  }

  it('delta entries carry their base offset / base oid', () => {
    const ofs = parseAll(fixturePack('small-ofs')).entries;
    const offsets = new Set(ofs.map((e) => e.offset));
    const deltas = ofs.filter((e) => e.type === 6);
    expect(deltas.length).toBeGreaterThan(0);
    for (const d of deltas) {
      expect(offsets.has(d.baseOffset!)).toBe(true);
      expect(d.baseOffset!).toBeLessThan(d.offset);
    }
    const ref = parseAll(fixturePack('small-ref')).entries;
    const refDeltas = ref.filter((e) => e.type === 7);
    expect(refDeltas.length).toBeGreaterThan(0);
    for (const d of refDeltas) expect(d.baseOid).toMatch(/^[0-9a-f]{40}$/);
  });

  it('keepCompressed returns the exact zlib bytes of each entry', () => {
    const pack = fixturePack('small-ofs');
    const p = new PackParser({ keepCompressed: true });
    const entries = [...p.push(pack), ...p.end().entries];
    for (const e of entries) expect(sameBytes(e.compressed!, pack.subarray(e.dataOffset, e.end))).toBe(true);
  });
});

describe('PackParser chunking', () => {
  const pack = fixturePack('small-ofs');
  const reference = parseAll(pack).entries;

  function sameEntries(got: PackEntry[]): void {
    expect(got.length).toBe(reference.length);
    for (let i = 0; i < got.length; i++) {
      // The Wasm walker hands over an id for the whole objects it hashed (which ones depends
      // on how the pack was cut); where it does, the id must be the object's.
      const { data, id: oid, ...rest } = got[i];
      const { data: rdata, id: roid, ...rrest } = reference[i];
      expect(rest).toEqual(rrest);
      expect(sameBytes(data, rdata)).toBe(true);
      for (const id of [oid, roid]) if (id !== undefined) expect(bytesToHex(id)).toBe(hashObject(typeName(rest.type), data));
    }
  }

  it('gives identical entries when the pack is split in two at every byte boundary', () => {
    for (let k = 0; k <= pack.length; k++) {
      const got = parseAll(pack, [k]).entries;
      if (got.length !== reference.length) throw new Error(`split at ${k}: ${got.length} entries`);
      for (let i = 0; i < got.length; i++) {
        if (got[i].offset !== reference[i].offset || got[i].crc32 !== reference[i].crc32 || !sameBytes(got[i].data, reference[i].data)) {
          throw new Error(`split at ${k}: entry ${i} differs`);
        }
      }
    }
  });

  it('works with 1-byte chunks', () => {
    sameEntries(parseAll(pack, new Array(pack.length).fill(1)).entries);
  });

  it('works with random chunk sizes, and emits entries before end()', () => {
    const rand = rng(7);
    for (let round = 0; round < 20; round++) {
      const sizes: number[] = [];
      for (let n = 0; n < pack.length; ) {
        const s = 1 + (rand() % 700);
        sizes.push(s);
        n += s;
      }
      const p = new PackParser();
      const got: PackEntry[] = [];
      let at = 0;
      for (const s of sizes) {
        got.push(...p.push(pack.subarray(at, at + s)));
        at += s;
      }
      expect(got.length).toBeGreaterThan(reference.length / 2);
      got.push(...p.end().entries);
      sameEntries(got);
    }
  });

  it('handles the big pack in 1 KiB..1 MiB chunks without quadratic retries', () => {
    const big = fixturePack('big');
    const ref = parseAll(big).entries;
    for (const size of [1024, 4096, 65536, 1 << 20]) {
      const chunks = new Array(Math.ceil(big.length / size)).fill(size);
      const got = parseAll(big, chunks).entries;
      expect(got.map((e) => [e.offset, e.crc32])).toEqual(ref.map((e) => [e.offset, e.crc32]));
    }
  });

  it('does not keep a reference to caller chunks (they may be reused)', () => {
    const p = new PackParser();
    const scratch = new Uint8Array(100);
    const got: PackEntry[] = [];
    for (let at = 0; at < pack.length; at += 100) {
      const n = Math.min(100, pack.length - at);
      scratch.set(pack.subarray(at, at + n));
      got.push(...p.push(scratch.subarray(0, n)));
      scratch.fill(0xee);
    }
    got.push(...p.end().entries);
    sameEntries(got);
  });

  it('parsePackStream yields the same entries and returns the checksum', async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let at = 0; at < pack.length; at += 333) c.enqueue(pack.slice(at, at + 333));
        c.close();
      },
    });
    const gen = parsePackStream(stream);
    const got: PackEntry[] = [];
    let r = await gen.next();
    while (!r.done) {
      got.push(r.value);
      r = await gen.next();
    }
    sameEntries(got);
    expect(r.value).toBe(fixtures['small-ofs'].checksum);
  });

  it('parses an empty pack', () => {
    const empty = rawPack(0);
    const p = new PackParser();
    expect(p.push(empty)).toEqual([]);
    expect(p.end().checksum).toBe(hex(empty.subarray(12)));
    expect(p.objectCount).toBe(0);
  });
});

describe('PackParser errors', () => {
  const pack = fixturePack('small-ofs');
  const parse = (bytes: Uint8Array, chunk = bytes.length) =>
    packErrorOf(() => parseAll(bytes, bytes.length === 0 ? [] : new Array(Math.ceil(bytes.length / chunk)).fill(chunk)));

  it('rejects a bad signature and unsupported versions', () => {
    const bad = pack.slice();
    bad[0] = 0x51;
    expect(parse(bad)).toMatch(/not a pack: bad signature/);
    const v4 = pack.slice();
    v4[7] = 4;
    expect(parse(v4)).toMatch(/unsupported pack version 4/);
    const v3 = pack.slice();
    v3[7] = 3; // version 3 is accepted; only the checksum then differs
    expect(parse(v3)).toMatch(/checksum mismatch/);
  });

  it('reports truncation at every cut point, never hangs or returns', () => {
    for (let cut = 0; cut < pack.length; cut += cut < 200 ? 1 : 37) {
      const msg = parse(pack.subarray(0, cut));
      expect(msg).toMatch(/truncated pack/);
    }
    // And fed in small chunks too.
    for (const cut of [5, 13, 400, 2000, pack.length - 21, pack.length - 1]) {
      expect(parse(pack.subarray(0, cut), 7)).toMatch(/truncated pack/);
    }
  });

  it('rejects a bad trailer checksum', () => {
    const bad = pack.slice();
    bad[bad.length - 1] ^= 1;
    expect(parse(bad)).toMatch(/pack checksum mismatch: trailer says [0-9a-f]{40}, content hashes to [0-9a-f]{40}/);
  });

  it('rejects trailing garbage, in the same chunk or later', () => {
    expect(parse(concat(pack, new Uint8Array([1, 2, 3])))).toMatch(/unexpected data after the pack trailer/);
    const p = new PackParser();
    p.push(pack);
    expect(packErrorOf(() => p.push(new Uint8Array([0])))).toMatch(/unexpected data after the pack trailer/);
  });

  it('rejects more objects than the header declares', () => {
    const body = concat(pack.subarray(0, pack.length - 20), blobEntry('extra object'));
    const msg = parse(withTrailer(body));
    expect(msg).toMatch(/checksum mismatch|unexpected data after the pack trailer/);
  });

  it('rejects a header that declares more objects than present', () => {
    const body = pack.slice(0, pack.length - 20);
    body[11] += 1;
    expect(parse(withTrailer(body))).toMatch(/truncated pack|object at offset/);
  });

  it('rejects corrupt zlib data', () => {
    const entries = parseAll(pack).entries;
    const e = entries[3];
    const bad = pack.slice(0, pack.length - 20);
    bad[e.dataOffset + 3] ^= 0x55;
    const msg = parse(withTrailer(bad));
    expect(msg).toMatch(new RegExp(`object at offset ${e.offset}: (corrupt zlib stream|zlib stream inflates to|zlib stream inflated to)`));
  });

  it('flipping any single byte of the pack never goes unnoticed', () => {
    for (let i = 0; i < pack.length; i += 11) {
      const bad = pack.slice();
      bad[i] ^= 0x20;
      expect(() => parseAll(bad)).toThrow(PackError);
    }
  });

  it('rejects invalid type numbers', () => {
    const data = new TextEncoder().encode('x');
    const e = concat(new Uint8Array([(5 << 4) | 1]), deflate(data));
    expect(parse(rawPack(1, e))).toMatch(/object at offset 12: invalid type 5/);
    const z = concat(new Uint8Array([(0 << 4) | 1]), deflate(data));
    expect(parse(rawPack(1, z))).toMatch(/invalid type 0/);
  });

  it('rejects a size that does not match the inflated data', () => {
    const data = new TextEncoder().encode('hello world');
    const tooBig = concat(encodeEntryHeader(3, 12), deflate(data));
    expect(parse(rawPack(1, tooBig))).toMatch(/inflated to 11 bytes, header says 12/);
    const tooSmall = concat(encodeEntryHeader(3, 10), deflate(data));
    expect(parse(rawPack(1, tooSmall))).toMatch(/inflated to 11 bytes, header says 10|inflates to more than the declared 10 bytes/);
  });

  it('stops a zip bomb at the declared size', () => {
    const bomb = deflate(new Uint8Array(64 << 20)); // 64 MiB of zeros in ~65 KB
    const e = concat(encodeEntryHeader(3, 100), bomb);
    expect(parse(rawPack(1, e))).toMatch(/inflates to more than the declared 100 bytes/);
    const big = concat(encodeEntryHeader(3, 20000), bomb); // also on the large-object path
    expect(parse(rawPack(1, big))).toMatch(/inflates to more than the declared 20000 bytes/);
  });

  it('rejects a header that claims a huge size for a tiny stream, without allocating it', () => {
    const e = concat(encodeEntryHeader(3, 1_500_000_000), deflate(new TextEncoder().encode('tiny')));
    expect(parse(rawPack(1, e))).toMatch(/inflated to 4 bytes, header says 1500000000/);
    expect(parse(rawPack(1, e), 3)).toMatch(/inflated to 4 bytes, header says 1500000000/);
  });

  it('rejects ofs-delta bases that are not earlier entries', () => {
    const first = blobEntry('base object');
    const delta = deflate(new Uint8Array([11, 11, 0x90, 11]));
    // distance 1: points into the middle of the first entry
    const mid = concat(encodeEntryHeader(6, 4), encodeOfsDistance(1), delta);
    expect(parse(rawPack(2, first, mid))).toMatch(/ofs-delta at offset \d+: base offset \d+ is not the start of an earlier object/);
    // distance beyond the start of the pack
    const before = concat(encodeEntryHeader(6, 4), encodeOfsDistance(first.length + 100), delta);
    expect(parse(rawPack(2, first, before))).toMatch(/base offset -\d+ is not the start/);
    // distance 0 (itself) cannot be encoded by encodeOfsDistance; write the byte directly
    const self = concat(encodeEntryHeader(6, 4), new Uint8Array([0]), delta);
    expect(parse(rawPack(2, first, self))).toMatch(/is not the start of an earlier object/);
    // a correct one parses
    const ok = concat(encodeEntryHeader(6, 4), encodeOfsDistance(first.length), delta);
    const r = resolvePackInMemory(rawPack(2, first, ok));
    expect(new TextDecoder().decode(r.objects[1].data)).toBe('base object');
  });

  it('honours maxObjectSize', () => {
    const p = new PackParser({ maxObjectSize: 100 });
    expect(packErrorOf(() => p.push(rawPack(1, blobEntry('x'.repeat(101)))))).toMatch(/size 101 exceeds the limit of 100/);
  });

  it('stays failed after an error', () => {
    const bad = pack.slice();
    bad[0] = 0;
    const p = new PackParser();
    expect(() => p.push(bad)).toThrow(PackError);
    expect(() => p.push(pack)).toThrow(/bad signature/);
    expect(() => p.end()).toThrow(/bad signature/);
  });
});
