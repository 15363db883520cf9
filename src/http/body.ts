// Request bodies, read with a bound: the one bounded reader (bytes, optionally gzip-encoded),
// the JSON-object reader built on it, draining what a refusal leaves unread, and the size limits
// of the git routes. Every limit is checked before the bytes exist: a declared Content-Length
// over the cap is refused before reading, and a stream stops at the first chunk past it.
import { concatBytes } from '../codec/bytes';
import { HttpError } from './errors';
import { BodyStalledError, withinIdle } from './body-idle';

/** Largest v0/v1/v2 negotiation request (wants, haves, ls-refs arguments). */
export const MAX_NEGOTIATION_BYTES = 32 * 1024 * 1024;
/** Largest push (and largest pack an import takes from its remote). */
export const MAX_PUSH_BYTES = 2 * 1024 * 1024 * 1024;

/** Why a body could not be read: over the cap, an unsupported encoding, or a broken stream. */
export class BodyError extends Error {
  override name = 'BodyError';
  constructor(readonly kind: 'too_large' | 'encoding' | 'read', message: string) {
    super(message);
  }
}

/** The body's stream, gunzipped if it says so (git sends large negotiations gzipped). */
export function decodedBody(request: Request): ReadableStream<Uint8Array> | null {
  if (!request.body) return null;
  const enc = (request.headers.get('content-encoding') ?? '').toLowerCase();
  if (enc === 'gzip' || enc === 'x-gzip') return request.body.pipeThrough(new DecompressionStream('gzip'));
  if (enc && enc !== 'identity') throw new BodyError('encoding', `unsupported content-encoding ${enc}`);
  return request.body;
}

/**
 * Reads a (possibly gzipped) request body of at most `max` bytes after decoding: zip bombs and
 * floods stop at the cap (the rest is drained so the refusal reaches the client).
 */
export async function readBody(request: Request, max: number, idleMs?: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (declared > max) throw new BodyError('too_large', `request body exceeds ${max} bytes`);
  const stream = decodedBody(request);
  if (!stream) return new Uint8Array(0);
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let n = 0;
  try {
    for (;;) {
      const { value, done } = idleMs ? await withinIdle(reader.read(), idleMs) : await reader.read();
      if (done) break;
      n += value.length;
      if (n > max) {
        reader.releaseLock();
        await drainBody(stream);
        throw new BodyError('too_large', `request body exceeds ${max} bytes`);
      }
      parts.push(value);
    }
  } catch (e) {
    if (e instanceof BodyError) throw e;
    if (e instanceof BodyStalledError) {
      reader.cancel().catch(() => {}); // the client went quiet: nothing more is read
      throw new BodyError('read', e.message);
    }
    throw new BodyError('read', `could not read request body: ${(e as Error).message}`);
  } finally {
    try {
      if (stream.locked) reader.releaseLock();
    } catch {
      /* a read cut short by the idle limit may still be pending: the stream is cancelled anyway */
    }
  }
  return concatBytes(parts, n);
}

/** A body of at most `max` bytes, with its refusals as HttpErrors a REST client understands (413, 400). */
export async function readRestBody(request: Request, max: number): Promise<Uint8Array> {
  try {
    return await readBody(request, max);
  } catch (e) {
    if (e instanceof BodyError) throw new HttpError(e.kind === 'too_large' ? 413 : 400, e.kind === 'too_large' ? 'too_large' : 'bad_request', e.message);
    throw e;
  }
}

/**
 * A JSON object body of at most `max` bytes, as HttpErrors a REST client understands (413, 400).
 * `optional`: an empty body is `{}` (routes whose fields are all optional).
 */
export async function readJsonObject(request: Request, max: number, opts: { optional?: boolean } = {}): Promise<Record<string, unknown>> {
  const bytes = await readRestBody(request, max);
  const text = new TextDecoder().decode(bytes);
  if (!text.trim()) {
    if (opts.optional) return {};
    throw new HttpError(400, 'bad_request', 'request body must be a JSON object');
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'bad_request', opts.optional ? 'request body must be a JSON object' : 'request body is not valid JSON');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new HttpError(400, 'bad_request', 'request body must be a JSON object');
  return v as Record<string, unknown>;
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

/** The request-body limit of a git route. */
export function gitBodyLimit(url: string): number {
  return url.includes('/git-receive-pack') ? MAX_PUSH_BYTES : MAX_NEGOTIATION_BYTES;
}
