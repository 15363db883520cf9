// Commit API latency: starts the worker under local workerd (wrangler's unstable_startWorker, as
// test/e2e/harness.ts does), then times POST /v1/repos/:ns/:name/commits end to end:
//   - 1,000 new files in one commit (a fresh repository each run),
//   - 1 file into a repository that already has those 1,000 files,
//   - 1 file into a repository of 100,000 files pushed with git (BENCH_BIG=0 skips it).
// Prints the median (and min/max) of BENCH_RUNS runs (default 7).
//   node bench/commit-bench.mjs
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchFetch, ROOT, startArbor } from './lib.mjs';

const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 7));
const BIG = process.env.BENCH_BIG !== '0';
const BIG_FILES = Number(process.env.BENCH_BIG_FILES ?? 100_000);
const NS = 'bench';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'arbor-commit-bench-'));


const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => `${ms.toFixed(1)} ms`;

async function main() {
  const arbor = await startArbor({ persist: path.join(tmp, 'state') });
  const call = async (method, p, body) => {
    const res = await benchFetch(arbor.origin + p, {
      method,
      headers: { authorization: `Bearer ${arbor.admin}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text);
  };
  let n = 0;
  const newRepo = async () => call('POST', `/v1/repos/${NS}/r${Date.now().toString(36)}-${++n}`);
  const author = { name: 'Bench', email: 'bench@arbor.test' };
  const commit = async (repo, changes) => {
    const t = process.hrtime.bigint();
    const r = await call('POST', `/v1/repos/${repo.namespace}/${repo.name}/commits`, { branch: 'main', message: 'bench', author, changes });
    return { ms: Number(process.hrtime.bigint() - t) / 1e6, commit: r.commit };
  };
  const thousand = (tag) =>
    Array.from({ length: 1000 }, (_, i) => ({
      action: 'create',
      path: `src/m${i % 20}/d${i % 7}/file-${tag}-${i}.ts`,
      content: `// ${tag} ${i}\nexport const value${i} = ${i};\n`.repeat(4),
    }));
  const results = [];
  const report = (label, times) => {
    const row = { label, median: median(times), min: Math.min(...times), max: Math.max(...times), runs: times.length };
    results.push(row);
    console.log(`${label.padEnd(44)} median ${fmt(row.median).padStart(10)}   min ${fmt(row.min).padStart(10)}   max ${fmt(row.max).padStart(10)}   (${row.runs} runs)`);
  };
  try {
    // Warm-up: first request compiles the worker and wakes a Durable Object.
    const warm = await newRepo();
    await commit(warm, [{ action: 'create', path: 'warm.txt', content: 'warm\n' }]);

    const t1000 = [];
    let filled;
    for (let r = 0; r < RUNS; r++) {
      const repo = await newRepo();
      t1000.push((await commit(repo, thousand(`r${r}`))).ms);
      filled = repo;
    }
    report('1,000-file commit (new repo)', t1000);

    const t1 = [];
    for (let r = 0; r < RUNS; r++) t1.push((await commit(filled, [{ action: 'create', path: `src/m3/d4/one-${r}.ts`, content: `one ${r}\n` }])).ms);
    report('1-file commit (repo with 1,000 files)', t1);

    const tEdit = [];
    for (let r = 0; r < RUNS; r++) {
      tEdit.push((await commit(filled, [{ action: 'edit', path: 'src/m3/d4/one-0.ts', edits: [{ startLine: 1, endLine: 1, newText: `edit ${r}` }] }])).ms);
    }
    report('1-file edit (repo with 1,000 files)', tEdit);

    if (BIG) {
      const big = await newRepo();
      const dir = path.join(tmp, 'big');
      const env = { ...process.env, HOME: tmp, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' };
      spawnSync('git', ['init', '-q', '-b', 'main', dir], { env });
      const parts = ['commit refs/heads/main\ncommitter Bench <b@x> 1700000000 +0000\ndata 4\nbig\n'];
      for (let i = 0; i < BIG_FILES; i++) {
        const c = `file ${i}\n`;
        parts.push(`M 100644 inline d${i % 100}/e${Math.floor(i / 100) % 10}/f${i}.txt\ndata ${c.length}\n${c}`);
      }
      parts.push('\n');
      const t0 = Date.now();
      const fi = spawnSync('git', ['fast-import', '--quiet'], { cwd: dir, env, input: parts.join('') });
      if (fi.status !== 0) throw new Error(`fast-import: ${fi.stderr}`);
      const push = spawnSync('git', ['-c', `http.extraHeader=Authorization: Bearer ${big.token}`, 'push', '-q', big.remote, 'main'], { cwd: dir, env });
      if (push.status !== 0) throw new Error(`push: ${push.stderr}`);
      console.log(`(pushed ${BIG_FILES.toLocaleString()} files in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      const tBig = [];
      for (let r = 0; r < RUNS; r++) tBig.push((await commit(big, [{ action: 'create', path: `d42/e7/new-${r}.txt`, content: `new ${r}\n` }])).ms);
      report(`1-file commit (repo with ${BIG_FILES.toLocaleString()} files)`, tBig);
    }
    fs.mkdirSync(path.join(ROOT, 'bench', 'out'), { recursive: true });
    fs.writeFileSync(path.join(ROOT, 'bench', 'out', 'commit-bench.json'), JSON.stringify({ when: new Date().toISOString(), runs: RUNS, results }, null, 2));
  } finally {
    await arbor.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
