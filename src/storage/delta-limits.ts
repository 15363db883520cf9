// What the deltas of an incoming pack may make. A delta is a few bytes of copy instructions
// that can name the same base bytes again and again: 16 KB of pack declared 512 MiB (32 copies
// of a 16 MiB zero blob) and took the runtime from 212 to 788 MB before the result was found too
// big. So every limit is checked on the size a delta DECLARES in its header, before its result
// is allocated: the per-object limit, and a budget for everything the pack's deltas make
// (resolving many allowed-size objects from one small pack is the same attack in slices, and
// large buffers made in a tight loop are not collected before the isolate's memory is gone).
import { deltaResultSize, PackError } from '../pack';

/** Largest object a pack may hold or make (whole, or as a delta's result). */
export const MAX_OBJECT_BYTES = 64 * 1024 * 1024;

export interface ResolveLimits {
  /** Largest object, whole or made by a delta. */
  maxObjectBytes: number;
  /** Bytes every pack's deltas may make, however small the pack... */
  minResolveBytes: number;
  /** ...plus this many per byte of pack received. */
  resolveBytesPerPackByte: number;
}

/**
 * A source history's deltas make a few times its pack (3.2x for this project's own history,
 * low tens for long-lived kernels); a delta bomb makes millions of times its size. The budget is
 * also a memory bound: large buffers made one after the other in a tight loop were measured to
 * stay resident (a push of 64 results of 64 MiB took the runtime to +4.5 GB), so what any pack
 * may make is about what a Durable Object holds (128 MB): two objects at the size limit, or a
 * big file edited a few times. 64x per pack byte leaves room for histories of big, slowly
 * changing files. Bytes a delta makes again (a base rebuilt from the pack file because the
 * cache dropped it) count too: they cost the same memory and time.
 */
export const DEFAULT_RESOLVE_LIMITS: ResolveLimits = {
  maxObjectBytes: MAX_OBJECT_BYTES,
  minResolveBytes: 128 * 1024 * 1024,
  resolveBytesPerPackByte: 64,
};

/** Counts what a pack's deltas make; refuses a delta whose declared result would pass a limit. */
export class ResolveBudget {
  private spent = 0;

  constructor(readonly limits: ResolveLimits) {}

  /** Bytes deltas made so far. */
  get used(): number {
    return this.spent;
  }

  /**
   * Reads the result size `delta` declares and charges it, before its base is fetched or its
   * result allocated; `packBytes` is how much of the pack has arrived. Throws (a message saying
   * which limit) if the result would pass the per-object limit or the pack's budget.
   */
  charge(delta: Uint8Array, packBytes: number): number {
    const size = this.check(delta);
    const allowed = this.limits.minResolveBytes + this.limits.resolveBytesPerPackByte * packBytes;
    if (this.spent + size > allowed) {
      throw new PackError(`pack resolves to more than ${allowed} bytes (deltas made ${this.spent}, the next declares ${size})`);
    }
    this.spent += size;
    return size;
  }

  /** The per-object limit alone: the declared result size, or a PackError past the limit. */
  check(delta: Uint8Array): number {
    const size = deltaResultSize(delta);
    if (size > this.limits.maxObjectBytes) {
      throw new PackError(`delta result of ${size} bytes exceeds the limit of ${this.limits.maxObjectBytes}`);
    }
    return size;
  }
}
