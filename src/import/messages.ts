// The client side of git's fetch protocol as pure functions over a RemoteReader (parsing) or
// bytes (requests): the ref advertisement (v0/v1 and the v2 capability list), v2 ls-refs, and
// the fetch answers of both versions up to where the pack starts.
import { DELIM, FLUSH, pkt, concatBytes, splitCapabilities } from '../protocol/pktline';
import { ImportError, notGit } from './errors';
import { lineOf, type RemoteReader } from './reader';
import { demuxSideband } from './demux';

export const CLIENT_AGENT = 'agent=arbor-import/0.1';
const OID_RE = /^[0-9a-f]{40}$/;

export interface RemoteRef {
  name: string;
  oid: string;
  /** v2 ls-refs `symref-target` (only asked for HEAD). */
  symrefTarget?: string;
}

export type Advertisement =
  | { version: 2; caps: Map<string, string> }
  | { version: 0 | 1; refs: RemoteRef[]; caps: Set<string>; headTarget: string | null; shallows: string[] };

function remoteError(line: string): ImportError {
  return new ImportError('upstream_error', `the remote failed: ${line.slice(4, 504)}`);
}

/** A data line, with `ERR` lines turned into errors and other packet kinds refused. */
async function dataLine(r: RemoteReader, what: string): Promise<string | null> {
  const p = await r.need(what);
  if (p.kind === 'flush') return null;
  const line = lineOf(p);
  if (line === null) throw notGit(`unexpected ${p.kind} packet (expected ${what})`);
  if (line.startsWith('ERR ')) throw remoteError(line);
  return line;
}

/** GET info/refs?service=git-upload-pack: v2 capabilities, or the v0/v1 refs and capabilities. */
export async function parseAdvertisement(r: RemoteReader): Promise<Advertisement> {
  let first = await dataLine(r, 'a ref advertisement');
  if (first !== null && first.startsWith('# service=')) {
    if (first !== '# service=git-upload-pack') throw notGit(`unexpected service line '${first.slice(0, 80)}'`);
    // The service header ends with a flush (tolerated if missing).
    const p = await r.need('a ref advertisement');
    if (p.kind === 'flush') first = await dataLine(r, 'a ref advertisement');
    else {
      first = lineOf(p);
      if (first === null) throw notGit(`unexpected ${p.kind} packet after the service line`);
      if (first.startsWith('ERR ')) throw remoteError(first);
    }
  }
  if (first === 'version 2') {
    const caps = new Map<string, string>();
    for (;;) {
      const line = await dataLine(r, 'capabilities');
      if (line === null) break;
      const eq = line.indexOf('=');
      caps.set(eq < 0 ? line : line.slice(0, eq), eq < 0 ? '' : line.slice(eq + 1));
    }
    return { version: 2, caps };
  }
  let version: 0 | 1 = 0;
  if (first === 'version 1') {
    version = 1;
    first = await dataLine(r, 'a ref advertisement');
  }
  const refs: RemoteRef[] = [];
  const shallows: string[] = [];
  let caps = new Set<string>();
  let line = first;
  let n = 0;
  while (line !== null) {
    let text = line;
    if (n++ === 0) {
      const s = splitCapabilities(line);
      text = s.line;
      caps = new Set(s.caps);
    }
    if (text.startsWith('shallow ')) {
      const oid = text.slice(8);
      if (!OID_RE.test(oid)) throw notGit(`bad shallow line '${text.slice(0, 80)}'`);
      shallows.push(oid);
    } else {
      const sp = text.indexOf(' ');
      const oid = text.slice(0, sp);
      const name = text.slice(sp + 1);
      if (sp !== 40 || !OID_RE.test(oid) || name === '') throw notGit(`bad ref line '${text.slice(0, 80)}'`);
      // `capabilities^{}` stands in for the refs of an empty repository; `^{}` lines are peels.
      if (name !== 'capabilities^{}' && !name.endsWith('^{}')) refs.push({ name, oid });
    }
    line = await dataLine(r, 'a ref advertisement');
  }
  let headTarget: string | null = null;
  for (const c of caps) if (c.startsWith('symref=HEAD:')) headTarget = c.slice(12);
  return { version, refs, caps, headTarget, shallows };
}

/** The first lines of a v2 command request: command, agent and object-format, as advertised. */
function v2Head(command: string, caps: Map<string, string>): Uint8Array[] {
  const out = [pkt(`command=${command}\n`)];
  if (caps.has('agent')) out.push(pkt(`${CLIENT_AGENT}\n`));
  if (caps.has('object-format')) out.push(pkt('object-format=sha1\n'));
  return out;
}

/** v2 ls-refs request for the given prefixes, with HEAD's symref target. */
export function lsRefsRequest(caps: Map<string, string>, prefixes: string[]): Uint8Array {
  const lsCaps = (caps.get('ls-refs') ?? '').split(' ');
  const parts = [...v2Head('ls-refs', caps), DELIM, pkt('symrefs\n')];
  if (lsCaps.includes('unborn')) parts.push(pkt('unborn\n'));
  for (const p of prefixes) parts.push(pkt(`ref-prefix ${p}\n`));
  parts.push(FLUSH);
  return concatBytes(parts);
}

/** The refs of a v2 ls-refs answer (HEAD included, with its symref target; `unborn` HEAD has no oid). */
export async function parseLsRefs(r: RemoteReader): Promise<{ refs: RemoteRef[]; headTarget: string | null }> {
  const refs: RemoteRef[] = [];
  let headTarget: string | null = null;
  for (;;) {
    const line = await dataLine(r, 'ls-refs lines');
    if (line === null) break;
    const [first, name, ...attrs] = line.split(' ');
    if (!name || (first !== 'unborn' && !OID_RE.test(first))) throw notGit(`bad ls-refs line '${line.slice(0, 80)}'`);
    const ref: RemoteRef = { name, oid: first };
    for (const a of attrs) if (a.startsWith('symref-target:')) ref.symrefTarget = a.slice(14);
    if (name === 'HEAD') headTarget = ref.symrefTarget ?? null;
    if (first !== 'unborn') refs.push(ref);
  }
  return { refs, headTarget };
}

/** v2 fetch: every want at once, `done` (no haves: the repository is new), optional deepen. */
export function fetchRequestV2(caps: Map<string, string>, wants: string[], depth?: number): Uint8Array {
  const fetchCaps = (caps.get('fetch') ?? '').split(' ');
  if (depth !== undefined && !fetchCaps.includes('shallow')) {
    throw new ImportError('upstream_error', 'the remote does not support shallow fetches (depth)');
  }
  const parts = [...v2Head('fetch', caps), DELIM, pkt('ofs-delta\n'), pkt('no-progress\n')];
  for (const w of wants) parts.push(pkt(`want ${w}\n`));
  if (depth !== undefined) parts.push(pkt(`deepen ${depth}\n`));
  parts.push(pkt('done\n'), FLUSH);
  return concatBytes(parts);
}

/** v0/v1 fetch: wants with the capabilities we use (of those advertised), deepen, flush, done. */
export function fetchRequestV0(caps: Set<string>, wants: string[], depth?: number): { body: Uint8Array; sideband: boolean } {
  const use: string[] = [];
  const sideband = caps.has('side-band-64k') ? 'side-band-64k' : caps.has('side-band') ? 'side-band' : null;
  if (sideband) use.push(sideband);
  for (const c of ['ofs-delta', 'no-progress']) if (caps.has(c)) use.push(c);
  if (depth !== undefined) {
    if (!caps.has('shallow')) throw new ImportError('upstream_error', 'the remote does not support shallow fetches (depth)');
    use.push('shallow');
  }
  if ([...caps].some((c) => c.startsWith('agent='))) use.push(CLIENT_AGENT);
  const parts = wants.map((w, i) => pkt(i === 0 ? `want ${w} ${use.join(' ')}\n` : `want ${w}\n`));
  if (depth !== undefined) parts.push(pkt(`deepen ${depth}\n`));
  parts.push(FLUSH, pkt('done\n'));
  return { body: concatBytes(parts), sideband: sideband !== null };
}

export interface PackAnswer {
  /** Commits whose parents were left out (shallow boundary of this fetch). */
  shallows: string[];
  /** The pack bytes, chunk by chunk (demultiplexed). */
  pack: AsyncIterable<Uint8Array>;
  /** Stops reading the answer (the import failed). */
  cancel(): void;
}

function shallowLine(line: string, into: string[]): boolean {
  if (line.startsWith('shallow ')) {
    const oid = line.slice(8);
    if (!OID_RE.test(oid)) throw notGit(`bad shallow line '${line.slice(0, 80)}'`);
    into.push(oid);
    return true;
  }
  return line.startsWith('unshallow '); // nothing to undo in a new repository
}

/** A v2 fetch answer: optional sections, then `packfile` and side-band data until flush. */
export async function parseFetchV2(r: RemoteReader): Promise<PackAnswer> {
  const shallows: string[] = [];
  for (;;) {
    const header = await dataLine(r, 'a fetch section');
    if (header === null) throw notGit('the fetch answer has no packfile section');
    if (header === 'packfile') return { shallows, pack: demuxSideband(r), cancel: () => r.cancel() };
    if (header !== 'acknowledgments' && header !== 'shallow-info' && header !== 'wanted-refs') {
      throw notGit(`unknown fetch section '${header.slice(0, 80)}'`);
    }
    for (;;) {
      const p = await r.need(`the ${header} section`);
      if (p.kind === 'delim') break;
      if (p.kind === 'flush') throw notGit(`the fetch answer ended after ${header} without a pack`);
      const line = lineOf(p)!;
      if (line.startsWith('ERR ')) throw remoteError(line);
      if (header === 'shallow-info' && !shallowLine(line, shallows)) throw notGit(`bad shallow-info line '${line.slice(0, 80)}'`);
    }
  }
}

/** A v0/v1 fetch answer: shallow lines (+flush) when deepening, NAK, then the pack. */
export async function parseFetchV0(r: RemoteReader, opts: { deepen: boolean; sideband: boolean }): Promise<PackAnswer> {
  const shallows: string[] = [];
  if (opts.deepen) {
    for (;;) {
      const line = await dataLine(r, 'shallow lines');
      if (line === null) break;
      if (!shallowLine(line, shallows)) throw notGit(`bad shallow line '${line.slice(0, 80)}'`);
    }
  }
  for (;;) {
    const line = await dataLine(r, 'NAK');
    if (line === null) throw notGit('unexpected flush before the pack');
    if (line === 'NAK' || /^ACK [0-9a-f]{40}$/.test(line)) break;
    if (!/^ACK [0-9a-f]{40} /.test(line)) throw notGit(`unexpected line '${line.slice(0, 80)}' before the pack`);
  }
  return { shallows, pack: opts.sideband ? demuxSideband(r) : r.rest(), cancel: () => r.cancel() };
}
