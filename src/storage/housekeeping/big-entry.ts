// The bytes of one big entry of a new pack, handed to the pack a piece at a time, each piece a
// unit of a step's budget (pack-builder.ts), so no step writes or compresses a whole big object:
//   - a stored entry over COPY_PIECE, copied from its old pack (read, then written);
//   - an object over MAX_SEARCH_BYTES that must be rebuilt (a delta whose base the run does not
//     keep): deflated BIG_PIECE at a time (codec/deflate-pieces.ts) into a zlib stream held in
//     memory until it is complete (the entry's head needs its length), then written out. For a 64
//     MiB object (the largest a pack may hold), one level-1 deflate and an inflate took 1.1 s
//     together in workerd (loaded machine).
import { DeflatePieces } from '../../codec/deflate-pieces';
import type { ObjectStore } from '../object-store';
import { type Budget, PER_OBJECT } from './budget';
import { stepPart } from './step-trace';

/** A stored entry bigger than this is copied in pieces of this size, one a unit (read and written,
 *  ~7 ms each measured, 40 ms expected): copying a 50 MB object at once would hold the object for
 *  its whole read and write. */
export const COPY_PIECE = 1 << 20;
/** Uncompressed bytes deflated per unit: level 6 runs at ~25-40 MB/s on small text-like pieces,
 *  so ~10-20 ms a piece; costed at 4 units a byte (the budget's 2 MiB of units is ~40 ms). */
export const BIG_PIECE = 256 << 10;
const DEFLATE_UNITS_PER_BYTE = 4;

/** Where the next piece comes from; `next` answers null when every byte was handed on. */
export interface EntryPieces {
  next(budget: Budget): Uint8Array | null | 'later';
}

/** The stored bytes [at, end) of an old pack. */
export function storedPieces(store: ObjectStore, pack: number, at: number, end: number): EntryPieces {
  return {
    next(budget) {
      if (at >= end) return null;
      const n = Math.min(COPY_PIECE, end - at);
      if (!budget.fits(PER_OBJECT + 2 * n)) return 'later';
      budget.spend(PER_OBJECT + 2 * n);
      const piece = store.packs.read(pack, at, at + n);
      stepPart('copy');
      at += n;
      return piece;
    },
  };
}

/** Compressed pieces already in memory (each at most ~BIG_PIECE), one written per unit. */
export function memoryPieces(parts: Uint8Array[]): EntryPieces {
  let k = 0;
  return {
    next(budget) {
      if (k >= parts.length) return null;
      const p = parts[k];
      if (!budget.fits(PER_OBJECT + p.length)) return 'later';
      budget.spend(PER_OBJECT + p.length);
      k++;
      return p;
    },
  };
}

/** A big rebuilt object being deflated across steps. */
export class BigDeflate {
  private at = 0;
  private readonly z = new DeflatePieces();

  constructor(
    readonly item: number,
    private readonly data: Uint8Array,
  ) {}

  /** Deflates pieces while they fit; the finished stream's parts once all are done, else null. */
  step(budget: Budget): Uint8Array[] | null {
    while (this.at < this.data.length) {
      const n = Math.min(BIG_PIECE, this.data.length - this.at);
      if (!budget.fits(PER_OBJECT + DEFLATE_UNITS_PER_BYTE * n)) return null;
      budget.spend(PER_OBJECT + DEFLATE_UNITS_PER_BYTE * n);
      this.z.push(this.data.subarray(this.at, this.at + n));
      stepPart('deflate:piece');
      this.at += n;
    }
    return this.z.finish();
  }

  /** Compressed bytes (once step answered the parts). */
  get bytes(): number {
    return this.z.bytes;
  }
}
