// The object ids of the ingest's fast paths (accel.objectId: Wasm for small objects, the native
// one-shot SHA-1 of native-sha1.ts above) against hashObject, the createHash reference, at every
// size around SHA-1's block boundaries and the paths' switch points, for every object type.
import { afterEach, expect, it } from 'vitest';
import { accel, bytesToHex, hashObject, setAccelerator, type ObjectType } from '../../../src/codec';
import { nativeSha1Available, objectIdNative } from '../../../src/codec/native-sha1';
import { wasmObjectId } from '../../../src/codec/wasm/hash';
import { randomBytes, rng } from './wasm/helpers';

const rand = rng(2201);
const TYPES: ObjectType[] = ['blob', 'tree', 'commit', 'tag'];
/** 0..200, the Wasm/native switch (512), the one-shot's copy limit (8 KiB), and larger. */
const SIZES = [
  ...Array.from({ length: 201 }, (_, i) => i),
  447, 448, 511, 512, 513, 1535, 1536, 1537, 4096, 8191, 8192, 8193, 65_536, 1_048_577,
];

afterEach(() => setAccelerator('auto'));

it('workerd offers the native one-shot SHA-1 (else the ingest hashes through createHash: slower, same ids)', () => {
  expect(nativeSha1Available()).toBe(true);
});

it('objectIdNative, wasmObjectId and accel.objectId in every mode equal hashObject', () => {
  for (const n of SIZES) {
    const data = randomBytes(n, rand);
    const type = TYPES[n % 4];
    const want = hashObject(type, data);
    expect(bytesToHex(objectIdNative(type, data)), `native ${type} ${n}`).toBe(want);
    const w = wasmObjectId(type, data);
    if (w !== null) expect(bytesToHex(w), `wasm ${type} ${n}`).toBe(want);
    for (const mode of ['auto', 'wasm', 'ts'] as const) {
      setAccelerator(mode);
      expect(bytesToHex(accel.objectId(type, data)), `${mode} ${type} ${n}`).toBe(want);
    }
    setAccelerator('auto');
  }
});

it('ids are fresh arrays: a later call does not change an earlier id', () => {
  const a = randomBytes(3000, rand);
  const b = randomBytes(3000, rand);
  const small = randomBytes(100, rand);
  const ida = accel.objectId('blob', a);
  const idSmall = accel.objectId('blob', small);
  const copyA = ida.slice();
  const copySmall = idSmall.slice();
  accel.objectId('blob', b);
  accel.objectId('tree', small);
  expect(ida).toEqual(copyA);
  expect(idSmall).toEqual(copySmall);
  expect(bytesToHex(ida)).toBe(hashObject('blob', a));
});

it('views at an offset of a larger buffer hash only their bytes', () => {
  const big = randomBytes(10_000, rand);
  for (const [s, e] of [[1, 600], [333, 4444], [9000, 10_000]]) {
    const view = big.subarray(s, e);
    expect(bytesToHex(objectIdNative('blob', view))).toBe(hashObject('blob', big.slice(s, e)));
    expect(bytesToHex(accel.objectId('blob', view))).toBe(hashObject('blob', big.slice(s, e)));
  }
});
