// A generated corpus (deterministic seed) of malformed and hostile requests against every
// endpoint — info/refs, git-upload-pack (v0, v1, v2), git-receive-pack and the control-plane API:
// mutated pkt-lines, truncated and bit-flipped packs, bad deltas and delta cycles, zip bombs in
// gzip bodies and in zlib streams inside packs, huge declared sizes, trees with `..`, `.git`,
// duplicate entries or `/` in names, hostile .gitmodules (git's fsck rules), bad ref names,
// HEAD injection, oversize bodies, ids of a sibling fork's objects named through push and fetch.
//
// Every request must get a clear refusal (a 4xx, or a git-shaped error: `ERR` pkt-line,
// side-band 3, `unpack <reason>`, `ng <ref> <reason>`), never a 5xx and never a hang (each
// request has its own timeout). Requests that are merely odd (a random mutation that still
// parses) only have to stay below 500. After each request that could write, the repository's
// refs (v2 ls-refs) and object count (admin API `objects`) are compared with the baseline, and at
// the end a fresh clone must fsck clean. The tally of outcomes is printed.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  adminToken, api, cloneRepo, commitFiles, createRepo, DELIM, FLUSH, forkRepo, fsckStrict, git, gitOut, initRepo, lsRemote, NS, origin,
  parsePkts, parseReportStatus, pkt, revParse, useArbor, ZERO_OID, type RepoInfo,
} from './harness';
import { copyOp, delta, entryHeader, ofsDistance } from './hand-pack';

useArbor();

const SEED = 0x5eed_a4b0;
const REQUEST_TIMEOUT_MS = 15_000;
const BOMB_BYTES = 128 * 1024 * 1024; // what the zip bombs expand to (> 100 MB)

// ---------------------------------------------------------------------------------------------
// Deterministic randomness.

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = mulberry32(SEED);
const rint = (n: number): number => Math.floor(rand() * n);
const rbytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => rint(256)));
const roid = (): string => rbytes(20).toString('hex');

// ---------------------------------------------------------------------------------------------
// A small pack builder (objects written by hand, so they can be as wrong as we like).

const T = { commit: 1, tree: 2, blob: 3, tag: 4, ofs: 6, ref: 7 } as const;
type ObjType = 'commit' | 'tree' | 'blob' | 'tag';

const sha1 = (b: Buffer | string): Buffer => createHash('sha1').update(b).digest();
function oidOf(type: ObjType, data: Buffer): string {
  return sha1(Buffer.concat([Buffer.from(`${type} ${data.length}\0`), data])).toString('hex');
}

const full = (type: ObjType, data: Buffer, o: { declared?: bigint | number; z?: Buffer } = {}): Buffer =>
  Buffer.concat([entryHeader(T[type], o.declared ?? data.length), o.z ?? zlib.deflateSync(data)]);
const refDelta = (base: string, delta: Buffer): Buffer =>
  Buffer.concat([entryHeader(T.ref, delta.length), Buffer.from(base, 'hex'), zlib.deflateSync(delta)]);
const ofsDelta = (distance: number, delta: Buffer): Buffer =>
  Buffer.concat([entryHeader(T.ofs, delta.length), ofsDistance(distance), zlib.deflateSync(delta)]);

function packHeader(count: number, version = 2): Buffer {
  const h = Buffer.alloc(12);
  h.write('PACK', 0, 'latin1');
  h.writeUInt32BE(version, 4);
  h.writeUInt32BE(count >>> 0, 8);
  return h;
}

/** A pack of the given entries (count and version overridable), with a correct trailer. */
function buildPack(entries: Buffer[], o: { count?: number; version?: number } = {}): Buffer {
  const body = Buffer.concat([packHeader(o.count ?? entries.length, o.version), ...entries]);
  return Buffer.concat([body, sha1(body)]);
}
function fixTrailer(pack: Buffer): Buffer {
  const body = pack.subarray(0, pack.length - 20);
  return Buffer.concat([body, sha1(body)]);
}

function insertOp(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += 127) {
    const c = data.subarray(i, i + 127);
    parts.push(Buffer.from([c.length]), c);
  }
  return Buffer.concat(parts);
}

type TreeEntry = [mode: string, name: string | Buffer, oid: string];
/** A tree object with the entries exactly as given (no sorting, no checks). */
function treeData(entries: TreeEntry[]): Buffer {
  return Buffer.concat(entries.map(([mode, name, oid]) =>
    Buffer.concat([Buffer.from(`${mode} `), Buffer.isBuffer(name) ? name : Buffer.from(name), Buffer.from([0]), Buffer.from(oid, 'hex')])));
}
const IDENT = 'Hostile <hostile@arbor.test> 1600000000 +0000';
function commitData(tree: string, parents: string[], msg = 'hostile\n', extra = ''): Buffer {
  return Buffer.from(`tree ${tree}\n${parents.map((p) => `parent ${p}\n`).join('')}author ${IDENT}\ncommitter ${IDENT}\n${extra}\n${msg}`);
}

/** Objects as [type, data]; returns the entries (full objects) and the oids. */
function fullEntries(objs: [ObjType, Buffer][]): { entries: Buffer[]; oids: string[] } {
  return { entries: objs.map(([t, d]) => full(t, d)), oids: objs.map(([t, d]) => oidOf(t, d)) };
}

// ---------------------------------------------------------------------------------------------
// Requests and their outcomes.

interface Req { method?: string; path: string; headers?: Record<string, string>; body?: Buffer | string }
interface Outcome { status: number; kind: string; detail: string }

type Expect = 'reject' | 'no5xx';
interface Case { cat: string; label: string; expect: Expect; req: () => Promise<Outcome>; writes?: boolean; }

const tally = new Map<string, number>();
const byCat = new Map<string, Map<string, number>>();
const failures: string[] = [];
let sent = 0;

function bump(cat: string, kind: string): void {
  tally.set(kind, (tally.get(kind) ?? 0) + 1);
  if (!byCat.has(cat)) byCat.set(cat, new Map());
  const m = byCat.get(cat)!;
  m.set(kind, (m.get(kind) ?? 0) + 1);
}

afterAll(() => {
  const kinds = [...tally].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}: ${n}`).join(', ');
  const cats = [...byCat].map(([c, m]) => `  ${c.padEnd(22)} ${[...m].map(([k, n]) => `${k}=${n}`).join(' ')}`).join('\n');
  console.log(`\n[hostile] ${sent} requests (seed 0x${SEED.toString(16)}); outcomes: ${kinds}\n${cats}\n` +
    (failures.length ? `[hostile] ${failures.length} problems:\n  ${failures.join('\n  ')}\n` : '[hostile] no problems\n'));
});

/** Classifies a response: a refusal kind, a success kind, or a server failure. */
function classify(status: number, body: Buffer, service?: string): Outcome {
  const text = body.toString('latin1');
  const detail = `HTTP ${status} ${JSON.stringify(text.slice(0, 200))}`;
  if (status >= 500) return { status, kind: 'http-5xx', detail };
  if (status >= 400) return { status, kind: `http-${status}`, detail };
  if (status < 200 || status >= 300) return { status, kind: `http-${status}`, detail };
  if (!service) return { status, kind: 'ok-2xx', detail };
  const pkts = parsePkts(body);
  if (pkts.some((p) => p.type === 'data' && p.data.subarray(0, 4).toString() === 'ERR ')) return { status, kind: 'ERR', detail };
  if (pkts.some((p) => p.type === 'data' && p.data[0] === 3)) return { status, kind: 'sideband-3', detail };
  if (service === 'git-receive-pack') {
    const rs = parseReportStatus(body);
    if (rs.errors.length) return { status, kind: 'ERR', detail };
    if (rs.ok.length) return { status, kind: 'ACCEPTED', detail: `${detail} ok=${rs.ok.join(',')}` };
    if (rs.unpack !== undefined && rs.unpack !== 'ok') return { status, kind: 'unpack-error', detail };
    if (Object.keys(rs.ng).length) return { status, kind: 'ng', detail };
    return { status, kind: body.length ? 'ok-2xx' : 'empty-2xx', detail };
  }
  return { status, kind: body.length ? 'ok-2xx' : 'empty-2xx', detail };
}

const REFUSALS = new Set(['ERR', 'sideband-3', 'unpack-error', 'ng']);
function isRefusal(o: Outcome): boolean {
  return (o.status >= 400 && o.status < 500) || REFUSALS.has(o.kind);
}

/**
 * When the last answer came in. undici keeps an idle connection for 4 s (its keepAliveTimeout),
 * but that timer cannot fire while a test builds its bombs synchronously (zlib of 128 MiB, 20 s
 * on a loaded machine): the first request after such a pause goes out on a socket the server has
 * already closed and fails with "other side closed" before any byte is answered. curl retries such
 * a request on a fresh connection, and so does send() (once, only after a pause that long).
 */
let lastAnswer = Date.now();
const UNDICI_KEEPALIVE_MS = 4_000;

async function send(r: Req, service?: string): Promise<Outcome> {
  const idle = Date.now() - lastAnswer;
  const o = await sendOnce(r, service);
  const stale = o.kind === 'network-error' && idle > UNDICI_KEEPALIVE_MS;
  lastAnswer = Date.now();
  return stale ? sendOnce(r, service).finally(() => { lastAnswer = Date.now(); }) : o;
}

async function sendOnce(r: Req, service?: string): Promise<Outcome> {
  sent++;
  try {
    const res = await fetch(origin() + r.path, {
      method: r.method ?? (r.body !== undefined ? 'POST' : 'GET'),
      headers: r.headers,
      body: r.body === undefined ? undefined : typeof r.body === 'string' ? r.body : new Uint8Array(r.body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    return classify(res.status, Buffer.from(await res.arrayBuffer()), service);
  } catch (e) {
    const name = (e as Error).name;
    const cause = (e as { cause?: unknown }).cause; // undici's 'fetch failed' says why only here
    return { status: 0, kind: name === 'TimeoutError' ? 'timeout' : 'network-error', detail: cause ? `${String(e)} (${String(cause)})` : String(e) };
  }
}

/**
 * A request whose declared Content-Length (`declared`) is over the limit; sends `prefix` and
 * waits for the answer (a server that only counts streamed bytes never answers: a hang).
 */
function sendDeclared(p: string, headers: Record<string, string>, declared: number, prefix: Buffer, service: string): Promise<Outcome> {
  sent++;
  const u = new URL(origin() + p);
  return new Promise((resolve) => {
    let done = false;
    const finish = (o: Outcome) => { if (!done) { done = true; clearTimeout(timer); resolve(o); req.destroy(); } };
    const timer = setTimeout(() => finish({ status: 0, kind: 'timeout', detail: `no answer to a request declaring ${declared} bytes` }), REQUEST_TIMEOUT_MS);
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method: 'POST',
      headers: { ...headers, 'content-length': String(declared), expect: '100-continue' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => finish(classify(res.statusCode ?? 0, Buffer.concat(chunks), service)));
      res.on('error', () => finish(classify(res.statusCode ?? 0, Buffer.concat(chunks), service)));
    });
    req.on('error', (e) => setTimeout(() => finish({ status: 0, kind: 'network-error', detail: String(e) }), 500));
    let started = false;
    const start = () => { if (!started && !done) { started = true; req.write(prefix); } };
    req.on('continue', start);
    setTimeout(start, 500);
    req.flushHeaders();
  });
}

/**
 * Sends a whole (big) body with node:http, with a Content-Length or chunked, and takes the answer
 * even when the server answers before reading it all and closes (fetch() reports only the broken
 * upload then).
 */
function sendStreamed(p: string, headers: Record<string, string>, body: Buffer, chunked: boolean, service: string): Promise<Outcome> {
  sent++;
  const u = new URL(origin() + p);
  return new Promise((resolve) => {
    let done = false;
    const finish = (o: Outcome) => { if (!done) { done = true; clearTimeout(timer); resolve(o); req.destroy(); } };
    const timer = setTimeout(() => finish({ status: 0, kind: 'timeout', detail: 'no answer' }), REQUEST_TIMEOUT_MS);
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST',
      headers: { ...headers, ...(chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(body.length) }) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      const end = () => finish(classify(res.statusCode ?? 0, Buffer.concat(chunks), service));
      res.on('end', end);
      res.on('error', end);
      res.on('close', end);
    });
    req.on('error', (e) => setTimeout(() => finish({ status: 0, kind: 'network-error', detail: `connection failed before any answer: ${String(e)}` }), 1_000));
    let i = 0;
    const pump = () => {
      while (i < body.length && !done) {
        const chunk = body.subarray(i, i + 256 * 1024);
        i += chunk.length;
        if (!req.write(chunk)) { req.once('drain', pump); return; }
      }
      if (i >= body.length && !done) req.end();
    };
    pump();
  });
}

/** Sends bytes as they are on a fresh TCP connection; the status line decides the outcome. */
function rawHttp(request: string): Promise<Outcome> {
  sent++;
  const u = new URL(origin());
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      if (!m) resolve({ status: 0, kind: text ? 'garbage-answer' : 'closed-without-answer', detail: JSON.stringify(text.slice(0, 200)) });
      else resolve(classify(Number(m[1]), Buffer.alloc(0)));
    };
    const timer = setTimeout(() => { if (!chunks.length) { done = true; sock.destroy(); resolve({ status: 0, kind: 'timeout', detail: 'no answer' }); } else finish(); }, REQUEST_TIMEOUT_MS);
    const sock = net.connect(Number(u.port), u.hostname, () => sock.write(Buffer.from(request, 'latin1')));
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.on('end', finish);
    sock.on('close', finish);
    sock.on('error', finish);
  });
}

// ---------------------------------------------------------------------------------------------
// The repository under attack and its baseline.

let repo: RepoInfo;
let gitBase: string;
let apiBase: string;
let head: string; // main
let headTree: string;
let baseline: { refs: string; objects: number }; // moves on when a request changed the repo (to attribute the next change)
let initial: { refs: string; objects: number };
let src: string; // local clone with unpushed commits (packs for mutation)
let okPack: Buffer; // valid pack (ofs-delta) of the unpushed objects
let okRefPack: Buffer; // the same objects, ref-delta
let newTip: string; // the unpushed commit those packs carry
let bomb: Buffer; // zlib stream of BOMB_BYTES zeros

const auth = () => ({ authorization: `Bearer ${repo.token}` });
const adminAuth = (tok?: string) => ({ authorization: `Bearer ${tok ?? adminToken()}` });

async function snapshot(): Promise<{ refs: string; objects: number }> {
  const ls = await fetch(`${gitBase}/git-upload-pack`, {
    method: 'POST',
    headers: { ...auth(), 'git-protocol': 'version=2', 'content-type': 'application/x-git-upload-pack-request' },
    body: Buffer.concat([pkt('command=ls-refs\n'), DELIM, pkt('symrefs\n'), pkt('peel\n'), FLUSH]),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const refs = await ls.text();
  const info = await api('GET', apiBase);
  if (info.status !== 200) return { refs: `${ls.status} ${refs}`, objects: -2 };
  // (The reference server of ARBOR_E2E_REFERENCE=1 has no object count: -1 there.)
  return { refs: `${ls.status} ${refs}`, objects: typeof info.json?.objects === 'number' ? info.json.objects : -1 };
}

function refsDiff(a: string, b: string): string {
  if (a === b) return '';
  const la = new Set(a.split('\n'));
  const lb = new Set(b.split('\n'));
  const gone = [...la].filter((l) => !lb.has(l));
  const added = [...lb].filter((l) => !la.has(l));
  return `, refs: -${JSON.stringify(gone)} +${JSON.stringify(added)}`;
}

async function runCases(cases: Case[]): Promise<string[]> {
  const problems: string[] = [];
  for (const c of cases) {
    const o = await c.req();
    bump(c.cat, o.kind);
    const where = `[${c.cat}] ${c.label}`;
    if (o.kind === 'http-5xx' || o.kind === 'timeout' || o.kind === 'network-error') problems.push(`${where}: ${o.kind} ${o.detail}`);
    else if (o.kind === 'ESCALATED') problems.push(`${where}: ${o.detail}`);
    else if (c.expect === 'reject' && !isRefusal(o)) problems.push(`${where}: not refused: ${o.kind} ${o.detail}`);
    if (c.writes !== false) {
      let now = await snapshot();
      // The request right after the case is an ordinary one: it must not fail either.
      if (!now.refs.startsWith('200 ') || now.objects < -1) {
        problems.push(`${where}: the next request to the repository failed: ${JSON.stringify(now.refs.slice(0, 160))}`);
        bump(c.cat, 'next-request-5xx');
        now = await snapshot();
      }
      if (now.refs !== baseline.refs || now.objects !== baseline.objects) {
        problems.push(`${where}: repository changed (objects ${baseline.objects} -> ${now.objects}${refsDiff(baseline.refs, now.refs)}) after ${o.kind} ${o.detail}`);
        baseline = now; // attribute later changes to later requests
      }
    }
  }
  failures.push(...problems);
  return problems;
}

// Request builders per endpoint.
const uploadV0 = (body: Buffer, version?: 1 | 2, extra: Record<string, string> = {}): Req => ({
  path: `${gitBase.slice(origin().length)}/git-upload-pack`, body,
  headers: { ...auth(), 'content-type': 'application/x-git-upload-pack-request', ...(version ? { 'git-protocol': `version=${version}` } : {}), ...extra },
});
const receiveReq = (body: Buffer, extra: Record<string, string> = {}): Req => ({
  path: `${gitBase.slice(origin().length)}/git-receive-pack`, body,
  headers: { ...auth(), 'content-type': 'application/x-git-receive-pack-request', ...extra },
});
const upload = (body: Buffer, version?: 1 | 2, extra?: Record<string, string>) => send(uploadV0(body, version, extra), 'git-upload-pack');
const receive = (body: Buffer, extra?: Record<string, string>) => send(receiveReq(body, extra), 'git-receive-pack');

function commands(cmds: [string, string, string][], caps = 'report-status'): Buffer {
  return Buffer.concat([...cmds.map(([o, n, r], i) => pkt(`${o} ${n} ${r}${i === 0 ? `\0${caps}` : ''}\n`)), FLUSH]);
}
const pushBody = (cmds: [string, string, string][], pack: Buffer, caps?: string) => Buffer.concat([commands(cmds, caps), pack]);

let refCounter = 0;
const freshRef = (p: string) => `refs/heads/hostile-${p}-${++refCounter}`;
const CAPS = ['report-status', 'report-status side-band-64k', 'report-status-v2 side-band-64k ofs-delta', 'report-status atomic'];
const caps = () => CAPS[rint(CAPS.length)];

/** True when the whole body is a sequence of well-formed pkt-lines (then a mutation may still be a valid request). */
function wellFormedPkts(buf: Buffer): boolean {
  let i = 0;
  while (i < buf.length) {
    const hex = buf.subarray(i, i + 4).toString('latin1');
    if (!/^[0-9a-f]{4}$/.test(hex)) return false;
    const len = parseInt(hex, 16);
    if (len === 0 || len === 1 || len === 2) { i += 4; continue; }
    if (len < 4 || len > 65520 || i + len > buf.length) return false;
    i += len;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  repo = await createRepo('hostile');
  gitBase = repo.remote;
  apiBase = `/v1/repos/${repo.namespace}/${repo.name}`;
  const dir = await initRepo('hostile-src');
  await commitFiles(dir, { 'README.md': '# hostile\n', 'src/a.txt': 'a\n' }, 'one');
  await commitFiles(dir, { 'src/b.txt': 'b\n', 'docs/x.md': 'x\n' }, 'two');
  await git(['tag', '-a', 'v1', '-m', 'v1'], { cwd: dir });
  await git(['push', '-q', repo.remote, 'main', 'v1'], { cwd: dir, token: repo.token });
  head = await revParse(dir, 'main');
  headTree = await revParse(dir, 'main^{tree}');
  // Unpushed objects for valid packs: two similar big blobs (so one is a delta of the other).
  src = dir;
  const big = Array.from({ length: 800 }, (_, i) => `line ${i} of a file big enough to be deltified\n`).join('');
  newTip = await commitFiles(src, { 'big1.txt': big, 'big2.txt': big.replace('line 400 ', 'LINE 400 '), 'c.txt': 'c\n' }, 'unpushed');
  okPack = (await git(['pack-objects', '--revs', '--stdout', '--delta-base-offset', '-q'], { cwd: src, input: `${newTip}\n^${head}\n` })).stdoutBuf;
  okRefPack = (await git(['pack-objects', '--revs', '--stdout', '-q'], { cwd: src, input: `${newTip}\n^${head}\n` })).stdoutBuf;
  const zeros = Buffer.alloc(BOMB_BYTES);
  bomb = zlib.deflateSync(zeros, { level: 9 });
  baseline = await snapshot();
  initial = baseline;
  if (!process.env.ARBOR_E2E_REFERENCE) expect(baseline.objects).toBeGreaterThan(0);
}, 120_000);

/** The baseline ref advertisement must contain main. */
test('baseline', async () => {
  expect(baseline.refs).toContain(`${head} refs/heads/main`);
  // The packs used for mutation are valid: index-pack accepts them.
  const bare = await initRepo('hostile-verify', { bare: true });
  for (const p of [okPack, okRefPack]) {
    const f = path.join(bare, 'x.pack');
    await fs.writeFile(f, p);
    await git(['index-pack', '--fsck-objects', f], { cwd: bare });
    await fs.rm(f);
    await fs.rm(f.replace(/pack$/, 'idx'), { force: true });
  }
  expect(okPack.length).toBeGreaterThan(100);
});

describe('pkt-line framing', () => {
  test('malformed pkt-lines against every git endpoint', async () => {
    const v0 = () => Buffer.concat([pkt(`want ${head} multi_ack_detailed side-band-64k ofs-delta\n`), FLUSH, pkt('done\n')]);
    const v2ls = () => Buffer.concat([pkt('command=ls-refs\n'), pkt('object-format=sha1\n'), DELIM, pkt('peel\n'), pkt('symrefs\n'), FLUSH]);
    const v2fetch = () => Buffer.concat([pkt('command=fetch\n'), pkt('object-format=sha1\n'), DELIM, pkt(`want ${head}\n`), pkt('ofs-delta\n'), pkt('done\n'), FLUSH]);
    // A push that must fail anyway (stale old value), carrying new objects that must not stay.
    const rp = () => pushBody([[roid(), newTip, 'refs/heads/main']], okPack, caps());
    const endpoints: [string, () => Buffer, (b: Buffer) => Promise<Outcome>, boolean][] = [
      ['upload v0', v0, (b) => upload(b), false],
      ['upload v1', v0, (b) => upload(b, 1), false],
      ['upload v2 ls-refs', v2ls, (b) => upload(b, 2), false],
      ['upload v2 fetch', v2fetch, (b) => upload(b, 2), false],
      ['receive-pack', rp, (b) => receive(b), true],
    ];
    const cases: Case[] = [];
    for (const [name, base, go, writes] of endpoints) {
      const fixed: [string, () => Buffer][] = [
        ['non-hex length', () => { const b = base(); b.write('zz', 1, 'latin1'); return b; }],
        ['length 0003', () => Buffer.concat([Buffer.from('0003'), base()])],
        ['length beyond the body', () => { const b = base(); return Buffer.concat([Buffer.from('0fff'), b.subarray(4, 40)]); }],
        ['truncated inside a length', () => base().subarray(0, 2)],
        ['truncated inside a payload', () => { const b = base(); return b.subarray(0, 20); }],
        ['oversize pkt 65521 (0xfff1)', () => Buffer.concat([Buffer.from('fff1'), Buffer.alloc(0xfff1 - 4, 0x61), base()])],
        ['oversize pkt 0xffff', () => Buffer.concat([Buffer.from('ffff'), rbytes(0xffff - 4), base()])],
        ['random bytes', () => rbytes(64 + rint(4096))],
        ['upper-case hex length', () => Buffer.concat([Buffer.from('000A'), Buffer.from('hello\n'), base()])],
        ['negative-looking length', () => Buffer.concat([Buffer.from('-001'), base()])],
      ];
      for (const [label, make] of fixed) {
        const body = make();
        // git's own parser accepts upper-case hex lengths: then any non-5xx answer will do.
        const exp: Expect = label === 'upper-case hex length' ? 'no5xx' : 'reject';
        cases.push({ cat: 'pkt-line', label: `${name}: ${label}`, expect: exp, writes, req: () => go(body) });
      }
      // Random mutations: flips, insertions, deletions, truncation, duplication.
      for (let i = 0; i < 12; i++) {
        let b = base();
        const op = rint(5);
        const at = rint(b.length);
        let what: string;
        if (op === 0) { b[at] ^= 1 << rint(8); what = `bit flip at ${at}`; }
        else if (op === 1) { b = Buffer.concat([b.subarray(0, at), rbytes(1 + rint(8)), b.subarray(at)]); what = `insert at ${at}`; }
        else if (op === 2) { b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + rint(8))]); what = `delete at ${at}`; }
        else if (op === 3) { b = b.subarray(0, at); what = `truncate at ${at}`; }
        else { b = Buffer.concat([b.subarray(0, at), b.subarray(at - rint(Math.min(at, 40)))]); what = `duplicate before ${at}`; }
        const body = b;
        const exp: Expect = name !== 'receive-pack' && !wellFormedPkts(body) ? 'reject' : 'no5xx';
        cases.push({ cat: 'pkt-line', label: `${name}: random ${what}`, expect: exp, writes, req: () => go(body) });
      }
    }
    const problems = await runCases(cases);
    expect(problems, problems.join('\n')).toEqual([]);
  });

  test('info/refs: odd services, protocol headers and methods', async () => {
    const p = gitBase.slice(origin().length);
    const cases: Case[] = [];
    const q = (service: string, headers: Record<string, string> = {}, exp: Expect = 'no5xx', method = 'GET'): void => {
      cases.push({ cat: 'info/refs', label: `${method} ?service=${JSON.stringify(service).slice(0, 60)} ${JSON.stringify(headers).slice(0, 80)}`, expect: exp, writes: false,
        req: () => send({ method, path: `${p}/info/refs?service=${service}`, headers: { ...auth(), ...headers } }) });
    };
    q('git-upload-pack%00HEAD', {}, 'reject');
    q('git-receive-pack%0aHEAD', {}, 'reject');
    q('git-upload-pack&service=git-receive-pack');
    q('git-upload-archive', {}, 'reject');
    q('../git-upload-pack', {}, 'reject');
    q('git-upload-pack', { 'git-protocol': 'version=3' });
    q('git-upload-pack', { 'git-protocol': 'version=2:version=1:version=0' });
    q('git-upload-pack', { 'git-protocol': 'version=' + 'x'.repeat(8000) });
    q('git-receive-pack', { 'git-protocol': 'version=2' });
    q('git-upload-pack', {}, 'reject', 'POST');
    q('git-upload-pack', {}, 'reject', 'PUT');
    q('x'.repeat(10000), {}, 'reject');
    q('%ff%fe', {}, 'reject');
    // What fetch() refuses to send: control characters in headers, a bare LF, a bogus method.
    const raw = (label: string, head: string) => cases.push({ cat: 'info/refs', label: `raw: ${label}`, expect: 'no5xx', writes: false, req: () => rawHttp(head) });
    const host = new URL(origin()).host;
    raw('Git-Protocol with a control character', `GET ${p}/info/refs?service=git-upload-pack HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${repo.token}\r\nGit-Protocol: version=2\u0001\r\nConnection: close\r\n\r\n`);
    raw('bare LF line endings', `GET ${p}/info/refs?service=git-upload-pack HTTP/1.1\nHost: ${host}\nAuthorization: Bearer ${repo.token}\nConnection: close\n\n`);
    raw('request-target with spaces and NUL', `GET ${p}/info/refs?service=git-upload-pack\u0000 x HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    raw('conflicting Content-Length and chunked', `POST ${p}/git-upload-pack HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${repo.token}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n4\r\n0000\r\n0\r\n\r\n`);
    const problems = await runCases(cases);
    expect(problems, problems.join('\n')).toEqual([]);
  });

  test('oversize and flood bodies', async () => {
    const up = `${gitBase.slice(origin().length)}/git-upload-pack`;
    const rp = `${gitBase.slice(origin().length)}/git-receive-pack`;
    const have = pkt(`have ${'1'.repeat(40)}\n`);
    const floodV0 = Buffer.concat([pkt(`want ${head} multi_ack_detailed ofs-delta\n`), FLUSH, ...Array.from({ length: 700_000 }, () => have)]);
    const v2head = Buffer.concat([pkt('command=fetch\n'), DELIM, pkt(`want ${head}\n`)]);
    const floodV2 = Buffer.concat([v2head, ...Array.from({ length: 700_000 }, () => have), pkt('done\n'), FLUSH]);
    const manyHaves = Buffer.concat([v2head, ...Array.from({ length: 50_000 }, (_, i) => pkt(`have ${sha1(String(i)).toString('hex')}\n`)), pkt('done\n'), FLUSH]);
    const manyCommands = Buffer.concat([...Array.from({ length: 20_000 }, (_, i) => pkt(`${ZERO_OID} ${head} refs/heads/flood-${i}${i === 0 ? '\0report-status atomic' : ''}\n`)), FLUSH]);
    const cases: Case[] = [
      { cat: 'oversize', label: `upload v0: ${floodV0.length}-byte body (over 32 MiB)`, expect: 'reject', writes: false,
        req: () => sendStreamed(up, { ...auth(), 'content-type': 'application/x-git-upload-pack-request' }, floodV0, false, 'git-upload-pack') },
      { cat: 'oversize', label: `upload v2: ${floodV2.length}-byte body (over 32 MiB), chunked`, expect: 'reject', writes: false,
        req: () => sendStreamed(up, { ...auth(), 'content-type': 'application/x-git-upload-pack-request', 'git-protocol': 'version=2' }, floodV2, true, 'git-upload-pack') },
      { cat: 'oversize', label: 'upload v2: 50k unknown haves', expect: 'no5xx', writes: false, req: () => upload(manyHaves, 2) },
      { cat: 'oversize', label: 'upload: declared 64 MiB', expect: 'reject', writes: false,
        req: () => sendDeclared(up, { ...auth(), 'content-type': 'application/x-git-upload-pack-request' }, 64 * 1024 ** 2, v0Want(), 'git-upload-pack') },
      { cat: 'oversize', label: 'receive: declared 3 GiB', expect: 'reject',
        req: () => sendDeclared(rp, { ...auth(), 'content-type': 'application/x-git-receive-pack-request' }, 3 * 1024 ** 3, commands([[ZERO_OID, newTip, freshRef('big')]]), 'git-receive-pack') },
      // 20k creations of existing objects, atomic: a valid but huge request; either refused or... it would change refs, so atomic with one bad name at the end.
      { cat: 'oversize', label: 'receive: 20k commands, atomic, last one invalid', expect: 'reject',
        req: () => receive(Buffer.concat([manyCommands.subarray(0, manyCommands.length - 4), pkt(`${ZERO_OID} ${head} refs/heads/bad..name\n`), FLUSH, buildPack([])])) },
    ];
    const problems = await runCases(cases);
    expect(problems, problems.join('\n')).toEqual([]);
  });
});

const v0Want = () => Buffer.concat([pkt(`want ${head} multi_ack_detailed side-band-64k ofs-delta\n`), FLUSH, pkt('done\n')]);

describe('packs', () => {
  test('truncated, bit-flipped and mis-headed packs', async () => {
    const cases: Case[] = [];
    const push = (label: string, pack: Buffer) => {
      const ref = freshRef('pack');
      cases.push({ cat: 'pack corruption', label, expect: 'reject', req: () => receive(pushBody([[ZERO_OID, newTip, ref]], pack, caps())) });
    };
    for (const [name, base] of [['ofs', okPack], ['ref', okRefPack]] as const) {
      for (let i = 0; i < 8; i++) { const at = 1 + rint(base.length - 2); push(`${name}: truncated at ${at}/${base.length}`, base.subarray(0, at)); }
      push(`${name}: trailer missing`, base.subarray(0, base.length - 20));
      for (let i = 0; i < 10; i++) {
        const b = Buffer.from(base);
        const at = 12 + rint(b.length - 32);
        b[at] ^= 1 << rint(8);
        push(`${name}: bit flip at ${at} (trailer recomputed)`, fixTrailer(b));
      }
      for (let i = 0; i < 4; i++) {
        const b = Buffer.from(base);
        const at = rint(b.length);
        b[at] ^= 1 << rint(8);
        push(`${name}: bit flip at ${at} (trailer stale)`, b);
      }
      const count = base.readUInt32BE(8);
      for (const n of [0, count - 1, count + 1, 0xffffffff]) {
        const b = Buffer.from(base);
        b.writeUInt32BE(n >>> 0, 8);
        push(`${name}: object count ${count} -> ${n}`, fixTrailer(b));
      }
    }
    // (git reads pack versions 2 and 3.)
    for (const v of [0, 1, 4, 0xffffffff]) { const b = Buffer.from(okPack); b.writeUInt32BE(v >>> 0, 4); push(`version ${v}`, fixTrailer(b)); }
    const sig = Buffer.from(okPack); sig.write('KCAP', 0, 'latin1'); push('signature KCAP', fixTrailer(sig));
    push('junk after the trailer', Buffer.concat([okPack, rbytes(64)]));
    push('the pack twice', Buffer.concat([okPack, okPack]));
    push('no pack at all', Buffer.alloc(0));
    const problems = await runCases(cases);
    expect(problems, problems.join('\n')).toEqual([]);
  });

  test('bad deltas and delta cycles', async () => {
    const X = Buffer.from('the blob X that only a delta can produce\n'.repeat(4));
    const Y = Buffer.from('a different blob Y, base of a delta\n'.repeat(4));
    const oX = oidOf('blob', X);
    const oY = oidOf('blob', Y);
    const tr = treeData([['100644', 'x.txt', oX]]);
    const cm = commitData(oidOf('tree', tr), [head]);
    const tip = oidOf('commit', cm);
    const tail = [full('tree', tr), full('commit', cm)];
    const cases: Case[] = [];
    const push = (label: string, entries: Buffer[], count?: number) => {
      const ref = freshRef('delta');
      const pack = buildPack(entries, { count });
      cases.push({ cat: 'bad delta', label, expect: 'reject', req: () => receive(pushBody([[ZERO_OID, tip, ref]], pack, caps())) });
    };
    const makeX = (from: Buffer) => delta(from.length, X.length, insertOp(X));
    const yEntry = full('blob', Y);
    push('ref-delta on a base that exists nowhere', [refDelta(roid(), makeX(Y)), ...tail]);
    push('ref-delta cycle X<-Y, Y<-X (no full object)', [refDelta(oY, makeX(Y)), refDelta(oX, delta(X.length, Y.length, insertOp(Y))), ...tail]);
    push('ref-delta on its own result', [refDelta(oX, makeX(X)), ...tail]);
    push('ofs-delta distance 0 (itself)', [yEntry, ofsDelta(0, makeX(Y)), ...tail]);
    push('ofs-delta before the start of the pack', [yEntry, ofsDelta(100_000, makeX(Y)), ...tail]);
    push('ofs-delta into the middle of an entry', [yEntry, ofsDelta(yEntry.length - 3, makeX(Y)), ...tail]);
    const yLen = yEntry.length;
    const orphan = refDelta(roid(), makeX(Y));
    push('ofs-delta on a ref-delta whose base is missing', [orphan, ofsDelta(orphan.length, delta(X.length, X.length, copyOp(0, X.length))), ...tail]);
    push('base size mismatch', [yEntry, ofsDelta(yLen, delta(Y.length + 1, X.length, insertOp(X))), ...tail]);
    push('copy beyond the base', [yEntry, ofsDelta(yLen, delta(Y.length, X.length, copyOp(Y.length - 2, 50), insertOp(X.subarray(50)))), ...tail]);
    push('copy offset 2^31', [yEntry, ofsDelta(yLen, delta(Y.length, X.length, copyOp(0x80000000, X.length))), ...tail]);
    push('result shorter than declared', [yEntry, ofsDelta(yLen, delta(Y.length, X.length + 10, insertOp(X))), ...tail]);
    push('result longer than declared', [yEntry, ofsDelta(yLen, delta(Y.length, X.length - 10, insertOp(X))), ...tail]);
    push('reserved opcode 0', [yEntry, ofsDelta(yLen, Buffer.concat([delta(Y.length, X.length), Buffer.from([0]), insertOp(X)])), ...tail]);
    push('truncated copy instruction', [yEntry, ofsDelta(yLen, Buffer.concat([delta(Y.length, X.length), Buffer.from([0x91])])), ...tail]);
    push('declared result size 2^50', [yEntry, ofsDelta(yLen, delta(Y.length, 2n ** 50n, insertOp(X))), ...tail]);
    push('declared base size 2^62', [yEntry, ofsDelta(yLen, delta(2n ** 62n, X.length, insertOp(X))), ...tail]);
    push('delta entry whose declared size is not its delta length', [yEntry, Buffer.concat([entryHeader(T.ofs, 3), ofsDistance(yLen), zlib.deflateSync(makeX(Y))]), ...tail]);
    // A chain deeper than any sane limit: 5000 ofs-deltas, each on the previous (Y, Y, ... then X).
    const chain: Buffer[] = [yEntry];
    const same = delta(Y.length, Y.length, copyOp(0, Y.length));
    for (let i = 0; i < 5000; i++) chain.push(ofsDelta(chain[chain.length - 1].length, same));
    chain.push(ofsDelta(chain[chain.length - 1].length, makeX(Y)));
    // The intermediate results all equal Y: duplicate objects in one pack, and a chain of 5001.
    push('delta chain 5001 deep (duplicates of one blob)', [...chain, ...tail]);
    push('ref-delta on an existing tree (wrong base size and type)', [refDelta(headTree, makeX(Y)), ...tail]);
    const problems = await runCases(cases);
    expect(problems, problems.join('\n')).toEqual([]);
  });

  test('zip bombs and huge declared sizes', async () => {
    const cases: Case[] = [];
    const ref = () => freshRef('bomb');
    const tr = (blob: string) => treeData([['100644', 'bomb.bin', blob]]);
    const pushObjs = (label: string, blobEntry: Buffer, blobOid: string, o: { count?: number } = {}) => {
      const t = tr(blobOid);
      const c = commitData(oidOf('tree', t), [head]);
      const pack = buildPack([blobEntry, full('tree', t), full('commit', c)], o);
      const r = ref();
      cases.push({ cat: 'zip bomb', label, expect: 'reject', req: () => receive(pushBody([[ZERO_OID, oidOf('commit', c), r]], pack, caps())) });
    };
    const zeros = (n: number) => Buffer.alloc(n);
    // zlib inside the pack: the declared size is small, the stream inflates to 128 MiB.
    pushObjs(`blob declaring 10 bytes, zlib inflating to ${BOMB_BYTES}`, full('blob', zeros(10), { z: bomb }), oidOf('blob', zeros(10)));
    pushObjs(`blob declaring ${BOMB_BYTES} bytes (over the 64 MiB object limit)`, full('blob', zeros(0), { declared: BOMB_BYTES, z: bomb }), oidOf('blob', zeros(BOMB_BYTES)));
    pushObjs('blob declaring 2^60 bytes, 5 bytes of data', full('blob', Buffer.from('tiny\n'), { declared: 2n ** 60n }), oidOf('blob', Buffer.from('tiny\n')));
    pushObjs('blob declaring 2^70 bytes (varint overflow)', full('blob', Buffer.from('tiny\n'), { declared: 2n ** 70n }), oidOf('blob', Buffer.from('tiny\n')));
    pushObjs('pack declaring 2^32-1 objects', full('blob', Buffer.from('tiny\n')), oidOf('blob', Buffer.from('tiny\n')), { count: 0xffffffff });
    {
      // Delta bombs: a 64 KiB base (a few hundred bytes in the pack) and 2048 copy instructions of
      // 64 KiB each (~6 KB of delta) make 128 MiB; once declared as such, once declared as 100 bytes.
      const base = Buffer.alloc(0x10000);
      const ops = Buffer.concat(Array.from({ length: BOMB_BYTES / 0x10000 }, () => copyOp(0, 0x10000)));
      for (const [label, declared] of [['declaring its 128 MiB result', BOMB_BYTES], ['declaring 100 bytes, producing 128 MiB', 100]] as const) {
        const r = ref();
        const t = tr(oidOf('blob', Buffer.alloc(declared)));
        const c = commitData(oidOf('tree', t), [head]);
        const baseEntry = full('blob', base);
        const pack = buildPack([baseEntry, ofsDelta(baseEntry.length, delta(base.length, declared, ops)), full('tree', t), full('commit', c)]);
        cases.push({ cat: 'zip bomb', label: `delta bomb ${label}`, expect: 'reject', req: () => receive(pushBody([[ZERO_OID, oidOf('commit', c), r]], pack, caps())) });
      }
    }
    // gzip request bodies that expand to 128 MiB.
    const gz = (b: Buffer) => zlib.gzipSync(b, { level: 9 });
    const zeroTail = zeros(BOMB_BYTES);
    const upBomb = gz(Buffer.concat([pkt(`want ${head} ofs-delta\n`), zeroTail]));
    const v2Bomb = gz(Buffer.concat([pkt('command=fetch\n'), DELIM, pkt(`want ${head}\n`), zeroTail]));
    const haveBomb = gz(Buffer.concat([pkt(`want ${head} ofs-delta\n`), FLUSH, Buffer.from(`0032have ${'0'.repeat(40)}\n`.repeat(Math.floor(BOMB_BYTES / 50)))]));
    const rpBomb = gz(Buffer.concat([commands([[ZERO_OID, newTip, ref()]]), okPack.subarray(0, 12), zeroTail]));
    const rpBomb2 = gz(Buffer.concat([commands([[ZERO_OID, newTip, ref()]]), zeroTail]));
    const gzHeaders = { 'content-encoding': 'gzip' };
    cases.push(
      { cat: 'gzip bomb', label: `upload v0: gzip ${upBomb.length} B -> ${BOMB_BYTES} B`, expect: 'reject', writes: false, req: () => upload(upBomb, undefined, gzHeaders) },
      { cat: 'gzip bomb', label: `upload v2: gzip ${v2Bomb.length} B -> ${BOMB_BYTES} B`, expect: 'reject', writes: false, req: () => upload(v2Bomb, 2, gzHeaders) },
      { cat: 'gzip bomb', label: `upload v0: gzip ${haveBomb.length} B of well-formed haves -> ${BOMB_BYTES} B`, expect: 'reject', writes: false, req: () => upload(haveBomb, undefined, gzHeaders) },
      { cat: 'gzip bomb', label: `receive: gzip ${rpBomb.length} B (pack header + zeros) -> ${BOMB_BYTES} B`, expect: 'reject', req: () => receive(rpBomb, gzHeaders) },
      { cat: 'gzip bomb', label: `receive: gzip ${rpBomb2.length} B (zeros after the commands)`, expect: 'reject', req: () => receive(rpBomb2, gzHeaders) },
      { cat: 'gzip bomb', label: 'upload: truncated gzip', expect: 'reject', writes: false, req: () => upload(gz(v0Want()).subarray(0, 15), undefined, gzHeaders) },
      { cat: 'gzip bomb', label: 'upload: gzip with a bad CRC', expect: 'reject', writes: false,
        req: () => { const g = gz(v0Want()); g[g.length - 6] ^= 0xff; return upload(g, undefined, gzHeaders); } },
      { cat: 'gzip bomb', label: 'receive: body claims gzip but is not', expect: 'reject', req: () => receive(pushBody([[ZERO_OID, newTip, ref()]], okPack), gzHeaders) },
      { cat: 'gzip bomb', label: 'upload: content-encoding br', expect: 'reject', writes: false, req: () => upload(v0Want(), undefined, { 'content-encoding': 'br' }) },
      { cat: 'gzip bomb', label: 'upload: content-encoding gzip, gzip', expect: 'reject', writes: false, req: () => upload(gz(gz(v0Want())), undefined, { 'content-encoding': 'gzip, gzip' }) },
    );
    const problems = await runCases(cases);
    expect(problems, problems.join('\n')).toEqual([]);
  });
});

describe('objects', () => {
  test('trees with dangerous or malformed entries', async () => {
    const blob = Buffer.from('payload\n');
    const ob = oidOf('blob', blob);
    const sub = treeData([['100644', 'f', ob]]);
    const osub = oidOf('tree', sub);
    const subGit = treeData([['100644', 'config', ob]]);
    const oSubGit = oidOf('tree', subGit);
    const cases: Case[] = [];
    const push = (label: string, entries: TreeEntry[], extraObjs: [ObjType, Buffer][] = [], raw?: Buffer) => {
      const tr = raw ?? treeData(entries);
      const c = commitData(oidOf('tree', tr), [head]);
      const { entries: es } = fullEntries([['blob', blob], ['tree', sub], ...extraObjs, ['tree', tr], ['commit', c]]);
      const r = freshRef('tree');
      cases.push({ cat: 'bad tree', label, expect: 'reject', req: () => receive(pushBody([[ZERO_OID, oidOf('commit', c), r]], buildPack(es), caps())) });
    };
    const names: [string, string | Buffer][] = [
      ['..', '..'], ['.', '.'], ['.git', '.git'], ['.GIT', '.GIT'], ['.Git', '.Git'], ['git~1', 'GIT~1'], ['.git. (NTFS)', '.git. '],
      ['.git::$INDEX_ALLOCATION', '.git::$INDEX_ALLOCATION'], ['.g\\u200cit (HFS)', '.g\u200cit'], ['.git\\ufeff (HFS)', '.git\ufeff'],
      ['slash in name', 'a/b'], ['leading slash', '/etc'], ['empty name', ''], ['../ path', '../x'],
    ];
    for (const [label, name] of names) push(`blob named ${label}`, [['100644', name, ob]]);
    push('directory named .git', [['40000', '.git', oSubGit]], [['tree', subGit]]);
    push('directory .GIT with a hooks tree', [['40000', '.GIT', oSubGit]], [['tree', subGit]]);
    push('duplicate file entries', [['100644', 'a', ob], ['100644', 'a', ob]]);
    push('file and directory with the same name', [['100644', 'a', ob], ['40000', 'a', osub]]);
    push('unsorted entries', [['100644', 'b', ob], ['100644', 'a', ob]]);
    push('zero-padded mode 040000', [['040000', 'd', osub]]);
    push('bad mode 100666', [['100666', 'a', ob]]);
    push('bad mode 7', [['7', 'a', ob]]);
    push('entry whose tree is a blob', [['40000', 'd', ob]]);
    push('entry whose blob is a tree', [['100644', 'f', osub]]);
    push('entry pointing to a missing blob', [['100644', 'a', roid()]]);
    push('truncated entry (half an oid)', [], [], Buffer.concat([Buffer.from('100644 a\0'), Buffer.from(ob, 'hex').subarray(0, 10)]));
    push('entry without a NUL', [], [], Buffer.from(`100644 a${Buffer.from(ob, 'hex').toString('latin1')}`, 'latin1'));
    push('.git one level down', [['40000', 'd', oidOf('tree', treeData([['100644', '.git', ob]]))]], [['tree', treeData([['100644', '.git', ob]])]]);
    const problems = await runCases(cases);
    expect(problems, problems.join('\n')).toEqual([]);
  });

  test('submodule and dotfile attacks (.gitmodules url/name/path/update, symlinks, NTFS/HFS spellings)', async () => {
    const cases: Case[] = [];
    const gm = (line: string, sub = 'x') => Buffer.from(`[submodule "${sub}"]\n\tpath = x\n\t${line}\n`);
    const attack = (label: string, entries: [mode: string, name: string, content: Buffer][]) => {
      const objs = entries.map(([, , b]) => ['blob', b] as [ObjType, Buffer]);
      const tr = treeData(entries.map(([mode, name, b]) => [mode, name, oidOf('blob', b)]));
      const c = commitData(oidOf('tree', tr), [head]);
      const { entries: es } = fullEntries([...objs, ['tree', tr], ['commit', c]]);
      cases.push({ cat: 'submodule attack', label, expect: 'reject', req: () => receive(pushBody([[ZERO_OID, oidOf('commit', c), freshRef('gm')]], buildPack(es), caps())) });
    };
    const evil = gm('url = --upload-pack=touch /tmp/pwned');
    for (const name of ['.gitmodules', '.GITMODULES', 'GITMOD~1', 'gi7eba~1', '.gitmodules. ', '.gitmodules::$DATA', '.g\u200citmodules', 'a\\.gitmodules']) {
      attack(`url = --upload-pack in ${JSON.stringify(name)}`, [['100644', name, evil]]);
    }
    attack('url with an encoded newline', [['100644', '.gitmodules', gm('url = https://example.com/%0a')]]);
    attack('url climbing into the host', [['100644', '.gitmodules', gm('url = ../:evil.example/x')]]);
    attack('name ../../modules/evil', [['100644', '.gitmodules', gm('url = ./x', '../../modules/evil')]]);
    attack('path = -x', [['100644', '.gitmodules', gm('path = -x')]]);
    attack('update = !command', [['100644', '.gitmodules', gm('update = !touch /tmp/pwned')]]);
    attack('.gitmodules is a symlink', [['120000', '.gitmodules', Buffer.from('/etc/passwd')]]);
    attack('GITMOD~1 is a symlink', [['120000', 'GITMOD~1', Buffer.from('../x')]]);
    attack('.gitattributes with a 3000-byte line', [['100644', '.gitattributes', Buffer.from('a'.repeat(3000))]]);
    attack('.git after a backslash', [['100644', 'a\\.git', Buffer.from('x')]]);
    const problems = await runCases(cases);
    expect(problems, problems.join('\n')).toEqual([]);
  });

  test('malformed commits and tags', async () => {
    const cases: Case[] = [];
    const pushObj = (label: string, type: ObjType, data: Buffer, ref: string, more: [ObjType, Buffer][] = []) => {
      const { entries } = fullEntries([...more, [type, data]]);
      cases.push({ cat: 'bad commit/tag', label, expect: 'reject', req: () => receive(pushBody([[ZERO_OID, oidOf(type, data), ref]], buildPack(entries), caps())) });
    };
    const c = (s: string) => Buffer.from(s);
    pushObj('commit without a tree line', 'commit', c(`author ${IDENT}\ncommitter ${IDENT}\n\nx\n`), freshRef('c'));
    pushObj('commit with a non-hex tree', 'commit', c(`tree ${'z'.repeat(40)}\nauthor ${IDENT}\ncommitter ${IDENT}\n\nx\n`), freshRef('c'));
    pushObj('commit whose tree is a blob', 'commit', commitData(oidOf('blob', c('b\n')), [head]), freshRef('c'), [['blob', c('b\n')]]);
    pushObj('commit with a missing parent', 'commit', commitData(headTree, [roid()]), freshRef('c'));
    pushObj('commit with a bad author line', 'commit', c(`tree ${headTree}\nparent ${head}\nauthor nobody\ncommitter ${IDENT}\n\nx\n`), freshRef('c'));
    pushObj('commit with an author date overflow', 'commit', c(`tree ${headTree}\nauthor A <a@b> 99999999999999999999999 +0000\ncommitter ${IDENT}\n\nx\n`), freshRef('c'));
    pushObj('commit with a NUL in a header', 'commit', c(`tree ${headTree}\nauthor A <a@b> 1 +0000\ncommitter ${IDENT}\nen\0coding x\n\nx\n`), freshRef('c'));
    pushObj('tag pointing to a missing object', 'tag', c(`object ${roid()}\ntype commit\ntag t\ntagger ${IDENT}\n\nt\n`), `refs/tags/hostile-${++refCounter}`);
    pushObj('tag whose type lies (commit is a tree)', 'tag', c(`object ${headTree}\ntype commit\ntag t\ntagger ${IDENT}\n\nt\n`), `refs/tags/hostile-${++refCounter}`);
    pushObj('tag without a type line', 'tag', c(`object ${head}\ntag t\ntagger ${IDENT}\n\nt\n`), `refs/tags/hostile-${++refCounter}`);
    pushObj('tag with an unknown type', 'tag', c(`object ${head}\ntype frob\ntag t\ntagger ${IDENT}\n\nt\n`), `refs/tags/hostile-${++refCounter}`);
    // A ref to a tree or blob directly (git allows it for tags, not for branches under refs/heads).
    pushObj('branch pointing to a tree', 'tree', treeData([['100644', 'a', oidOf('blob', c('a\n'))]]), freshRef('t'), [['blob', c('a\n')]]);
    const problems = await runCases(cases);
    expect(problems, problems.join('\n')).toEqual([]);
  });
});

describe('refs', () => {
  test('bad ref names', async () => {
    const names = ['refs/heads/../x', 'refs/heads/a..b', 'HEAD', 'refs/heads/x.lock', 'refs/heads/ctl\u0001', 'refs/heads/del\u007f',
      'refs/heads/nl\nx', 'refs/heads/tab\tx', 'refs/heads/sp ace', 'refs/heads/.hidden', 'refs/heads/x/', 'refs/heads/x.',
      'refs/heads//x', '/refs/heads/x', 'refs/heads/back\\slash', 'refs/heads/br[acket', 'refs/heads/a@{b', 'refs/heads/q?',
      'refs/heads/st*r', 'refs/heads/til~de', 'refs/heads/car^et', 'refs/heads/co:lon', 'main', 'FETCH_HEAD', 'refs/heads/x@{1}', 'refs',
      'refs/heads/main/../../heads/y'];
    // The corpus itself is checked: git refuses every one of these names.
    for (const ref of names.filter((n) => n.length < 1024)) {
      const r = await git(['check-ref-format', ref], { allowFail: true });
      expect(r.code, `git check-ref-format accepts ${JSON.stringify(ref)}: not a bad name`).not.toBe(0);
    }
    // Valid for git, but over the server's documented limit (1024 bytes).
    names.push('refs/heads/' + 'x'.repeat(5000));
    const cases: Case[] = names.map((ref) => ({
      cat: 'bad ref name', label: JSON.stringify(ref).slice(0, 80), expect: 'reject' as Expect,
      req: () => receive(pushBody([[ZERO_OID, head, ref]], buildPack([]), caps())),
    }));
    // Deleting or moving main through a path that only resolves to it after normalisation.
    for (const ref of ['refs/heads/../heads/main', 'refs/heads/./main', 'refs/heads//main', 'refs/heads/main/', 'refs/heads/MAIN/../main']) {
      cases.push({ cat: 'bad ref name', label: `delete ${ref}`, expect: 'reject', req: () => receive(commands([[head, ZERO_OID, ref]], 'report-status delete-refs')) });
    }
    const problems = await runCases(cases);
    expect(problems, problems.join('\n')).toEqual([]);
  });

  test('HEAD injection in push commands', async () => {
    const pack = buildPack([]);
    const other = await revParse(src, `${head}~1`);
    const inj = () => `refs/heads/inj-${++refCounter}`;
    const cases: Case[] = ([
      ['update HEAD', () => receive(pushBody([[head, other, 'HEAD']], pack))],
      ['create HEAD', () => receive(pushBody([[ZERO_OID, other, 'HEAD']], pack))],
      ['delete HEAD', () => receive(commands([[head, ZERO_OID, 'HEAD']], 'report-status delete-refs'))],
      ['lower-case head', () => receive(pushBody([[ZERO_OID, other, 'head']], pack))],
      ['" HEAD" (leading space)', () => receive(Buffer.concat([pkt(`${head} ${other}  HEAD\0report-status\n`), FLUSH, pack]))],
      ['refs/heads/HEAD/../../HEAD', () => receive(pushBody([[ZERO_OID, other, 'refs/heads/HEAD/../../HEAD']], pack))],
      ['newline then a HEAD command in one pkt', () => receive(Buffer.concat([pkt(`${ZERO_OID} ${head} ${inj()}\n${head} ${other} HEAD\0report-status\n`), FLUSH, pack]))],
      ['HEAD as a second command with its own capabilities', () => receive(Buffer.concat([pkt(`${roid()} ${head} refs/heads/main\0report-status\n`), pkt(`${head} ${other} HEAD\0report-status\n`), FLUSH, pack]))],
      ['space: "refs/heads/x HEAD"', () => receive(pushBody([[ZERO_OID, head, `${inj()} HEAD`]], pack))],
      ['HEAD after a valid create, atomic', () => receive(Buffer.concat([pkt(`${ZERO_OID} ${head} ${inj()}\0report-status atomic\n`), pkt(`${head} ${other} HEAD\n`), FLUSH, pack]))],
      ['symref capability pointing HEAD elsewhere (stale update)', () => receive(pushBody([[roid(), head, 'refs/heads/main']], pack, 'report-status symref=HEAD:refs/heads/evil'))],
      ['push option naming HEAD (stale update)', () => receive(Buffer.concat([pkt(`${roid()} ${head} refs/heads/main\0report-status push-options\n`), FLUSH, pkt('HEAD=refs/heads/evil\n'), FLUSH, pack]))],
    ] as [string, () => Promise<Outcome>][]).map(([label, req]) => ({ cat: 'HEAD injection', label, expect: 'reject' as Expect, req }));
    const symBefore = await lsRemote(repo.remote, { token: repo.token, args: ['--symref'] });
    const problems = await runCases(cases);
    expect(await lsRemote(repo.remote, { token: repo.token, args: ['--symref'] }), 'HEAD and its target unchanged').toEqual(symBefore);
    expect(problems, problems.join('\n')).toEqual([]);
  });
});

describe('cross-repository ids', () => {
  // A sibling fork of the repository under attack holds a secret. Every route that takes an
  // object id from this repository's write token must treat the sibling's ids as missing
  // (issue 20, item 2; test/e2e/fork-reach.test.ts has the full matrix, with the REST routes).
  test('ids of a sibling fork\'s secret objects, named through push and fetch', async () => {
    const sib = await forkRepo(repo, { name: `${repo.name}-sib` });
    const { dir } = await cloneRepo(sib.remote, { token: sib.token, label: 'hostile-sib' });
    const secretText = Buffer.from(`sibling secret ${SEED}\n`);
    const secret = await commitFiles(dir, { 'secret.txt': secretText.toString() }, 'secret');
    await git(['push', '-q', 'origin', 'HEAD:refs/heads/secret'], { cwd: dir, token: sib.token });
    const secretBlob = await revParse(dir, 'HEAD:secret.txt');
    const secretTree = await revParse(dir, 'HEAD^{tree}');
    // The sibling's push may grow a store shared with this repository (a fork network): that is
    // the baseline the attacks are judged against, not a change they made.
    baseline = initial = await snapshot();
    const cases: Case[] = [];
    const pushCase = (label: string, tip: string, entries: Buffer[]) =>
      cases.push({ cat: 'cross-repo id', label, expect: 'reject', req: () => receive(pushBody([[ZERO_OID, tip, freshRef('xrepo')]], buildPack(entries), caps())) });
    pushCase('push naming the sibling\'s commit, empty pack', secret, []);
    const t1 = treeData([['100644', 'stolen.txt', secretBlob]]);
    const c1 = commitData(oidOf('tree', t1), [head]);
    pushCase('tree entry naming the sibling\'s blob', oidOf('commit', c1), [full('tree', t1), full('commit', c1)]);
    const c2 = commitData(secretTree, [head]);
    pushCase('commit naming the sibling\'s tree', oidOf('commit', c2), [full('commit', c2)]);
    const stolen = Buffer.concat([secretText, Buffer.from('more\n')]);
    const t3 = treeData([['100644', 'stolen.txt', oidOf('blob', stolen)]]);
    const c3 = commitData(oidOf('tree', t3), [head]);
    pushCase('thin delta on the sibling\'s blob', oidOf('commit', c3),
      [refDelta(secretBlob, delta(secretText.length, stolen.length, copyOp(0, secretText.length), insertOp(Buffer.from('more\n')))), full('tree', t3), full('commit', c3)]);
    cases.push(
      { cat: 'cross-repo id', label: 'v0 want of the sibling\'s commit', expect: 'reject', writes: false,
        req: () => upload(Buffer.concat([pkt(`want ${secret} side-band-64k ofs-delta\n`), FLUSH, pkt('done\n')])) },
      { cat: 'cross-repo id', label: 'v2 want of the sibling\'s blob', expect: 'reject', writes: false,
        req: () => upload(Buffer.concat([pkt('command=fetch\n'), DELIM, pkt(`want ${secretBlob}\n`), pkt('done\n'), FLUSH]), 2) },
    );
    const problems = await runCases(cases);
    expect(problems, problems.join('\n')).toEqual([]);
  });
});

describe('control-plane API', () => {
  test('malformed admin and read requests', async () => {
    const A = () => adminAuth();
    const j = (method: string, p: string, body?: string, headers: Record<string, string> = {}) =>
      send({ method, path: p, body, headers: { ...A(), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers } });
    const b = apiBase;
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const cases: [string, Expect, () => Promise<Outcome>][] = [
      ['create an existing repo', 'reject', () => j('POST', b)],
      ...['..', '.hidden', 'a%2Fb', 'x'.repeat(64), 'name.git', '-dash', '%C3%A9', '%00', '%20', 'a%0Ab', '%2e%2e'].map((n): [string, Expect, () => Promise<Outcome>] =>
        [`create repo named ${n.slice(0, 20)}`, 'reject', () => j('POST', `/v1/repos/${NS}/${n}`)]),
      [`create in namespace ..`, 'reject', () => j('POST', `/v1/repos/../x`)],
      ['token: invalid JSON', 'reject', () => j('POST', `${b}/tokens`, '{"scope":')],
      ['token: scope admin', 'reject', () => j('POST', `${b}/tokens`, '{"scope":"admin","ttlSeconds":60}')],
      ['token: ttl -1', 'reject', () => j('POST', `${b}/tokens`, '{"scope":"read","ttlSeconds":-1}')],
      ['token: ttl 1e300', 'reject', () => j('POST', `${b}/tokens`, '{"scope":"read","ttlSeconds":1e300}')],
      ['token: ttl "60"', 'reject', () => j('POST', `${b}/tokens`, '{"scope":"read","ttlSeconds":"60"}')],
      ['token: body is an array', 'reject', () => j('POST', `${b}/tokens`, '[]')],
      ['token: 100k-deep JSON', 'reject', () => j('POST', `${b}/tokens`, deep)],
      ['token: 8 MB string', 'reject', () => j('POST', `${b}/tokens`, JSON.stringify({ scope: 'x'.repeat(8 * 1024 * 1024), ttlSeconds: 60 }))],
      ['token: __proto__ trying to raise a read scope', 'no5xx', async () => {
        const o = await j('POST', `${b}/tokens`, '{"scope":"read","__proto__":{"scope":"write"},"ttlSeconds":60}');
        return o.status === 201 && !o.detail.includes('read') ? { ...o, kind: 'ESCALATED', detail: `scope escalated: ${o.detail}` } : o;
      }],
      ['token on a missing repo', 'reject', () => j('POST', `/v1/repos/${NS}/no-such-repo-${SEED}/tokens`, '{"scope":"read","ttlSeconds":60}')],
      ['delete a token id that does not exist', 'reject', () => j('DELETE', `${b}/tokens/${'9'.repeat(30)}`)],
      ['delete token id ../..', 'reject', () => j('DELETE', `${b}/tokens/..%2F..`)],
      ['wrong admin token', 'reject', () => send({ method: 'GET', path: b, headers: adminAuth('nope') })],
      ['admin token as Basic', 'no5xx', () => send({ method: 'GET', path: b, headers: { authorization: `Basic ${Buffer.from(`x:${adminToken()}`).toString('base64')}` } })],
      ['10 KB bearer', 'reject', () => send({ method: 'GET', path: b, headers: adminAuth('x'.repeat(10_000)) })],
      ['repo token on the admin API', 'reject', () => send({ method: 'GET', path: b, headers: auth() })],
      ['PUT on a repo', 'reject', () => j('PUT', b, '{}')],
      ['PATCH on a repo', 'reject', () => j('PATCH', b, '{}')],
      ['list with limit=-1', 'no5xx', () => j('GET', `/v1/repos/${NS}?limit=-1`)],
      ['list with limit=1e9', 'no5xx', () => j('GET', `/v1/repos/${NS}?limit=1000000000`)],
      ['list with a garbage cursor', 'no5xx', () => j('GET', `/v1/repos/${NS}?cursor=%ff%fe%00`)],
      ['tree of a missing rev', 'reject', () => j('GET', `${b}/tree/${roid()}`)],
      ['tree path with ..', 'reject', () => j('GET', `${b}/tree/main/../../etc`)],
      ['blob of rev main~999999', 'reject', () => j('GET', `${b}/blob/main~999999/README.md`)],
      ['blob of rev with @{', 'reject', () => j('GET', `${b}/blob/main@{-1}/README.md`)],
      ['object with a non-hex id', 'reject', () => j('GET', `${b}/objects/${'z'.repeat(40)}`)],
      ['object id 10k chars', 'reject', () => j('GET', `${b}/objects/${'a'.repeat(10_000)}`)],
      ['log of a:b:c', 'reject', () => j('GET', `${b}/log/a:b:c`)],
      ['compare with a 5k-char rev', 'reject', () => j('GET', `${b}/compare/main...${'x'.repeat(5000)}`)],
      ['refs with a bad prefix', 'no5xx', () => j('GET', `${b}/refs?prefix=%00`)],
    ];
    // The commit API is a write path: each of these must be refused and leave the repo as it was.
    const commit = (body: unknown) => () => j('POST', `${b}/commits`, typeof body === 'string' ? body : JSON.stringify(body));
    const ok = { branch: 'main', message: 'm', author: { name: 'A', email: 'a@b' }, expectedHead: head };
    const change = (c: Record<string, unknown>) => commit({ ...ok, changes: [c] });
    cases.push(
      ['commit: invalid JSON', 'reject', commit('{"branch":')],
      ['commit: no changes field', 'reject', commit({ ...ok })],
      ['commit: path .git/config', 'reject', change({ action: 'create', path: '.git/config', content: 'x' })],
      ['commit: path .GIT/hooks/pre-commit', 'reject', change({ action: 'create', path: '.GIT/hooks/pre-commit', content: 'x' })],
      ['commit: path ../escape', 'reject', change({ action: 'create', path: '../escape', content: 'x' })],
      ['commit: path a/../../b', 'reject', change({ action: 'create', path: 'a/../../b', content: 'x' })],
      ['commit: path with NUL', 'reject', change({ action: 'create', path: 'a\u0000b', content: 'x' })],
      ['commit: empty path', 'reject', change({ action: 'create', path: '', content: 'x' })],
      ['commit: path of 100k chars', 'reject', change({ action: 'create', path: 'a/'.repeat(50_000) + 'x', content: 'x' })],
      ['commit: mode 040000', 'reject', change({ action: 'create', path: 'm', content: 'x', mode: '040000' })],
      ['commit: mode 160000', 'reject', change({ action: 'create', path: 'm', content: 'x', mode: '160000' })],
      ['commit: invalid base64', 'reject', change({ action: 'create', path: 'b64', content: '!!!not base64', encoding: 'base64' })],
      ['commit: branch HEAD', 'reject', commit({ ...ok, branch: 'HEAD', expectedHead: undefined, changes: [{ action: 'create', path: 'h', content: 'x' }] })],
      ['commit: branch ../x', 'reject', commit({ ...ok, branch: '../x', expectedHead: undefined, changes: [{ action: 'create', path: 'h', content: 'x' }] })],
      ['commit: branch a..b', 'reject', commit({ ...ok, branch: 'a..b', expectedHead: undefined, changes: [{ action: 'create', path: 'h', content: 'x' }] })],
      ['commit: expectedHead non-hex', 'reject', commit({ ...ok, expectedHead: 'z'.repeat(40), changes: [{ action: 'create', path: 'h', content: 'x' }] })],
      ['commit: expectedHead stale', 'reject', commit({ ...ok, expectedHead: roid(), changes: [{ action: 'create', path: 'h', content: 'x' }] })],
      ['commit: delete a missing file', 'reject', change({ action: 'delete', path: 'no/such/file' })],
      ['commit: rename onto .git', 'reject', change({ action: 'rename', path: 'README.md', newPath: '.git' })],
      ['commit: create over a directory', 'reject', change({ action: 'create', path: 'src', content: 'x' })],
      ['commit: 100k changes', 'reject', commit({ ...ok, changes: Array.from({ length: 100_000 }, (_, i) => ({ action: 'create', path: `f${i}`, content: '' })) })],
      ['commit: author is a string', 'reject', commit({ ...ok, author: 'A <a@b>', changes: [{ action: 'create', path: 'h', content: 'x' }] })],
      ['commit: author name only crud', 'reject', commit({ ...ok, author: { name: '<>\n', email: 'a@b' }, changes: [{ action: 'create', path: 'h', content: 'x' }] })],
      ['commit: createBranchFrom a missing rev', 'reject', commit({ ...ok, branch: `new-${SEED}`, expectedHead: null, createBranchFrom: roid(), changes: [{ action: 'create', path: 'h', content: 'x' }] })],
    );
    const problems = await runCases(cases.map(([label, exp, req]) => ({ cat: 'api', label, expect: exp, req })));
    expect(problems, problems.join('\n')).toEqual([]);
  });
});

test('corpus size and the repository afterwards: same refs, same object count, fresh clone fscks clean', async () => {
  expect(sent, 'corpus size').toBeGreaterThanOrEqual(200);
  const now = await snapshot();
  expect(now.refs, 'ref list (v2 ls-refs) unchanged').toBe(initial.refs);
  expect(now.objects, 'object count unchanged').toBe(initial.objects);
  expect((await lsRemote(repo.remote, { token: repo.token })).join('\n')).toContain(`${head}\trefs/heads/main`);
  const { dir } = await cloneRepo(repo.remote, { token: repo.token, label: 'hostile-after' });
  await fsckStrict(dir);
  expect(await gitOut(dir, ['rev-parse', 'HEAD'])).toBe(head);
  // And the repo still takes a normal push.
  await git(['push', '-q', repo.remote, `${newTip}:refs/heads/after-hostile`], { cwd: src, token: repo.token });
  expect(await lsRemote(repo.remote, { token: repo.token })).toContain(`${newTip}\trefs/heads/after-hostile`);
});
