// Concurrency and interruption: 20 pushes of different commits to one branch at once (plus
// commit-API writes and clones racing them), three rounds: exactly one compare-and-swap winner
// per round lands, every loser gets a clean rejection, nothing else changes (object count), and
// every racing clone fscks clean. Then pushes and clones whose client dies mid-stream: no ref
// moves, no object appears, the repo fscks clean and takes a normal push afterwards.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as http from 'node:http';
import * as path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  api, cloneRepo, commitFiles, createRepo, fsckStrict, git, gitEnv, gitOut, initRepo, lsRemote, parseReportStatus,
  pkt, FLUSH, randomData, rawService, refMap, revParse, tmpDir, useArbor, type RepoInfo,
} from './harness';

useArbor();

const PUSHERS = 20;
const ROUNDS = 3;

let repo: RepoInfo;
let local: string; // the git CLI's working repo (its main follows the server's)
let apiPath: string;

async function info(): Promise<{ objects: number; sizeBytes: number }> {
  const r = await api('GET', apiPath);
  expect(r.status, r.text).toBe(200);
  return { objects: Number(r.json.objects), sizeBytes: Number(r.json.sizeBytes) };
}

async function serverMain(): Promise<string> {
  return refMap(await lsRemote(repo.remote, { token: repo.token }))['refs/heads/main'];
}

/** A commit on top of `parent` adding one file (3 new objects: blob, tree, commit). */
let indexCounter = 0;
async function commitOn(parent: string, file: string, content: string): Promise<string> {
  const env = { GIT_INDEX_FILE: path.join(local, '.git', `conc-index-${++indexCounter}`) }; // one index per call: these run in parallel
  const blob = (await git(['hash-object', '-w', '--stdin'], { cwd: local, input: content })).stdout.trim();
  await git(['read-tree', parent], { cwd: local, env });
  await git(['update-index', '--add', '--cacheinfo', `100644,${blob},${file}`], { cwd: local, env });
  const tree = (await git(['write-tree'], { cwd: local, env })).stdout.trim();
  return (await git(['commit-tree', tree, '-p', parent, '-m', `${file}\n`], { cwd: local })).stdout.trim();
}

async function packFor(tip: string, base: string): Promise<Buffer> {
  return (await git(['pack-objects', '--revs', '--stdout', '-q', '--delta-base-offset'], { cwd: local, input: `${tip}\n^${base}\n` })).stdoutBuf;
}

beforeAll(async () => {
  repo = await createRepo('concurrency');
  apiPath = `/v1/repos/${repo.namespace}/${repo.name}`;
  local = await initRepo('conc-local');
  await commitFiles(local, { 'README.md': '# concurrency\n', 'src/a.txt': 'a\n' }, 'base');
  await git(['push', '-q', repo.remote, 'main'], { cwd: local, token: repo.token });
});

describe('racing writers', () => {
  for (let round = 1; round <= ROUNDS; round++) {
    test(`round ${round}: ${PUSHERS} pushes + 3 commit-API writes on one old value, 3 clones racing them`, async () => {
      const base = await serverMain();
      const before = await info();
      const tips = await Promise.all(Array.from({ length: PUSHERS }, (_, i) => commitOn(base, `round${round}-push-${i}.txt`, `round ${round} push ${i}\n`)));
      const packs = await Promise.all(tips.map((t) => packFor(t, base)));
      const bodies = tips.map((t, i) => Buffer.concat([
        pkt(`${base} ${t} refs/heads/main\0report-status${i % 2 ? ' side-band-64k' : ''} ofs-delta\n`), FLUSH, packs[i],
      ]));
      const commitBodies = [0, 1, 2].map((i) => ({
        branch: 'main', message: `round ${round} api ${i}\n`, author: { name: 'API', email: 'api@arbor.test' }, expectedHead: base,
        changes: [{ action: 'create', path: `round${round}-api-${i}.txt`, content: `round ${round} api ${i}\n` }],
      }));
      const clones = Array.from({ length: 3 }, (_, i) => cloneRepo(repo.remote, { token: repo.token, label: `race-clone-${round}-${i}`, args: ['-q'] }));
      // Fire everything at once.
      const [pushRes, apiRes, cloneRes] = await Promise.all([
        Promise.all(bodies.map((b) => rawService(repo.remote, 'git-receive-pack', b, { token: repo.token }))),
        Promise.all(commitBodies.map((b) => api('POST', `${apiPath}/commits`, { body: b }))),
        Promise.all(clones),
      ]);

      const winners: string[] = [];
      pushRes.forEach((r, i) => {
        expect(r.status, `push ${i}: HTTP ${r.status} ${r.text.slice(0, 300)}`).toBe(200);
        const rs = parseReportStatus(r.body);
        expect(rs.unpack, `push ${i}: ${r.text.slice(0, 300)}`).toBe('ok');
        if (rs.ok.includes('refs/heads/main')) winners.push(tips[i]);
        else expect(rs.ng['refs/heads/main'], `push ${i}: neither ok nor ng: ${r.text.slice(0, 300)}`).toBeTruthy();
      });
      apiRes.forEach((r, i) => {
        if (r.status === 200 || r.status === 201) winners.push(r.json.commit);
        else expect(r.status, `commit API ${i}: ${r.status} ${r.text.slice(0, 300)}`).toBe(409);
      });
      expect(winners, 'exactly one CAS winner among 20 pushes and 3 commit-API writes').toHaveLength(1);
      const after = await serverMain();
      expect(after, 'main is the winner').toBe(winners[0]);
      // Nothing else changed: only main moved, only the winner's three objects were added.
      const refs = refMap(await lsRemote(repo.remote, { token: repo.token }));
      expect(Object.keys(refs).sort()).toEqual(['HEAD', 'refs/heads/main']);
      expect((await info()).objects, 'object count: only the winner\'s blob, tree and commit were added').toBe(before.objects + 3);
      // The racing clones are complete and consistent: main is the old or the new value.
      for (const { dir } of cloneRes) {
        await fsckStrict(dir);
        expect([base, winners[0]]).toContain(await revParse(dir, 'HEAD'));
      }
      const reasons = new Set(pushRes.map((r) => parseReportStatus(r.body).ng['refs/heads/main']).filter(Boolean));
      const apiCodes = new Set(apiRes.filter((r) => r.status !== 200 && r.status !== 201).map((r) => `${r.status} ${r.json?.error?.code ?? ''}`));
      console.log(`[concurrency] round ${round}: winner ${winners[0].slice(0, 12)} (${tips.includes(winners[0]) ? `push ${tips.indexOf(winners[0])}` : 'commit API'}), ` +
        `${PUSHERS + 3 - 1} clean rejections (push: ${[...reasons].map((x) => JSON.stringify(x)).join(', ')}; commit API: ${[...apiCodes].join(', ')})`);
    });
  }

  test('20 git CLI pushes at once (no force): one lands, 19 are refused, clones fsck', async () => {
    const base = await serverMain();
    const before = await info();
    const dirs: string[] = [];
    for (let i = 0; i < PUSHERS; i++) {
      const d = path.join(await tmpDir(`cli-pusher-${i}`), 'wt');
      dirs.push(d);
    }
    // Each pusher: its own clone-free repo sharing objects with `local` (alternates), one commit on base.
    const tips = await Promise.all(dirs.map(async (d, i) => {
      await git(['init', '-q', '-b', 'main', d]);
      await fs.writeFile(path.join(d, '.git', 'objects', 'info', 'alternates'), path.join(local, '.git', 'objects') + '\n');
      const tip = await commitOn(base, `cli-push-${i}.txt`, `cli push ${i}\n`);
      await git(['update-ref', 'refs/heads/main', tip], { cwd: d });
      return tip;
    }));
    const [results] = await Promise.all([
      Promise.all(dirs.map((d) => git(['push', '--porcelain', repo.remote, 'main:main'], { cwd: d, token: repo.token, allowFail: true }))),
      ...[0, 1].map((i) => cloneRepo(repo.remote, { token: repo.token, label: `cli-race-clone-${i}`, args: ['-q'] }).then(({ dir }) => fsckStrict(dir))),
    ]);
    const won = results.map((r, i) => (r.code === 0 ? tips[i] : null)).filter((x): x is string => x !== null);
    expect(won, results.map((r) => `${r.code}: ${r.stdout.trim()} ${r.stderr.trim()}`).join('\n')).toHaveLength(1);
    for (const r of results) {
      if (r.code !== 0) expect(r.stdout + r.stderr, 'a clean git rejection').toMatch(/\[rejected\]|\[remote rejected\]|! .*refs\/heads\/main/);
      expect(r.stderr).not.toMatch(/RPC failed|HTTP 5\d\d|fatal: the remote end hung up/);
    }
    expect(await serverMain()).toBe(won[0]);
    expect((await info()).objects).toBe(before.objects + 3);
  });
});

// ---------------------------------------------------------------------------------------------

/** POSTs `head` + `firstPart` of a push, declaring `total` bytes (or chunked), then kills the socket. */
function pushAndDie(head: Buffer, firstPart: Buffer, total: number | 'chunked', afterMs: number): Promise<string> {
  const u = new URL(`${repo.remote}/git-receive-pack`);
  return new Promise((resolve) => {
    const req = http.request({
      host: u.hostname, port: u.port, path: u.pathname, method: 'POST',
      headers: {
        authorization: `Bearer ${repo.token}`, 'content-type': 'application/x-git-receive-pack-request',
        ...(total === 'chunked' ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(total) }),
      },
    }, (res) => { resolve(`answered ${res.statusCode} before the body was complete`); req.destroy(); });
    req.on('error', () => resolve('socket destroyed'));
    req.write(head);
    req.write(firstPart);
    setTimeout(() => { req.destroy(); resolve('socket destroyed'); }, afterMs);
  });
}

/** Spawns git, kills its process group once `trigger` matches its stderr (progress). */
async function spawnAndKill(args: string[], cwd: string, trigger: RegExp, extraConfig: Record<string, string> = {}): Promise<{ killed: boolean; stderr: string }> {
  const cfg: Record<string, string> = { 'http.extraHeader': `Authorization: Bearer ${repo.token}`, ...extraConfig };
  const env: Record<string, string> = { ...(await gitEnv()), GIT_CONFIG_COUNT: String(Object.keys(cfg).length) };
  Object.entries(cfg).forEach(([k, v], i) => { env[`GIT_CONFIG_KEY_${i}`] = k; env[`GIT_CONFIG_VALUE_${i}`] = v; });
  return new Promise((resolve) => {
    const child = spawn('git', args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let killed = false;
    const timer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 60_000);
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!killed && trigger.test(stderr)) {
        killed = true;
        try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ }
      }
    });
    child.stdout.resume();
    child.on('close', () => { clearTimeout(timer); resolve({ killed, stderr }); });
  });
}

describe('clients killed mid-stream', () => {
  let bigTip: string;
  let bigPack: Buffer;
  let base: string;

  beforeAll(async () => {
    base = await serverMain();
    await git(['fetch', '-q', repo.remote, 'main'], { cwd: local, token: repo.token });
    await git(['reset', '-q', '--hard', base], { cwd: local });
    // ~24 MB of incompressible data: a multi-MB pack that takes a while to send.
    bigTip = await commitFiles(local, { 'big/a.bin': randomData(12 * 1024 * 1024), 'big/b.bin': randomData(12 * 1024 * 1024) }, 'big');
    bigPack = await packFor(bigTip, base);
  }, 120_000);

  async function expectUntouched(before: { refs: string[]; objects: number }, what: string): Promise<void> {
    expect(await lsRemote(repo.remote, { token: repo.token }), `${what}: refs`).toEqual(before.refs);
    expect((await info()).objects, `${what}: object count`).toBe(before.objects);
  }

  test('raw pushes that send half a pack then drop the connection move nothing', async () => {
    const before = { refs: await lsRemote(repo.remote, { token: repo.token }), objects: (await info()).objects };
    const sizeBefore = (await info()).sizeBytes;
    const head = Buffer.concat([pkt(`${base} ${bigTip} refs/heads/main\0report-status side-band-64k\n`), FLUSH]);
    const half = bigPack.subarray(0, bigPack.length >> 1);
    const outcomes = [
      await pushAndDie(head, half, head.length + bigPack.length, 300),
      await pushAndDie(head, half, 'chunked', 300),
      await pushAndDie(head, bigPack.subarray(0, 1000), head.length + bigPack.length, 50),
      // Everything but the 20-byte trailer.
      await pushAndDie(head, bigPack.subarray(0, bigPack.length - 20), head.length + bigPack.length, 500),
    ];
    for (const o of outcomes) expect(o).toBe('socket destroyed');
    await expectUntouched(before, 'after dropped pushes');
    const sizeAfter = (await info()).sizeBytes;
    console.log(`[concurrency] dropped raw pushes: sizeBytes ${sizeBefore} -> ${sizeAfter} (left for the cleanup: ${sizeAfter - sizeBefore} bytes)`);
  });

  test('git push killed while writing objects moves nothing', async () => {
    const before = { refs: await lsRemote(repo.remote, { token: repo.token }), objects: (await info()).objects };
    const r = await spawnAndKill(['push', '--progress', repo.remote, `${bigTip}:refs/heads/main`], local, /Writing objects:\s+([2-9]\d)%/);
    expect(r.killed, `git push was not killed mid-stream (finished first?): ${r.stderr.slice(-500)}`).toBe(true);
    await expectUntouched(before, 'after a killed git push');
  });

  test('git clone killed while receiving objects leaves the server serving', async () => {
    // Put the big objects on a side branch first, so a clone has something to stream.
    const side = await git(['push', '-q', repo.remote, `${bigTip}:refs/heads/big-side`], { cwd: local, token: repo.token });
    expect(side.code).toBe(0);
    const before = { refs: await lsRemote(repo.remote, { token: repo.token }), objects: (await info()).objects };
    const parent = await tmpDir('killed-clone');
    const r = await spawnAndKill(['clone', '--progress', repo.remote, path.join(parent, 'wt')], parent, /Receiving objects:\s+([1-9]\d)%/);
    expect(r.killed, `git clone was not killed mid-stream: ${r.stderr.slice(-500)}`).toBe(true);
    await expectUntouched(before, 'after a killed clone');
    await git(['push', '-q', repo.remote, ':refs/heads/big-side'], { cwd: local, token: repo.token });
  });

  test('afterwards: a fresh clone fscks clean and a normal push lands', async () => {
    const { dir } = await cloneRepo(repo.remote, { token: repo.token, label: 'after-kills' });
    await fsckStrict(dir);
    expect(await revParse(dir, 'HEAD')).toBe(base);
    await git(['push', '-q', repo.remote, `${bigTip}:refs/heads/main`], { cwd: local, token: repo.token });
    expect(await serverMain()).toBe(bigTip);
    const again = await cloneRepo(repo.remote, { token: repo.token, label: 'after-normal-push' });
    await fsckStrict(again.dir);
    expect(await gitOut(again.dir, ['rev-parse', 'HEAD'])).toBe(bigTip);
  });
});
