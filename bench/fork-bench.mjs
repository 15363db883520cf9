// Fork cost: starts the worker under local workerd (wrangler's unstable_startWorker), pushes the
// generated benchmark repositories (bench/gen-repo.mjs, as bench/run.mjs does), then times
// POST /v1/repos/:ns/:name/fork end to end for an empty repository and for each pushed one, and
// reports the object store's size before and after (a fork shares its origin's objects).
//   node bench/fork-bench.mjs            BENCH_SIZES=small,large (default), BENCH_RUNS=15
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateRepo } from './gen-repo.mjs';
import { benchFetch, ROOT, startArbor } from './lib.mjs';

const SIZES = {
  small: { commits: 800, files: 1500, perCommit: 6, binBytes: 5000 },
  large: { commits: 4000, files: 9000, perCommit: 10, binBytes: 13000 },
};
const sizes = (process.env.BENCH_SIZES ?? 'small,large').split(',').filter((s) => SIZES[s]);
const RUNS = Math.max(3, Number(process.env.BENCH_FORK_RUNS ?? 15));
const NS = 'forkbench';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'arbor-fork-bench-'));


const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmtB = (n) => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(2)} MiB` : `${(n / 1024).toFixed(1)} KiB`);

async function main() {
  const arbor = await startArbor({ persist: path.join(tmp, 'state') });
  const api = async (method, p, body) => {
    const res = await benchFetch(arbor.origin + p, {
      method,
      headers: { authorization: `Bearer ${arbor.admin}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
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
  fs.writeFileSync(path.join(ROOT, 'bench/out/fork.json'), JSON.stringify({ date: new Date().toISOString(), runs: RUNS, rows }, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
