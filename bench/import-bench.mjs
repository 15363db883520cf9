// Import benchmark: the bench's small generated repository (~20k objects) served by native
// `git http-backend` on 127.0.0.1, imported into Arbor (POST /v1/repos/:ns/:name/import, under
// local workerd via wrangler) against `git clone --bare` of the same URL. Prints both times
// (median of BENCH_RUNS, default 3) and the ratio. Run: npx node bench/import-bench.mjs
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateRepo } from './gen-repo.mjs';
import { benchFetch, ROOT, startArbor } from './lib.mjs';
import { startHttpBackend } from './http-backend.mjs';

const SMALL = { commits: 800, files: 1500, perCommit: 6, binBytes: 5000 }; // as bench/run.mjs "small"
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'arbor-import-bench-'));
const gitEnv = { ...process.env, HOME: tmp, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function git(args, cwd = tmp) {
  const r = spawnSync('git', args, { cwd, env: gitEnv, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.toString();
}

/** git without blocking the event loop: the http-backend server lives in this process. */
function gitAsync(args, cwd = tmp) {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, env: gitEnv, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`git ${args.join(' ')} failed: ${err}`))));
  });
}


const root = path.join(tmp, 'repos');
const src = generateRepo(path.join(root, 'bench', 'small.git'), SMALL);
const objects = git(['count-objects', '-v'], src).match(/in-pack: (\d+)/)[1];
const native = await startHttpBackend(root);
const url = `${native.origin}/git/bench/small.git`;
const arbor = await startArbor({ persist: path.join(tmp, 'state') });
try {
  const clone = [];
  const imp = [];
  // Round 0 is a warm-up, untimed and printed apart (as index-bench and commit-bench do): the
  // first import into a freshly started worker also compiles the bundle and the indexer's hot
  // paths (920 and 775 ms for the first two imports of one run, 450-529 ms after), and the first
  // clone reads the generated repository from a cold page cache.
  let warm = null;
  for (let run = -1; run < RUNS; run++) {
    const dir = path.join(tmp, `clone-${run}`);
    let t = performance.now();
    await gitAsync(['clone', '-q', '--bare', url, dir]);
    const cloneMs = performance.now() - t;

    const name = `imp-${run}-${Date.now().toString(36)}`;
    t = performance.now();
    const res = await benchFetch(`${arbor.origin}/v1/repos/bench/${name}/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${arbor.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url }),
    });
    const body = await res.json();
    const importMs = performance.now() - t;
    if (res.status !== 201) throw new Error(`import failed: ${res.status} ${JSON.stringify(body)}`);
    if (run < 0) {
      warm = { cloneMs, importMs };
      continue;
    }
    clone.push(cloneMs);
    imp.push(importMs);
    if (run === 0) console.log(`imported ${body.imported.objects} objects, ${body.imported.refs} refs, ${(body.sizeBytes / 1e6).toFixed(1)} MB (protocol v${body.imported.protocol})`);
  }
  const c = median(clone);
  const i = median(imp);
  console.log(`repository: ${objects} objects`);
  console.log(`git clone --bare (native http-backend): ${c.toFixed(0)} ms  [runs: ${clone.map((x) => x.toFixed(0)).join(', ')}]`);
  console.log(`Arbor import:                            ${i.toFixed(0)} ms  [runs: ${imp.map((x) => x.toFixed(0)).join(', ')}]`);
  console.log(`warm-up round (not timed): git clone --bare ${warm.cloneMs.toFixed(0)} ms, Arbor import ${warm.importMs.toFixed(0)} ms (a fresh worker's first import)`);
  console.log(`ratio import/clone: ${(i / c).toFixed(2)} (issue 22 target ≤ 1.2: ${i <= 1.2 * c ? 'MET' : 'not met'})`);
} finally {
  await arbor.stop();
  await native.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
}
