// Delta bombs at the unit level, inside workerd: a delta whose header declares a result past the
// per-object limit is refused on its header, before its base is rebuilt or its result allocated
// (the message names the declared size: the old code only noticed after the bytes existed), on
// every path a delta takes through the ingest (straight away, deferred, thin-pack base, rebuilt
// chain), and a pack whose deltas together make too much is refused by the resolve budget. Each
// refused ingest leaves storage exactly as it was.
import { describe, expect, it } from 'vitest';
import { applyDelta, checkDeltaHeader, type PackWriter } from '../../../src/pack';
import { wasmApplyDelta, wasmMemoryBytes } from '../../../src/codec';
import { IngestError, type RepoStore } from '../../../src/storage/repo-store';
import { DEFAULT_RESOLVE_LIMITS, ResolveBudget, type ResolveLimits } from '../../../src/storage/delta-limits';
import { blob, buildPack, concat, pushPack, randomChunks, storageSnapshot, withStore, type Obj, type PackItem } from './helpers';
import { deltaVarint } from '../pack/helpers';

const KiB = 1024;
const MiB = 1024 * KiB;
const LIMIT = 64 * MiB;

const varint = deltaVarint;
/** A copy of base bytes [off, off + size), size < 2^24. */
function copy(off: number, size: number): number[] {
  let cmd = 0x80;
  const bytes: number[] = [];
  for (let i = 0; i < 4; i++) {
    const b = Math.floor(off / 2 ** (8 * i)) & 255;
    if (b) { cmd |= 1 << i; bytes.push(b); }
  }
  for (let i = 0; i < 3; i++) {
    const b = (size >>> (8 * i)) & 255;
    if (b) { cmd |= 0x10 << i; bytes.push(b); }
  }
  return [cmd, ...bytes];
}
const delta = (base: number, result: number, ops: number[][]): Uint8Array => Uint8Array.from([...varint(base), ...varint(result), ...ops.flat()]);
const times = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

/** Entries written by hand: a whole blob, then deltas on earlier entries (by index) or on an oid. */
type Hand = { blob: Uint8Array } | { ofs: number; delta: Uint8Array } | { ref: string; delta: Uint8Array };
function handPack(items: Hand[]): Uint8Array {
  const at: number[] = [];
  return buildPack(items.map((it): PackItem => ({
    raw: (w: PackWriter) => {
      at.push(w.offset);
      if ('blob' in it) return w.object(3, it.blob);
      if ('ofs' in it) return w.ofsDelta(at[it.ofs], it.delta);
      return w.refDelta(it.ref, it.delta);
    },
  })));
}

/** Ingests with the given limits (default: the server's). */
async function ingest(store: RepoStore, pack: Uint8Array, limits?: ResolveLimits) {
  const ing = store.beginPack();
  if (limits) ing.resolveLimits = limits;
  try {
    for (const c of randomChunks(pack, 5, 4096)) ing.write(c);
  } catch (e) {
    ing.abort();
    throw e;
  }
  const p = await ing.finish();
  return { pack: p, resolved: ing.resolvedByDeltas };
}

async function expectRefused(store: RepoStore, state: DurableObjectState, pack: Uint8Array, pattern: RegExp, limits?: ResolveLimits): Promise<void> {
  const before = storageSnapshot(store, state);
  const err = await ingest(store, pack, limits).then(() => null, (e: unknown) => e);
  expect(err, 'the ingest should have failed').toBeInstanceOf(IngestError);
  expect((err as Error).message).toMatch(pattern);
  expect(storageSnapshot(store, state)).toEqual(before);
}

describe('delta headers are checked before the result is allocated', () => {
  it('TS twin and Wasm wrapper refuse a declared result past the limit, with the same message', () => {
    const base = new Uint8Array(1000);
    for (const declared of [LIMIT + 1, 2 ** 31, 2 ** 40]) {
      const d = delta(1000, declared, [copy(0, 1000)]);
      const before = wasmMemoryBytes();
      const msg = `delta result of ${declared} bytes exceeds the limit of ${LIMIT}`;
      expect(() => checkDeltaHeader(1000, d, LIMIT)).toThrow(msg);
      expect(() => applyDelta(base, d, LIMIT)).toThrow(msg);
      expect(() => wasmApplyDelta(base, d, LIMIT)).toThrow(msg);
      expect(wasmMemoryBytes()).toBeLessThanOrEqual(Math.max(before, 16 * MiB)); // the arena did not grow for it
    }
    // A wrong base size is reported first, by both.
    const d = delta(999, 2 ** 40, []);
    expect(() => applyDelta(base, d, LIMIT)).toThrow('delta expects a base of 999 bytes but the base has 1000');
    expect(() => wasmApplyDelta(base, d, LIMIT)).toThrow('delta expects a base of 999 bytes but the base has 1000');
  });

  it('the budget charges declared sizes and refuses past its allowance', () => {
    const b = new ResolveBudget({ maxObjectBytes: 100, minResolveBytes: 150, resolveBytesPerPackByte: 1 });
    expect(b.charge(delta(10, 100, []), 0)).toBe(100);
    expect(() => b.charge(delta(10, 101, []), 0)).toThrow('delta result of 101 bytes exceeds the limit of 100');
    expect(() => b.charge(delta(10, 60, []), 0)).toThrow('pack resolves to more than 150 bytes (deltas made 100, the next declares 60)');
    expect(b.charge(delta(10, 60, []), 10)).toBe(60); // 10 more pack bytes: 160 allowed
    expect(b.used).toBe(160);
    expect(DEFAULT_RESOLVE_LIMITS.maxObjectBytes).toBe(LIMIT);
  });
});

describe('PackIngest refuses delta bombs on their declared size', () => {
  const zeros = new Uint8Array(MiB);

  it('a delta of 100 overlapping copies of a 1 MiB blob (100 MiB declared)', async () => {
    await withStore('bomb-copies', async (store, state) => {
      const pack = handPack([{ blob: zeros }, { ofs: 0, delta: delta(MiB, 100 * MiB, times(100, () => copy(0, MiB))) }]);
      await expectRefused(store, state, pack, new RegExp(`${100 * MiB} bytes exceeds the limit of ${LIMIT}`));
    });
  });

  it('a thin-pack delta on a stored object declaring 1 TiB', async () => {
    await withStore('bomb-thin', async (store, state) => {
      const stored = blob('a stored blob\n');
      await pushPack(store, buildPack([stored]), {});
      const pack = handPack([{ ref: stored.oid, delta: delta(stored.data.length, 2 ** 40, [copy(0, stored.data.length)]) }]);
      await expectRefused(store, state, pack, /1099511627776 bytes exceeds the limit of 67108864/);
    });
  });

  it('a deferred delta (its base comes later in the pack) is refused before the base is rebuilt', async () => {
    await withStore('bomb-deferred', async (store, state) => {
      const base = blob(zeros);
      const pack = buildPack([
        { raw: (w: PackWriter) => w.refDelta(base.oid, delta(MiB, 3 * LIMIT, times(192, () => copy(0, MiB)))) },
        base,
      ]);
      await expectRefused(store, state, pack, new RegExp(`${3 * LIMIT} bytes exceeds the limit`));
    });
  });

  it('a chain of deltas each doubling its base stops at the first result past the limit', async () => {
    const small: ResolveLimits = { maxObjectBytes: 64 * KiB, minResolveBytes: 16 * MiB, resolveBytesPerPackByte: 64 };
    await withStore('bomb-doubling', async (store, state) => {
      const items: Hand[] = [{ blob: new Uint8Array(KiB).fill(7) }];
      for (let size = KiB; size <= 64 * KiB; size *= 2) items.push({ ofs: items.length - 1, delta: delta(size, 2 * size, [copy(0, size), copy(0, size)]) });
      await expectRefused(store, state, handPack(items), /131072 bytes exceeds the limit of 65536/, small);
    });
  });

  it('many allowed-size results from one small pack: refused by the resolve budget, accepted with room', async () => {
    const limits = (min: number): ResolveLimits => ({ maxObjectBytes: 64 * KiB, minResolveBytes: min, resolveBytesPerPackByte: 0 });
    // 40 different 64 KiB blobs, each made from one 16 KiB blob (4 copies and a distinct byte).
    const items: Hand[] = [{ blob: new Uint8Array(16 * KiB) }];
    for (let i = 0; i < 40; i++) items.push({ ofs: 0, delta: delta(16 * KiB, 64 * KiB, [...times(3, () => copy(0, 16 * KiB)), copy(0, 16 * KiB - 1), [1, i]]) });
    const pack = handPack(items);
    await withStore('bomb-budget', async (store, state) => {
      await expectRefused(store, state, pack, /pack resolves to more than 1048576 bytes/, limits(MiB));
      const ok = await ingest(store, pack, limits(40 * 64 * KiB));
      expect(ok.pack.objectCount).toBe(41);
      expect(ok.resolved).toBe(40 * 64 * KiB);
    });
  });
});

describe('a chain of big objects resolves each delta once', () => {
  it('versions of a 5 MiB file as a delta chain (too big for the cache) are not rebuilt from the pack', async () => {
    // v0 whole; v(k) = one new byte + v(k-1) without its last byte.
    const size = 5 * MiB;
    const items: Hand[] = [{ blob: new Uint8Array(size).fill(1) }];
    for (let k = 1; k <= 6; k++) items.push({ ofs: k - 1, delta: delta(size, size, [[1, k], copy(0, size - 1)]) });
    await withStore('big-chain', async (store) => {
      const { pack, resolved } = await ingest(store, handPack(items));
      expect(pack.objectCount).toBe(7);
      expect(resolved).toBe(6 * size); // each version made once: no chain rebuilt
      let expected: Uint8Array = new Uint8Array(size).fill(1);
      for (let k = 1; k <= 6; k++) expected = concat([Uint8Array.of(k), expected.subarray(0, size - 1)]);
      const last = blob(expected) as Obj;
      expect(pack.has(last.oid)).toBe(true);
    });
  });
});
