// Streaming pack parser with bounded memory.
//
// Usage: feed the pack in chunks of any size with push(); each call returns
// the entries completed so far. Call end() after the last chunk: it returns
// the remaining entries and the pack checksum, and throws if the pack is
// truncated. parsePackStream() wraps this as an async generator over a
// ReadableStream. Any malformed input throws PackError (and the parser stays
// failed).
//
// Memory: the parser holds only the bytes of the entry it is working on (a
// compressed entry must be complete before it can be inflated) plus one
// 8-byte offset per entry seen, used to check ofs-delta bases.
//
// Cost: a pack carries no compressed lengths, so an entry can only be parsed
// by inflating it, and a stream cut by a chunk boundary fails and is retried.
// Retries wait until the buffered bytes have doubled, so a large entry
// arriving in small chunks is inflated O(log n) times with total work O(n).
import { NeedMoreInput, PackError } from '../codec/errors';
import { bytesToHex } from '../codec/hex';
// The accelerator picks Wasm or the native/TS twin per call, by size (src/codec/accel.ts).
import { accel, type LentBytes, lendRoom, Walk, type WalkedEntry } from '../codec';
import type { PackTypeNum } from './object';
import { readEntryHeader } from './entry-header';
import { EntryOffsets } from './entry-offsets';
import { EMPTY, PackWindow } from './window';

/**
 * A parsed pack entry: the walker's record (src/codec/wasm/walk.ts) with baseOffset checked
 * against the entries seen, plus the compressed bytes when asked for.
 */
export interface PackEntry extends WalkedEntry {
  /** With keepCompressed: a copy of the zlib bytes [dataOffset, end). */
  compressed?: Uint8Array;
}

export interface PackParserOptions {
  /** Reject entries whose declared size exceeds this (default 2^31 - 2, the inflate limit). */
  maxObjectSize?: number;
  /** Also return each entry's compressed bytes (to store or re-send them without recompressing). */
  keepCompressed?: boolean;
  /**
   * Entries' data may be views of a buffer the parser reuses: valid only until the next push()
   * or end(). For a caller that copies what it keeps (the ingest): no array per entry.
   */
  lendData?: boolean;
}

export interface PackEndResult {
  /** Hex SHA-1 from the pack trailer (verified). */
  checksum: string;
  /** Entries completed by end() that earlier push() calls had not returned yet. */
  entries: PackEntry[];
}

const enum State {
  Header,
  Entries,
  Trailer,
  Done,
  Failed,
}

const FIRST_TRY_CAP = 4 << 20;
/** Bigger objects parsed in TS get an array of their own even with lendData. */
const LEND_OBJECT_MAX = 1 << 20;

/** Upper bound of zlib output for n input bytes (above zlib's deflateBound, which allows ~n + n/1000 + 13). */
function deflateBound(n: number): number {
  return n + Math.ceil(n / 1024) + 64;
}

export class PackParser extends PackWindow {
  /** Pack version from the header (2 or 3), 0 until the header was read. */
  version = 0;
  /** Object count from the header, -1 until the header was read. */
  objectCount = -1;
  /** Entries parsed so far. */
  entriesParsed = 0;

  private readonly maxObjectSize: number;
  private readonly keepCompressed: boolean;
  /** With lendData: where the walker puts entries' data (reused from each push() on). */
  private readonly lent: LentBytes | undefined;
  private state = State.Header;
  private error: PackError | null = null;
  private checksum = '';

  /** Don't retry the current entry until this many bytes are buffered (see file comment). */
  private retryAt = 0;

  // Offsets of all entries so far, ascending, for ofs-delta base checks.
  private readonly offsets = new EntryOffsets();

  constructor(opts: PackParserOptions = {}) {
    super();
    this.maxObjectSize = opts.maxObjectSize ?? 0x7ffffffe;
    this.keepCompressed = opts.keepCompressed ?? false;
    this.lent = opts.lendData ? { buf: EMPTY, at: 0 } : undefined;
  }

  /** Bytes of the pack consumed so far (header and complete entries). */
  get offset(): number {
    return this.pos;
  }

  /** Bytes buffered but not yet consumed. */
  get buffered(): number {
    return this.we - this.ws;
  }

  /** Adds the next chunk of the pack; returns the entries it completed. */
  push(chunk: Uint8Array): PackEntry[] {
    this.checkUsable();
    if (chunk.length === 0) return [];
    if (this.lent) this.lent.at = 0; // the entries of the last call are done with
    try {
      if (this.state === State.Done) this.trailingGarbage(chunk.length);
      this.append(chunk);
      const out: PackEntry[] = [];
      this.parse(out, false);
      this.detach();
      return out;
    } catch (e) {
      throw this.fail(e);
    }
  }

  /** Signals the end of input. Throws PackError if the pack is incomplete. */
  end(): PackEndResult {
    this.checkUsable();
    if (this.lent) this.lent.at = 0;
    try {
      const out: PackEntry[] = [];
      if (this.state !== State.Done) this.parse(out, true);
      if (this.state !== State.Done) throw this.truncated();
      this.buf = EMPTY;
      return { checksum: this.checksum, entries: out };
    } catch (e) {
      throw this.fail(e);
    }
  }

  private checkUsable(): void {
    if (this.error) throw this.error;
  }

  private fail(e: unknown): unknown {
    if (e instanceof PackError) {
      this.error = e;
      this.state = State.Failed;
      this.buf = EMPTY;
    }
    return e;
  }

  private truncated(): PackError {
    switch (this.state) {
      case State.Header:
        return new PackError(`truncated pack: only ${this.we - this.ws} bytes, the header needs 12`);
      case State.Entries:
        return new PackError(
          `truncated pack: ended inside object ${this.entriesParsed + 1} of ${this.objectCount} (at offset ${this.pos})`,
        );
      default:
        return new PackError(`truncated pack: the 20-byte trailer checksum is incomplete (at offset ${this.pos})`);
    }
  }

  private trailingGarbage(extra: number): never {
    throw new PackError(
      `unexpected data after the pack trailer (${extra} byte(s) at offset ${this.pos}): ` +
        `the pack holds more data than its ${this.objectCount} declared objects`,
    );
  }

  private parse(out: PackEntry[], final: boolean): void {
    for (;;) {
      const have = this.we - this.ws;
      switch (this.state) {
        case State.Header: {
          if (have < 12) return;
          this.readHeader();
          break;
        }
        case State.Entries: {
          if (have < this.retryAt && !final) return;
          if (!final && have > 0) {
            // Many entries per call in the Wasm walker; what it leaves is parsed below.
            const walked = this.walk(out);
            if (walked === Walk.Need) return;
            if (walked === Walk.More) break;
          }
          const entry = this.readEntry(final);
          if (entry === null) return;
          out.push(entry);
          break;
        }
        case State.Trailer: {
          if (have < 20) return;
          if (have > 20) this.trailingGarbage(have - 20);
          const b = this.buf;
          const s = this.ws;
          this.flushHash();
          const actual = this.hash.digest();
          for (let i = 0; i < 20; i++) {
            if (actual[i] !== b[s + i]) {
              throw new PackError(
                `pack checksum mismatch: trailer says ${bytesToHex(b, s)}, content hashes to ${bytesToHex(actual)}`,
              );
            }
          }
          this.checksum = bytesToHex(b, s);
          this.ws += 20;
          this.hashFrom = this.ws;
          this.pos += 20;
          this.state = State.Done;
          break;
        }
        default:
          return;
      }
    }
  }

  private readHeader(): void {
    const b = this.buf;
    const s = this.ws;
    if (b[s] !== 0x50 || b[s + 1] !== 0x41 || b[s + 2] !== 0x43 || b[s + 3] !== 0x4b) {
      throw new PackError(`not a pack: bad signature ${JSON.stringify(String.fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3]))}`);
    }
    const version = ((b[s + 4] << 24) | (b[s + 5] << 16) | (b[s + 6] << 8) | b[s + 7]) >>> 0;
    if (version !== 2 && version !== 3) throw new PackError(`unsupported pack version ${version}`);
    this.version = version;
    this.objectCount = ((b[s + 8] << 24) | (b[s + 9] << 16) | (b[s + 10] << 8) | b[s + 11]) >>> 0;
    this.consume(12);
    this.state = this.objectCount === 0 ? State.Trailer : State.Entries;
  }

  /** Parses one entry at the window start, or returns null if more bytes are needed. */
  private readEntry(final: boolean): PackEntry | null {
    const b = this.buf;
    const s = this.ws;
    const e = this.we;
    const offset = this.pos;

    const h = readEntryHeader(b, s, e, offset, this.maxObjectSize, (o) => this.isEntryOffset(o));
    if (h === null) return this.needMore(final);
    const { type, size, baseOffset, baseOid } = h;
    const p = h.p;

    // Most deflated data is at least half the size of its output, so don't try
    // before that much has arrived: each failed try costs a partial inflate.
    // (Capped, so a header that lies about a huge size cannot make us buffer
    // the rest of the pack before we find out.)
    const bound = p - s + deflateBound(size);
    // ...except a stream whose first block is stored (BTYPE 00, after the 2-byte zlib header
    // without a preset dictionary): incompressible data, which deflaters store whole, so it is
    // about as long as its output. Trying at half its size and again at the window's double cost
    // a 128 MiB push of random blobs two wasted inflates (and output buffers) per object.
    const stored = p + 2 < e && (b[p + 1] & 0x20) === 0 && ((b[p + 2] >> 1) & 3) === 0;
    const firstTry = stored ? bound : Math.min(bound, p - s + Math.min(Math.floor(size / 2), FIRST_TRY_CAP));
    if (!final && e - s < firstTry) {
      this.retryAt = firstTry;
      return null;
    }

    let inflated: { data: Uint8Array; consumed: number };
    // Lent: a stored-only object (a binary) is copied out into the lent bytes, not a fresh array.
    const room = this.lent && size <= LEND_OBJECT_MAX ? lendRoom(this.lent, size) : undefined;
    try {
      inflated = accel.inflateAt(e === b.length ? b : b.subarray(0, e), p, size, room);
      if (room !== undefined && inflated.data.buffer === room.buffer) this.lent!.at += size;
    } catch (err) {
      if (err instanceof NeedMoreInput) {
        if (final) throw new PackError(`truncated pack: object at offset ${offset} is cut off in its zlib data`);
        // Retry once the buffer doubled, or sooner once it holds the most a
        // normal deflater can emit for this size.
        const have = e - s;
        this.retryAt = bound > have ? Math.min(2 * have, bound) : 2 * have;
        return null;
      }
      if (err instanceof PackError) {
        throw new PackError(`object at offset ${offset}: ${err.message.replace(/ at offset \d+/, '')}`);
      }
      throw err;
    }
    const dataOffset = offset + (p - s);
    const entryLen = p - s + inflated.consumed;
    const raw = b.subarray(s, s + entryLen);
    // The walker's object shape (src/codec/wasm/walk.ts): every field set, absent ones undefined.
    const entry: PackEntry = {
      offset,
      end: offset + entryLen,
      dataOffset,
      type: type as PackTypeNum,
      size,
      baseOffset,
      baseOid,
      crc32: accel.crc32(raw),
      data: inflated.data,
      id: undefined,
    };
    if (this.keepCompressed) entry.compressed = b.slice(p, p + inflated.consumed);

    this.recordOffset(offset);
    this.consume(entryLen);
    this.retryAt = 0;
    if (++this.entriesParsed === this.objectCount) this.state = State.Trailer;
    return entry;
  }

  /**
   * Hands the window to the accelerator's pack walker (null in 'ts' mode: Fallback, so every
   * entry goes through readEntry). The walker inflates, CRCs and hashes as readEntry would;
   * what only the parser knows (the entries seen, for ofs-delta bases) is checked here, with
   * readEntry's message.
   */
  private walk(out: PackEntry[]): Walk {
    const batch = this.batch;
    batch.length = 0;
    const r = accel.walkPack(this.buf, this.ws, this.we, this.pos, this.objectCount - this.entriesParsed, this.maxObjectSize, batch, this.lent);
    if (r === null || (r.status === Walk.More && r.consumed === 0)) return Walk.Fallback;
    const b = this.buf;
    const s = this.ws;
    for (const w of batch) {
      if (w.baseOffset !== undefined && (w.baseOffset === w.offset || w.baseOffset < 12 || !this.isEntryOffset(w.baseOffset))) {
        throw new PackError(`ofs-delta at offset ${w.offset}: base offset ${w.baseOffset} is not the start of an earlier object`);
      }
      const entry = w as PackEntry;
      if (this.keepCompressed) entry.compressed = b.slice(s + (w.dataOffset - this.pos), s + (w.end - this.pos));
      this.recordOffset(w.offset);
      this.entriesParsed++;
      out.push(entry);
    }
    batch.length = 0;
    this.consume(r.consumed);
    if (this.entriesParsed === this.objectCount) {
      this.state = State.Trailer;
      this.retryAt = 0;
      return Walk.More;
    }
    this.retryAt = r.status === Walk.Need ? r.retryAt : 0;
    return r.status;
  }

  private readonly batch: WalkedEntry[] = [];

  private needMore(final: boolean): null {
    if (final) throw this.truncated();
    this.retryAt = this.we - this.ws + 1;
    return null;
  }

  private recordOffset(offset: number): void {
    this.offsets.record(this.entriesParsed, offset);
  }

  private isEntryOffset(offset: number): boolean {
    return this.offsets.has(offset, this.entriesParsed);
  }
}

/**
 * Parses a pack arriving as a stream, yielding entries as they complete.
 * Returns (as the generator's return value) the verified pack checksum.
 */
export async function* parsePackStream(
  stream: ReadableStream<Uint8Array>,
  opts?: PackParserOptions,
): AsyncGenerator<PackEntry, string, void> {
  const parser = new PackParser(opts);
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (const entry of parser.push(value)) yield entry;
    }
  } finally {
    reader.releaseLock();
  }
  const { checksum, entries } = parser.end();
  for (const entry of entries) yield entry;
  return checksum;
}
