// Structured logs: one JSON line per git operation and API call, and structured error lines.
// Workers Logs (wrangler.toml [observability]) indexes the JSON fields, so a push can be found by
// repo, op or token id and its bytes/objects/duration read off directly.
//
// Who logs: whoever answers. The repository's Durable Object logs the git operations it serves
// (it alone knows the token and the objects moved); the Worker logs the API calls and what it
// answers itself. A request the Worker hands to a Durable Object that logs it is marked
// (handedOver) so the Worker stays quiet about it: one line per request, never two.
//
// Never logged: secrets. The token *id* (what the tokens API lists) names who acted.
// (Imports nothing: RPC callers' bundles reach this file through src/rpc/errors.ts.)

/** Set by the Durable Object on REST answers so the Worker's line can name the token; removed
 *  before the answer leaves the Worker. */
export const TOKEN_ID_HEADER = 'x-arbor-token-id';

export interface RequestLine {
  /** `namespace/name`, or the namespace alone for namespace-wide calls; null if none. */
  repo: string | null;
  /** What was done: `git-upload-pack`, `git-receive-pack`, `info-refs:<service>`, or `<METHOD> <route>`. */
  op: string;
  status: number;
  /** Request body bytes as they came over the wire (gzip not undone). */
  bytesIn: number;
  /** Response body bytes sent. */
  bytesOut: number;
  /** Objects in the pack sent (fetch/clone) or received (push); null where no pack moved. */
  objects: number | null;
  /** From the request to the last byte of the answer. */
  ms: number;
  /** The token's id, `admin` for the admin token, null when unauthenticated or refused. */
  tokenId: string | null;
}

/** Writes one request line. */
export function logRequest(l: RequestLine): void {
  const { repo, op, status, bytesIn, bytesOut, objects, ms, tokenId } = l; // this order, nothing else
  console.log(JSON.stringify({ type: 'request', repo, op, status, bytesIn, bytesOut, objects, ms, tokenId }));
}

/** Writes one error line: what failed, the error's message and stack, and context fields. */
export function logError(what: string, e: unknown, fields: Record<string, unknown> = {}): void {
  const err = e instanceof Error ? { error: e.message, errorName: e.name, stack: e.stack } : { error: String(e) };
  console.error(JSON.stringify({ type: 'error', what, ...fields, ...err }));
}

/** Fields a request's handlers fill in while they work (the rest is measured here). */
export interface LogFields {
  repo: string | null;
  op: string;
  tokenId: string | null;
  objects: number | null;
  /** Request body bytes, when the handler counts them itself (it asked for `countIn: false`). */
  bytesIn?: number;
}

const handed = new WeakSet<Request>();

/** Marks a request as handed to a Durable Object that writes its line. */
export function handOver(request: Request): void {
  handed.add(request);
}

export function handedOver(request: Request): boolean {
  return handed.has(request);
}

/**
 * A stream passing `body` through, counting its bytes; `done` runs once at its end or cancel.
 * It holds `body`'s lock only while being read through: the lock is taken at the first read and
 * given back at the end. A request body nobody reads stays unlocked, so the runtime can still
 * drain it after an early answer (a locked one it cannot, and the connection is lost).
 */
function counted(body: ReadableStream<Uint8Array>, onBytes: (n: number) => void, done: () => void): ReadableStream<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  let ended = false;
  const end = () => {
    if (!ended) {
      ended = true;
      done();
    }
    try {
      reader?.releaseLock();
    } catch {
      /* already released */
    }
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        reader ??= body.getReader();
        const { value, done: finished } = await reader.read();
        if (finished) {
          end();
          controller.close();
          return;
        }
        onBytes(value.byteLength);
        controller.enqueue(value);
      } catch (e) {
        end();
        controller.error(e);
      }
    },
    async cancel(reason) {
      if (reader) await reader.cancel(reason).catch(() => {});
      else await body.cancel(reason).catch(() => {});
      end();
    },
  }, { highWaterMark: 0 }); // pull only when the reader asks: nothing is read ahead of the handler
}

/**
 * One request's log: `request` is the request to hand on (its body counted as it is read), and
 * `finish(response)` returns the response to send (its body counted) and writes the line when the
 * last byte is out, or when the client goes away.
 */
export class RequestLog {
  readonly fields: LogFields;
  readonly request: Request;
  private readonly start = Date.now();
  private bytesIn = 0;
  private bytesOut = 0;

  /**
   * A body is wrapped in a counting stream only when it states no length and the handler does not
   * count it (`countIn: false`: it sets `fields.bytesIn`); otherwise it stays as it came and
   * bytesIn is its Content-Length (the runtime holds a body to it). The wrapper is not free: it is
   * no byte stream, so receive-pack cannot read a wrapped push in 64 KiB pieces (readAtLeast) and
   * falls back to workerd's ~4 KB ones, which cost a 128 MiB push ~2.5 s of its 11 s (profile of
   * bench/push-profile.mjs), and every API call paid a JS hop per chunk.
   */
  constructor(request: Request, fields: Partial<LogFields> & { op: string }, opts: { countIn?: boolean } = {}) {
    this.fields = { repo: null, tokenId: null, objects: null, ...fields };
    const stated = /^\d{1,15}$/.test(request.headers.get('content-length') ?? '');
    if (request.body && opts.countIn !== false && !stated) {
      this.request = new Request(request, { body: counted(request.body, (n) => (this.bytesIn += n), () => {}) });
    } else {
      this.request = request;
      this.bytesIn = Number(request.headers.get('content-length')) || 0;
    }
  }

  finish(response: Response): Response {
    const write = () =>
      logRequest({ ...this.fields, status: response.status, bytesIn: this.fields.bytesIn ?? this.bytesIn, bytesOut: this.bytesOut, ms: Date.now() - this.start });
    const headers = new Headers(response.headers);
    headers.delete(TOKEN_ID_HEADER);
    if (!response.body || response.status === 101) {
      write();
      if (!response.headers.has(TOKEN_ID_HEADER)) return response;
      return new Response(null, { status: response.status, statusText: response.statusText, headers });
    }
    const body = counted(response.body, (n) => (this.bytesOut += n), write);
    // A stated length is kept (raw blob reads and byte ranges depend on it): the bytes go out as
    // they are, with that length, rather than chunked or re-encoded by the runtime.
    const len = response.headers.get('content-length');
    if (len !== null && /^\d{1,15}$/.test(len)) {
      return new Response(body.pipeThrough(new FixedLengthStream(Number(len))), {
        status: response.status, statusText: response.statusText, headers, encodeBody: 'manual',
      });
    }
    return new Response(body, { status: response.status, statusText: response.statusText, headers });
  }
}

/** The op of a git request by its path: `git-upload-pack`, `git-receive-pack`, `info-refs:<service>`. */
export function gitOp(path: string, service: string | null): string {
  const last = path.slice(path.lastIndexOf('/') + 1);
  if (last === 'refs' && path.endsWith('/info/refs')) return `info-refs:${(service ?? '').slice(0, 32) || 'none'}`;
  return last.slice(0, 32);
}
