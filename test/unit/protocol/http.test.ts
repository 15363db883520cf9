// Git smart HTTP through the Worker (exports.default.fetch → router → RepoObject): content
// types, advertisements, v2 ls-refs/fetch, receive-pack with hand-built requests, hostile
// bodies (never a 5xx) and authentication.
import { env, exports } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { resolvePackInMemory } from '../../../src/pack';
import { RepoStore } from '../../../src/storage/repo-store';
import { TokenStore } from '../../../src/repo/token-store';
import { blob, buildPack, commit, concat, enc, linearHistory, storageSnapshot, tag, tree, ZERO } from '../storage/helpers';
import { body, demux, parseLines, show } from './wire';

const worker = (exports as unknown as { default: { fetch(input: string, init?: RequestInit): Promise<Response> } }).default;
const ADMIN = 'Bearer test-admin-token';
const NS = 'unit';

interface Repo {
  name: string;
  token: string;
  url: (rest: string) => string;
  stub: DurableObjectStub;
}

async function createRepo(label: string): Promise<Repo> {
  const name = `${label}-${crypto.randomUUID().slice(0, 8)}`;
  const res = await worker.fetch(`http://x/v1/repos/${NS}/${name}`, { method: 'POST', headers: { authorization: ADMIN } });
  expect(res.status).toBe(201);
  const info = (await res.json()) as { token: string; remote: string };
  expect(info.remote).toBe(`http://x/git/${NS}/${name}.git`);
  const ns = (env as unknown as { REPO: DurableObjectNamespace }).REPO;
  return {
    name,
    token: info.token,
    url: (rest) => `http://x/git/${NS}/${name}.git/${rest}`,
    stub: ns.get(ns.idFromName(`${NS}/${name}`)),
  };
}

async function readToken(repo: Repo): Promise<string> {
  const res = await worker.fetch(`http://x/v1/repos/${NS}/${repo.name}/tokens`, {
    method: 'POST',
    headers: { authorization: ADMIN, 'content-type': 'application/json' },
    body: JSON.stringify({ scope: 'read' }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const basic = (user: string, pass: string) => ({ authorization: `Basic ${btoa(`${user}:${pass}`)}` });

function infoRefs(repo: Repo, service: string, headers: Record<string, string> = bearer(repo.token)) {
  return worker.fetch(repo.url(`info/refs?service=${service}`), { headers });
}

function post(repo: Repo, service: string, payload: BodyInit, headers: Record<string, string> = {}) {
  return worker.fetch(repo.url(service), {
    method: 'POST',
    headers: { ...bearer(repo.token), 'content-type': `application/x-${service}-request`, ...headers },
    body: payload,
  });
}

const V2 = { 'git-protocol': 'version=2' };

async function bytesOf(res: Response): Promise<Uint8Array> {
  return new Uint8Array(await res.arrayBuffer());
}

/** receive-pack request: commands (caps on the first), flush, then the pack if any. */
function pushBody(cmds: [string, string, string][], caps: string, pack?: Uint8Array): Uint8Array {
  const lines = cmds.map(([o, n, r], i) => (i === 0 ? `${o} ${n} ${r}\0${caps}` : `${o} ${n} ${r}`));
  return concat([body(...lines, null), pack ?? new Uint8Array(0)]);
}

/** report-status lines from a receive-pack response (inside side-band or not). */
async function reportOf(res: Response): Promise<{ report: string[]; progress: string }> {
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/x-git-receive-pack-result');
  const lines = parseLines(await bytesOf(res));
  const banded = lines.some((l) => l.kind === 'data' && l.raw[0] === 1);
  if (!banded) return { report: show(lines), progress: '' };
  const d = demux(lines);
  return { report: show(parseLines(d.data)), progress: d.progress };
}

async function snapshot(repo: Repo) {
  return runInDurableObject(repo.stub, (_i, state) => storageSnapshot(new RepoStore(state.storage, `${NS}/${repo.name}`), state));
}

const h = linearHistory(3, 1_690_000_000);
/** Thin packs name bases the client has: the history it was given. */
const thinBases = { externalBase: (oid: string) => h.all.find((o) => o.oid === oid) };
const [c1, c2, c3] = h.commits;
const fullPack = buildPack(h.all);

describe('info/refs', () => {
  it('v0 advertisement for an empty repository: content type, service header, capabilities^{}', async () => {
    const repo = await createRepo('adv-empty');
    const res = await infoRefs(repo, 'git-upload-pack');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-git-upload-pack-advertisement');
    expect(res.headers.get('cache-control')).toMatch(/no-cache/);
    const text = new TextDecoder().decode(await bytesOf(res));
    expect(text.startsWith('001e# service=git-upload-pack\n0000')).toBe(true);
    const lines = show(parseLines(await bytesOf(await infoRefs(repo, 'git-upload-pack'))));
    expect(lines[0]).toBe('# service=git-upload-pack');
    expect(lines[1]).toBe('<flush>');
    expect(lines[2].split('\0')[0]).toBe(`${ZERO} capabilities^{}`);
    expect(lines[3]).toBe('<flush>');

    const rp = await infoRefs(repo, 'git-receive-pack');
    expect(rp.headers.get('content-type')).toBe('application/x-git-receive-pack-advertisement');
    const rl = show(parseLines(await bytesOf(rp)));
    expect(rl[0]).toBe('# service=git-receive-pack');
    expect(rl[2].split('\0')[0]).toBe(`${ZERO} capabilities^{}`);
    expect(rl[2].split('\0')[1].split(' ')).toContain('report-status');
  });

  it('v1 adds "version 1"; v2 is a capability advertisement without the service header', async () => {
    const repo = await createRepo('adv-versions');
    const v1 = show(parseLines(await bytesOf(await worker.fetch(repo.url('info/refs?service=git-upload-pack'), {
      headers: { ...bearer(repo.token), 'git-protocol': 'version=1' },
    }))));
    expect(v1.slice(0, 3)).toEqual(['# service=git-upload-pack', '<flush>', 'version 1']);
    const res = await worker.fetch(repo.url('info/refs?service=git-upload-pack'), { headers: { ...bearer(repo.token), ...V2 } });
    expect(res.headers.get('content-type')).toBe('application/x-git-upload-pack-advertisement');
    const raw = await bytesOf(res);
    expect(new TextDecoder().decode(raw.subarray(0, 14))).toBe('000eversion 2\n');
    const v2 = show(parseLines(raw));
    expect(v2).toContain('ls-refs=unborn');
    expect(v2.some((l) => l.startsWith('fetch='))).toBe(true);
    expect(v2.at(-1)).toBe('<flush>');
  });

  it('dumb HTTP and unknown paths are refused (4xx)', async () => {
    const repo = await createRepo('adv-dumb');
    expect((await worker.fetch(repo.url('info/refs'), { headers: bearer(repo.token) })).status).toBe(403);
    expect((await infoRefs(repo, 'git-frobnicate')).status).toBe(403);
    expect((await worker.fetch(repo.url('HEAD'), { headers: bearer(repo.token) })).status).toBe(404);
    // A missing repository answers as one this token does not open (no existence oracle); the admin gets the 404.
    const missing = `http://x/git/${NS}/no-such-repo-${crypto.randomUUID().slice(0, 8)}.git/info/refs?service=git-upload-pack`;
    expect((await worker.fetch(missing, { headers: bearer(repo.token) })).status).toBe(403); // a refused Bearer token
    expect((await worker.fetch(missing, { headers: { authorization: ADMIN } })).status).toBe(404);
  });
});

describe('push and fetch over HTTP', () => {
  it('v2 ls-refs on an empty repository: unborn HEAD with its symref target', async () => {
    const repo = await createRepo('lsrefs-empty');
    const res = await post(
      repo,
      'git-upload-pack',
      body('command=ls-refs', 'agent=git/2.45.0', 'object-format=sha1', 'DELIM', 'peel', 'symrefs', 'unborn', 'ref-prefix HEAD', 'ref-prefix refs/heads/', 'ref-prefix refs/tags/', null),
      V2,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-git-upload-pack-result');
    expect(show(parseLines(await bytesOf(res)))).toEqual(['unborn HEAD symref-target:refs/heads/main', '<flush>']);
  });

  it('receive-pack in side-band, then ls-refs, v0 advertisement and a v2 fetch round trip', async () => {
    const repo = await createRepo('push-fetch');
    const v1tag = tag({ object: c3.oid, type: 'commit', name: 'v1', time: 1_690_009_999 });
    const pack = buildPack([...h.all, v1tag]);
    const push = await post(
      repo,
      'git-receive-pack',
      pushBody(
        [
          [ZERO, c3.oid, 'refs/heads/main'],
          [ZERO, v1tag.oid, 'refs/tags/v1'],
        ],
        'report-status side-band-64k agent=git/2.45.0',
        pack,
      ),
    );
    const { report, progress } = await reportOf(push);
    expect(report).toEqual(['unpack ok', 'ok refs/heads/main', 'ok refs/tags/v1', '<flush>']);
    expect(progress).toMatch(/objects/);

    const ls = await post(repo, 'git-upload-pack', body('command=ls-refs', 'DELIM', 'symrefs', 'peel', 'unborn', null), V2);
    expect(show(parseLines(await bytesOf(ls)))).toEqual([
      `${c3.oid} HEAD symref-target:refs/heads/main`,
      `${c3.oid} refs/heads/main`,
      `${v1tag.oid} refs/tags/v1 peeled:${c3.oid}`,
      '<flush>',
    ]);

    const adv = show(parseLines(await bytesOf(await infoRefs(repo, 'git-upload-pack'))));
    expect(adv[2].split('\0')[0]).toBe(`${c3.oid} HEAD`);
    expect(adv[2].split('\0')[1].split(' ')).toContain('symref=HEAD:refs/heads/main');
    expect(adv.slice(3)).toEqual([`${c3.oid} refs/heads/main`, `${v1tag.oid} refs/tags/v1`, `${c3.oid} refs/tags/v1^{}`, '<flush>']);

    const fetch = await post(
      repo,
      'git-upload-pack',
      body('command=fetch', 'agent=git/2.45.0', 'DELIM', 'thin-pack', 'ofs-delta', `want ${c3.oid}`, `have ${c1.oid}`, 'done', null),
      V2,
    );
    expect(fetch.status).toBe(200);
    const lines = parseLines(await bytesOf(fetch));
    expect(show(lines)[0]).toBe('packfile');
    const got = resolvePackInMemory(demux(lines).data, thinBases).objects.map((o) => o.oid).sort();
    expect(got).toEqual([...h.reach(c3)].filter((o) => !h.reach(c1).has(o)).sort());

    // v0 (stateless) clone with gzip-compressed request body.
    const gz = new Response(
      new Blob([body(`want ${c3.oid} multi_ack_detailed side-band-64k ofs-delta`, null, 'done')]).stream().pipeThrough(new CompressionStream('gzip')),
    );
    const v0 = await post(repo, 'git-upload-pack', await gz.arrayBuffer(), { 'content-encoding': 'gzip' });
    const v0lines = parseLines(await bytesOf(v0));
    expect(show(v0lines)[0]).toBe('NAK');
    expect(resolvePackInMemory(demux(v0lines).data).objects.length).toBe(h.all.length);
  });

  it('report-status without side-band; deletes need no pack; an empty pack moves a ref to a known commit', async () => {
    const repo = await createRepo('push-plain');
    const upToC2 = buildPack(h.all.filter((o) => h.reach(c2).has(o.oid)));
    const r1 = await reportOf(await post(repo, 'git-receive-pack', pushBody([[ZERO, c2.oid, 'refs/heads/main']], 'report-status', upToC2)));
    expect(r1.report).toEqual(['unpack ok', 'ok refs/heads/main', '<flush>']);
    const r2 = await reportOf(
      await post(repo, 'git-receive-pack', pushBody([[ZERO, c1.oid, 'refs/heads/old']], 'report-status', buildPack([]))),
    );
    expect(r2.report).toEqual(['unpack ok', 'ok refs/heads/old', '<flush>']);
    // Delete-only pushes carry no pack at all.
    const r3 = await reportOf(
      await post(repo, 'git-receive-pack', pushBody([[c1.oid, ZERO, 'refs/heads/old']], 'report-status delete-refs')),
    );
    expect(r3.report).toEqual(['unpack ok', 'ok refs/heads/old', '<flush>']);
    // A stale old value is refused (and c3, sent in the pack, is not indexed).
    const r4 = await reportOf(
      await post(repo, 'git-receive-pack', pushBody([[c1.oid, c3.oid, 'refs/heads/main']], 'report-status', fullPack)),
    );
    expect(r4.report[0]).toBe('unpack ok');
    expect(r4.report[1]).toMatch(/^ng refs\/heads\/main fetch first/);
    // A command that needs objects but comes without a pack is an unpack error.
    const r5 = await reportOf(await post(repo, 'git-receive-pack', pushBody([[c2.oid, c3.oid, 'refs/heads/main']], 'report-status')));
    expect(r5.report[0]).toMatch(/^unpack (?!ok)/);
    expect(r5.report[1]).toBe('ng refs/heads/main unpacker error');
    const snap = await snapshot(repo);
    expect(snap.refs).toEqual([{ name: 'refs/heads/main', oid: c2.oid }]);
    expect(snap.objects).not.toContain(c3.oid);
    expect(snap.packFiles).toHaveLength(2);
  });

  it('a non-commit on a branch is refused with ng, and its pack is not kept', async () => {
    const repo = await createRepo('push-blob');
    const b = blob('not a commit\n');
    const res = await post(repo, 'git-receive-pack', pushBody([[ZERO, b.oid, 'refs/heads/x']], 'report-status side-band-64k', buildPack([b])));
    const { report } = await reportOf(res);
    expect(report).toEqual(['unpack ok', 'ng refs/heads/x trying to write non-commit object to branch', '<flush>']);
    const snap = await snapshot(repo);
    expect(snap.refs).toEqual([]);
    expect(snap.objects).toEqual([]);
    expect(snap.packFiles).toEqual([]);
    expect(snap.pendingStreams).toBe(0);
  });

  it('atomic push: one bad command refuses all', async () => {
    const repo = await createRepo('push-atomic');
    const { report } = await reportOf(
      await post(
        repo,
        'git-receive-pack',
        pushBody([[ZERO, c3.oid, 'refs/heads/main'], [ZERO, c3.oid, 'refs/heads/bad..name']], 'report-status atomic', fullPack),
      ),
    );
    expect(report[0]).toBe('unpack ok');
    expect(report.slice(1, 3).every((l) => l.startsWith('ng '))).toBe(true);
    expect((await snapshot(repo)).refs).toEqual([]);
  });

  it('two racing pushes from the same old value: exactly one wins', async () => {
    const repo = await createRepo('push-race');
    await reportOf(await post(repo, 'git-receive-pack', pushBody([[ZERO, c1.oid, 'refs/heads/main']], 'report-status', buildPack(h.all))));
    const branch = (n: number) => {
      const b = blob(`racer ${n}\n`.repeat(50));
      const t = tree([{ mode: '100644', name: 'r.txt', oid: b.oid }]);
      const c = commit({ tree: t.oid, parents: [c1.oid], time: 1_690_100_000 + n });
      return { c, pack: buildPack([c, t, b]) };
    };
    const racers = [branch(1), branch(2)];
    // Bodies that trickle in, so both requests are inside the Durable Object at once.
    const slow = (bytes: Uint8Array) =>
      new ReadableStream<Uint8Array>({
        async start(ctrl) {
          for (let o = 0; o < bytes.length; o += 64) {
            ctrl.enqueue(bytes.slice(o, o + 64));
            await new Promise((r) => setTimeout(r, 2));
          }
          ctrl.close();
        },
      });
    const results = await Promise.all(
      racers.map(async (r) => {
        const payload = pushBody([[c1.oid, r.c.oid, 'refs/heads/main']], 'report-status', r.pack);
        const res = await worker.fetch(repo.url('git-receive-pack'), {
          method: 'POST',
          headers: { ...bearer(repo.token), 'content-length': String(payload.length) },
          body: slow(payload),
        });
        return (await reportOf(res)).report;
      }),
    );
    const oks = results.filter((r) => r[1] === 'ok refs/heads/main');
    const ngs = results.filter((r) => r[1].startsWith('ng refs/heads/main'));
    expect(oks).toHaveLength(1);
    expect(ngs).toHaveLength(1);
    const winner = racers[results.indexOf(oks[0])];
    const snap = await snapshot(repo);
    expect(snap.refs).toEqual([{ name: 'refs/heads/main', oid: winner.c.oid }]);
    expect(snap.packFiles).toHaveLength(2); // the seed push and the winner; the loser's was discarded
  });
});

describe('a clone that streams while a push lands', () => {
  it('completes with a valid pack', async () => {
    const repo = await createRepo('clone-race');
    let x = 99;
    const blobs = Array.from({ length: 8 }, () => {
      const b = new Uint8Array(700_000);
      for (let i = 0; i < b.length; i++) b[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
      return blob(b);
    });
    const t = tree(blobs.map((b, i) => ({ mode: '100644', name: `b${i}`, oid: b.oid })));
    const base = commit({ tree: t.oid, time: 1_690_200_000 });
    await reportOf(await post(repo, 'git-receive-pack', pushBody([[ZERO, base.oid, 'refs/heads/main']], 'report-status', buildPack([base, t, ...blobs]))));

    const res = await post(repo, 'git-upload-pack', body('command=fetch', 'DELIM', 'ofs-delta', 'no-progress', `want ${base.oid}`, 'done', null), V2);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const parts: Uint8Array[] = [];
    let got = 0;
    while (got < 300_000) {
      const { value, done } = await reader.read();
      if (done) break;
      parts.push(value);
      got += value.length;
    }
    // A fast-forward push while the clone is half sent.
    const nb = blob('pushed during the clone\n');
    const nt = tree([...blobs.map((b, i) => ({ mode: '100644', name: `b${i}`, oid: b.oid })), { mode: '100644', name: 'new', oid: nb.oid }]);
    const next = commit({ tree: nt.oid, parents: [base.oid], time: 1_690_200_100 });
    const pushed = await reportOf(await post(repo, 'git-receive-pack', pushBody([[base.oid, next.oid, 'refs/heads/main']], 'report-status', buildPack([next, nt, nb]))));
    expect(pushed.report[1]).toBe('ok refs/heads/main');
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parts.push(value);
    }
    const lines = parseLines(concat(parts));
    expect(show(lines)[0]).toBe('packfile');
    const d = demux(lines);
    expect(d.error).toBe('');
    const oids = resolvePackInMemory(d.data).objects.map((o) => o.oid);
    for (const o of [base, t, ...blobs]) expect(oids).toContain(o.oid);
  });
});

describe('hostile requests get git-shaped 4xx/200 answers, never a 5xx', () => {
  async function expectErrPkt(res: Response, pattern: RegExp) {
    expect(res.status).toBe(200);
    const lines = show(parseLines(await bytesOf(res)));
    expect(lines[0]).toMatch(/^ERR /);
    expect(lines[0]).toMatch(pattern);
  }

  it('upload-pack: garbage, bad framing, unknown commands, bad wants, bad encodings', async () => {
    const repo = await createRepo('bad-upload');
    await reportOf(await post(repo, 'git-receive-pack', pushBody([[ZERO, c3.oid, 'refs/heads/main']], 'report-status', fullPack)));
    await expectErrPkt(await post(repo, 'git-upload-pack', 'hello, world'), /pkt-line/);
    await expectErrPkt(await post(repo, 'git-upload-pack', body('hello')), /expected want/);
    await expectErrPkt(await post(repo, 'git-upload-pack', body(`want ${'9'.repeat(40)} side-band-64k`, null, 'done')), /not our ref/);
    await expectErrPkt(await post(repo, 'git-upload-pack', new Uint8Array(0)), /no wants/);
    await expectErrPkt(await post(repo, 'git-upload-pack', body('command=frobnicate', null), V2), /unknown command/);
    await expectErrPkt(await post(repo, 'git-upload-pack', body('command=ls-refs', 'DELIM', 'symrefs'), V2), /flush/);
    await expectErrPkt(await post(repo, 'git-upload-pack', body('agent=x', null), V2), /no command/);
    await expectErrPkt(await post(repo, 'git-upload-pack', body('command=fetch', 'DELIM', 'want nothex', 'done', null), V2), /invalid object id/);
    await expectErrPkt(await post(repo, 'git-upload-pack', body('command=fetch', 'object-format=sha256', 'DELIM', `want ${c3.oid}`, null), V2), /object-format/);
    await expectErrPkt(await post(repo, 'git-upload-pack', body('command=ls-refs', 'DELIM', 'bogus', null), V2), /ls-refs argument/);
    await expectErrPkt(await post(repo, 'git-upload-pack', body(`want ${c3.oid}`, null, 'done'), { 'content-encoding': 'br' }), /content-encoding/);
    await expectErrPkt(await post(repo, 'git-upload-pack', 'not gzip at all', { 'content-encoding': 'gzip' }), /./);
    await expectErrPkt(await post(repo, 'git-upload-pack', body(`want ${c3.oid}`, 'deepen-not nope', null, 'done')), /deepen-not/);
    expect((await snapshot(repo)).refs).toEqual([{ name: 'refs/heads/main', oid: c3.oid }]);
  });

  // BUG (src/protocol/pktline.ts errPkt, line ~39): errPkt() does not bound the message, and
  // some ProtocolError messages quote client input in full (upload-pack.ts fetchV2
  // `unknown ref ${ref}`, resolveDeepenNot `deepen-not: unknown ref ${n}`, git-http.ts
  // `unsupported object-format ${...}`). A long enough argument makes pkt() throw a plain Error
  // inside gitError(), which escapes uploadPack() and becomes a 500. Suggested fix: truncate in
  // errPkt (e.g. message.slice(0, 1000)), and slice those messages like the others do.
  it('a huge unknown want-ref gets an ERR pkt-line, not a 500', async () => {
    const repo = await createRepo('bad-longref');
    const res = await post(repo, 'git-upload-pack', body('command=fetch', 'DELIM', `want-ref refs/heads/${'x'.repeat(65_506 - 11)}`, 'done', null), V2);
    expect(res.status).toBeLessThan(500);
    await expectErrPkt(res, /unknown ref/);
  });

  it('receive-pack: bad framing or commands → 400; a bad pack → unpack error and ng; nothing changes', async () => {
    const repo = await createRepo('bad-receive');
    await reportOf(await post(repo, 'git-receive-pack', pushBody([[ZERO, c1.oid, 'refs/heads/main']], 'report-status', buildPack(h.all))));
    const before = await snapshot(repo);
    for (const payload of [
      enc('garbage!'),
      enc('00'),
      body('not a command'),
      body(`${ZERO} ${'x'.repeat(40)} refs/heads/main\0report-status`, null),
      enc('ffff' + 'x'.repeat(100)),
      new Uint8Array(0),
    ]) {
      const res = await post(repo, 'git-receive-pack', payload);
      expect(res.status, new TextDecoder().decode(payload)).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      await res.arrayBuffer();
    }
    const truncated = fullPack.subarray(0, fullPack.length - 30);
    const flipped = fullPack.slice();
    flipped[200] ^= 0xff;
    for (const [label, pack] of [
      ['truncated', truncated],
      ['flipped', flipped],
      ['not a pack', enc('this is not a pack file at all')],
      ['missing', new Uint8Array(0)],
    ] as const) {
      const res = await post(repo, 'git-receive-pack', pushBody([[c1.oid, c3.oid, 'refs/heads/main']], 'report-status side-band-64k', pack));
      const { report } = await reportOf(res);
      expect(report[0], label).toMatch(/^unpack (?!ok)/);
      expect(report[1], label).toBe('ng refs/heads/main unpacker error');
    }
    expect(await snapshot(repo)).toEqual(before);
  });
});

describe('receive-pack request encodings and options', () => {
  const gzip = async (bytes: Uint8Array) =>
    new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer());

  it('accepts a gzip-compressed push with push-options, a shallow line and quiet side-band', async () => {
    const repo = await createRepo('push-gzip');
    const payload = concat([
      body(`shallow ${c1.oid}`, `${ZERO} ${c3.oid} refs/heads/main\0report-status side-band-64k quiet push-options`, null, 'ci.skip', 'topic=x', null),
      fullPack,
    ]);
    const { report, progress } = await reportOf(await post(repo, 'git-receive-pack', await gzip(payload), { 'content-encoding': 'gzip' }));
    expect(report).toEqual(['unpack ok', 'ok refs/heads/main', '<flush>']);
    expect(progress).toBe('');
    expect((await snapshot(repo)).refs).toEqual([{ name: 'refs/heads/main', oid: c3.oid }]);
  });

  // Errors from the body stream itself (here: a corrupt gzip body, decoded by the
  // DecompressionStream of receivePackHttp) are the client's: PktStream turns them into a
  // ProtocolError ("could not read the stream"), answered with a 4xx, as readBody() does.
  it('a corrupt gzip push body is a 4xx, not a 500', async () => {
    const repo = await createRepo('push-badgzip');
    const res = await post(repo, 'git-receive-pack', enc('this is not gzip data, not at all'), { 'content-encoding': 'gzip' });
    await res.arrayBuffer();
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });
});

describe('authentication', () => {
  it('no token → 401 with a Basic challenge; wrong or foreign Bearer tokens → 403 (git shows its text), Basic → 401', async () => {
    const repo = await createRepo('auth-a');
    const other = await createRepo('auth-b');
    for (const service of ['git-upload-pack', 'git-receive-pack']) {
      const none = await infoRefs(repo, service, {});
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Basic realm="arbor"');
      const foreign = await infoRefs(repo, service, bearer(other.token));
      expect(foreign.status).toBe(403);
      expect(foreign.headers.get('www-authenticate')).toBeNull();
      expect(await foreign.text()).toBe(`invalid token: not a token of repository ${NS}/${repo.name} (a token of another repository, or revoked)\n`);
      expect((await infoRefs(repo, service, bearer('arb_v1_' + '0'.repeat(40)))).status).toBe(403);
      expect((await infoRefs(repo, service, { authorization: 'Bearer nonsense' })).status).toBe(403);
      expect((await infoRefs(repo, service, { authorization: 'Digest abc' })).status).toBe(401);
    }
    const post401 = await worker.fetch(repo.url('git-upload-pack'), { method: 'POST', body: body('command=ls-refs', null), headers: V2 });
    expect(post401.status).toBe(401);
    expect(post401.headers.get('www-authenticate')).toBe('Basic realm="arbor"');
  });

  it('an expired token is refused: 403 for a Bearer header (git shows why), 401 for Basic', async () => {
    const repo = await createRepo('auth-expired');
    const expired = await runInDurableObject(repo.stub, (_i, state) => new TokenStore(state.storage.sql, `${NS}/${repo.name}`).issue('write', -5).token);
    const res = await infoRefs(repo, 'git-upload-pack', bearer(expired));
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/^token expired at /);
    const basicRes = await infoRefs(repo, 'git-upload-pack', basic('x', expired));
    expect(basicRes.status).toBe(401);
    expect(basicRes.headers.get('www-authenticate')).toBe('Basic realm="arbor"');
    expect(await basicRes.text()).toMatch(/^token expired at /);
  });

  it('a read token can fetch but not push (403)', async () => {
    const repo = await createRepo('auth-read');
    const read = await readToken(repo);
    expect((await infoRefs(repo, 'git-upload-pack', bearer(read))).status).toBe(200);
    const rp = await infoRefs(repo, 'git-receive-pack', bearer(read));
    expect(rp.status).toBe(403);
    await rp.arrayBuffer();
    const push = await worker.fetch(repo.url('git-receive-pack'), {
      method: 'POST',
      headers: bearer(read),
      body: pushBody([[ZERO, c1.oid, 'refs/heads/main']], 'report-status', buildPack(h.all)),
    });
    expect(push.status).toBe(403);
    await push.arrayBuffer();
    expect((await snapshot(repo)).refs).toEqual([]);
    const ls = await worker.fetch(repo.url('git-upload-pack'), { method: 'POST', headers: { ...bearer(read), ...V2 }, body: body('command=ls-refs', null) });
    expect(ls.status).toBe(200);
    await ls.arrayBuffer();
  });

  it('Basic auth with the token as password, with or without ?expires=, any username', async () => {
    const repo = await createRepo('auth-basic');
    const bare = repo.token.replace(/\?expires=\d+$/, '');
    expect(bare).not.toBe(repo.token);
    for (const headers of [
      basic('git', repo.token),
      basic('x-access-token', bare),
      basic('', bare),
      bearer(bare),
      { authorization: ADMIN },
    ]) {
      const res = await infoRefs(repo, 'git-receive-pack', headers);
      expect(res.status, JSON.stringify(headers)).toBe(200);
      await res.arrayBuffer();
    }
    expect((await infoRefs(repo, 'git-upload-pack', basic('git', 'wrong'))).status).toBe(401);
    expect((await infoRefs(repo, 'git-upload-pack', basic(repo.token, ''))).status).toBe(401); // token as username only
  });
});
