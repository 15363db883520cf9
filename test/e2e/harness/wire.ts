// Raw smart-HTTP requests and pkt-lines (for hostile and protocol tests).
import { createHash } from 'node:crypto';
import { ZERO_OID } from './worker';
import { git } from './git';

export const FLUSH = Buffer.from('0000');
export const DELIM = Buffer.from('0001');

export function pkt(data: string | Buffer): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat([Buffer.from((body.length + 4).toString(16).padStart(4, '0')), body]);
}

export interface Pkt { type: 'data' | 'flush' | 'delim' | 'end' | 'bad'; data: Buffer }

/** Lenient pkt-line parser (stops at the first malformed length with a 'bad' entry). */
export function parsePkts(buf: Buffer): Pkt[] {
  const out: Pkt[] = [];
  let i = 0;
  while (i < buf.length) {
    const hex = buf.subarray(i, i + 4).toString('latin1');
    if (!/^[0-9a-fA-F]{4}$/.test(hex)) { out.push({ type: 'bad', data: buf.subarray(i) }); break; }
    const len = parseInt(hex, 16);
    if (len === 0) { out.push({ type: 'flush', data: Buffer.alloc(0) }); i += 4; continue; }
    if (len === 1) { out.push({ type: 'delim', data: Buffer.alloc(0) }); i += 4; continue; }
    if (len === 2) { out.push({ type: 'end', data: Buffer.alloc(0) }); i += 4; continue; }
    if (len < 4 || i + len > buf.length) { out.push({ type: 'bad', data: buf.subarray(i) }); break; }
    out.push({ type: 'data', data: buf.subarray(i + 4, i + len) });
    i += len;
  }
  return out;
}

/** A valid pack with no objects. */
export function emptyPack(): Buffer {
  const head = Buffer.concat([Buffer.from('PACK'), Buffer.from([0, 0, 0, 2, 0, 0, 0, 0])]);
  return Buffer.concat([head, createHash('sha1').update(head).digest()]);
}

export interface RawResponse { status: number; headers: Headers; body: Buffer; text: string }

/** POST to `<remote>/<service>` (git-upload-pack / git-receive-pack). */
export async function rawService(
  remote: string,
  service: 'git-upload-pack' | 'git-receive-pack' | string,
  body: Buffer | string,
  opts: { token?: string | null; protocol?: 2; contentType?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = {
    'content-type': opts.contentType ?? `application/x-${service}-request`,
    accept: `application/x-${service}-result`,
    ...(opts.protocol === 2 ? { 'git-protocol': 'version=2' } : {}),
    ...(opts.headers ?? {}),
  };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const res = await fetch(`${remote}/${service}`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : new Uint8Array(body),
    signal: AbortSignal.timeout(60_000),
  });
  const buf = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body: buf, text: buf.toString('latin1') };
}

/** GET `<remote>/info/refs?service=...`. */
export async function rawInfoRefs(
  remote: string,
  service: string | null,
  opts: { token?: string | null; protocol?: 2; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { ...(opts.protocol === 2 ? { 'git-protocol': 'version=2' } : {}), ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const url = `${remote}/info/refs` + (service === null ? '' : `?service=${service}`);
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(60_000) });
  const buf = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body: buf, text: buf.toString('latin1') };
}

/** Builds a receive-pack request: commands (first one carries the capabilities), flush, pack. */
export function receivePackBody(
  commands: { old: string; new: string; ref: string }[],
  caps: string[] = ['report-status'],
  pack?: Buffer,
): Buffer {
  const parts: Buffer[] = commands.map((c, i) =>
    pkt(`${c.old} ${c.new} ${c.ref}` + (i === 0 ? `\0${caps.join(' ')}` : '') + '\n'),
  );
  parts.push(FLUSH);
  const needsPack = commands.some((c) => c.new !== ZERO_OID);
  if (pack ?? needsPack) parts.push(pack ?? emptyPack());
  return Buffer.concat(parts);
}

/** Parses a report-status response (plain or inside side-band channel 1). */
export function parseReportStatus(body: Buffer): { unpack?: string; ok: string[]; ng: Record<string, string>; errors: string[] } {
  let pkts = parsePkts(body);
  // Side-band: every data pkt starts with \x01, \x02 or \x03.
  if (pkts.some((p) => p.type === 'data') && pkts.filter((p) => p.type === 'data').every((p) => p.data[0] >= 1 && p.data[0] <= 3)) {
    const errors = pkts.filter((p) => p.type === 'data' && p.data[0] === 3).map((p) => p.data.subarray(1).toString());
    const inner = Buffer.concat(pkts.filter((p) => p.type === 'data' && p.data[0] === 1).map((p) => p.data.subarray(1)));
    const r = parseReportStatus(inner);
    r.errors.push(...errors);
    return r;
  }
  const res = { unpack: undefined as string | undefined, ok: [] as string[], ng: {} as Record<string, string>, errors: [] as string[] };
  for (const p of pkts) {
    if (p.type !== 'data') continue;
    if (p.data[0] === 3) { res.errors.push(p.data.subarray(1).toString()); continue; }
    const line = p.data.toString().replace(/\n$/, '');
    if (line.startsWith('unpack ')) res.unpack = line.slice(7);
    else if (line.startsWith('ok ')) res.ok.push(line.slice(3));
    else if (line.startsWith('ng ')) {
      const rest = line.slice(3);
      const sp = rest.indexOf(' ');
      res.ng[sp < 0 ? rest : rest.slice(0, sp)] = sp < 0 ? '' : rest.slice(sp + 1);
    } else if (line.startsWith('ERR ')) res.errors.push(line.slice(4));
  }
  return res;
}

/**
 * True when a smart-HTTP response is a git-shaped refusal: a 4xx, or a 2xx whose body carries an
 * `ERR` pkt-line, a side-band channel-3 message, or a report-status with an unpack error / `ng`.
 */
export function isGitShapedRejection(r: RawResponse): boolean {
  if (r.status >= 400 && r.status < 500) return true;
  if (r.status < 200 || r.status >= 300) return false;
  const rs = parseReportStatus(r.body);
  return rs.errors.length > 0 || Object.keys(rs.ng).length > 0 || (rs.unpack !== undefined && rs.unpack !== 'ok');
}
