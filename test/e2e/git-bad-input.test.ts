// Malformed and hostile smart-HTTP requests sent with fetch()/node:http: every one must get a
// 4xx or a git-shaped refusal (ERR pkt-line, side-band 3, unpack error / ng), never a 5xx, and
// must leave the repository's refs exactly as they were.
import { createHash, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as zlib from 'node:zlib';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  cloneRepo, commitFiles, createRepo, DELIM, emptyPack, FLUSH, fsckStrict, git, initRepo, isGitShapedRejection,
  lsRemote, parseReportStatus, pkt, rawInfoRefs, rawService, receivePackBody, refMap, useArbor, ZERO_OID,
  type RawResponse, type RepoInfo,
} from './harness';

useArbor();

/** Declared body sizes beyond the server's limits (README: pushes ≤ 2 GiB, negotiation ≤ 32 MiB). */
const OVERSIZE_DECLARED = 3 * 1024 ** 3;
const UPLOAD_OVERSIZE_DECLARED = 64 * 1024 ** 2;

let repo: RepoInfo;
let refsBefore: string[];
let head: string;

// One repo for the whole file: every test checks that its requests left it untouched.
beforeAll(async () => {
  repo = await createRepo('badinput');
  const src = await initRepo('badinput');
  await commitFiles(src, { 'a.txt': 'a\n', 'dir/b.txt': 'b\n' }, 'one');
  head = await commitFiles(src, { 'a.txt': 'a2\n' }, 'two');
  await git(['tag', '-a', 'v1', '-m', 'v1'], { cwd: src });
  await git(['push', repo.remote, 'main', 'v1'], { cwd: src, token: repo.token });
  refsBefore = await lsRemote(repo.remote, { token: repo.token });
});

async function expectRefsUnchanged(): Promise<void> {
  expect(await lsRemote(repo.remote, { token: repo.token })).toEqual(refsBefore);
}

function describeRes(r: RawResponse): string {
  return `HTTP ${r.status} ${r.headers.get('content-type') ?? ''}: ${JSON.stringify(r.text.slice(0, 300))}`;
}

function expectRefused(r: RawResponse, what: string): void {
  expect(r.status, `${what} -> ${describeRes(r)}`).toBeLessThan(500);
  expect(isGitShapedRejection(r), `${what} -> not refused: ${describeRes(r)}`).toBe(true);
}

interface OversizeResult { status: number; body: string; sent: number; error?: string }

/**
 * POSTs with a declared Content-Length of `declared` (over the server's limit) and
 * `Expect: 100-continue`, sends `prefix` plus at most `filler` (well under the limit) and then
 * waits for the answer. A server that checks the declared length answers at once; one that only
 * counts bytes as they stream never reaches its limit here, and the test says so. (Refusing
 * mid-stream is no substitute: closing on an unread body resets the connection, and the client
 * often never sees the answer.)
 */
function sendOversize(service: string, declared: number, prefix: Buffer, filler: Buffer): Promise<OversizeResult> {
  const u = new URL(`${repo.remote}/${service}`);
  return new Promise<OversizeResult>((resolve) => {
    let sent = 0;
    let done = false;
    const finish = (v: { status: number; body: string; error?: string }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ ...v, sent });
      req.destroy();
    };
    const timer = setTimeout(() => finish({
      status: 0, body: '', error: `no answer within 10 s of a request declaring ${declared} bytes (${sent} sent)`,
    }), 10_000);
    const req = http.request({
      host: u.hostname, port: u.port, path: u.pathname, method: 'POST',
      headers: {
        'content-type': `application/x-${service}-request`,
        'content-length': String(declared),
        authorization: `Bearer ${repo.token}`,
        expect: '100-continue',
      },
    }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d.toString('latin1'); });
      res.on('end', () => finish({ status: res.statusCode ?? 0, body }));
      res.on('error', () => finish({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (e) => { setTimeout(() => finish({ status: 0, body: '', error: String(e) }), 1_000); });
    let started = false;
    const start = () => {
      if (started || done) return;
      started = true;
      req.write(Buffer.concat([prefix, filler]));
      sent += prefix.length + filler.length;
    };
    // Send the start of the body on "100 Continue", or after 1 s without an answer (as curl does).
    req.on('continue', start);
    setTimeout(start, 1_000);
    req.flushHeaders();
  });
}

function expectOversizeRefused(result: OversizeResult): void {
  const shown = JSON.stringify({ ...result, body: result.body.slice(0, 300) });
  expect(result.status, `oversize: ${shown}`).toBeGreaterThanOrEqual(200);
  expect(result.status, `oversize: ${shown}`).toBeLessThan(500);
  const rejected = result.status >= 400 || isGitShapedRejection({
    status: result.status, headers: new Headers(), body: Buffer.from(result.body, 'latin1'), text: result.body,
  });
  expect(rejected, `oversize accepted? ${shown}`).toBe(true);
}

const upload = (body: Buffer | string, protocol?: 2) => rawService(repo.remote, 'git-upload-pack', body, { token: repo.token, protocol });
const receive = (body: Buffer | string) => rawService(repo.remote, 'git-receive-pack', body, { token: repo.token });

const v2 = (command: string, args: string[]) => Buffer.concat([
  pkt(`command=${command}\n`), pkt('object-format=sha1\n'), DELIM, ...args.map((a) => pkt(`${a}\n`)), FLUSH,
]);
const v0want = (line: string) => Buffer.concat([pkt(`${line}\n`), FLUSH, pkt('done\n')]);

describe('upload-pack', () => {
  test('garbage bodies (v0 and v2)', async () => {
    for (const protocol of [undefined, 2] as const) {
      for (const body of ['hello, world\n', randomBytes(2048), '\0\0\0\0', 'GET / HTTP/1.1\r\n\r\n']) {
        expectRefused(await upload(body, protocol), `v${protocol ?? 0} garbage ${JSON.stringify(String(body).slice(0, 20))}`);
      }
    }
    await expectRefsUnchanged();
  });

  test('bad pkt-line lengths', async () => {
    const bodies: [string, string | Buffer][] = [
      ['non-hex length', 'zzzzwant ' + head + '\n0000'],
      ['length 3', '0003'],
      ['length beyond the body', `00ffwant ${head}\n`],
      ['truncated length', '00'],
      ['response-end in a v0 request', '0002'],
      ['length 0004 then junk', '0004xxxx'],
    ];
    for (const [label, body] of bodies) {
      expectRefused(await upload(body), `v0 ${label}`);
      expectRefused(await upload(body, 2), `v2 ${label}`);
    }
    await expectRefsUnchanged();
  });

  test('want of an oid the repo does not have', async () => {
    const missing = createHash('sha1').update('no such object').digest('hex');
    expectRefused(await upload(v0want(`want ${missing} multi_ack_detailed side-band-64k ofs-delta`)), 'v0 want missing');
    expectRefused(await upload(v2('fetch', [`want ${missing}`, 'done']), 2), 'v2 want missing');
    // A missing want next to a valid one is still refused.
    expectRefused(await upload(v2('fetch', [`want ${head}`, `want ${missing}`, 'done']), 2), 'v2 want valid+missing');
    await expectRefsUnchanged();
  });

  test('non-hex and malformed wants', async () => {
    for (const line of [`want ${'z'.repeat(40)}`, 'want abc', `want ${head.toUpperCase().replace(/[0-9]/g, 'G')}`, 'want', `wants ${head}`]) {
      expectRefused(await upload(v0want(line)), `v0 "${line}"`);
      expectRefused(await upload(v2('fetch', [line, 'done']), 2), `v2 "${line}"`);
    }
    expectRefused(await upload(v2('fetch', [`have ${'q'.repeat(40)}`, `want ${head}`, 'done']), 2), 'v2 non-hex have');
    expectRefused(await upload(v2('fetch', [`want ${head}`, 'deepen -1', 'done']), 2), 'v2 negative deepen');
    expectRefused(await upload(v2('fetch', [`want ${head}`, 'deepen abc', 'done']), 2), 'v2 non-numeric deepen');
    await expectRefsUnchanged();
  });

  test('unknown v2 commands and arguments', async () => {
    expectRefused(await upload(v2('frobnicate', []), 2), 'unknown command');
    expectRefused(await upload(v2('fetch', [`want ${head}`, 'frobnicate-arg', 'done']), 2), 'unknown fetch argument');
    expectRefused(await upload(v2('ls-refs', ['frobnicate-arg']), 2), 'unknown ls-refs argument');
    expectRefused(await upload(Buffer.concat([pkt('agent=x\n'), FLUSH]), 2), 'no command line');
    expectRefused(await upload(Buffer.concat([pkt('command=\n'), FLUSH]), 2), 'empty command');
    await expectRefsUnchanged();
  });

  test('the repo still serves a normal v2 ls-refs afterwards', async () => {
    const r = await upload(v2('ls-refs', ['peel', 'symrefs']), 2);
    expect(r.status).toBe(200);
    expect(r.text).toContain(`${head} refs/heads/main`);
  });
});

describe('receive-pack', () => {
  test('garbage bodies', async () => {
    for (const body of ['hello, world\n', randomBytes(4096), '\0\0\0\0', 'PACK']) {
      expectRefused(await receive(body), `garbage ${JSON.stringify(String(body).slice(0, 20))}`);
    }
    await expectRefsUnchanged();
  });

  test('bad pkt-line lengths and malformed commands', async () => {
    const bodies: [string, string | Buffer][] = [
      ['non-hex length', 'zzzz'],
      ['length 3', '0003'],
      ['length beyond the body', `00ff${ZERO_OID} ${head} refs/heads/x`],
      ['command without ref', Buffer.concat([pkt(`${ZERO_OID} ${head}\0report-status\n`), FLUSH, emptyPack()])],
      ['non-hex oids', Buffer.concat([pkt(`${'z'.repeat(40)} ${head} refs/heads/x\0report-status\n`), FLUSH, emptyPack()])],
      ['short oids', Buffer.concat([pkt(`0 ${head.slice(0, 7)} refs/heads/x\0report-status\n`), FLUSH, emptyPack()])],
      ['commands but no flush', pkt(`${ZERO_OID} ${head} refs/heads/x\0report-status\n`)],
    ];
    for (const [label, body] of bodies) expectRefused(await receive(body), label);
    await expectRefsUnchanged();
  });

  test('a ref update to an object that was never sent is refused', async () => {
    const missing = createHash('sha1').update('never pushed').digest('hex');
    const r = await receive(receivePackBody([{ old: ZERO_OID, new: missing, ref: 'refs/heads/dangling' }], ['report-status']));
    expectRefused(r, 'missing object');
    const r2 = await receive(receivePackBody([{ old: head, new: missing, ref: 'refs/heads/main' }], ['report-status']));
    expectRefused(r2, 'main to missing object');
    await expectRefsUnchanged();
  });

  test('corrupt and truncated packs are refused', async () => {
    const cmd = [{ old: ZERO_OID, new: head, ref: 'refs/heads/corrupt' }];
    const bad = emptyPack();
    bad[bad.length - 1] ^= 0xff; // wrong trailer checksum
    expectRefused(await receive(receivePackBody(cmd, ['report-status'], bad)), 'bad checksum');
    const claimsFive = Buffer.concat([Buffer.from('PACK'), Buffer.from([0, 0, 0, 2, 0, 0, 0, 5])]);
    expectRefused(await receive(receivePackBody(cmd, ['report-status'], claimsFive)), 'truncated pack');
    const badVersion = Buffer.concat([Buffer.from('PACK'), Buffer.from([0, 0, 0, 9, 0, 0, 0, 0])]);
    expectRefused(await receive(receivePackBody(cmd, ['report-status'], Buffer.concat([badVersion, createHash('sha1').update(badVersion).digest()]))), 'pack version 9');
    // A blob whose deflated content does not match its declared size.
    const blobHeader = Buffer.from([0x3a]); // type 3 (blob), size 10
    const body = zlib.deflateSync(Buffer.from('only five')); // 9 bytes, not 10
    const head12 = Buffer.concat([Buffer.from('PACK'), Buffer.from([0, 0, 0, 2, 0, 0, 0, 1])]);
    const packNoTrailer = Buffer.concat([head12, blobHeader, body]);
    const wrongSize = Buffer.concat([packNoTrailer, createHash('sha1').update(packNoTrailer).digest()]);
    expectRefused(await receive(receivePackBody(cmd, ['report-status'], wrongSize)), 'object size mismatch');
    await expectRefsUnchanged();
  });

  test('invalid ref names are refused', async () => {
    for (const ref of ['refs/heads/../evil', 'refs/heads/a..b', 'refs/heads/x.lock', 'refs/heads/with space', 'refs/heads/',
      'refs/heads/ctrl\u0001', 'refs/heads/tilde~1', 'refs/heads/colon:x', 'refs/heads/q?', 'refs/heads/star*', 'refs/heads/end.',
      'refs/heads//double', 'refs/heads/@{x}', 'main', '../../etc/passwd', 'refs/heads/back\\slash']) {
      const r = await receive(receivePackBody([{ old: ZERO_OID, new: head, ref }], ['report-status']));
      expect(r.status, `${ref}: ${describeRes(r)}`).toBeLessThan(500);
      if (r.status === 200) {
        const rs = parseReportStatus(r.body);
        expect(rs.ok, `${ref} accepted: ${describeRes(r)}`).toEqual([]);
      }
    }
    await expectRefsUnchanged();
  });
});

describe('HTTP-level oddities', () => {
  test('wrong methods, services, paths and content types: never 5xx', async () => {
    const checks: [string, () => Promise<RawResponse>, boolean][] = [
      ['unknown service', () => rawInfoRefs(repo.remote, 'git-frobnicate', { token: repo.token }), true],
      ['dumb info/refs', () => rawInfoRefs(repo.remote, null, { token: repo.token }), false],
      ['POST to an unknown service', () => rawService(repo.remote, 'git-frobnicate', FLUSH, { token: repo.token }), true],
      ['wrong content type', () => rawService(repo.remote, 'git-upload-pack', v0want(`want ${head}`), { token: repo.token, contentType: 'text/plain' }), false],
    ];
    for (const [label, req, mustBe4xx] of checks) {
      const r = await req();
      expect(r.status, `${label}: ${describeRes(r)}`).toBeLessThan(500);
      if (mustBe4xx) expect(r.status, `${label}: ${describeRes(r)}`).toBeGreaterThanOrEqual(400);
    }
    for (const [method, suffix] of [['GET', '/git-upload-pack'], ['GET', '/git-receive-pack'], ['PUT', '/info/refs?service=git-upload-pack'],
      ['DELETE', ''], ['GET', '/objects/info/packs'], ['GET', '/HEAD'], ['GET', '/../../etc/passwd']] as const) {
      const res = await fetch(repo.remote + suffix, { method, headers: { authorization: `Bearer ${repo.token}` } });
      await res.arrayBuffer();
      expect(res.status, `${method} ${suffix}`).toBeLessThan(500);
      if (method !== 'GET' || suffix.startsWith('/git-')) expect(res.status, `${method} ${suffix}`).toBeGreaterThanOrEqual(400);
    }
    await expectRefsUnchanged();
  });

  test(`oversize push (declared ${OVERSIZE_DECLARED} bytes) is refused from its Content-Length`, async () => {
    // A well-formed start: a create command, then a pack whose one blob is a stored (level 0)
    // deflate stream of zeros, so every byte sent looks legitimate.
    const prefix = Buffer.concat([
      pkt(`${ZERO_OID} ${head} refs/heads/oversize\0report-status\n`), FLUSH,
      Buffer.from('PACK'), Buffer.from([0, 0, 0, 2, 0, 0, 0, 1]),
      Buffer.from([0xb0, 0x80, 0x80, 0x80, 0x60]), // blob, size 3 GiB (varint)
      Buffer.from([0x78, 0x01]), // zlib header
    ]);
    // Stored deflate blocks of 65535 zeros (never a final block).
    const block = Buffer.concat([Buffer.from([0x00, 0xff, 0xff, 0x00, 0x00]), Buffer.alloc(65535)]);
    const result = await sendOversize('git-receive-pack', OVERSIZE_DECLARED, prefix, block);
    expectOversizeRefused(result);
    expect(refMap(await lsRemote(repo.remote, { token: repo.token }))['refs/heads/oversize']).toBeUndefined();
    await expectRefsUnchanged();
  });

  test(`oversize negotiation (declared ${UPLOAD_OVERSIZE_DECLARED} bytes) is refused from its Content-Length`, async () => {
    const prefix = Buffer.concat([pkt(`want ${head} multi_ack_detailed side-band-64k ofs-delta\n`), FLUSH]);
    const have = pkt(`have ${createHash('sha1').update('unknown have').digest('hex')}\n`);
    const filler = Buffer.concat(Array.from({ length: 1000 }, () => have));
    const result = await sendOversize('git-upload-pack', UPLOAD_OVERSIZE_DECLARED, prefix, filler);
    expectOversizeRefused(result);
    await expectRefsUnchanged();
  });

  test('after all of the above the repo clones and fscks clean', async () => {
    await expectRefsUnchanged();
    const { dir } = await cloneRepo(repo.remote, { token: repo.token });
    await fsckStrict(dir);
    expect((await git(['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim()).toBe(head);
  });
});
