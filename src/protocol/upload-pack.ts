// upload-pack (clone/fetch/ls-remote): v2 `ls-refs` and `fetch`, and v0/v1 stateless-RPC
// negotiation. Each handler is an async generator of response bytes so the pack streams out.
import type { RepoStore } from '../storage/repo-store';
import { generatePack, generateWholePack } from '../storage/pack-out';
import { planFetch, type WalkPlan } from '../storage/walk';
import { parseFilter } from '../storage/filter';
import { Negotiation } from './negotiate';
import type { FetchRequest } from './fetch-request';
import { DELIM, FLUSH, ProtocolError, pkt } from './pktline';
import { coalesce } from './coalesce';
import { BAND_DATA, BAND_ERROR, BAND_PROGRESS, sideband } from './sideband';

const enc = new TextEncoder();

/** v2 ls-refs (the lines joined into large pieces: see coalesce.ts). */
export function* lsRefs(store: RepoStore, args: string[]): Generator<Uint8Array> {
  yield* coalesce(lsRefLines(store, args));
}

function* lsRefLines(store: RepoStore, args: string[]): Generator<Uint8Array> {
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
  const head = store.refs.head();
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

function resolveDeepenNot(store: RepoStore, names: string[]): string[] {
  return names.map((n) => {
    if (/^[0-9a-f]{40}$/.test(n) && store.objects.has(n)) return n;
    for (const cand of [n, `refs/heads/${n}`, `refs/tags/${n}`]) {
      const oid = store.refs.get(cand);
      if (oid) return store.peeled(oid) ?? oid;
    }
    throw new ProtocolError(`deepen-not: unknown ref ${n.slice(0, 200)}`);
  });
}

function checkWants(store: RepoStore, req: FetchRequest): void {
  if (req.wants.length === 0 && req.wantRefs.length === 0) throw new ProtocolError('no wants given');
  if (req.filter !== undefined) {
    try {
      parseFilter(req.filter); // reject a bad filter before any byte of the answer is out
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

function tagsByTarget(store: RepoStore): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const r of store.peeledRefs()) {
    const p = r.peeled;
    if (!p || !r.name.startsWith('refs/tags/')) continue;
    const list = m.get(p) ?? [];
    list.push(r.oid);
    m.set(p, list);
  }
  return m;
}

function plan(store: RepoStore, req: FetchRequest): WalkPlan {
  const p = walk(store, req);
  // A full walk that reached every stored object re-enables the no-walk clone path.
  if (!store.allReachable() && wantsEverything(store, req) && p.objects.length === store.objects.count()) {
    store.markAllReachable();
  }
  return p;
}

function walk(store: RepoStore, req: FetchRequest): WalkPlan {
  const deepen = isDeepen(req);
  try {
    return planFetch(store.objects, {
      wants: req.wants,
      haves: req.haves.filter((h) => store.objects.has(h)),
      deepen,
      depth: req.depth,
      deepenRelative: req.deepenRelative,
      since: req.deepenSince,
      notRefs: resolveDeepenNot(store, req.deepenNot),
      clientShallows: req.shallows.filter((s) => store.objects.has(s)),
      serverShallow: store.shallowCommits(),
      includeTag: req.includeTag,
      tagsByTarget: req.includeTag ? tagsByTarget(store) : undefined,
      filter: req.filter !== undefined ? parseFilter(req.filter) : undefined,
    });
  } catch (e) {
    if (e instanceof ProtocolError) throw e;
    throw new ProtocolError((e as Error).message);
  }
}

/**
 * A plain full clone (every ref wanted, nothing had, no shallow) of a repository whose objects
 * are all reachable: send every stored object without walking the graph.
 */
function isWholeClone(store: RepoStore, req: FetchRequest): boolean {
  // A shallow repository's clone needs the walk: it names the boundary commits it sends.
  return store.allReachable() && wantsEverything(store, req) && store.shallow().list().length === 0;
}

function wantsEverything(store: RepoStore, req: FetchRequest): boolean {
  if (req.haves.length > 0 || req.shallows.length > 0 || isDeepen(req) || req.filter) return false;
  const wants = new Set(req.wants);
  return store.refs.list().every((r) => wants.has(r.oid));
}

/** The pack, framed for the negotiated side-band (or raw), with git-like progress lines. */
async function* packStream(store: RepoStore, req: FetchRequest, p: WalkPlan | 'whole'): AsyncGenerator<Uint8Array> {
  const band = req.sideband;
  const max = band === 'side-band' ? 995 : 65515; // git: LARGE_PACKET_MAX or 1000, minus header and band
  const progress = (msg: string) => (band !== 'none' && !req.noProgress ? sideband(BAND_PROGRESS, enc.encode(msg), max) : []);
  const total = p === 'whole' ? store.objects.count() : p.objects.length;
  yield* progress(`Enumerating objects: ${total}, done.\n`);
  let sent = 0;
  const opts = {
    ofsDelta: req.ofsDelta,
    thinPack: req.thinPack,
    clientHas: p === 'whole' ? new Set<string>() : p.clientHas,
    deltaBases: p === 'whole' ? undefined : p.deltaBases,
  };
  try {
    for (const chunk of p === 'whole' ? generateWholePack(store.objects, opts) : generatePack(store.objects, p.objects, opts)) {
      if (band === 'none') yield chunk;
      else yield* sideband(BAND_DATA, chunk, max);
      sent += chunk.length;
    }
  } catch (e) {
    if (band !== 'none') yield* sideband(BAND_ERROR, enc.encode(`fatal: ${(e as Error).message}\n`), max);
    throw e;
  }
  yield* progress(`Total ${total} (${sent} bytes), done.\n`);
  if (band !== 'none') yield FLUSH;
}

/** v2 `command=fetch`. */
export async function* fetchV2(store: RepoStore, req: FetchRequest): AsyncGenerator<Uint8Array> {
  for (const ref of req.wantRefs) {
    const oid = ref === 'HEAD' ? store.refs.head().oid : store.refs.get(ref);
    if (!oid) throw new ProtocolError(`unknown ref ${ref.slice(0, 200)}`);
    req.wants.push(oid);
  }
  checkWants(store, req);
  if (!req.done) {
    const neg = new Negotiation(store.objects, req.wants);
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
  const whole = isWholeClone(store, req);
  const deepen = isDeepen(req);
  const shallowInfo = deepen || req.shallows.length > 0 || store.shallow().list().length > 0;
  // shallow-info must precede the pack, so only then is the walk done before the first byte.
  let p = whole || !shallowInfo ? null : plan(store, req);
  if (p) {
    yield pkt('shallow-info\n');
    for (const s of p.shallow) yield pkt(`shallow ${s}\n`);
    for (const u of p.unshallow) yield pkt(`unshallow ${u}\n`);
    yield DELIM;
  }
  if (req.wantRefs.length > 0) {
    yield pkt('wanted-refs\n');
    for (const ref of req.wantRefs) yield pkt(`${ref === 'HEAD' ? store.refs.head().oid : store.refs.get(ref)} ${ref}\n`);
    yield DELIM;
  }
  yield pkt('packfile\n');
  if (!whole && !p) {
    // A big walk can take a while: let the client see the server is at work before it starts.
    if (!req.noProgress) yield* sideband(BAND_PROGRESS, enc.encode('Counting objects...\n'));
    try {
      p = plan(store, req);
    } catch (e) {
      // Inside the packfile section only side-band errors reach the user.
      yield* sideband(BAND_ERROR, enc.encode(`fatal: ${(e as Error).message}\n`));
      yield FLUSH;
      return;
    }
  }
  yield* packStream(store, req, p ?? 'whole');
}

/** v0/v1 over stateless HTTP: one round of negotiation, and the pack once the client is done. */
export async function* fetchV1(store: RepoStore, req: FetchRequest): AsyncGenerator<Uint8Array> {
  checkWants(store, req);
  const deepen = isDeepen(req);
  let p: WalkPlan | null = null;
  if (deepen) {
    // Shallow info comes first in every stateless round (upload-pack.c receive_needs).
    p = plan(store, { ...req, haves: [] });
    for (const s of p.shallow) yield pkt(`shallow ${s}\n`);
    for (const u of p.unshallow) yield pkt(`unshallow ${u}\n`);
    yield FLUSH;
    // git's upload-pack reads the (absent) haves next and hits EOF: the round ends here.
    if (req.wantsOnly) return;
  }
  const neg = new Negotiation(store.objects, req.wants);
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
  if (!deepen && isWholeClone(store, req)) {
    yield* packStream(store, req, 'whole');
    return;
  }
  yield* packStream(store, req, plan(store, req));
}

