// The HTTP side of fetching from a smart-HTTP git remote: discovery (GET info/refs, asking for
// protocol v2 and falling back to what the server speaks), ls-refs, and the fetch POST. Maps
// transport failures to ImportErrors; gzip answers are inflated as they stream.
import { MAX_NEGOTIATION_BYTES, MAX_PUSH_BYTES } from '../http/body';
import { DestinationError, outboundFetch } from '../net/outbound';
import { ImportError, notGit } from './errors';
import { IDLE_TIMEOUT_MS, RemoteReader } from './reader';
import {
  fetchRequestV0, fetchRequestV2, lsRefsRequest, parseAdvertisement, parseFetchV0, parseFetchV2, parseLsRefs,
  type Advertisement, type PackAnswer, type RemoteRef,
} from './messages';

/** Room for side-band framing (5 bytes per 64k packet) and negotiation lines around the pack. */
const MAX_PACK_ANSWER = MAX_PUSH_BYTES + Math.ceil(MAX_PUSH_BYTES / 65515) * 5 + MAX_NEGOTIATION_BYTES;

export interface RemoteOptions {
  url: URL;
  /** The caller's extra headers (e.g. Authorization): sent on every request, never stored. */
  headers: Record<string, string>;
  idleMs?: number;
  fetch?: typeof fetch;
  /** Allow loopback/private/link-local destinations (ARBOR_ALLOW_PRIVATE_NETWORKS: local runs). */
  allowPrivate?: boolean;
}

export interface RemoteRefs {
  protocol: 0 | 1 | 2;
  refs: RemoteRef[];
  /** Where the remote's HEAD points (e.g. refs/heads/main), if it says. */
  headTarget: string | null;
  /** The remote's own shallow boundary (v0/v1 advertisement of a shallow repository). */
  shallows: string[];
  /** Fetches the pack for `wants` (optionally shallow). */
  fetchPack(wants: string[], depth?: number): Promise<PackAnswer>;
}

export class RemoteClient {
  private base: string;
  private readonly idleMs: number;
  private readonly doFetch: typeof fetch;

  constructor(private readonly opts: RemoteOptions) {
    this.base = opts.url.toString().replace(/\/+$/, '');
    this.idleMs = opts.idleMs ?? IDLE_TIMEOUT_MS;
    this.doFetch = opts.fetch ?? ((input, init) => fetch(input, init));
  }

  /** Where the remote is, for messages: scheme, host and path only. */
  private get where(): string {
    return this.base;
  }

  /** Where the last request landed (after redirects). */
  private landed = '';

  private async send(path: string, init: { method: 'GET' | 'POST'; body?: Uint8Array; headers: Record<string, string> }): Promise<Response> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.idleMs);
    let res: Response;
    try {
      // Only discovery (GET) follows redirects, as git does: the POSTs go where discovery ended.
      // Every hop is checked; the caller's headers go only to the origin the caller named.
      const out = await outboundFetch(
        new URL(this.base + path),
        {
          method: init.method,
          body: init.body,
          headers: { 'accept-encoding': 'gzip', ...init.headers },
          callerHeaders: this.opts.headers,
          callerOrigin: this.opts.url.origin,
          signal: controller.signal,
        },
        { allowPrivate: this.opts.allowPrivate === true, fetch: this.doFetch },
      );
      res = out.res;
      this.landed = out.url.href;
    } catch (e) {
      if (e instanceof DestinationError) throw new ImportError('upstream_error', `${this.where}: ${e.message}`);
      if (controller.signal.aborted) throw new ImportError('upstream_timeout', `${this.where} did not answer within ${Math.round(this.idleMs / 1000)} s`);
      // No detail (refused, reset, TLS...): what failed how is a port scanner's answer.
      throw new ImportError('upstream_unreachable', `cannot reach ${this.where}`);
    } finally {
      clearTimeout(timer);
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw new ImportError('upstream_auth_failed', `${this.where} refused access (HTTP ${res.status}); pass credentials in headers, e.g. Authorization`);
    }
    if (res.status === 404 || res.status === 410) {
      await res.body?.cancel();
      throw new ImportError('upstream_not_found', `${this.where} has no git repository (HTTP ${res.status})`);
    }
    if (res.status < 200 || res.status >= 300) {
      await res.body?.cancel();
      if (res.status >= 300 && res.status < 400) throw new ImportError('upstream_error', `${this.where} redirected a ${init.method} (HTTP ${res.status})`);
      throw new ImportError('upstream_error', `${this.where} answered HTTP ${res.status}`);
    }
    return res;
  }

  /** The response body as a bounded, inflated (if gzip) stream reader. */
  private async reader(res: Response, contentType: string, max: number): Promise<RemoteReader> {
    const ct = (res.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (ct !== contentType) {
      await res.body?.cancel();
      // What the answer was is not echoed: it would tell what else listens there.
      throw notGit(`the answer is not ${contentType} (only smart HTTP is supported)`);
    }
    if (!res.body) throw notGit('empty answer');
    let body: ReadableStream<Uint8Array> = res.body;
    const enc = (res.headers.get('content-encoding') ?? '').toLowerCase().trim();
    if (enc === 'gzip' || enc === 'x-gzip') body = await maybeGunzip(body, this.idleMs);
    else if (enc && enc !== 'identity') {
      await res.body.cancel();
      throw notGit('unsupported content-encoding');
    }
    return new RemoteReader(body, max, this.idleMs);
  }

  /** Discovery and the ref list: v2 ls-refs when the server speaks v2, else the v0/v1 advertisement. */
  async refs(prefixes: string[]): Promise<RemoteRefs> {
    const res = await this.send('/info/refs?service=git-upload-pack', { method: 'GET', headers: { 'git-protocol': 'version=2', accept: '*/*' } });
    // A redirect moves the repository: later requests go to where discovery ended (as git does).
    if (this.landed !== this.base + '/info/refs?service=git-upload-pack') {
      const moved = this.landed.replace(/\/info\/refs\?service=git-upload-pack$/, '');
      if (moved !== this.landed) this.base = moved;
    }
    const r = await this.reader(res, 'application/x-git-upload-pack-advertisement', MAX_NEGOTIATION_BYTES);
    let adv: Advertisement;
    try {
      adv = await parseAdvertisement(r);
    } finally {
      r.cancel();
    }
    if (adv.version === 2) {
      const caps = adv.caps;
      if (!caps.has('ls-refs') || !caps.has('fetch')) throw notGit('the v2 server offers no ls-refs/fetch');
      const lr = await this.post(lsRefsRequest(caps, prefixes), true, MAX_NEGOTIATION_BYTES);
      let listed;
      try {
        listed = await parseLsRefs(lr);
      } finally {
        lr.cancel();
      }
      return {
        protocol: 2,
        refs: listed.refs.filter((x) => x.name !== 'HEAD'),
        headTarget: listed.headTarget,
        shallows: [],
        fetchPack: async (wants, depth) => {
          const r = await this.post(fetchRequestV2(caps, wants, depth), true, MAX_PACK_ANSWER);
          return cancelOnError(r, parseFetchV2(r));
        },
      };
    }
    const v0 = adv;
    const refs = v0.refs.filter((x) => x.name !== 'HEAD');
    return {
      protocol: v0.version,
      refs,
      headTarget: v0.headTarget ?? guessHead(v0.refs),
      shallows: v0.shallows,
      fetchPack: async (wants, depth) => {
        const req = fetchRequestV0(v0.caps, wants, depth);
        const r = await this.post(req.body, false, MAX_PACK_ANSWER);
        return cancelOnError(r, parseFetchV0(r, { deepen: depth !== undefined, sideband: req.sideband }));
      },
    };
  }

  private async post(body: Uint8Array, v2: boolean, max: number): Promise<RemoteReader> {
    const headers: Record<string, string> = {
      'content-type': 'application/x-git-upload-pack-request',
      accept: 'application/x-git-upload-pack-result',
    };
    if (v2) headers['git-protocol'] = 'version=2';
    const res = await this.send('/git-upload-pack', { method: 'POST', body, headers });
    return this.reader(res, 'application/x-git-upload-pack-result', max);
  }
}

/**
 * Inflates a gzip body unless the runtime already did (then the bytes do not start with the gzip
 * magic): either way the caller reads plain protocol bytes.
 */
async function maybeGunzip(body: ReadableStream<Uint8Array>, idleMs: number): Promise<ReadableStream<Uint8Array>> {
  const reader = body.getReader();
  let head = new Uint8Array(0);
  let done = false;
  while (head.length < 2 && !done) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ImportError('upstream_timeout', `the remote sent nothing for ${Math.round(idleMs / 1000)} s`)), idleMs);
    });
    const r = await Promise.race([reader.read(), timeout]).finally(() => clearTimeout(timer)).catch((e) => {
      reader.cancel().catch(() => {});
      if (e instanceof ImportError) throw e;
      throw new ImportError('upstream_unreachable', 'reading from the remote failed');
    });
    if (r.done) done = true;
    else {
      const next = new Uint8Array(head.length + r.value.length);
      next.set(head);
      next.set(r.value, head.length);
      head = next;
    }
  }
  const replay = new ReadableStream<Uint8Array>({
    start(c) {
      if (head.length) c.enqueue(head);
      if (done) c.close();
    },
    async pull(c) {
      const r = await reader.read();
      if (r.done) c.close();
      else c.enqueue(r.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return replay.pipeThrough(new DecompressionStream('gzip'));
  return replay;
}

async function cancelOnError<T>(r: RemoteReader, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    r.cancel();
    throw e;
  }
}

/** A server without the symref capability: the branch HEAD's oid matches, main/master first (as git clone guesses). */
function guessHead(refs: RemoteRef[]): string | null {
  const head = refs.find((r) => r.name === 'HEAD');
  if (!head) return null;
  const same = refs.filter((r) => r.name.startsWith('refs/heads/') && r.oid === head.oid).map((r) => r.name);
  return same.find((n) => n === 'refs/heads/main' || n === 'refs/heads/master') ?? same[0] ?? null;
}
