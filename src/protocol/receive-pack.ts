// receive-pack (push), v0/v1 over stateless HTTP: commands, optional push-options, then the
// pack, streamed straight into storage. Refs move only after every object was hashed, checked
// and found connected, in one compare-and-swap transaction; any failure leaves refs untouched.
import type { RepoStore } from '../storage/repo-store';
import { IngestError, ZERO_OID } from '../storage/repo-store';
import type { RefUpdate, RefUpdateResult } from '../storage/refs';
import type { PackIngest } from '../storage/ingest';
import { FLUSH, MAX_PKT_LEN, ProtocolError, concatBytes, pkt, splitCapabilities } from './pktline';
import { BAND_DATA, BAND_PROGRESS, sideband } from './sideband';
import { BODY_IDLE_TIMEOUT_MS, BodyStalledError, withinIdle } from './body-idle';
import { MAX_PUSH_COMMANDS, MAX_PUSH_OPTIONS, pushRefusal } from './push-limits';

const enc = new TextEncoder();
const dec = new TextDecoder();
const OID_RE = /^[0-9a-f]{40}$/;

export interface PushCommand extends RefUpdate {}

export interface PushRequestHead {
  commands: PushCommand[];
  caps: Set<string>;
  options: string[];
}

/** A body read: the bytes it brought (maybe none) and whether the body ended. */
interface Piece {
  value: Uint8Array | null;
  done: boolean;
}

/** Pieces a BYOB read waits for (unless the body ends first), and the buffer each read gets. */
const BYOB_MIN = 64 * 1024;
const BYOB_SIZE = 64 * 1024;

/**
 * How the body is read. workerd hands a request body to a Durable Object in ~4 KB pieces (an
 * 80 MB push is ~20k reads, and the promise round trip of each was ~15% of the push's CPU in a
 * profile), so where the stream is a byte stream with workerd's readAtLeast, each read waits for
 * at least 64 KiB. Every read gets a fresh buffer: pieces handed on are never written again.
 */
function puller(body: ReadableStream<Uint8Array>): { pull: () => Promise<Piece>; cancel: () => void } {
  let byob: ReadableStreamBYOBReader | null = null;
  try {
    byob = body.getReader({ mode: 'byob' });
  } catch {
    byob = null; // not a byte stream (e.g. a decompressed body): plain reads
  }
  if (byob && typeof byob.readAtLeast === 'function') {
    const r = byob;
    return {
      pull: async () => {
        const { value, done } = await r.readAtLeast(BYOB_MIN, new Uint8Array(BYOB_SIZE));
        return { value: value && value.byteLength ? value : null, done };
      },
      cancel: () => void r.cancel().catch(() => {}),
    };
  }
  byob?.releaseLock();
  const r = body.getReader();
  return {
    pull: async () => {
      const { value, done } = await r.read();
      return { value: value && value.byteLength ? value : null, done };
    },
    cancel: () => void r.cancel().catch(() => {}),
  };
}

/** Incremental reader over the request body: pkt-lines first, then raw pack bytes. */
class BodyReader {
  private buf: Uint8Array = new Uint8Array(0);
  private done = false;
  private readonly pull: () => Promise<Piece>;
  private readonly cancel: () => void;
  constructor(
    body: ReadableStream<Uint8Array>,
    private readonly idleMs = BODY_IDLE_TIMEOUT_MS,
  ) {
    ({ pull: this.pull, cancel: this.cancel } = puller(body));
  }

  private async fill(n: number): Promise<boolean> {
    while (this.buf.length < n && !this.done) {
      const value = await this.read();
      if (value) this.buf = this.buf.length ? concatBytes([this.buf, value]) : value;
    }
    return this.buf.length >= n;
  }

  /**
   * The next bytes of the body, or null (at its end, or a read that brought nothing). Stream
   * errors (a corrupt gzip body, a dropped connection) are the client's: 4xx, not 500.
   */
  private async read(): Promise<Uint8Array | null> {
    let p: Piece;
    try {
      p = await withinIdle(this.pull(), this.idleMs);
    } catch (e) {
      if (e instanceof BodyStalledError) {
        // Nothing more is read (a drain would wait as long again): the body is let go.
        this.done = true;
        this.cancel();
        throw new ProtocolError(e.message);
      }
      throw new ProtocolError(`could not read request body: ${(e as Error).message}`);
    }
    if (p.done) this.done = true;
    return p.value;
  }

  /** A pkt-line: string for data, null for flush; throws on malformed input or early end. */
  async packet(): Promise<string | null> {
    if (!(await this.fill(4))) throw new ProtocolError('unexpected end of push request');
    const lenText = dec.decode(this.buf.subarray(0, 4));
    if (!/^[0-9a-fA-F]{4}$/.test(lenText)) throw new ProtocolError(`bad pkt-line length '${lenText}'`);
    const len = parseInt(lenText, 16);
    if (len === 0) {
      this.buf = this.buf.subarray(4);
      return null;
    }
    if (len < 4 || len > MAX_PKT_LEN) throw new ProtocolError(`bad pkt-line length ${len}`);
    if (!(await this.fill(len))) throw new ProtocolError('truncated pkt-line in push request');
    let data = this.buf.subarray(4, len);
    this.buf = this.buf.subarray(len);
    if (data.length > 0 && data[data.length - 1] === 10) data = data.subarray(0, data.length - 1);
    return dec.decode(data);
  }

  /** Reads and drops the rest of the body (bounded): a refusal must not race the upload. */
  async drain(max = 64 * 1024 * 1024): Promise<void> {
    this.buf = new Uint8Array(0);
    let n = 0;
    try {
      while (!this.done && n < max) n += (await this.read())?.length ?? 0;
    } catch {
      this.done = true; // the client is gone
    }
  }

  /** The next piece of the rest of the body (the pack), or null at its end. */
  async chunk(): Promise<Uint8Array | null> {
    if (this.buf.length) {
      const b = this.buf;
      this.buf = new Uint8Array(0);
      return b;
    }
    while (!this.done) {
      const value = await this.read();
      if (value) return value;
    }
    return null;
  }
}

export async function readPushHead(reader: BodyReader): Promise<PushRequestHead> {
  const commands: PushCommand[] = [];
  let caps = new Set<string>();
  for (;;) {
    const line = await reader.packet();
    if (line === null) break;
    let text = line;
    if (commands.length === 0) {
      const s = splitCapabilities(line);
      text = s.line;
      caps = new Set(s.caps);
    }
    if (text.startsWith('shallow ')) continue; // pushes from shallow clones announce their boundary
    const parts = text.split(' ');
    if (parts.length !== 3 || !OID_RE.test(parts[0]) || !OID_RE.test(parts[1])) {
      throw new ProtocolError(`invalid push command '${text.slice(0, 100)}'`);
    }
    commands.push({ oldOid: parts[0], newOid: parts[1], name: parts[2] });
    if (commands.length > MAX_PUSH_COMMANDS) return { commands, caps, options: [] }; // refused: the rest is only drained
  }
  const options: string[] = [];
  if (caps.has('push-options') && commands.length > 0) {
    for (;;) {
      const line = await reader.packet();
      if (line === null) break;
      options.push(line);
      if (options.length > MAX_PUSH_OPTIONS) break; // refused: the rest is only drained
    }
  }
  return { commands, caps, options };
}

export interface ReceiveOptions {
  maxPackBytes: number;
  /** A body read that brings nothing for this long ends the push (default BODY_IDLE_TIMEOUT_MS). */
  idleTimeoutMs?: number;
}

/**
 * Serves one push. Yields the response body (report-status, inside side-band when asked).
 */
export async function* receivePack(
  store: RepoStore,
  body: ReadableStream<Uint8Array>,
  opts: ReceiveOptions,
): AsyncGenerator<Uint8Array> {
  const reader = new BodyReader(body, opts.idleTimeoutMs);
  let head: PushRequestHead;
  try {
    head = await readPushHead(reader);
  } catch (e) {
    // Refuse only once the upload is in (bounded): a DO that answers while the request body is
    // still unread loses the answer and can break the next request (workerd#1741).
    await reader.drain();
    throw e;
  }
  const band = head.caps.has('side-band-64k');
  const quiet = head.caps.has('quiet');
  const wrap = function* (b: Uint8Array[]): Generator<Uint8Array> {
    if (!band) {
      yield* b;
      return;
    }
    yield* sideband(BAND_DATA, concatBytes(b));
  };
  const progress = (msg: string): Uint8Array[] => (band && !quiet ? sideband(BAND_PROGRESS, enc.encode(msg)) : []);

  if (head.commands.length === 0) {
    await reader.drain(); // nothing to do: read the rest so the answer is not lost
    return;
  }
  const refusal = pushRefusal(head.commands, head.options, () => store.refs.count());
  if (refusal) {
    await reader.drain();
    yield* wrap([pkt(`unpack ${refusal.unpack}\n`), ...head.commands.map((c) => pkt(`ng ${c.name} ${refusal.ng}\n`)), FLUSH]);
    if (band) yield FLUSH;
    return;
  }
  const needsPack = head.commands.some((c) => c.newOid !== ZERO_OID);
  let ingest: PackIngest | null = null;
  let unpackError: string | null = null;
  let pack = null;
  if (needsPack) {
    ingest = store.beginPack(opts.maxPackBytes);
    try {
      let sawBytes = false;
      for (let chunk = await reader.chunk(); chunk !== null; chunk = await reader.chunk()) {
        sawBytes = true;
        ingest.write(chunk);
      }
      if (!sawBytes) throw new IngestError('no pack data received');
      const ticks: Uint8Array[] = [];
      yield* progress(`Receiving objects: ${ingest.objectsSeen} objects, done.\n`);
      pack = await ingest.finish(async (done, total) => {
        ticks.push(...progress(`Resolving deltas: ${done}/${total}\r`));
      });
      yield* ticks;
      yield* progress(`Resolving deltas: done.\n`);
    } catch (e) {
      ingest.discardFile();
      await reader.drain();
      if (e instanceof IngestError || e instanceof ProtocolError) unpackError = e.message;
      else {
        console.error('push failed', e);
        unpackError = 'internal error while reading the pack';
      }
    }
  } else {
    await reader.drain();
  }

  let results: RefUpdateResult[];
  if (unpackError) {
    results = head.commands.map((c) => ({ name: c.name, ok: false, error: 'unpacker error' }));
  } else {
    results = store.commitPush(pack, head.commands, head.caps.has('atomic'));
    if (pack && !results.some((r) => r.ok)) ingest?.discardFile();
  }
  const lines = [pkt(`unpack ${unpackError ? unpackError.replace(/\n/g, ' ') : 'ok'}\n`)];
  for (const r of results) lines.push(pkt(r.ok ? `ok ${r.name}\n` : `ng ${r.name} ${r.error}\n`));
  lines.push(FLUSH);
  if (unpackError) yield* progress(`error: ${unpackError}\n`);
  yield* wrap(lines);
  if (band) yield FLUSH;
}

export { BodyReader };
