// Parsing fetch requests: v2 `command=fetch` arguments and v0/v1 want/have bodies, into one
// shape the upload-pack code serves.
import { PktReader, ProtocolError, pktText, splitCapabilities } from './pktline';

export interface FetchRequest {
  wants: string[];
  wantRefs: string[];
  haves: string[];
  done: boolean;
  thinPack: boolean;
  ofsDelta: boolean;
  noProgress: boolean;
  includeTag: boolean;
  sideband: 'none' | 'side-band' | 'side-band-64k';
  multiAck: 'none' | 'multi_ack' | 'multi_ack_detailed';
  noDone: boolean;
  waitForDone: boolean;
  shallows: string[];
  depth?: number;
  deepenRelative: boolean;
  deepenSince?: number;
  deepenNot: string[];
  filter?: string;
  /** v0/v1: the body ended right after the want section (a deepen-only first round). */
  wantsOnly: boolean;
}

const OID_RE = /^[0-9a-f]{40}$/;

function oidArg(line: string, prefix: string): string {
  const oid = line.slice(prefix.length).trim();
  if (!OID_RE.test(oid)) throw new ProtocolError(`invalid object id in '${line.slice(0, 80)}'`);
  return oid;
}

function blank(): FetchRequest {
  return {
    wants: [], wantRefs: [], haves: [], done: false, thinPack: false, ofsDelta: false, noProgress: false,
    includeTag: false, sideband: 'none', multiAck: 'none', noDone: false, waitForDone: false, shallows: [],
    deepenRelative: false, deepenNot: [], wantsOnly: false,
  };
}

function parseDeepenLine(req: FetchRequest, line: string): boolean {
  if (line.startsWith('shallow ')) req.shallows.push(oidArg(line, 'shallow '));
  else if (line.startsWith('deepen ')) {
    const n = Number(line.slice(7));
    if (!Number.isInteger(n) || n <= 0) throw new ProtocolError(`invalid deepen: ${line.slice(0, 80)}`);
    req.depth = n;
  } else if (line.startsWith('deepen-since ')) {
    const t = Number(line.slice(13));
    if (!Number.isFinite(t)) throw new ProtocolError(`invalid deepen-since: ${line.slice(0, 80)}`);
    req.deepenSince = t;
  } else if (line.startsWith('deepen-not ')) req.deepenNot.push(line.slice(11));
  else if (line === 'deepen-relative') req.deepenRelative = true;
  else if (line.startsWith('filter ')) req.filter = line.slice(7);
  else return false;
  return true;
}

/** v2: the argument lines after the delim of `command=fetch`. */
export function parseFetchV2(args: string[]): FetchRequest {
  const req = blank();
  req.sideband = 'side-band-64k';
  req.multiAck = 'multi_ack_detailed';
  for (const line of args) {
    if (line.startsWith('want ')) req.wants.push(oidArg(line, 'want '));
    else if (line.startsWith('have ')) req.haves.push(oidArg(line, 'have '));
    else if (line.startsWith('want-ref ')) req.wantRefs.push(line.slice(9));
    else if (line === 'done') req.done = true;
    else if (line === 'thin-pack') req.thinPack = true;
    else if (line === 'ofs-delta') req.ofsDelta = true;
    else if (line === 'no-progress') req.noProgress = true;
    else if (line === 'include-tag') req.includeTag = true;
    else if (line === 'wait-for-done') req.waitForDone = true;
    else if (line === 'sideband-all') continue;
    else if (!parseDeepenLine(req, line)) throw new ProtocolError(`unexpected fetch argument '${line.slice(0, 80)}'`);
  }
  return req;
}

/** v0/v1 (stateless HTTP): want lines (first carries capabilities), shallow/deepen, flush, haves, done. */
export function parseFetchV1(body: Uint8Array): FetchRequest {
  const req = blank();
  const r = new PktReader(body);
  let first = true;
  let section: 'wants' | 'haves' = 'wants';
  let sawHaveSection = false;
  for (;;) {
    const p = r.next();
    if (p === null) {
      req.wantsOnly = section === 'haves' && !sawHaveSection;
      break;
    }
    if (section === 'haves') sawHaveSection = true;
    if (p.kind === 'flush') {
      section = 'haves';
      continue;
    }
    if (p.kind !== 'data') throw new ProtocolError('unexpected special packet in fetch request');
    let line = pktText(p.data);
    if (section === 'wants') {
      if (line.startsWith('want ')) {
        if (first) {
          const s = splitCapabilities(line.includes('\0') ? line : line.replace(/^(want [0-9a-f]{40}) /, '$1\0'));
          line = s.line;
          applyV1Caps(req, s.caps);
          first = false;
        }
        req.wants.push(oidArg(line, 'want '));
      } else if (!parseDeepenLine(req, line)) throw new ProtocolError(`protocol error: expected want, got '${line.slice(0, 80)}'`);
    } else {
      if (line.startsWith('have ')) req.haves.push(oidArg(line, 'have '));
      else if (line === 'done') {
        req.done = true;
        break;
      } else throw new ProtocolError(`protocol error: expected have or done, got '${line.slice(0, 80)}'`);
    }
  }
  return req;
}

function applyV1Caps(req: FetchRequest, caps: string[]): void {
  for (const c of caps) {
    if (c === 'thin-pack') req.thinPack = true;
    else if (c === 'ofs-delta') req.ofsDelta = true;
    else if (c === 'no-progress') req.noProgress = true;
    else if (c === 'include-tag') req.includeTag = true;
    else if (c === 'side-band-64k') req.sideband = 'side-band-64k';
    else if (c === 'side-band' && req.sideband === 'none') req.sideband = 'side-band';
    else if (c === 'multi_ack_detailed') req.multiAck = 'multi_ack_detailed';
    else if (c === 'multi_ack' && req.multiAck === 'none') req.multiAck = 'multi_ack';
    else if (c === 'no-done') req.noDone = true;
    else if (c === 'deepen-relative') req.deepenRelative = true;
  }
}
