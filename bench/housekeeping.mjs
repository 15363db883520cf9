// Housekeeping bench (issue 19), under local workerd (not part of `npm run bench` or the tests):
//   1. The agent workload: N API commits (default 1,000), each updating a ~2 KB JSON state file
//      and adding a small file under log/, with automatic housekeeping off. Commit latency at
//      the start, at 100 and at N; stored bytes and full-clone wire bytes before and after
//      POST .../maintenance {"tasks":["repack","gc"],"prune":"now"}, against native
//      `git repack -adf` of the same history (a mirror clone), with times and the isolate's
//      peak heap during the run.
//   2. The same workload with automatic housekeeping on: latency and packs as history grows.
//   3. A 1-file commit into a directory of BENCH_BIGDIR (10,000) entries.
//   4. BENCH_REPO=small|large: the bench repository (gen-repo.mjs) pushed undeltified
//      (`git repack -adf --window=0` first), then gc: bytes and time against `git repack -adf`;
//      BENCH_PRUNE=1: then every branch deleted and a gc that prunes everything (its steps).
//   node bench/housekeeping.mjs            (BENCH_COMMITS=300 BENCH_AUTO=0 BENCH_BIGDIR=0 for a short run;
//                                           BENCH_MANUAL=0 runs only the automatic part)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { apiCaller, median, SIZES, startArbor } from './lib.mjs';
import { generateRepo } from './gen-repo.mjs';

const N = Number(process.env.BENCH_COMMITS ?? 1000);
const AUTO = process.env.BENCH_AUTO !== '0';
const BIGDIR = Number(process.env.BENCH_BIGDIR ?? 10_000);
const REPO = process.env.BENCH_REPO ?? '';
const INSPECTOR_PORT = Number(process.env.BENCH_INSPECTOR_PORT ?? 9239);
// BENCH_HEAP=0: no inspector heap sampler (it polls the isolate every 50 ms, which lengthens the
// steps it lands in: step times are then the object's own).
const HEAP = process.env.BENCH_HEAP !== '0';
// BENCH_PRUNE=1 (with BENCH_REPO): afterwards every branch is deleted and a gc prunes it all.
const PRUNE = process.env.BENCH_PRUNE === '1';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'arbor-hk-bench-'));
const gitEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', HOME: tmp };

const fmtB = (n) => (n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(2)} MiB` : `${(n / 1024).toFixed(1)} KiB`);
const fmtMs = (ms) => (Number.isFinite(ms) ? `${ms.toFixed(1)} ms` : 'n/a');

function git(args, cwd, extra = {}) {
  const r = spawnSync('git', args, { cwd, env: { ...gitEnv, ...extra }, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.toString();
}

function packBytes(dir) {
  const p = fs.existsSync(path.join(dir, 'objects', 'pack')) ? path.join(dir, 'objects', 'pack') : path.join(dir, '.git', 'objects', 'pack');
  return fs.readdirSync(p).filter((f) => f.endsWith('.pack')).reduce((a, f) => a + fs.statSync(path.join(p, f)).size, 0);
}

async function main() {
  const arbor = await startArbor({ persist: path.join(tmp, 'state'), ...(HEAP ? { inspectorPort: INSPECTOR_PORT } : {}) });
  const call = apiCaller(arbor);
  let k = 0;
  const newRepo = async (auto) => {
    const name = `hk${Date.now().toString(36)}${++k}`;
    const info = await call('POST', `/v1/repos/bench/${name}`);
    if (!auto) await call('PATCH', `/v1/repos/bench/${name}/maintenance`, { auto: false });
    return { ...info, path: `/v1/repos/bench/${name}` };
  };
  const author = { name: 'Agent', email: 'agent@arbor.test' };
  const commit = async (repo, changes) => {
    const t = process.hrtime.bigint();
    await call('POST', `${repo.path}/commits`, { branch: 'main', message: 'agent step', author, changes });
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  const state = (i) => {
    const s = { agent: 'bench', step: i, updatedAt: new Date(1_700_000_000_000 + i * 60_000).toISOString(), status: i % 7 === 0 ? 'waiting' : 'working', items: [] };
    for (let j = 0; j < 24; j++) s.items.push({ id: j, label: `task ${j}`, done: (i + j) % 5 === 0, score: ((i * 31 + j * 17) % 1000) / 10 });
    return JSON.stringify(s, null, 2);
  };
  /** `packs`: filled with the pack count every 100 commits (automatic housekeeping's bound). */
  const workload = async (repo, n, packs = null) => {
    const times = [];
    for (let i = 0; i < n; i++) {
      times.push(await commit(repo, [
        { action: i ? 'update' : 'create', path: 'state.json', content: state(i) },
        { action: 'create', path: `log/${String(i).padStart(5, '0')}.json`, content: `{"step":${i},"event":"tick"}\n` },
      ]));
      if (packs && (i + 1) % 100 === 0) packs.push((await call('GET', `${repo.path}/maintenance`)).current.packs);
    }
    return times;
  };
  const waitIdle = async (repo) => {
    for (;;) {
      const st = await call('GET', `${repo.path}/maintenance`);
      if (st.state === 'idle' && st.nextDue === null) return st;
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const mirror = (repo, label) => {
    const dir = path.join(tmp, label);
    git(['clone', '-q', '--mirror', repo.remote, dir], tmp, { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: Bearer ${repo.token}` });
    return dir;
  };
  const rows = [];
  const row = (what, value, note = '') => {
    rows.push({ what, value, note });
    console.log(`${what.padEnd(58)} ${String(value).padStart(14)}  ${note}`);
  };
  const load = () => os.loadavg().map((x) => x.toFixed(1)).join(' ');
  console.log(`# housekeeping bench: ${N} commits, load average ${load()} (${os.cpus().length} cores)`);
  try {
    const windowMedian = (t, from, to) => {
      const w = t.slice(Math.max(0, from), Math.min(t.length, to));
      return w.length ? median(w) : NaN;
    };
    // 1. the agent workload, housekeeping off, then gc on request (BENCH_MANUAL=0 skips it)
    if (process.env.BENCH_MANUAL !== '0') {
    const a = await newRepo(false);
    const t = await workload(a, N);
    const before = (await call('GET', `${a.path}/maintenance`)).current;
    row('commit latency, commits 1-10 (median)', fmtMs(windowMedian(t, 0, 10)));
    row('commit latency, commits 91-100 (median)', fmtMs(windowMedian(t, 90, 100)));
    row(`commit latency, commits ${N - 9}-${N} (median)`, fmtMs(windowMedian(t, N - 10, N)));
    row(`median of commits 1-100 vs ${N - 99}-${N}`, `${fmtMs(windowMedian(t, 0, 100))} / ${fmtMs(windowMedian(t, N - 100, N))}`, `ratio ${(windowMedian(t, N - 100, N) / windowMedian(t, 0, 100)).toFixed(2)}x (target <= 1.3x)`);
    row('stored before housekeeping', fmtB(before.bytes), `${before.packs} packs, ${before.objects} objects`);
    const m1 = mirror(a, 'before.git');
    const wireBefore = packBytes(m1);
    row('full-clone pack before', fmtB(wireBefore));
    arbor.heap && (await arbor.heap.gc(), arbor.heap.start());
    const t0 = Date.now();
    await call('POST', `${a.path}/maintenance`, { tasks: ['repack', 'gc'], prune: 'now' });
    const st = await waitIdle(a);
    const wall = Date.now() - t0;
    const heapPeak = arbor.heap ? await arbor.heap.stop() : NaN;
    const run = st.lastRun;
    const runMs = Date.parse(run.finishedAt) - Date.parse(run.startedAt);
    const m2 = mirror(a, 'after.git');
    const wireAfter = packBytes(m2);
    const native = path.join(tmp, 'native.git');
    git(['clone', '-q', '--mirror', m1, native], tmp);
    const n0 = process.hrtime.bigint();
    git(['repack', '-adfq'], native);
    const nativeMs = Number(process.hrtime.bigint() - n0) / 1e6;
    const nativeBytes = packBytes(native);
    row('stored after repack+gc', fmtB(run.after.bytes), `${(run.after.bytes / nativeBytes).toFixed(2)}x native; ${run.newDeltas} new deltas, ${run.reusedDeltas} reused`);
    row('full-clone pack after', fmtB(wireAfter), `${(wireAfter / nativeBytes).toFixed(2)}x native (target <= 1.3x)`);
    row('native git repack -adf', fmtB(nativeBytes), `in ${fmtMs(nativeMs)}`);
    row('repack+gc time (run, request to idle)', `${runMs} ms`, `${wall} ms wall; ${(runMs / nativeMs).toFixed(1)}x native`);
    row('isolate heap peak during the run', Number.isFinite(heapPeak) ? fmtB(heapPeak) : 'n/a', arbor.heap ? `heap+buffers ${fmtB(arbor.heap.peakWithBuffers())}` : 'no inspector');
    row('longest step (the object not answering)', `${run.longestStepMs} ms`, `in ${run.longestStepIn}`);
    git(['fsck', '--strict', '--no-dangling'], m2);
    }

    // 2. the same workload with automatic housekeeping
    if (AUTO) {
      const b = await newRepo(true);
      const packs = [];
      const tb = await workload(b, N, packs);
      const sb = await waitIdle(b);
      row('auto: most packs seen (every 100 commits)', `${Math.max(...packs, 0)} packs`, `counts: ${packs.join(' ')}`);
      row(`auto: median of commits 1-100 vs ${N - 99}-${N}`, `${fmtMs(windowMedian(tb, 0, 100))} / ${fmtMs(windowMedian(tb, N - 100, N))}`, `ratio ${(windowMedian(tb, N - 100, N) / windowMedian(tb, 0, 100)).toFixed(2)}x`);
      row('auto: packs and bytes after the workload', `${sb.current.packs} packs`, `${fmtB(sb.current.bytes)}; ${sb.history.length} runs in history`);
      const longest = sb.history.reduce((a, r) => (r.longestStepMs > a.longestStepMs ? r : a), { longestStepMs: 0, longestStepIn: '' });
      row('auto: longest step of the last runs', `${longest.longestStepMs} ms`, `in ${longest.longestStepIn}; ${sb.history.length} runs`);
    }

    // 3. a 1-file commit into a directory of BIGDIR entries
    if (BIGDIR > 0) {
      const c = await newRepo(false);
      for (let i = 0; i < BIGDIR; i += 1000) {
        await commit(c, Array.from({ length: Math.min(1000, BIGDIR - i) }, (_, j) => ({ action: 'create', path: `big/entry-${String(i + j).padStart(6, '0')}.txt`, content: `entry ${i + j}\n` })));
      }
      const one = [];
      for (let r = 0; r < 21; r++) one.push(await commit(c, [{ action: 'create', path: `big/new-${r}.txt`, content: `new ${r}\n` }]));
      row(`1-file commit into a ${BIGDIR}-entry directory (median of 21)`, fmtMs(median(one)), `min ${fmtMs(Math.min(...one))} (target <= 30 ms)`);
    }

    // 4. the bench repository pushed undeltified
    if (SIZES[REPO]) {
      const src = path.join(tmp, `${REPO}.git`);
      generateRepo(src, SIZES[REPO]);
      git(['repack', '-adq', '--window=0'], src);
      const undeltified = packBytes(src);
      const r = await newRepo(false);
      git(['push', '-q', r.remote, 'refs/heads/*:refs/heads/*'], src, { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: Bearer ${r.token}` });
      arbor.heap && (await arbor.heap.gc(), arbor.heap.start());
      await call('POST', `${r.path}/maintenance`, { tasks: ['repack', 'gc'], prune: 'now' });
      const s = await waitIdle(r);
      const peak = arbor.heap ? await arbor.heap.stop() : NaN;
      const ms = Date.parse(s.lastRun.finishedAt) - Date.parse(s.lastRun.startedAt);
      const nat = path.join(tmp, `${REPO}-native.git`);
      git(['clone', '-q', '--mirror', src, nat], tmp);
      const n1 = process.hrtime.bigint();
      git(['repack', '-adfq'], nat);
      const natMs = Number(process.hrtime.bigint() - n1) / 1e6;
      row(`${REPO} repo pushed undeltified: stored before`, fmtB(s.lastRun.before.bytes), `(pushed pack ${fmtB(undeltified)})`);
      row(`${REPO} repo after gc`, fmtB(s.lastRun.after.bytes), `${(s.lastRun.after.bytes / packBytes(nat)).toFixed(2)}x native ${fmtB(packBytes(nat))}`);
      row(`${REPO} repo gc time`, `${ms} ms`, `native repack -adf ${fmtMs(natMs)} (${(ms / natMs).toFixed(1)}x); ${s.lastRun.parts ?? 1} part(s)`);
      row(`${REPO} repo isolate heap peak`, Number.isFinite(peak) ? fmtB(peak) : 'n/a', arbor.heap ? `heap+buffers ${fmtB(arbor.heap.peakWithBuffers())}` : '');
      row(`${REPO} repo longest step`, `${s.lastRun.longestStepMs} ms`, `in ${s.lastRun.longestStepIn}${HEAP ? ' (heap sampler attached)' : ''}`);
      console.log(`housekeeping steps by kind (count, longest ms, total ms, the longest's parts): ${JSON.stringify(s.steps ?? {})}`);
      if (PRUNE) {
        // every branch deleted, then a gc that prunes everything: the prune's own steps (finish
        // lists the packs as dying, cleanup deletes the rows and frees the files in pieces)
        const auth = { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: Bearer ${r.token}` };
        const heads = git(['ls-remote', '--heads', r.remote], src, auth).trim().split('\n').map((l) => l.split('\t')[1]).filter(Boolean);
        git(['push', '-q', r.remote, ...heads.map((h) => `:${h}`)], src, auth);
        await call('POST', `${r.path}/maintenance`, { tasks: ['gc'], prune: 'now' });
        const p = await waitIdle(r);
        const kinds = p.steps ?? {};
        const pick = (k) => (kinds[k] ? `${kinds[k].n} steps, longest ${kinds[k].maxMs} ms` : 'none');
        row(`${REPO} repo, every branch deleted: gc prunes`, `${p.lastRun.objectsPruned} objects`, `${Date.parse(p.lastRun.finishedAt) - Date.parse(p.lastRun.startedAt)} ms; after: ${fmtB(p.lastRun.after.bytes)}, ${p.lastRun.after.objects} objects`);
        row(`${REPO} repo prune: longest step`, `${p.lastRun.longestStepMs} ms`, `in ${p.lastRun.longestStepIn}; finish: ${pick('finish')}; cleanup: ${pick('cleanup')}`);
        console.log(`prune steps by kind: ${JSON.stringify(kinds)}`);
      }
    }
    console.log(`\nload average at the end: ${load()}`);
    console.log('\n| measure | value | note |\n|---|---|---|');
    for (const r of rows) console.log(`| ${r.what} | ${r.value} | ${r.note} |`);
  } finally {
    await arbor.stop();
    if (!process.env.BENCH_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
