// A zlib stream made a piece at a time, so that compressing a big object can be spread over
// steps that each stay short (housekeeping rebuilds objects up to 64 MiB: node:zlib at level 6
// takes ~0.4 s for 16 MiB in one call, which would hold the Durable Object that long). Each piece
// is deflated on its own, raw, ending with a sync flush (its blocks are byte-aligned and none is
// final), so the pieces concatenate into one valid deflate stream; finish() adds an empty final
// block and the Adler-32 of everything. Back-references do not cross pieces: ~1 MiB pieces lose
// a few percent against one call (3% on a 3 MB text-like sample in 1 MiB pieces).
import * as zlib from 'node:zlib';
import { accel } from './accel';

/** zlib's header for the default level (CMF 0x78: deflate, 32 KiB window; FLG 0x9c). */
const HEADER = Uint8Array.of(0x78, 0x9c);
/** An empty fixed-Huffman block with BFINAL set: 1, 01, then end-of-block (7 zero bits). */
const FINAL_BLOCK = Uint8Array.of(0x03, 0x00);

export class DeflatePieces {
  private adler = 1;
  private readonly parts: Uint8Array[] = [HEADER];
  /** Compressed bytes so far. */
  bytes = HEADER.length;

  /** Compresses the next piece of the data (any size; the last one too: finish() ends it). */
  push(piece: Uint8Array, level = 6): void {
    const z = zlib.deflateRawSync(piece, { level, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    const out = new Uint8Array(z.buffer, z.byteOffset, z.byteLength);
    this.adler = accel.adler32(piece, this.adler);
    this.parts.push(out);
    this.bytes += out.length;
  }

  /** The whole stream, as the pieces made it (no copy). */
  finish(): Uint8Array[] {
    const tail = new Uint8Array(4);
    new DataView(tail.buffer).setUint32(0, this.adler >>> 0);
    this.parts.push(FINAL_BLOCK, tail);
    this.bytes += FINAL_BLOCK.length + tail.length;
    return this.parts;
  }
}
