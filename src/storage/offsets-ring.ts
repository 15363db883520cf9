// Entry offsets of an ingesting pack's trees, by entry number (a tree delta whose base is one of
// them re-checks only the entries it did not copy: ingest-resolve.ts copiedFrom). Kept as bytes
// in a ByteRing rather than a Map of arrays: the Map made an Int32Array per tree (12k per run
// of the small bench pack, each its own ArrayBuffer from the allocator: most of them over V8's
// 64-byte on-heap limit) and moved an entry to the back of the Map on every hit.
// Every length written is a multiple of 4 and the ring's sizes are powers of two, so every
// position in it is too: a stored run is always a valid Int32Array view.
import { ByteRing } from './byte-ring';

export class OffsetsRing {
  private readonly ring: ByteRing;

  /** Up to maxOffsets offsets kept; a run over a quarter of that is not kept (as in ByteLru). */
  constructor(maxOffsets: number) {
    const bytes = maxOffsets * 4;
    this.ring = new ByteRing(bytes, Math.min(bytes, 64 << 10)); // grows when a miss shows it too short
  }

  /** Keeps a copy of offsets for key. */
  set(key: number, offsets: Int32Array): void {
    this.ring.set(key, new Uint8Array(offsets.buffer, offsets.byteOffset, offsets.byteLength));
  }

  /** A view of key's offsets, valid until the next set() or get(): copy what must stay. */
  get(key: number): Int32Array | undefined {
    const b = this.ring.get(key);
    return b === undefined ? undefined : new Int32Array(b.buffer, b.byteOffset, b.length >> 2);
  }
}
