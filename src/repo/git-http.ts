// Git smart HTTP on top of a RepoStore: info/refs, git-upload-pack, git-receive-pack.
// Turns protocol generators into streaming Responses and protocol errors into git-shaped ones.
import type { RepoStore } from '../storage/repo-store';
import { advertiseRefs, advertiseV2, serviceHeader, type AdvertisedRef } from '../protocol/advertise';
import { parseFetchV1, parseFetchV2 } from '../protocol/fetch-request';
import { PktReader, ProtocolError, concatBytes, errPkt, pktText } from '../protocol/pktline';
import { receivePack } from '../protocol/receive-pack';
import { coalesce } from '../protocol/coalesce';
import { BODY_IDLE_TIMEOUT_MS, BodyStalledError, withinIdle } from '../protocol/body-idle';
import { fetchV1, fetchV2, lsRefs } from '../protocol/upload-pack';

export const MAX_NEGOTIATION_BYTES = 32 * 1024 * 1024;
export const MAX_PUSH_BYTES = 2 * 1024 * 1024 * 1024;

type Service = 'git-upload-pack' | 'git-receive-pack';

function headers(contentType: string): HeadersInit {
  return {
    'content-type': contentType,
    'cache-control': 'no-cache, max-age=0, must-revalidate',
    expires: 'Fri, 01 Jan 1980 00:00:00 GMT',
    pragma: 'no-cache',
  };
}

/** A stream that pulls from an async generator: backpressure for free, errors end the stream. */
export function streamFrom(gen: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, onError?: (e: unknown) => Uint8Array | null): ReadableStream<Uint8Array> {
  const it = (Symbol.asyncIterator in gen ? (gen as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]() : (gen as Iterable<Uint8Array>)[Symbol.iterator]()) as AsyncIterator<Uint8Array> | Iterator<Uint8Array>;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await it.next();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (e) {
        const tail = onError?.(e);
        if (tail) controller.enqueue(tail);
        if (!(e instanceof ProtocolError)) console.error('git response failed', e);
        controller.close();
      }
    },
    async cancel() {
      await it.return?.();
    },
  });
}

function gitVersion(request: Request): number {
  const h = request.headers.get('git-protocol') ?? '';
  if (/(^|:)version=2(:|$)/.test(h)) return 2;
  if (/(^|:)version=1(:|$)/.test(h)) return 1;
  return 0;
}

export function advertisedRefs(store: RepoStore): AdvertisedRef[] {
  return store.peeledRefs().map(({ name, oid, peeled }) => (peeled && name.startsWith('refs/tags/') ? { name, oid, peeled } : { name, oid }));
}

export function infoRefs(store: RepoStore, service: Service, request: Request): Response {
  const v = gitVersion(request);
  const parts: Uint8Array[] = [];
  if (service === 'git-upload-pack' && v === 2) {
    parts.push(...advertiseV2());
  } else {
    parts.push(...serviceHeader(service));
    const shallows = service === 'git-upload-pack' ? store.shallow().list() : [];
    parts.push(...advertiseRefs(service, advertisedRefs(store), store.refs.head(), v === 1, shallows));
  }
  return new Response(streamFrom(coalesce(parts)), { headers: headers(`application/x-${service}-advertisement`) });
}

/** Reads a (possibly gzipped) request body with a size cap: zip bombs and floods stop at the cap. */
export async function readBody(request: Request, max: number, idleMs = BODY_IDLE_TIMEOUT_MS): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array(0);
  let stream: ReadableStream<Uint8Array> = request.body;
  const enc = (request.headers.get('content-encoding') ?? '').toLowerCase();
  if (enc === 'gzip' || enc === 'x-gzip') stream = stream.pipeThrough(new DecompressionStream('gzip'));
  else if (enc && enc !== 'identity') throw new ProtocolError(`unsupported content-encoding ${enc}`);
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let n = 0;
  try {
    for (;;) {
      const { value, done } = await withinIdle(reader.read(), idleMs);
      if (done) break;
      n += value.length;
      if (n > max) {
        reader.releaseLock();
        await drainBody(stream);
        throw new ProtocolError(`request body exceeds ${max} bytes`);
      }
      parts.push(value);
    }
  } catch (e) {
    if (e instanceof ProtocolError) throw e;
    if (e instanceof BodyStalledError) {
      reader.cancel().catch(() => {});
      throw new ProtocolError(e.message);
    }
    throw new ProtocolError(`could not read request body: ${(e as Error).message}`);
  } finally {
    try {
      if (stream.locked) reader.releaseLock();
    } catch {
      /* a read cut short by the idle limit may still be pending: the stream is cancelled anyway */
    }
  }
  return concatBytes(parts, n);
}

/** A complete git-shaped error reply: ERR pkt-line with 200, which git prints as "remote error". */
function gitError(service: Service, message: string): Response {
  return new Response(errPkt(message), { status: 200, headers: headers(`application/x-${service}-result`) });
}

/** The request-body limit of a git route. */
export function bodyLimit(url: string): number {
  return url.includes('/git-receive-pack') ? MAX_PUSH_BYTES : MAX_NEGOTIATION_BYTES;
}

/**
 * Reads and drops what is left of a request body (at most `max` bytes), so that a refusal sent
 * before the body was consumed reaches the client instead of a reset connection.
 */
export async function drainBody(body: ReadableStream<Uint8Array> | null, max = 64 * 1024 * 1024): Promise<void> {
  if (!body || body.locked) return;
  const reader = body.getReader();
  let n = 0;
  try {
    while (n < max) {
      const { value, done } = await reader.read();
      if (done) return;
      n += value.length;
    }
    await reader.cancel();
  } catch {
    /* the client went away: nothing to answer */
  }
}

/** Refuses a body whose declared size is over the limit before reading a byte of it. */
export function tooLarge(request: Request, max: number): Response | null {
  const len = Number(request.headers.get('content-length') ?? '0');
  if (!(len > max)) return null;
  return new Response(`error: request body of ${len} bytes exceeds the ${max}-byte limit\n`, {
    status: 413,
    headers: { 'content-type': 'text/plain; charset=utf-8', connection: 'close' },
  });
}

export async function uploadPack(store: RepoStore, request: Request, idleMs?: number): Promise<Response> {
  const ct = 'application/x-git-upload-pack-result';
  const refused = tooLarge(request, MAX_NEGOTIATION_BYTES);
  if (refused) return refused;
  let gen: AsyncGenerator<Uint8Array> | Generator<Uint8Array>;
  try {
    const body = await readBody(request, MAX_NEGOTIATION_BYTES, idleMs);
    if (gitVersion(request) === 2) {
      const r = new PktReader(body);
      let command: string | null = null;
      const args: string[] = [];
      let inArgs = false;
      for (;;) {
        const p = r.next();
        if (p === null) throw new ProtocolError('unexpected end of request (missing flush)');
        if (p.kind === 'flush') break;
        if (p.kind === 'delim') {
          inArgs = true;
          continue;
        }
        if (p.kind !== 'data') throw new ProtocolError('unexpected packet');
        const line = pktText(p.data);
        if (inArgs) args.push(line);
        else if (line.startsWith('command=')) command = line.slice(8);
        // capability lines (agent=, object-format=, server-option=) need nothing from us
        else if (line.startsWith('object-format=') && line !== 'object-format=sha1') {
          throw new ProtocolError(`unsupported object-format ${line.slice(14, 80)}`);
        }
      }
      if (command === 'ls-refs') gen = lsRefs(store, args);
      else if (command === 'fetch') gen = fetchV2(store, parseFetchV2(args));
      else if (command === null) throw new ProtocolError('no command given');
      else throw new ProtocolError(`unknown command '${command.slice(0, 64)}'`);
    } else {
      gen = fetchV1(store, parseFetchV1(body));
    }
    // Pull the first chunk now so request errors become a clean ERR reply instead of a cut stream.
    const first = await gen.next();
    const rest = gen;
    const all = (async function* () {
      if (!first.done) yield first.value;
      yield* rest;
    })();
    return new Response(streamFrom(all, (e) => (e instanceof ProtocolError ? errPkt(e.message) : null)), {
      headers: headers(ct),
    });
  } catch (e) {
    if (e instanceof ProtocolError) return gitError('git-upload-pack', e.message);
    console.error('upload-pack failed', e);
    return gitError('git-upload-pack', 'internal error');
  }
}

export async function receivePackHttp(store: RepoStore, request: Request, idleMs?: number): Promise<Response> {
  const refused = tooLarge(request, MAX_PUSH_BYTES);
  if (refused) return refused;
  if (!request.body) return gitError('git-receive-pack', 'empty push request');
  let body: ReadableStream<Uint8Array> = request.body;
  const enc = (request.headers.get('content-encoding') ?? '').toLowerCase();
  if (enc === 'gzip' || enc === 'x-gzip') body = body.pipeThrough(new DecompressionStream('gzip'));
  const gen = receivePack(store, body, { maxPackBytes: MAX_PUSH_BYTES, idleTimeoutMs: idleMs });
  try {
    const first = await gen.next();
    const all = (async function* () {
      if (!first.done) yield first.value;
      yield* gen;
    })();
    return new Response(streamFrom(all, (e) => (e instanceof ProtocolError ? errPkt(e.message) : null)), {
      headers: headers('application/x-git-receive-pack-result'),
    });
  } catch (e) {
    // send-pack cannot read ERR packets: a plain-text HTTP error is what git shows best.
    const status = e instanceof ProtocolError ? 400 : 500;
    if (status === 500) console.error('receive-pack failed', e);
    const msg = e instanceof ProtocolError ? e.message : 'internal error';
    return new Response(`error: ${msg}\n`, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  }
}
