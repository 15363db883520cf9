// Object ids on the platform's native SHA-1 without node:crypto's Hash object. In workerd,
// createHash() builds a Node Transform stream around the native hasher for every call (event
// emitter, readable and writable state): for the ~100k objects of a large pack that wrapper
// cost as much as the hashing (measured in workerd, µs per object id: 2.4 vs 0.83 at 64 B,
// 3.1 vs 1.6 at 1.5 KiB, 4.5 vs 3.2 at 4 KiB). The native handle under the wrapper has a
// one-shot digest; this module finds it once, checks it against createHash on known inputs,
// and falls back to createHash for good if anything about it differs (another runtime, or a
// workerd that changed its internals). objectIdNative() is the accelerator's native path;
// hashObject() (object-id.ts) stays the createHash reference it is tested against.
import { createHash } from 'node:crypto';
import { encodeLooseHeader, type ObjectType } from './object-id';

type OneShot = (data: Uint8Array) => Uint8Array;

/**
 * Data up to this size is hashed in one native call after a copy behind its header; larger data
 * goes through createHash (two updates, no copy): the copies cost more than the wrapper from
 * ~16 KiB (measured µs per id, one-shot / createHash: 7.4 / 13 at 8 KiB, 15 / 14 at 16 KiB,
 * 61 / 41 at 64 KiB).
 */
const COPY_MAX = 8 * 1024;

let oneShot: OneShot | null | undefined;
let scratch = new Uint8Array(4096);

/** The digest through createHash: the reference, and the fallback. */
function viaCreateHash(header: Uint8Array, data: Uint8Array): Uint8Array {
  const b = createHash('sha1').update(header).update(data).digest();
  return new Uint8Array(b.buffer, b.byteOffset, 20);
}

interface Handle {
  update(data: Uint8Array): unknown;
  digest(): ArrayBuffer | Uint8Array;
  constructor: { oneshot?: (algorithm: string, data: Uint8Array, len: number) => ArrayBuffer | Uint8Array };
}

const asBytes = (b: ArrayBuffer | Uint8Array): Uint8Array => (b instanceof Uint8Array ? b : new Uint8Array(b));

/** The native one-shot SHA-1 if the platform has it and it answers as createHash does, else null. */
function probe(): OneShot | null {
  try {
    const h = createHash('sha1') as unknown as Record<symbol, unknown>;
    let handle: Handle | undefined;
    for (const s of Object.getOwnPropertySymbols(h)) {
      const v = h[s] as Handle | null;
      if (v !== null && typeof v === 'object' && typeof v.constructor?.oneshot === 'function') handle = v;
    }
    const native = handle?.constructor.oneshot;
    if (native === undefined) return null;
    const f: OneShot = (data) => asBytes(native('sha1', data, 20));
    // Known inputs, including ones across SHA-1's block and padding boundaries and a view at an offset.
    const sample = new Uint8Array(300);
    for (let i = 0; i < sample.length; i++) sample[i] = (i * 151 + 7) & 255;
    for (const n of [0, 3, 55, 56, 64, 119, 300]) {
      const d = sample.subarray(300 - n);
      const got = f(d);
      const want = viaCreateHash(new Uint8Array(0), d);
      if (got.length !== 20 || got.some((x, i) => x !== want[i])) return null;
    }
    return f;
  } catch {
    return null;
  }
}

/**
 * The raw 20-byte object id of (type, data): hashObject()'s id as bytes, on the native
 * one-shot SHA-1 (the header and data copied into one buffer first) where the platform offers
 * it, else on createHash.
 */
export function objectIdNative(type: ObjectType, data: Uint8Array): Uint8Array {
  if (oneShot === undefined) oneShot = probe();
  if (oneShot === null || data.length > COPY_MAX) return viaCreateHash(encodeLooseHeader(type, data.length), data);
  // "<type> <len>\0" written in place (no header array per object).
  const head = `${type} ${data.length}\0`;
  const n = head.length + data.length;
  if (scratch.length < n) scratch = new Uint8Array(Math.max(n, scratch.length * 2));
  for (let i = 0; i < head.length; i++) scratch[i] = head.charCodeAt(i);
  scratch.set(data, head.length);
  return oneShot(scratch.subarray(0, n));
}

/** Whether objectIdNative takes the native one-shot path here (tests check both paths agree). */
export function nativeSha1Available(): boolean {
  if (oneShot === undefined) oneShot = probe();
  return oneShot !== null;
}
