// The large-repository row of `npm run bench` (issue 22): a generated repository of BIG_MIB MiB
// (default 1024) of history and mostly incompressible blobs, pushed to and cloned from Arbor under
// local workerd and native `git http-backend`, each through a proxy that times the silences.
// Prints, per operation: time against native, the isolate's heap peak (inspector), the longest
// wait the client had with no byte from the server, and workerd's CPU ms per MiB. The operations:
// a full push, a full clone, then BIG_INC_MIB (default an eighth) of new history pushed on top
// and fetched into that clone (the MiB of the incremental rows are the new objects' pack).
//
// How the figures are taken:
// - heap peak: V8's used heap of the worker's isolate, sampled every 50 ms (heap.mjs) in one more
//   Arbor round after the timed ones, whose times are not used;
// - longest silent gap: the proxy's maxGap (proxy.mjs): the longest the client waited for a byte
//   from the server, not counting its own work between requests;
// - CPU ms/MiB: utime+stime of the workerd processes below this one (/proc/<pid>/stat) across the
//   operation, over the pack's MiB. Local workerd runs the Worker and the Durable Object in one
//   process, so this is an upper bound of the DO's share (the Worker only streams bytes through).
// Env: BIG_MIB (size), BIG_BLOB_KIB (blob size, default 1024), BENCH_RUNS (default 1: each run
// moves gigabytes), BENCH_INSPECTOR_PORT.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startHttpBackend } from './http-backend.mjs';
import { apiCaller, median, startArbor, workerdCpuMs } from './lib.mjs';
import { startProxy } from './proxy.mjs';

const MIB = Number(process.env.BIG_MIB ?? 1024);
const BLOB = Number(process.env.BIG_BLOB_KIB ?? 1024) * 1024;
const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const INSPECTOR_PORT = Number(process.env.BENCH_INSPECTOR_PORT ?? 9331);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'arbor-big-'));
const gitEnv = { ...process.env, HOME: tmp, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' };

const INC_MIB = Number(process.env.BIG_INC_MIB ?? Math.max(1, Math.round(MIB / 8)));
const PER_COMMIT = 8;

/**
 * A bare repository of about `mib` MiB: per commit, new random blobs plus an edited text file.
 * `on`: a bare repository to copy and grow instead (its main gets the new commits on top).
 */
function generate(dir, mib = MIB, on = null) {
  const first = on ? Math.ceil((MIB * 1024 * 1024) / BLOB) : 0; // blob and commit numbers go on
  if (on) execFileSync('git', ['clone', '-q', '--bare', on, dir], { env: gitEnv });
  else execFileSync('git', ['init', '-q', '--bare', '-b', 'main', dir]);
  const streamFile = path.join(tmp, 'fast-import.stream');
  const fd = fs.openSync(streamFile, 'w');
  const blobs = first + Math.max(1, Math.ceil((mib * 1024 * 1024) / BLOB));
  let text = Array.from({ length: 2000 }, (_, i) => `line ${i} of a text file that changes a little each commit`);
  let t = 1_600_000_000 + Math.ceil(first / PER_COMMIT);
  for (let c = Math.ceil(first / PER_COMMIT), b = first; b < blobs; c++) {
    const msg = `commit ${c}\n`;
    fs.writeSync(fd, `commit refs/heads/main\ncommitter Bench <bench@example.com> ${t++} +0000\ndata ${msg.length}\n${msg}`);
    if (on && b === first) fs.writeSync(fd, 'from refs/heads/main^0\n');
    for (let k = 0; k < PER_COMMIT && b < blobs; k++, b++) {
      fs.writeSync(fd, `M 100644 inline blobs/d${b % 64}/blob-${b}.bin\ndata ${BLOB}\n`);
      fs.writeSync(fd, randomBytes(BLOB));
      fs.writeSync(fd, '\n');
    }
    text[c % text.length] = `line ${c % text.length} edited in commit ${c}`;
    const body = text.join('\n') + '\n';
    fs.writeSync(fd, `M 100644 inline README.txt\ndata ${Buffer.byteLength(body)}\n${body}\n`);
  }
  fs.closeSync(fd);
  const input = fs.openSync(streamFile, 'r');
  const r = spawnSync('git', ['-c', 'fastimport.unpackLimit=0', 'fast-import', '--quiet'], { cwd: dir, env: gitEnv, stdio: [input, 'inherit', 'inherit'] });
  fs.closeSync(input);
  fs.rmSync(streamFile);
  if (r.status !== 0) throw new Error('fast-import failed');
  if (!on) execFileSync('git', ['repack', '-adq'], { cwd: dir, env: gitEnv });
}

/** Bytes of the .pack files in a bare repository. */
const packBytesOf = (dir) => fs.readdirSync(path.join(dir, 'objects/pack')).filter((f) => f.endsWith('.pack'))
  .reduce((a, f) => a + fs.statSync(path.join(dir, 'objects/pack', f)).size, 0);

function gitAsync(args, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, env: gitEnv, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`git ${args.join(' ')}: ${err.slice(-2000)}`))));
  });
}

/** One timed operation. `sample`: also the isolate heap, in a round whose times are not used
 *  (the sampler's inspector calls run on the isolate's thread, between the request's own work;
 *  run.mjs measured them adding up to 40% to a small request). No GC is forced first: native
 *  never pays one, and workerd does not answer the call (the bench used to wait 2 s on it). */
async function measure(label, proxy, arbor, fn, sample = false) {
  proxy.reset();
  if (sample && arbor?.heap) arbor.heap.start();
  const cpu0 = arbor ? workerdCpuMs() : 0;
  const t0 = Date.now();
  await fn();
  const ms = Date.now() - t0;
  const heapPeak = sample && arbor?.heap ? await arbor.heap.stop() : null;
  const cpuMs = arbor ? workerdCpuMs() - cpu0 : null;
  process.stderr.write(`  ${label}: ${(ms / 1000).toFixed(1)} s, longest silence ${proxy.counts.maxGap} ms\n`);
  return { ms, gap: proxy.counts.maxGap, heapPeak, cpuMs };
}

async function main() {
  const src = path.join(tmp, 'src.git');
  process.stderr.write(`generating ${MIB} MiB in ${tmp}...\n`);
  const g0 = Date.now();
  generate(src);
  const packMiB = packBytesOf(src) / 2 ** 20;
  // The same history and INC_MIB more on top: the clone's copy holds src's pack (hard-linked) and
  // fast-import's pack of the new objects, whose size is what an incremental push or fetch moves.
  const src2 = path.join(tmp, 'src2.git');
  generate(src2, INC_MIB, src);
  const incMiB = packBytesOf(src2) / 2 ** 20 - packMiB;
  process.stderr.write(`  ${packMiB.toFixed(0)} MiB pack, ${incMiB.toFixed(0)} MiB on top, in ${((Date.now() - g0) / 1000).toFixed(0)} s\n`);

  const nativeRoot = path.join(tmp, 'native');
  fs.mkdirSync(path.join(nativeRoot, 'bench'), { recursive: true });
  const native = await startHttpBackend(nativeRoot);
  const arbor = await startArbor({ persist: path.join(tmp, 'state'), inspectorPort: INSPECTOR_PORT });
  // (it retries a request whose pooled connection workerd dropped during a long push: lib.mjs)
  const api = apiCaller(arbor);
  const results = { arbor: [], native: [] };
  let heapRound = null;
  try {
    // Native and Arbor alternate round by round (the machine's drift lands on both); the last
    // round is Arbor alone, untimed, with the heap sampled.
    for (let run = 0; run <= RUNS; run++) {
      for (const who of run < RUNS ? ['native', 'arbor'] : ['arbor']) {
        const sample = run === RUNS;
        const name = `big-${run}`;
        let cfg = [];
        let origin = native.origin;
        if (who === 'native') {
          execFileSync('git', ['init', '-q', '--bare', '-b', 'main', path.join(nativeRoot, 'bench', `${name}.git`)]);
        } else {
          origin = arbor.origin;
          cfg = ['-c', `http.extraHeader=Authorization: Bearer ${(await api('POST', `/v1/repos/bench/${name}`)).token}`];
          // Automatic housekeeping off: after a push of new random blobs it repacks them all in the
          // background (a full repack of 288 MiB took 57 s of CPU; native `git repack -adf
          // --threads=1` 30 s), and locally every Durable Object runs on one thread, so it would
          // land in the next operations' times and CPU (in a profile of the incremental fetch, 822
          // ms of its 1,490 ms of CPU were that repack's delta search). bench/housekeeping.mjs
          // measures housekeeping.
          await api('PATCH', `/v1/repos/bench/${name}/maintenance`, { auto: false });
        }
        const proxy = await startProxy(origin);
        const remote = `${proxy.origin}/git/bench/${name}.git`;
        const a = who === 'arbor' ? arbor : null;
        process.stderr.write(sample ? `${who} heap round (untimed)\n` : `${who} run ${run + 1}/${RUNS}\n`);
        const push = await measure('push', proxy, a, () => gitAsync([...cfg, 'push', '-q', remote, 'main'], src), sample);
        const dest = path.join(tmp, `${who}-${run}.git`);
        const clone = await measure('clone', proxy, a, () => gitAsync([...cfg, 'clone', '-q', '--bare', remote, dest], tmp), sample);
        const pushInc = await measure('push incremental', proxy, a, () => gitAsync([...cfg, 'push', '-q', remote, 'main'], src2), sample);
        const fetchInc = await measure('fetch incremental', proxy, a, () => gitAsync([...cfg, 'fetch', '-q', remote, 'main:main'], dest), sample);
        execFileSync('git', ['fsck', '--strict', '--no-progress'], { cwd: dest, env: gitEnv });
        const want = execFileSync('git', ['rev-parse', 'main'], { cwd: src2, env: gitEnv }).toString().trim();
        const got = execFileSync('git', ['rev-parse', 'main'], { cwd: dest, env: gitEnv }).toString().trim();
        if (got !== want) throw new Error(`${who}: the fetch left main at ${got}, not ${want}`);
        fs.rmSync(dest, { recursive: true, force: true });
        const ops = { push, clone, 'push incremental': pushInc, 'fetch incremental': fetchInc };
        if (sample) heapRound = ops;
        else results[who].push(ops);
        await proxy.stop();
      }
    }
  } finally {
    await arbor.stop();
    await native.stop();
  }
  const row = (op, mib) => {
    const m = (who, k) => median(results[who].map((r) => r[op][k]));
    const spread = (who) => results[who].map((r) => (r[op].ms / 1000).toFixed(1)).join('/');
    return {
      op: `${op} ${mib.toFixed(0)} MiB`,
      arbor: `${(m('arbor', 'ms') / 1000).toFixed(1)} s (${spread('arbor')})`,
      native: `${(m('native', 'ms') / 1000).toFixed(1)} s (${spread('native')})`,
      ratio: (m('arbor', 'ms') / m('native', 'ms')).toFixed(2) + 'x',
      heapPeakMiB: heapRound?.[op].heapPeak == null ? 'n/a' : (heapRound[op].heapPeak / 2 ** 20).toFixed(1),
      longestSilenceMs: `${m('arbor', 'gap')} (native ${m('native', 'gap')})`,
      cpuMsPerMiB: (m('arbor', 'cpuMs') / mib).toFixed(1),
    };
  };
  const table = [row('push', packMiB), row('clone', packMiB), row('push incremental', incMiB), row('fetch incremental', incMiB)];
  console.table(table);
  const heapOk = table.every((r) => r.heapPeakMiB !== 'n/a' && Number(r.heapPeakMiB) <= 128);
  const gapOk = ['push', 'clone', 'push incremental', 'fetch incremental'].every((op) => median(results.arbor.map((r) => r[op].gap)) < 5000);
  console.log(`heap ≤ 128 MiB: ${heapOk ? 'met' : 'NOT met'}; longest silence < 5 s: ${gapOk ? 'met' : 'NOT met'}; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  fs.mkdirSync(path.join(path.dirname(new URL(import.meta.url).pathname), 'out'), { recursive: true });
  fs.writeFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), 'out', 'big-repo.json'), JSON.stringify({ mib: MIB, packMiB, incMiB, results, heapRound, table }, null, 2));
  fs.rmSync(tmp, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
