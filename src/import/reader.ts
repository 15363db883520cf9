// Incremental reader over a remote's response body: pkt-lines and raw chunks, with an idle
// timeout (no byte for too long is an error, never a hang) and a cap on the bytes read.
import { MAX_PKT_LEN, type Packet } from '../protocol/pktline';
import { concatBytes } from '../protocol/pktline';
import { ImportError, notGit } from './errors';

/** No byte from the remote for this long ends the import. */
export const IDLE_TIMEOUT_MS = 60_000;

const dec = new TextDecoder();

export class RemoteReader {
  private buf: Uint8Array = new Uint8Array(0);
  private eof = false;
  private total = 0;
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;

  constructor(
    body: ReadableStream<Uint8Array>,
    private readonly maxBytes: number,
    private readonly idleMs = IDLE_TIMEOUT_MS,
  ) {
    this.reader = body.getReader();
  }

  /** Bytes read from the stream so far. */
  get bytesRead(): number {
    return this.total;
  }

  /** One read from the stream, bounded by the idle timeout. */
  private async pull(): Promise<Uint8Array | null> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ImportError('upstream_timeout', `the remote sent nothing for ${Math.round(this.idleMs / 1000)} s`)), this.idleMs);
    });
    try {
      const r = await Promise.race([this.reader.read(), timeout]);
      if (r.done) return null;
      this.total += r.value.length;
      if (this.total > this.maxBytes) throw new ImportError('pack_too_large', `the remote's answer exceeds ${this.maxBytes} bytes`);
      return r.value;
    } catch (e) {
      if (e instanceof ImportError) {
        this.cancel();
        throw e;
      }
      // A dropped connection or a corrupt gzip stream.
      throw new ImportError('upstream_unreachable', 'reading from the remote failed'); // no detail: see client.ts
    } finally {
      clearTimeout(timer);
    }
  }

  private async fill(n: number): Promise<boolean> {
    while (this.buf.length < n && !this.eof) {
      const v = await this.pull();
      if (v === null) this.eof = true;
      else if (v.length) this.buf = this.buf.length ? concatBytes([this.buf, v]) : v;
    }
    return this.buf.length >= n;
  }

  /** The next pkt-line, or null at a clean end of the stream. Bad framing is `upstream_not_git`. */
  async packet(): Promise<Packet | null> {
    if (!(await this.fill(1))) return null;
    if (!(await this.fill(4))) throw notGit('truncated pkt-line header');
    let len = 0;
    for (let i = 0; i < 4; i++) {
      const c = this.buf[i];
      const v = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
      if (v < 0) throw notGit(`bad pkt-line length ${JSON.stringify(dec.decode(this.buf.subarray(0, 4)))}`);
      len = len * 16 + v;
    }
    if (len <= 2) {
      this.buf = this.buf.subarray(4);
      return len === 0 ? { kind: 'flush' } : len === 1 ? { kind: 'delim' } : { kind: 'response-end' };
    }
    if (len < 4 || len > MAX_PKT_LEN) throw notGit(`invalid pkt-line length ${len}`);
    if (!(await this.fill(len))) throw notGit('truncated pkt-line');
    const data = this.buf.subarray(4, len);
    this.buf = this.buf.subarray(len);
    return { kind: 'data', data };
  }

  /** Like packet(), but the end of the stream is an error here. */
  async need(what: string): Promise<Packet> {
    const p = await this.packet();
    if (p === null) throw notGit(`the answer ended early (expected ${what})`);
    return p;
  }

  /** The rest of the stream, chunk by chunk (a pack without side-band). */
  async *rest(): AsyncGenerator<Uint8Array> {
    if (this.buf.length) yield this.buf;
    this.buf = new Uint8Array(0);
    while (!this.eof) {
      const v = await this.pull();
      if (v === null) this.eof = true;
      else if (v.length) yield v;
    }
  }

  /** Stops reading; the connection is released. */
  cancel(): void {
    this.eof = true;
    this.reader.cancel().catch(() => {});
  }
}

/** A data packet as text with one trailing LF removed. */
export function lineOf(p: Packet): string | null {
  if (p.kind !== 'data') return null;
  let end = p.data.length;
  if (end > 0 && p.data[end - 1] === 10) end--;
  return dec.decode(p.data.subarray(0, end));
}
