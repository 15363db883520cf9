// Git smart HTTP on top of a RepoStore: info/refs, git-upload-pack, git-receive-pack.
// Turns protocol generators into streaming Responses and protocol errors into git-shaped ones.
import type { RepoStore } from '../storage/repo-store';
import { StoreFetchSource } from '../storage/fetch-source';
import { advertiseRefs, advertiseV2, serviceHeader, type AdvertisedRef } from '../protocol/advertise';
import { parseFetchV1, parseFetchV2 } from '../protocol/fetch-request';
import { PktReader, ProtocolError, errPkt, pktText } from '../protocol/pktline';
import { BodyError, MAX_NEGOTIATION_BYTES, MAX_PUSH_BYTES, decodedBody, readBody, tooLarge } from '../http/body';
import { receivePack } from '../protocol/receive-pack';
import { coalesce } from '../protocol/coalesce';
import { BODY_IDLE_TIMEOUT_MS } from '../http/body-idle';
import { fetchV1, fetchV2, lsRefs, type PackStats } from '../protocol/upload-pack';
import { logError } from '../http/log';


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
        if (!(e instanceof ProtocolError)) logError('git response failed', e);
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

/** A complete git-shaped error reply: ERR pkt-line with 200, which git prints as "remote error". */
function gitError(service: Service, message: string): Response {
  return new Response(errPkt(message), { status: 200, headers: headers(`application/x-${service}-result`) });
}

/** `stats` (the request's log fields) learns how many objects the pack carried. */
/** `idleMs`: a body read that brings nothing for this long ends the request (http/body-idle.ts). */
export async function uploadPack(store: RepoStore, request: Request, stats?: PackStats, idleMs = BODY_IDLE_TIMEOUT_MS): Promise<Response> {
  const ct = 'application/x-git-upload-pack-result';
  const refused = tooLarge(request, MAX_NEGOTIATION_BYTES);
  if (refused) return refused;
  let gen: AsyncGenerator<Uint8Array> | Generator<Uint8Array>;
  try {
    const body = await readBody(request, MAX_NEGOTIATION_BYTES, idleMs);
    const source = new StoreFetchSource(store);
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
      if (command === 'ls-refs') gen = lsRefs(source, args);
      else if (command === 'fetch') gen = fetchV2(source, parseFetchV2(args), stats);
      else if (command === null) throw new ProtocolError('no command given');
      else throw new ProtocolError(`unknown command '${command.slice(0, 64)}'`);
    } else {
      gen = fetchV1(source, parseFetchV1(body), stats);
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
    if (e instanceof ProtocolError || e instanceof BodyError) return gitError('git-upload-pack', e.message);
    logError('upload-pack failed', e);
    return gitError('git-upload-pack', 'internal error');
  }
}

export async function receivePackHttp(store: RepoStore, request: Request, stats?: PackStats, idleMs?: number): Promise<Response> {
  const refused = tooLarge(request, MAX_PUSH_BYTES);
  if (refused) return refused;
  let body: ReadableStream<Uint8Array> | null;
  try {
    body = decodedBody(request);
  } catch (e) {
    return new Response(`error: ${(e as Error).message}\n`, { status: 400, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  }
  if (!body) return gitError('git-receive-pack', 'empty push request');
  const gen = receivePack(store, body, { maxPackBytes: MAX_PUSH_BYTES, stats, idleTimeoutMs: idleMs });
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
    if (status === 500) logError('receive-pack failed', e);
    const msg = e instanceof ProtocolError ? e.message : 'internal error';
    return new Response(`error: ${msg}\n`, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  }
}
