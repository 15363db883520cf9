// Fork cost: starts the worker under local workerd (wrangler's unstable_startWorker), pushes the
// generated benchmark repositories (bench/gen-repo.mjs, as bench/run.mjs does), then times
// POST /v1/repos/:ns/:name/fork end to end for an empty repository and for each pushed one, and
// reports the object store's size before and after (a fork shares its origin's objects).
//   node bench/fork-bench.mjs            BENCH_SIZES=small,large (default), BENCH_RUNS=15
// Then (issue 18: every fork its own Durable Object, packs shared through R2), on the last size:
//   BENCH_FORKS=1000  forks: median and p99 fork time, each DO's database size (origin before and
//                     after, per fork), clone of the last fork vs clone of the origin (time, bytes);
//   BENCH_AGENTS=1000 agents, 8 at a time: fork, clone, 3 commit-API commits, push, fetch; every
//                     DO's busy time (wall time inside its handlers, to the last byte of git answers,
//                     GET /v1/repos/:ns/:name/stats) gives the busiest DO's share of the total and the
//                     projected makespan with one thread per DO (the busiest DO's time: each DO runs
//                     alone on its thread, the rest in parallel) vs one thread for the whole network
//                     (the sum: what one fork-network DO would have had to serve serially).
//   BENCH_CONCURRENCY=8
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateRepo } from './gen-repo.mjs';
import { apiCaller, ROOT, startArbor } from './lib.mjs';

const SIZES = {
  small: { commits: 800, files: 1500, perCommit: 6, binBytes: 5000 },
  large: { commits: 4000, files: 9000, perCommit: 10, binBytes: 13000 },
};
const sizes = (process.env.BENCH_SIZES ?? 'small,large').split(',').filter((s) => SIZES[s]);
const RUNS = Math.max(3, Number(process.env.BENCH_FORK_RUNS ?? 15));
const NS = 'forkbench';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'arbor-fork-bench-'));


const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p99 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))];
const FORKS = Number(process.env.BENCH_FORKS ?? 1000);
const AGENTS = Number(process.env.BENCH_AGENTS ?? 1000);
const WIDTH = Number(process.env.BENCH_CONCURRENCY ?? 8);

/** Runs fn over 0..n-1, `width` at a time. */
async function pool(n, width, fn) {
  const out = new Array(n);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, n) }, async () => {
    for (let i = next++; i < n; i = next++) out[i] = await fn(i);
  }));
  return out;
}

function git(args, opts = {}) {
  const r = spawnSync('git', args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIT_TERMINAL_PROMPT: '0' }, ...opts });
  if (r.status !== 0) throw new Error(`git ${args.slice(0, 4).join(' ')}: ${r.stderr}`);
  return r.stdout.toString();
}
const auth = (token) => ['-c', `http.extraHeader=Authorization: Bearer ${token}`];

/** `git clone --mirror`: wall ms and the bytes of the pack received. */
function timedClone(remote, token, dir) {
  const t0 = performance.now();
  git([...auth(token), 'clone', '-q', '--mirror', remote, dir]);
  const ms = performance.now() - t0;
  const packDir = path.join(dir, 'objects/pack');
  const bytes = fs.readdirSync(packDir).filter((f) => f.endsWith('.pack')).reduce((s, f) => s + fs.statSync(path.join(packDir, f)).size, 0);
  return { ms, bytes };
}

async function scale(arbor, api, repo) {
  const stats = (name) => api('GET', `/v1/repos/${NS}/${name}/stats`);
  const originBefore = await stats(repo);
  const times = [];
  const t0 = performance.now();
  const names = await pool(FORKS, WIDTH, async (i) => {
    const t0 = performance.now();
    const f = await api('POST', `/v1/repos/${NS}/${repo}/fork`, { name: `${repo}-s${i}`, namespace: `${NS}-scale` });
    times.push(performance.now() - t0);
    return f;
  });
  const wall = performance.now() - t0;
  const originAfter = await stats(repo);
  const sample = names.filter((_, i) => i % Math.max(1, Math.floor(FORKS / 20)) === 0);
  const perFork = [];
  for (const f of sample) perFork.push((await api('GET', `/v1/repos/${f.namespace}/${f.name}/stats`)).databaseBytes);
  const last = names[FORKS - 1];
  const originInfo = await api('GET', `/v1/repos/${NS}/${repo}`);
  const clones = { origin: [], fork: [] };
  for (let r = 0; r < 3; r++) {
    clones.origin.push(timedClone(`${arbor.origin}/git/${NS}/${repo}.git`, arbor.admin, path.join(tmp, `co-${r}`)));
    clones.fork.push(timedClone(last.remote.replace(/^https?:\/\/[^/]+/, arbor.origin), last.token, path.join(tmp, `cf-${r}`)));
  }
  console.log(`\n## ${FORKS} forks of ${repo} (${originInfo.objects} objects), each its own DO, ${WIDTH} at a time`);
  console.log(`fork ms: median ${median(times).toFixed(1)}, p99 ${p99(times).toFixed(1)} (all ${FORKS}: ${(wall / 1000).toFixed(1)} s wall)`);
  const empty = (await api('GET', `/v1/repos/${NS}/empty/stats`)).databaseBytes; // an empty repository's DO: the schema's pages
  console.log(`origin DO database: ${fmtB(originBefore.databaseBytes)} before, ${fmtB(originAfter.databaseBytes)} after; fork DO database: median ${fmtB(median(perFork))} (of ${perFork.length}; an empty repository's: ${fmtB(empty)})`);
  const om = median(clones.origin.map((c) => c.ms));
  const fm = median(clones.fork.map((c) => c.ms));
  console.log(`clone --mirror: origin ${om.toFixed(0)} ms, ${clones.origin[0].bytes} B; fork #${FORKS - 1} ${fm.toFixed(0)} ms, ${clones.fork[0].bytes} B; ratio ${(fm / om).toFixed(2)}x`);
  return { forks: FORKS, forkMedianMs: median(times), forkP99Ms: p99(times), originDbBefore: originBefore.databaseBytes, originDbAfter: originAfter.databaseBytes, forkDbMedian: median(perFork), cloneOriginMs: om, cloneForkMs: fm, cloneOriginBytes: clones.origin[0].bytes, cloneForkBytes: clones.fork[0].bytes, emptyDb: empty };
}

async function agents(arbor, api, repo) {
  const ns = `${NS}-agents`;
  const originBefore = (await api('GET', `/v1/repos/${NS}/${repo}/stats`)).busyMs; // its own push and the forks above
  const t0 = performance.now();
  const made = await pool(AGENTS, WIDTH, async (i) => {
    const f = await api('POST', `/v1/repos/${NS}/${repo}/fork`, { name: `agent-${i}`, namespace: ns });
    const dir = path.join(tmp, `agent-${i}`);
    const remote = `${arbor.origin}/git/${ns}/agent-${i}.git`;
    git([...auth(f.token), 'clone', '-q', remote, dir]);
    for (let k = 0; k < 3; k++) {
      await api('POST', `/v1/repos/${ns}/agent-${i}/commits`, {
        branch: 'main', message: `agent ${i} commit ${k}`, author: { name: 'Agent', email: 'agent@example.com' },
        changes: [{ action: 'create', path: `agent/${i}-${k}.txt`, content: `${i} ${k}\n` }],
      });
    }
    git([...auth(f.token), 'pull', '-q', '--no-rebase', 'origin', 'main'], { cwd: dir });
    fs.writeFileSync(path.join(dir, `local-${i}.txt`), `${i}\n`);
    git(['add', '-A'], { cwd: dir });
    git(['-c', 'user.name=A', '-c', 'user.email=a@example.com', 'commit', '-qm', 'local'], { cwd: dir });
    git([...auth(f.token), 'push', '-q', 'origin', 'main'], { cwd: dir });
    git([...auth(f.token), 'fetch', '-q', 'origin'], { cwd: dir });
    fs.rmSync(dir, { recursive: true, force: true });
    return `agent-${i}`;
  });
  const wall = performance.now() - t0;
  const busy = [(await api('GET', `/v1/repos/${NS}/${repo}/stats`)).busyMs - originBefore];
  for (const name of made) busy.push((await api('GET', `/v1/repos/${ns}/${name}/stats`)).busyMs);
  const total = busy.reduce((a, b) => a + b, 0);
  const max = Math.max(...busy);
  console.log(`\n## ${AGENTS} agents: fork, clone, 3 API commits, push, fetch (${WIDTH} at a time; wall ${(wall / 1000).toFixed(1)} s)`);
  console.log(`busy time over ${busy.length} DOs: total ${(total / 1000).toFixed(1)} s; busiest DO ${(max / 1000).toFixed(2)} s = ${((100 * max) / total).toFixed(2)}% (the origin: ${((100 * busy[0]) / total).toFixed(2)}%)`);
  console.log(`projected makespan: one thread per DO ${(max / 1000).toFixed(2)} s vs one thread for the network ${(total / 1000).toFixed(1)} s`);
  return { agents: AGENTS, wallMs: wall, busyTotalMs: total, busiestMs: max, busiestShare: max / total, originShare: busy[0] / total };
}
const fmtB = (n) => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(2)} MiB` : `${(n / 1024).toFixed(1)} KiB`);

async function main() {
  const arbor = await startArbor({ persist: path.join(tmp, 'state') });
  const api = apiCaller(arbor);
  let n = 0;
  const forkTimes = async (src) => {
    const ms = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      await api('POST', `/v1/repos/${NS}/${src}/fork`, { name: `${src}-f${n++}` });
      ms.push(performance.now() - t0);
    }
    return ms;
  };
  const rows = [];
  const extra = {};
  try {
    await api('POST', `/v1/repos/${NS}/empty`);
    await forkTimes('empty'); // warm-up: first DO instantiations, registry
    // Reference: creating an empty repository (a new DO + the registry, like a fork).
    const c = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      await api('POST', `/v1/repos/${NS}/created-${i}`);
      c.push(performance.now() - t0);
    }
    rows.push({ repo: '(create empty, reference)', objects: 0, ms: c, before: 0, after: 0 });
    const e = await forkTimes('empty');
    const emptyInfo = await api('GET', `/v1/repos/${NS}/empty`);
    rows.push({ repo: 'empty', objects: 0, ms: e, before: emptyInfo.sizeBytes, after: emptyInfo.sizeBytes });
    for (const size of sizes) {
      const src = path.join(tmp, `src-${size}.git`);
      process.stderr.write(`generating ${size} repository...\n`);
      generateRepo(src, SIZES[size]);
      const created = await api('POST', `/v1/repos/${NS}/${size}`);
      const remote = `${arbor.origin}/git/${NS}/${size}.git`;
      const push = spawnSync('git', ['-c', `http.extraHeader=Authorization: Bearer ${created.token}`, 'push', '-q', remote, 'refs/heads/*:refs/heads/*'], {
        cwd: src, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
      });
      if (push.status !== 0) throw new Error(`push of ${size} failed`);
      const before = await api('GET', `/v1/repos/${NS}/${size}`);
      const ms = await forkTimes(size);
      const after = await api('GET', `/v1/repos/${NS}/${size}`);
      const fork = await api('GET', `/v1/repos/${NS}/${size}-f${n - 1}`);
      if (fork.objects !== before.objects) throw new Error('fork does not see the origin objects');
      rows.push({ repo: size, objects: before.objects, ms, before: before.sizeBytes, after: after.sizeBytes });
    }
    const last = sizes[sizes.length - 1];
    if (last && FORKS > 0) extra.scale = await scale(arbor, api, last);
    if (last && AGENTS > 0) extra.agents = await agents(arbor, api, last);
  } finally {
    await arbor.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`\n## fork: POST /v1/repos/:ns/:name/fork end to end (median of ${RUNS}, local workerd)`);
  console.log('| origin | objects | fork median ms | min | max | object store before | after forks |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.repo} | ${r.objects} | ${median(r.ms).toFixed(1)} | ${Math.min(...r.ms).toFixed(1)} | ${Math.max(...r.ms).toFixed(1)} | ${fmtB(r.before)} | ${fmtB(r.after)} |`);
  }
  fs.mkdirSync(path.join(ROOT, 'bench/out'), { recursive: true });
  fs.writeFileSync(path.join(ROOT, 'bench/out/fork.json'), JSON.stringify({ date: new Date().toISOString(), runs: RUNS, rows, ...extra }, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
