// CPU profile of one full `git push` into Arbor under local workerd, through the inspector
// (the same connection bench/heap.mjs uses). Prints the functions with the most self time and
// the inclusive time of the ingest stages; writes the raw profile to bench/out/push.cpuprofile
// (open it in Chrome DevTools). Env: PROFILE_SIZE=small|large (default large); PROFILE_HEAP=1
// samples the isolate's used heap every 50 ms instead and prints its peak; PROFILE_INCREMENTAL=N
// profiles the push of N new commits on top of the pushed repository instead of the full push;
// PROFILE_INDEX=N profiles N runs of the pack indexer (POST /v1/admin/bench/index, what
// bench/index-bench.mjs judges, the pack from memory) on the repository's pack instead of a push; PROFILE_IMPORT=N
// profiles N imports of the repository served by native `git http-backend` (bench/import-bench.mjs);
// PROFILE_CLONE=N pushes the repository (not profiled), then profiles N full clones of it.
// PROFILE_FETCH=1 with PROFILE_INCREMENTAL=N: the push of the N commits is not profiled either;
// profiles the fetch that brings them into a bare copy of the generated repository (the bench's
// "fetch incremental"); PROFILE_FETCH=1 alone profiles a fetch that brings nothing (no-op).
// Usage: npx node bench/push-profile.mjs
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateRepo } from './gen-repo.mjs';
import { connectInspector, summarizeCpuProfile, topLines } from './inspector.mjs';

// As every bench (lib.mjs): without wrangler's local trace collector unless asked.
process.env.X_LOCAL_OBSERVABILITY ??= 'false';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SIZES = {
  small: { commits: 800, files: 1500, perCommit: 6, binBytes: 5000 },
  large: { commits: 4000, files: 9000, perCommit: 10, binBytes: 13000 },
};
const size = process.env.PROFILE_SIZE ?? 'large';
const port = Number(process.env.PROFILE_INSPECTOR_PORT ?? 9431);
// PROFILE_SRC=<bare repository> profiles the push of that repository instead of a generated one.
const src = process.env.PROFILE_SRC ?? path.join(os.tmpdir(), `arbor-profile-src-${size}.git`);
if (!fs.existsSync(path.join(src, 'HEAD'))) generateRepo(src, SIZES[size]);
/** git without blocking this process's event loop (the heap sampler runs in it). */
function spawnAsync(cmd, args, opts) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'arbor-profile-'));
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= 'false';
process.env.WRANGLER_LOG ??= 'error';
const { unstable_startWorker } = await import('wrangler');
const admin = 'prof-' + randomBytes(8).toString('hex');
const worker = await unstable_startWorker({
  config: path.join(ROOT, process.env.PROFILE_INDEX || process.env.PROFILE_IMPORT ? 'bench/wrangler.toml' : 'wrangler.toml'), // bench/: Arbor plus the benchmark routes
  bindings: {
    ARBOR_ADMIN_TOKEN: { type: 'secret_text', value: admin },
    // PROFILE_IMPORT imports from a git http-backend on 127.0.0.1
    ...(process.env.PROFILE_IMPORT ? { ARBOR_ALLOW_PRIVATE_NETWORKS: { type: 'plain_text', value: '1' } } : {}),
  },
  dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: { port }, persist: path.join(tmp, 'state'), watch: false, liveReload: false },
});
await worker.ready;
const origin = (await worker.url).origin;
await fetch(origin + '/');
const inspector = await connectInspector(port);
const call = inspector.call;

try {
  const created = await fetch(`${origin}/v1/repos/prof/r`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
  const { token } = await created.json();
  // PROFILE_INCREMENTAL=N: push the whole repository first (not profiled), then profile the push
  // of N new commits made on a clone of it (the everyday push: a thin pack against stored bases).
  let pushFrom = src;
  const incremental = Number(process.env.PROFILE_INCREMENTAL ?? 0);
  if (incremental > 0) {
    const env = { ...process.env, GIT_TERMINAL_PROMPT: '0', HOME: tmp, GIT_AUTHOR_NAME: 'p', GIT_AUTHOR_EMAIL: 'p@x', GIT_COMMITTER_NAME: 'p', GIT_COMMITTER_EMAIL: 'p@x' };
    const first = await spawnAsync('git', ['-c', `http.extraHeader=Authorization: Bearer ${token}`, 'push', '-q', `${origin}/git/prof/r.git`, 'main'], { cwd: src, env });
    if (first.status !== 0) throw new Error(`push failed: ${first.stderr}`);
    pushFrom = path.join(tmp, 'work');
    const cl = await spawnAsync('git', ['clone', '-q', src, pushFrom], { cwd: tmp, env });
    if (cl.status !== 0) throw new Error(`clone failed: ${cl.stderr}`);
    for (let i = 0; i < incremental; i++) {
      const k = (i * 7) % 100; // an existing file (gen-repo.mjs's layout)
      fs.appendFileSync(path.join(pushFrom, `src/m${k % 17}/d${k % 5}/file-${k}.txt`), `profile ${i}\n`);
      const c = await spawnAsync('git', ['commit', '-qam', `profile ${i}`], { cwd: pushFrom, env });
      if (c.status !== 0) throw new Error(`commit failed: ${c.stderr}`);
    }
  }
  const cloneRuns = Number(process.env.PROFILE_CLONE ?? 0);
  if (cloneRuns > 0) {
    const env = { ...process.env, GIT_TERMINAL_PROMPT: '0', HOME: tmp };
    const first = await spawnAsync('git', ['-c', `http.extraHeader=Authorization: Bearer ${token}`, 'push', '-q', `${origin}/git/prof/r.git`, 'main'], { cwd: src, env });
    if (first.status !== 0) throw new Error(`push failed: ${first.stderr}`);
  }
  const fetchInto = process.env.PROFILE_FETCH ? path.join(tmp, 'fetcher.git') : null;
  if (fetchInto) {
    const env = { ...process.env, GIT_TERMINAL_PROMPT: '0', HOME: tmp };
    const auth = ['-c', `http.extraHeader=Authorization: Bearer ${token}`];
    if (incremental === 0) {
      const first = await spawnAsync('git', [...auth, 'push', '-q', `${origin}/git/prof/r.git`, 'main'], { cwd: src, env });
      if (first.status !== 0) throw new Error(`push failed: ${first.stderr}`);
    }
    const cl = await spawnAsync('git', ['clone', '-q', '--bare', src, fetchInto], { cwd: tmp, env });
    if (cl.status !== 0) throw new Error(`clone failed: ${cl.stderr}`);
    if (incremental > 0) {
      const r = await spawnAsync('git', [...auth, 'push', '-q', `${origin}/git/prof/r.git`, 'HEAD:main'], { cwd: pushFrom, env });
      if (r.status !== 0) throw new Error(`push failed: ${r.stderr}`);
    }
  }
  const heapMode = !!process.env.PROFILE_HEAP;
  let heapPeak = 0;
  let sampler = null;
  if (heapMode) {
    // (no HeapProfiler.collectGarbage first: workerd may never answer it)
    sampler = setInterval(() => void call('Runtime.getHeapUsage').then((r) => { heapPeak = Math.max(heapPeak, r?.usedSize ?? 0); }), 50);
  } else {
    await call('Profiler.enable');
    await call('Profiler.setSamplingInterval', { interval: 200 });
    await call('Profiler.start');
  }
  const t0 = Date.now();
  const indexRuns = Number(process.env.PROFILE_INDEX ?? 0);
  const importRuns = Number(process.env.PROFILE_IMPORT ?? 0);
  if (importRuns > 0) {
    const { startHttpBackend } = await import('./http-backend.mjs');
    const native = await startHttpBackend(path.dirname(src));
    try {
      for (let i = 0; i < importRuns; i++) {
        const t = Date.now();
        const res = await fetch(`${origin}/v1/repos/prof/imp-${i}/import`, {
          method: 'POST',
          headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
          body: JSON.stringify({ url: `${native.origin}/git/${path.basename(src)}` }),
        });
        const body = await res.text();
        if (res.status !== 201) throw new Error(`import: ${res.status} ${body}`);
        console.log(`import run ${i + 1}: ${Date.now() - t} ms`);
      }
    } finally {
      await native.stop();
    }
  } else if (cloneRuns > 0) {
    for (let i = 0; i < cloneRuns; i++) {
      const t = Date.now();
      const dir = path.join(tmp, `clone-${i}`);
      const r = await spawnAsync('git', ['-c', `http.extraHeader=Authorization: Bearer ${token}`, 'clone', '-q', '--bare', `${origin}/git/prof/r.git`, dir], {
        cwd: tmp, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', HOME: tmp },
      });
      if (r.status !== 0) throw new Error(`clone failed: ${r.stderr}`);
      console.log(`clone run ${i + 1}: ${Date.now() - t} ms`);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  } else if (fetchInto) {
    const r = await spawnAsync('git', ['-c', `http.extraHeader=Authorization: Bearer ${token}`, 'fetch', '-q', `${origin}/git/prof/r.git`, 'main:main'], {
      cwd: fetchInto, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', HOME: tmp },
    });
    if (r.status !== 0) throw new Error(`fetch failed: ${r.stderr}`);
  } else if (indexRuns > 0) {
    const dir = path.join(src, 'objects/pack');
    const pack = fs.readFileSync(path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith('.pack'))));
    for (let i = 0; i < indexRuns; i++) {
      const res = await fetch(`${origin}/v1/admin/bench/index?from=memory`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, accept: 'application/octet-stream', 'content-type': 'application/x-git-pack' },
        body: pack,
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`bench/index: ${res.status}`);
      console.log(`index run ${i + 1}: ${res.headers.get('x-arbor-bench')}`);
    }
  } else {
    const r = await spawnAsync('git', ['-c', `http.extraHeader=Authorization: Bearer ${token}`, 'push', '-q', `${origin}/git/prof/r.git`, 'main'], {
      cwd: pushFrom, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', HOME: tmp },
    });
    if (r.status !== 0) throw new Error(`push failed: ${r.stderr}`);
  }
  const ms = Date.now() - t0;
  if (heapMode) {
    clearInterval(sampler);
    console.log(`push ${ms} ms wall; isolate heap peak ${(heapPeak / 2 ** 20).toFixed(1)} MiB`);
  } else {
    report(await call('Profiler.stop'), ms);
  }
} finally {
  inspector.close();
  await worker.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
}

function report({ profile }, ms) {
  fs.mkdirSync(path.join(ROOT, 'bench/out'), { recursive: true });
  fs.writeFileSync(path.join(ROOT, 'bench/out/push.cpuprofile'), JSON.stringify(profile));
  const { self, inclusive, total, idle } = summarizeCpuProfile(profile);
  console.log(`push ${ms} ms wall; profiled ${(total / 1000).toFixed(0)} ms, busy ${((total - idle) / 1000).toFixed(0)} ms`);
  const ms0 = (us) => (us / 1000).toFixed(0).padStart(7) + ' ms';
  const n = Number(process.env.PROFILE_TOP ?? 40);
  console.log('\n# self time\n' + topLines(self, n, ms0));
  console.log('\n# inclusive time\n' + topLines(inclusive, n, ms0));
}
