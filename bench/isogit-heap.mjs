// Isolate heap of isomorphic-git running inside a repository's Durable Object, through the git
// directory view (src/storage/git-view): git.log over a 10,000-commit repository, and git.walk
// over the large bench repository (SIZES.large: 4,000 commits, 9,000 files, ~80 MB), once
// reading only tree entries and once reading every blob. The V8 heap of the workerd isolate is
// sampled through the inspector every 50 ms (bench/heap.mjs), after a forced GC before each run
// ("withBuffers" adds ArrayBuffer backing stores: object bytes live there). Each
// repository's first command also fills the object store's caches (16 MiB of objects, 8 MiB of
// pack windows), which stay. Not part of `npm run bench` (it takes minutes):
//
//   node bench/isogit-heap.mjs            (BENCH_ISOGIT_HEAP_SIZES=log10k,large to pick)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateRepo } from './gen-repo.mjs';
import { SIZES, startArbor } from './lib.mjs';

const INSPECTOR_PORT = Number(process.env.BENCH_INSPECTOR_PORT ?? 9333);
const PICK = (process.env.BENCH_ISOGIT_HEAP_SIZES ?? 'log10k,large').split(',');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'arbor-isogit-heap-'));
const MiB = (b) => (b / 2 ** 20).toFixed(1);
const log = (s) => process.stderr.write(s + '\n');

const { origin, admin, heap, stop } = await startArbor({ persist: path.join(tmp, 'state'), inspectorPort: INSPECTOR_PORT });
if (!heap) throw new Error('the inspector is needed to sample the heap');
const auth = { authorization: `Bearer ${admin}` };

/** fetch, again once on a network error (a keep-alive connection idle through a long generation may be gone). */
async function retrying(url, init) {
  try {
    return await fetch(url, init);
  } catch {
    return fetch(url, init);
  }
}

async function pushRepo(label, opts) {
  const dir = path.join(tmp, label);
  log(`generating ${label} ${JSON.stringify(opts)} ...`);
  generateRepo(dir, opts);
  const res = await retrying(`${origin}/v1/repos/bench/${label}`, { method: 'POST', headers: auth });
  if (res.status !== 201) throw new Error(`create ${label}: ${res.status} ${await res.text()}`);
  const created = await res.json();
  log(`pushing ${label} ...`);
  const t = Date.now();
  execFileSync('git', ['-c', `http.extraHeader=Authorization: Bearer ${created.token}`, 'push', '-q', created.remote, 'main'], { cwd: dir, env: { ...process.env, HOME: tmp, GIT_TERMINAL_PROMPT: '0' } });
  const objects = execFileSync('git', ['count-objects', '-v'], { cwd: dir }).toString();
  log(`  pushed in ${((Date.now() - t) / 1000).toFixed(1)} s (${/in-pack: (\d+)/.exec(objects)?.[1]} objects)`);
  return `bench/${label}`;
}

async function measure(key, op) {
  await heap.gc(); // start from a collected heap (the sample it answers is not reported: not every runtime waits for the GC)
  heap.start();
  const t = Date.now();
  const res = await retrying(`${origin}/v1/admin/bench/isogit?key=${encodeURIComponent(key)}&op=${op}`, { headers: auth });
  const body = await res.json();
  const ms = Date.now() - t;
  const peak = await heap.stop();
  const row = { key, op, ...body, seconds: +(ms / 1000).toFixed(1), heapPeakMiB: +MiB(peak), withBuffersPeakMiB: +MiB(heap.peakWithBuffers()) };
  log(JSON.stringify(row));
  return row;
}

const rows = [];
try {
  if (PICK.includes('log10k')) {
    const key = await pushRepo('log10k', { commits: 10_000, files: 200, perCommit: 1 });
    rows.push(await measure(key, 'log'));
    rows.push(await measure(key, 'log'));
  }
  if (PICK.includes('large')) {
    const key = await pushRepo('large', SIZES.large);
    rows.push(await measure(key, 'log'));
    rows.push(await measure(key, 'walk'));
    rows.push(await measure(key, 'walk-content'));
    rows.push(await measure(key, 'walk-content-seq'));
    rows.push(await measure(key, 'walk'));
  }
} finally {
  await stop();
  fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(JSON.stringify(rows, null, 2));
