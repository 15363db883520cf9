// Concurrent whole clones of forks (issue 18): pushes the large generated repository (as
// fork-bench.mjs does), makes BENCH_FORKS forks of it, then times one `git clone --mirror` of a
// fork alone and BENCH_FORKS of them at once (one per fork), and the worker processes' peak RSS.
//   BENCH_SIZES=large BENCH_FORKS=8 node bench/fork-clones.mjs
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateRepo } from './gen-repo.mjs';
import { apiCaller, rssSampler, startArbor, SIZES, workerdCpuMs } from './lib.mjs';

const size = (process.env.BENCH_SIZES ?? 'large').split(',')[0];
const FORKS = Number(process.env.BENCH_FORKS ?? 8);
const NS = 'clonebench';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'arbor-fork-clones-'));
/** CPU ms of this process's finished children (the git clients and their index-pack). */
function childCpuMs() {
  const f = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(f[13]) + Number(f[14])) * 10; // cutime, cstime in clock ticks (100 Hz)
}
const auth = (token) => ['-c', `http.extraHeader=Authorization: Bearer ${token}`];

function clone(remote, token, dir) {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const p = spawn('git', [...auth(token), 'clone', '-q', '--mirror', remote, dir], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`clone ${remote}: ${err}`))));
  });
}

const pkt = (line) => (line.length + 4).toString(16).padStart(4, '0') + line;

/** The server side alone: a protocol v2 fetch of every ref, the answer read and dropped (no index-pack). */
async function rawFetch(remote, token) {
  const refs = spawnSync('git', [...auth(token), 'ls-remote', remote], { env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } }).stdout.toString();
  const wants = [...new Set(refs.trim().split('\n').map((l) => l.split('\t')[0]))];
  const body = pkt('command=fetch\n') + '0001' + pkt('ofs-delta\n') + wants.map((w) => pkt(`want ${w}\n`)).join('') + pkt('done\n') + '0000';
  const t0 = performance.now();
  const res = await fetch(`${remote}/git-upload-pack`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'git-protocol': 'version=2', 'content-type': 'application/x-git-upload-pack-request' },
    body,
  });
  let bytes = 0;
  for await (const chunk of res.body) bytes += chunk.length;
  if (res.status !== 200 || bytes < 1000) throw new Error(`raw fetch ${remote}: ${res.status} ${bytes} B`);
  return { ms: performance.now() - t0, bytes };
}

async function main() {
  const arbor = await startArbor({ persist: path.join(tmp, 'state') });
  const api = apiCaller(arbor);
  try {
    const src = path.join(tmp, `src-${size}.git`);
    process.stderr.write(`generating ${size} repository...\n`);
    generateRepo(src, SIZES[size]);
    const created = await api('POST', `/v1/repos/${NS}/${size}`);
    const push = spawnSync('git', [...auth(created.token), 'push', '-q', `${arbor.origin}/git/${NS}/${size}.git`, 'refs/heads/*:refs/heads/*'], {
      cwd: src, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
    });
    if (push.status !== 0) throw new Error('push failed');
    const info = await api('GET', `/v1/repos/${NS}/${size}`);
    const forks = [];
    for (let i = 0; i < FORKS + 1; i++) forks.push(await api('POST', `/v1/repos/${NS}/${size}/fork`, { name: `${size}-c${i}` }));
    const remote = (f) => `${arbor.origin}/git/${f.namespace}/${f.name}.git`;
    const rss = rssSampler();
    const cpu0 = workerdCpuMs();
    const git0 = childCpuMs();
    const alone = await clone(remote(forks[FORKS]), forks[FORKS].token, path.join(tmp, 'alone'));
    const cpu1 = workerdCpuMs();
    const git1 = childCpuMs();
    const t0 = performance.now();
    const each = await Promise.all(forks.slice(0, FORKS).map((f, i) => clone(remote(f), f.token, path.join(tmp, `c${i}`))));
    const wall = performance.now() - t0;
    const cpu2 = workerdCpuMs();
    const git2 = childCpuMs();
    rss.stop();
    console.log(`${size}: ${info.objects} objects, ${(info.sizeBytes / 1048576).toFixed(1)} MiB`);
    console.log(`clone --mirror of a fork alone: ${(alone / 1000).toFixed(1)} s`);
    console.log(`${FORKS} concurrent clones of ${FORKS} forks: wall ${(wall / 1000).toFixed(1)} s; each ${each.map((ms) => (ms / 1000).toFixed(1)).join(', ')} s`);
    // The same, server side only, on forks not cloned yet (their DOs start cold, as above).
    const more = [];
    for (let i = 0; i < FORKS + 1; i++) more.push(await api('POST', `/v1/repos/${NS}/${size}/fork`, { name: `${size}-r${i}` }));
    const w0 = workerdCpuMs();
    const one = await rawFetch(remote(more[FORKS]), more[FORKS].token);
    const w1 = workerdCpuMs();
    const t1 = performance.now();
    const raws = await Promise.all(more.slice(0, FORKS).map((f) => rawFetch(remote(f), f.token)));
    const rawWall = performance.now() - t1;
    const w2 = workerdCpuMs();
    console.log(`server side only (v2 fetch of every ref, answer dropped): alone ${(one.ms / 1000).toFixed(1)} s (${(one.bytes / 1048576).toFixed(1)} MiB, workerd CPU ${((w1 - w0) / 1000).toFixed(1)} s); ${FORKS} at once: wall ${(rawWall / 1000).toFixed(1)} s, each ${raws.map((r) => (r.ms / 1000).toFixed(1)).join(', ')} s, workerd CPU ${((w2 - w1) / 1000).toFixed(1)} s`);
    console.log(`git clients' CPU: alone ${((git1 - git0) / 1000).toFixed(1)} s, concurrent ${((git2 - git1) / 1000).toFixed(1)} s`);
    console.log(`workerd CPU: alone ${((cpu1 - cpu0) / 1000).toFixed(1)} s, concurrent ${((cpu2 - cpu1) / 1000).toFixed(1)} s; peak RSS ${(rss.peak() / 1024).toFixed(0)} MiB; load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  } finally {
    await arbor.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
