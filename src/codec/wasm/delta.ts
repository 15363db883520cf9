// Delta apply and encode on the Wasm module; same checks, errors and bytes as applyDelta and
// createDelta in ../delta.ts.
import { PackError } from '../errors';
import { applyDelta, checkDeltaHeader, createDelta } from '../delta';
import { rt, instance, reserve, release } from './runtime';

export const DELTA_DEFAULT_MAX = 0x7fffffff;

function deltaError(st: number, nums: Float64Array, baseLen: number, maxResultSize: number): PackError {
  switch (st) {
    case 1: return new PackError('delta truncated in its base size header');
    case 2: return new PackError('delta truncated in its result size header');
    case 3: return new PackError('delta base size header is too long');
    case 4: return new PackError('delta result size header is too long');
    case 5: return new PackError(`delta expects a base of ${nums[0]} bytes but the base has ${baseLen}`);
    case 6: return new PackError(`delta result of ${nums[1]} bytes exceeds the limit of ${maxResultSize}`);
    case 7: return new PackError('delta truncated inside a copy instruction');
    case 8: return new PackError(`delta copies bytes ${nums[2]}..${nums[2] + nums[3]} from a base of ${baseLen} bytes`);
    case 9: return new PackError(`delta writes past its declared result size of ${nums[1]} bytes`);
    case 10: return new PackError('delta insert instruction runs past the end of the delta');
    case 11: return new PackError(`delta contains the reserved opcode 0 at byte ${nums[2]}`);
    case 12: return new PackError(`delta produced ${nums[2]} bytes but declares a result of ${nums[1]} bytes`);
    default: return new PackError(`delta rejected (status ${st})`);
  }
}

/** Applies a git delta to its base, as applyDelta in src/codec/delta.ts (same checks, same errors). */
export function wasmApplyDelta(base0: Uint8Array, delta: Uint8Array, maxResultSize = DELTA_DEFAULT_MAX, into?: Uint8Array): Uint8Array {
  // The header is checked here, before the base and the delta are copied in and the arena grows
  // for the result (the module checks it again): same checks, in the same order, as the twin.
  checkDeltaHeader(base0.length, delta, maxResultSize);
  const e = instance();
  const dn = delta.length;
  const bn = base0.length;
  // Arena: delta, base, then the result, each followed by 16 bytes of slack.
  const dAt = rt.base;
  const bAt = dAt + dn + 16;
  const oAt = bAt + bn + 16;
  if (!reserve(e, dn + bn + 48 + Math.min(bn + dn * 4, 1 << 20))) return applyDelta(base0, delta, maxResultSize, into);
  rt.mem.set(delta, dAt);
  rt.mem.set(base0, bAt);
  let st = e.delta_apply(bAt, bn, dAt, dn, maxResultSize, oAt, rt.mem.length - oAt - 16);
  const size = rt.nums64[1];
  if (st === 255) {
    // Valid, but the result needs more room than the arena has now.
    const start = rt.nums64[2];
    if (!reserve(e, dn + bn + size + 48)) return applyDelta(base0, delta, maxResultSize, into);
    e.delta_run(bAt, dAt, start, dn, oAt);
    st = 0;
  }
  if (st !== 0) throw deltaError(st, rt.nums64, bn, maxResultSize);
  let out: Uint8Array;
  if (into !== undefined && into.length >= size) {
    into.set(rt.mem.subarray(oAt, oAt + size));
    out = into.subarray(0, size);
  } else {
    out = rt.mem.slice(oAt, oAt + size);
  }
  release();
  return out;
}

/**
 * A delta that turns `base` into `target` (or null if it would exceed
 * maxSize bytes), byte-identical to createDelta in src/codec/delta.ts.
 */
export function wasmCreateDelta(base0: Uint8Array, target: Uint8Array): Uint8Array;
export function wasmCreateDelta(base0: Uint8Array, target: Uint8Array, maxSize: number): Uint8Array | null;
export function wasmCreateDelta(base0: Uint8Array, target: Uint8Array, maxSize = Infinity): Uint8Array | null {
  const e = instance();
  const bn = base0.length;
  const tn = target.length;
  const align = (n: number) => (n + 15) & ~15;
  const tAt = rt.base + align(bn + 16);
  const wAt = tAt + align(tn + 16);
  const oAt = wAt + align(e.delta_index_bytes(bn));
  const need = oAt - rt.base + e.delta_bound(tn) + 16;
  if (!reserve(e, need)) return createDelta(base0, target, maxSize);
  rt.mem.set(base0, rt.base);
  rt.mem.set(target, tAt);
  const n = e.delta_create(rt.base, bn, tAt, tn, maxSize, wAt, oAt);
  const out = n < 0 ? null : rt.mem.slice(oAt, oAt + n);
  release();
  return out;
}
