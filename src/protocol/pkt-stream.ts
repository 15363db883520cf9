// The one streaming pkt-line reader: pkt-lines, then raw bytes, from a body that arrives in
// pieces — a push request (receive-pack), a remote's answer (import). PktReader (pktline.ts)
// reads a whole buffer; this reads a stream with bounds: an idle timeout (no byte for too long is
// an error, never a hang), a cap on the bytes read, and bad framing reported as the caller's
// error class (fail()), so push answers ProtocolError and import ImportError.
import { concatBytes } from '../codec/bytes';
import { MAX_PKT_LEN, ProtocolError, type Packet } from './pktline';

export type PktStreamFailure = 'framing' | 'read' | 'idle' | 'too_large';

export interface PktStreamOptions {
  /** Where the stream is a byte stream with readAtLeast (workerd), wait for this many bytes per read. */
  readAtLeast?: number;
  /** Bytes the stream may bring in all (default: no cap). */
  maxBytes?: number;
  /** No byte for this long ends the read with fail('idle') (default: no timeout). */
  idleMs?: number;
  /** The error to throw for each kind of failure (default: ProtocolError with the message). */
  fail?: (kind: PktStreamFailure, message: string) => Error;
}

type Pull = () => Promise<Uint8Array | null | undefined>;

const dec = new TextDecoder();

/**
 * How the stream is read. workerd hands a request body to a Durable Object in ~4 KB pieces (an
 * 80 MB push is ~20k reads, and the promise round trip of each was ~15% of the push's CPU in a
 * profile), so where the stream is a byte stream with workerd's readAtLeast, each read waits for
 * at least `min` bytes. Every read gets a fresh buffer: pieces handed on are never written again.
 */
function puller(body: ReadableStream<Uint8Array>, min: number | undefined): { pull: Pull; cancel: () => void; spare?: ArrayBuffer } {
  if (min) {
    let byob: ReadableStreamBYOBReader | null = null;
    try {
      byob = body.getReader({ mode: 'byob' });
    } catch {
      byob = null; // not a byte stream (e.g. a decompressed body): plain reads
    }
    if (byob && typeof byob.readAtLeast === 'function') {
      const r = byob;
      const p: { pull: Pull; cancel: () => void; spare?: ArrayBuffer } = {
        pull: async () => {
          // A buffer the caller gave back (PktStream.recycle) takes the read: no 64 KiB array per
          // read (an 80 MB push made 80 MB of garbage that way).
          const into = p.spare ? new Uint8Array(p.spare) : new Uint8Array(Math.max(min, 64 * 1024));
          p.spare = undefined;
          const res = await r.readAtLeast(min, into);
          const value = res.value as Uint8Array | undefined;
          if (res.done && (!value || value.byteLength === 0)) return null;
          return value ?? new Uint8Array(0);
        },
        cancel: () => void r.cancel().catch(() => {}),
      };
      return p;
    }
    byob?.releaseLock();
  }
  const r = body.getReader();
  return {
    pull: async () => {
      const { value, done } = await r.read();
      return done ? null : value;
    },
    cancel: () => void r.cancel().catch(() => {}),
  };
}

export class PktStream {
  private buf: Uint8Array = new Uint8Array(0);
  private eof = false;
  private total = 0;
  private readonly src: { pull: Pull; cancel: () => void; spare?: ArrayBuffer };
  /** The buffer of the last piece chunk() handed out straight from a read (recycle() may take it back). */
  private handed: ArrayBufferLike | null = null;
  private readonly fail: (kind: PktStreamFailure, message: string) => Error;
  /** The idle watchdog's state: when the read in progress started, whether one is. */
  private readStartedAt = 0;
  private reading = false;
  private watchdog: ReturnType<typeof setTimeout> | undefined;
  private idled = false;

  constructor(body: ReadableStream<Uint8Array>, private readonly opts: PktStreamOptions = {}) {
    this.src = puller(body, opts.readAtLeast);
    const make = opts.fail ?? ((_k, m) => new ProtocolError(m));
    this.fail = (kind, message) => {
      const e = make(kind, message);
      made.add(e);
      return e;
    };
  }

  /** Bytes read from the stream so far. */
  get bytesRead(): number {
    return this.total;
  }

  /** True once the stream ended and every buffered byte was handed out. */
  get ended(): boolean {
    return this.eof && this.buf.length === 0;
  }

  /**
   * One read (null at the end), bounded by the idle timeout and the byte cap. The timeout is one
   * watchdog per stream (arm()), not a timer and a Promise.race per read: a remote's answer
   * arrives in ~4 KB pieces (1,900 reads for a 7.5 MB import), and workerd's setTimeout builds a
   * Node Timeout object each time; in a profile of an import the per-read timers cost more than
   * the reads.
   */
  private async read(): Promise<Uint8Array | null> {
    if (this.eof) return null;
    let value: Uint8Array | null | undefined;
    try {
      if (this.opts.idleMs) this.arm(this.opts.idleMs);
      this.reading = true;
      value = await this.src.pull();
    } catch (e) {
      this.eof = true;
      this.src.cancel();
      if (this.idled) throw this.idleError();
      throw isOurs(e) ? e : this.fail('read', `could not read the stream: ${(e as Error).message}`);
    } finally {
      this.reading = false;
    }
    // The watchdog cancels the source: the pending read then ends as if the stream had.
    if (this.idled) {
      this.eof = true;
      throw this.idleError();
    }
    if (value === null || value === undefined) {
      this.eof = true;
      return null;
    }
    this.total += value.length;
    if (this.opts.maxBytes !== undefined && this.total > this.opts.maxBytes) {
      this.eof = true;
      this.src.cancel();
      throw this.fail('too_large', `the stream exceeds ${this.opts.maxBytes} bytes`);
    }
    return value;
  }

  /**
   * Buffers at least n bytes (false if the stream ends first). The pieces are joined once, when
   * enough are in: joining at every read copied a 64 KiB side-band packet arriving in 4 KB
   * pieces ~8 times over (concatBytes was 4.7% of an import's CPU in a profile).
   */
  private async fill(n: number): Promise<boolean> {
    if (this.buf.length >= n) return true;
    const parts = this.buf.length ? [this.buf] : [];
    let have = this.buf.length;
    try {
      while (have < n && !this.eof) {
        const v = await this.read();
        if (v && v.length) {
          parts.push(v);
          have += v.length;
        }
      }
    } finally {
      if (parts.length > 0) this.buf = parts.length === 1 ? parts[0] : concatBytes(parts, have);
    }
    return have >= n;
  }

  /** The next pkt-line, or null at a clean end of the stream (no byte of a next packet). */
  async packet(): Promise<Packet | null> {
    if (!(await this.fill(1))) return null;
    if (!(await this.fill(4))) throw this.fail('framing', 'truncated pkt-line header');
    let len = 0;
    for (let i = 0; i < 4; i++) {
      const c = this.buf[i];
      const v = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
      if (v < 0) throw this.fail('framing', `bad pkt-line length ${JSON.stringify(dec.decode(this.buf.subarray(0, 4)))}`);
      len = len * 16 + v;
    }
    if (len <= 2) {
      this.buf = this.buf.subarray(4);
      return len === 0 ? { kind: 'flush' } : len === 1 ? { kind: 'delim' } : { kind: 'response-end' };
    }
    if (len < 4 || len > MAX_PKT_LEN) throw this.fail('framing', `invalid pkt-line length ${len}`);
    if (!(await this.fill(len))) throw this.fail('framing', 'truncated pkt-line');
    const data = this.buf.subarray(4, len);
    this.buf = this.buf.subarray(len);
    return { kind: 'data', data };
  }

  /** Like packet(), but the end of the stream is an error here. */
  async need(what: string): Promise<Packet> {
    const p = await this.packet();
    if (p === null) throw this.fail('framing', `the stream ended early (expected ${what})`);
    return p;
  }

  /** The next piece of the rest of the stream (raw bytes, e.g. a pack), or null at its end. */
  async chunk(): Promise<Uint8Array | null> {
    if (this.buf.length) {
      const b = this.buf;
      this.buf = new Uint8Array(0);
      return b;
    }
    for (;;) {
      const v = await this.read();
      if (v === null) return null;
      if (v.length) {
        this.handed = v.byteOffset === 0 ? v.buffer : null;
        return v;
      }
    }
  }

  /**
   * The caller is done with `chunk` (the last piece chunk() gave) and keeps no view of it: its
   * buffer may take the next read. Only a piece that came straight from a read is taken back.
   */
  recycle(chunk: Uint8Array): void {
    if (this.handed !== null && chunk.buffer === this.handed && this.handed instanceof ArrayBuffer) this.src.spare = this.handed;
    this.handed = null;
  }

  /** The rest of the stream, piece by piece. */
  async *rest(): AsyncGenerator<Uint8Array> {
    for (let c = await this.chunk(); c !== null; c = await this.chunk()) yield c;
  }

  /** Reads and drops the rest (at most `max` bytes): a refusal must not race the upload. */
  async drain(max = 64 * 1024 * 1024): Promise<void> {
    this.buf = new Uint8Array(0);
    let n = 0;
    try {
      while (!this.eof && n < max) n += (await this.read())?.length ?? 0;
    } catch {
      this.eof = true; // the client is gone
    }
  }

  /**
   * Starts the watchdog unless it runs. It wakes once per idleMs at most: a read waiting that
   * long is ended by cancelling the source; a read still younger re-arms it for the rest; no
   * read in progress (the caller is busy, or done with the stream) lets it lapse until the next.
   */
  private arm(ms: number): void {
    this.readStartedAt = Date.now();
    if (this.watchdog !== undefined) return;
    const check = (): void => {
      this.watchdog = undefined;
      if (!this.reading || this.eof) return;
      const quiet = Date.now() - this.readStartedAt;
      if (quiet >= ms) {
        this.idled = true;
        this.src.cancel();
        return;
      }
      this.watchdog = setTimeout(check, ms - quiet);
    };
    this.watchdog = setTimeout(check, ms);
  }

  private idleError(): Error {
    return this.fail('idle', `no data for ${Math.round((this.opts.idleMs ?? 0) / 1000)} s`);
  }

  /** Stops reading; the connection is released. */
  cancel(): void {
    this.eof = true;
    this.src.cancel();
  }
}

/** Errors this reader made itself (fail()) pass through read()'s catch unchanged. */
const made = new WeakSet<object>();
function isOurs(e: unknown): boolean {
  return typeof e === 'object' && e !== null && made.has(e);
}
