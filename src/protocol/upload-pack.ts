// upload-pack (clone/fetch/ls-remote): v2 `ls-refs` and `fetch`, and v0/v1 stateless-RPC
// negotiation. Each handler is an async generator of response bytes so the pack streams out.
import { Negotiation } from './negotiate';
import type { FetchPlan, FetchSource } from '../storage/fetch-interface';
import type { FetchRequest } from './fetch-request';
import { DELIM, FLUSH, ProtocolError, pkt } from './pktline';
import { coalesce } from './coalesce';
import { BAND_DATA, BAND_ERROR, BAND_PROGRESS, sideband } from './sideband';
import { countLine, progressLine, totalLine } from './progress';

const enc = new TextEncoder();

/** What a fetch or push tells its caller about the pack it moved (the request log's fields). */
export interface PackStats {
  objects: number | null;
  /** Request body bytes read (set by receive-pack, which reads the body itself). */
  bytesIn?: number;
}

/** v2 ls-refs (the lines joined into large pieces: see coalesce.ts). */
export function* lsRefs(store: FetchSource, args: string[]): Generator<Uint8Array> {
  yield* coalesce(lsRefLines(store, args));
}

function* lsRefLines(store: FetchSource, args: string[]): Generator<Uint8Array> {
  let symrefs = false;
  let peel = false;
  let unborn = false;
  const prefixes: string[] = [];
  for (const a of args) {
    if (a === 'symrefs') symrefs = true;
    else if (a === 'peel') peel = true;
    else if (a === 'unborn') unborn = true;
    else if (a.startsWith('ref-prefix ')) prefixes.push(a.slice(11));
    else throw new ProtocolError(`unexpected ls-refs argument '${a.slice(0, 80)}'`);
  }
  const match = (name: string) => prefixes.length === 0 || prefixes.some((p) => name.startsWith(p));
  const head = store.head();
  if (match('HEAD')) {
    const sym = symrefs ? ` symref-target:${head.target}` : '';
    if (head.oid) yield pkt(`${head.oid} HEAD${sym}\n`);
    else if (unborn) yield pkt(`unborn HEAD${sym}\n`);
  }
  for (const r of store.peeledRefs()) {
    if (!match(r.name)) continue;
    yield pkt(`${r.oid} ${r.name}${peel && r.peeled ? ` peeled:${r.peeled}` : ''}\n`);
  }
  yield FLUSH;
}

/** deepen, deepen-since or deepen-not: the client asks for a new shallow boundary. */
function isDeepen(req: FetchRequest): boolean {
  return req.depth !== undefined || req.deepenSince !== undefined || req.deepenNot.length > 0;
}

function checkWants(store: FetchSource, req: FetchRequest): void {
  if (req.wants.length === 0 && req.wantRefs.length === 0) throw new ProtocolError('no wants given');
  if (req.filter !== undefined) {
    try {
      store.checkFilter(req.filter); // reject a bad filter before any byte of the answer is out
    } catch (e) {
      throw new ProtocolError((e as Error).message);
    }
  }
  const visible = store.visibility();
  for (const w of req.wants) {
    if (!visible(w)) throw new ProtocolError(`upload-pack: not our ref ${w}`);
  }
  for (const s of req.shallows) {
    if (!/^[0-9a-f]{40}$/.test(s)) throw new ProtocolError(`invalid shallow line ${s}`);
  }
}

/** The source's plan; its failures (a bad deepen-not, ...) are the client's. */
function plan(store: FetchSource, req: FetchRequest): FetchPlan {
  try {
    return store.plan(req);
  } catch (e) {
    if (e instanceof ProtocolError) throw e;
    throw new ProtocolError((e as Error).message);
  }
}

/**
 * The pack, framed for the negotiated side-band (or raw), with git's own progress lines:
 * Enumerating, Counting and Compressing before the pack, `Total N (delta D), reused R (delta RD)`
 * after it, counted from what is actually written.
 */
async function* packStream(store: FetchSource, req: FetchRequest, p: FetchPlan, stats?: PackStats): AsyncGenerator<Uint8Array> {
  const band = req.sideband;
  const max = band === 'side-band' ? 995 : 65515; // git: LARGE_PACKET_MAX or 1000, minus header and band
  const showProgress = band !== 'none' && !req.noProgress;
  const progress = (msg: string) => (showProgress ? sideband(BAND_PROGRESS, enc.encode(msg), max) : []);
  const total = p.count;
  if (stats) stats.objects = total;
  try {
    const pack = store.pack(p, { ofsDelta: req.ofsDelta, thinPack: req.thinPack });
    yield* progress(countLine('Enumerating objects', total));
    yield* progress(progressLine('Counting objects', total, total, true));
    const candidates = showProgress ? pack.deltaCandidates() : 0;
    if (candidates > 0) yield* progress(progressLine('Compressing objects', candidates, candidates, true));
    for (const chunk of pack.chunks()) {
      if (band === 'none') yield chunk;
      else yield* sideband(BAND_DATA, chunk, max);
    }
    yield* progress(totalLine(pack.totals));
  } catch (e) {
    if (band !== 'none') yield* sideband(BAND_ERROR, enc.encode(`fatal: ${(e as Error).message}\n`), max);
    throw e;
  }
  if (band !== 'none') yield FLUSH;
}

/** v2 `command=fetch`. */
export async function* fetchV2(store: FetchSource, req: FetchRequest, stats?: PackStats): AsyncGenerator<Uint8Array> {
  for (const ref of req.wantRefs) {
    const oid = ref === 'HEAD' ? store.head().oid : store.ref(ref);
    if (!oid) throw new ProtocolError(`unknown ref ${ref.slice(0, 200)}`);
    req.wants.push(oid);
  }
  checkWants(store, req);
  if (!req.done) {
    const neg = new Negotiation(store.commitGraph(), req.wants, store.visibility(), (oids) => store.visibleAmong(oids));
    neg.lookUp(req.haves);
    const acks: string[] = [];
    for (const h of req.haves) if (neg.have(h)) acks.push(h);
    const ready = !req.waitForDone && neg.okToGiveUp();
    yield pkt('acknowledgments\n');
    if (acks.length === 0) yield pkt('NAK\n');
    for (const a of acks) yield pkt(`ACK ${a}\n`);
    if (!ready) {
      yield FLUSH;
      return;
    }
    yield pkt('ready\n');
    yield DELIM;
    req.haves = neg.common;
  }
  const quick = store.quickPlan(req);
  const shallowInfo = isDeepen(req) || req.shallows.length > 0 || store.shallowList().length > 0;
  // shallow-info must precede the pack, so only then is the walk done before the first byte.
  let p = quick ?? (shallowInfo ? plan(store, req) : null);
  if (p && shallowInfo) {
    yield pkt('shallow-info\n');
    for (const s of p.shallow) yield pkt(`shallow ${s}\n`);
    for (const u of p.unshallow) yield pkt(`unshallow ${u}\n`);
    yield DELIM;
  }
  if (req.wantRefs.length > 0) {
    yield pkt('wanted-refs\n');
    for (const ref of req.wantRefs) yield pkt(`${ref === 'HEAD' ? store.head().oid : store.ref(ref)} ${ref}\n`);
    yield DELIM;
  }
  yield pkt('packfile\n');
  if (!p) {
    // A big walk can take a while: let the client see the server is at work before it starts.
    // (A terminal overwrites this line with the count once the walk is done.)
    if (!req.noProgress) yield* sideband(BAND_PROGRESS, enc.encode('Enumerating objects...\r'));
    try {
      p = plan(store, req);
    } catch (e) {
      // Inside the packfile section only side-band errors reach the user.
      yield* sideband(BAND_ERROR, enc.encode(`fatal: ${(e as Error).message}\n`));
      yield FLUSH;
      return;
    }
  }
  yield* packStream(store, req, p, stats);
}

/** v0/v1 over stateless HTTP: one round of negotiation, and the pack once the client is done. */
export async function* fetchV1(store: FetchSource, req: FetchRequest, stats?: PackStats): AsyncGenerator<Uint8Array> {
  checkWants(store, req);
  const deepen = isDeepen(req);
  let p: FetchPlan | null = null;
  if (deepen) {
    // Shallow info comes first in every stateless round (upload-pack.c receive_needs).
    p = plan(store, { ...req, haves: [] });
    for (const s of p.shallow) yield pkt(`shallow ${s}\n`);
    for (const u of p.unshallow) yield pkt(`unshallow ${u}\n`);
    yield FLUSH;
    // git's upload-pack reads the (absent) haves next and hits EOF: the round ends here.
    if (req.wantsOnly) return;
  }
  const neg = new Negotiation(store.commitGraph(), req.wants, store.visibility(), (oids) => store.visibleAmong(oids));
  neg.lookUp(req.haves);
  let last: string | null = null;
  let sentReady = false;
  const detailed = req.multiAck === 'multi_ack_detailed';
  for (const h of req.haves) {
    if (neg.have(h)) {
      last = h;
      if (detailed) yield pkt(`ACK ${h} common\n`);
      else if (req.multiAck === 'multi_ack') yield pkt(`ACK ${h} continue\n`);
      else if (neg.common.length === 1) yield pkt(`ACK ${h}\n`);
    } else if (req.multiAck !== 'none' && neg.okToGiveUp()) {
      sentReady = detailed || sentReady;
      yield pkt(detailed ? `ACK ${h} ready\n` : `ACK ${h} continue\n`);
    }
  }
  if (!req.done) {
    if (detailed && last && neg.okToGiveUp()) {
      sentReady = true;
      yield pkt(`ACK ${last} ready\n`);
    }
    if (neg.common.length === 0 || req.multiAck !== 'none') yield pkt('NAK\n');
    if (!(req.noDone && sentReady)) return; // stateless: the client sends another round
    yield pkt(`ACK ${last}\n`);
  } else if (last) {
    if (req.multiAck !== 'none') yield pkt(`ACK ${last}\n`);
  } else {
    yield pkt('NAK\n');
  }
  req.haves = neg.common;
  yield* packStream(store, req, (!deepen && store.quickPlan(req)) || plan(store, req), stats);
}

