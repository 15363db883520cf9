// Pack indexing micro-benchmark (part of `npm run bench`): the generated repositories' packs
// (gen-repo.mjs, the same sizes as run.mjs) indexed three ways, median of BENCH_RUNS runs:
//   - `git index-pack --threads=1 -o x.idx pack` (outside any repository, so no collision reads),
//     the issue's reference; beside it, not judged, `--stdin` into an empty repository (what a
//     push runs: the pack is stored as it is indexed, as Arbor's indexer does),
//   - isomorphic-git's indexPack in a child Node process over a node:fs copy of the pack,
//   - Arbor's push indexer (PackIngest + the SQLite index) inside workerd, through the admin
//     route POST /v1/admin/bench/index (a throwaway Durable Object per run), which also answers
//     the .idx v2 built from the indexed entries: it must be byte-identical to git's. The judged
//     runs give the indexer the pack from memory (?from=memory: read whole before the clock
//     starts), as git index-pack reads its file from the page cache; as many runs again stream
//     the body in while timing, as a push does, shown beside (against --stdin, not judged): in
//     local workerd the body's delivery runs on the indexer's thread, 49-82 ms per small-pack run
//     spent awaiting read() (bench/worker/index-pack.ts), which is transport, not indexing.
// Memory: V8 heap peak (inspector, Runtime.getHeapUsage every 50 ms) of the workerd isolate and
// of the isomorphic-git process; peak RSS of workerd (above rest), the isomorphic-git process and
// git (GNU time, when installed). Beside the isolate's peak, one more run's from a collected heap
// (after a full GC), whole and above that live rest (see main()).
// Env: BENCH_SIZES, BENCH_RUNS (as run.mjs); BENCH_ISOGIT_LARGE=0 skips isomorphic-git on the
// large pack (one run there by default: it takes ~45 s and ~600 MB); BENCH_ISOGIT_TIMEOUT_S
// (default 300) stops a slower isomorphic-git run and reports "> N s".
// Writes bench/out/index-bench.json.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateRepo } from './gen-repo.mjs';
import { benchFetch, benchSizes, median, ROOT, rssSampler, SIZES, startArbor } from './lib.mjs';

const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const ISO_LARGE = process.env.BENCH_ISOGIT_LARGE !== '0';
const ISO_TIMEOUT_S = Number(process.env.BENCH_ISOGIT_TIMEOUT_S ?? 300);
const INSPECTOR_PORT = Number(process.env.BENCH_INSPECTOR_PORT ?? 9331);
const HAVE_GNU_TIME = fs.existsSync('/usr/bin/time');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'arbor-index-bench-'));
const gitEnv = { ...process.env, HOME: tmp, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' };

const sha1 = (buf) => createHash('sha1').update(buf).digest('hex');
const MiB = (bytes) => (bytes / 2 ** 20).toFixed(1);
const log = (s) => process.stderr.write(s + '\n');

/** `git index-pack --threads=1` outside any repository: wall time, peak RSS (GNU time). */
function gitIndexPack(pack, out) {
  fs.rmSync(out, { force: true });
  const args = ['index-pack', '--threads=1', '-o', out, pack];
  const t = process.hrtime.bigint();
  const r = HAVE_GNU_TIME
    ? spawnSync('/usr/bin/time', ['-f', 'maxrss=%M', 'git', ...args], { cwd: tmp, env: gitEnv })
    : spawnSync('git', args, { cwd: tmp, env: gitEnv });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`git index-pack failed: ${r.stderr}`);
  const m = /maxrss=(\d+)/.exec(r.stderr.toString());
  return { ms, maxRssKiB: m ? Number(m[1]) : null };
}

/**
 * `git index-pack --threads=1 --stdin` into an empty bare repository: what git's receive-pack runs
 * for a push, which, like Arbor's indexer, stores the pack as it indexes it (the file mode above
 * reads a pack already on disk and writes only the .idx). Shown beside the issue's reference, not
 * judged.
 */
function gitIndexPackStdin(pack, repo) {
  fs.rmSync(repo, { recursive: true, force: true });
  const init = spawnSync('git', ['init', '-q', '--bare', repo], { cwd: tmp, env: gitEnv });
  if (init.status !== 0) throw new Error(`git init failed: ${init.stderr}`);
  const input = fs.openSync(pack, 'r');
  const t = process.hrtime.bigint();
  const r = spawnSync('git', ['index-pack', '--threads=1', '--stdin'], { cwd: repo, env: gitEnv, stdio: [input, 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  fs.closeSync(input);
  if (r.status !== 0) throw new Error(`git index-pack --stdin failed: ${r.stderr}`);
  return { ms };
}

/** isomorphic-git's indexPack in a child Node 22 process (this script runs under it). */
async function isoIndexPack(pack, workDir) {
  fs.rmSync(workDir, { recursive: true, force: true });
  fs.mkdirSync(workDir, { recursive: true });
  fs.copyFileSync(pack, path.join(workDir, 'p.pack'));
  const child = spawn(process.execPath, [path.join(ROOT, 'bench/isogit-index.mjs'), workDir, 'p.pack'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  let timedOut = false;
  const timer = setTimeout(() => ((timedOut = true), child.kill('SIGKILL')), ISO_TIMEOUT_S * 1000);
  const code = await new Promise((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  if (timedOut) return { timedOut: true };
  if (code !== 0) throw new Error(`isomorphic-git indexPack failed (${code}): ${err}`);
  const res = JSON.parse(out.trim().split('\n').pop());
  return { ...res, idxSha1: sha1(fs.readFileSync(path.join(workDir, 'p.idx'))) };
}

/** Arbor: the pack through the admin route; .idx bytes back, timings in x-arbor-bench. */
async function arborIndex(arbor, packBytes, streamed = false) {
  const t = process.hrtime.bigint();
  const res = await benchFetch(`${arbor.origin}/v1/admin/bench/index${streamed ? '' : '?from=memory'}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${arbor.admin}`, accept: 'application/octet-stream', 'content-type': 'application/x-git-pack' },
    body: packBytes,
  });
  const idx = new Uint8Array(await res.arrayBuffer());
  const wallMs = Number(process.hrtime.bigint() - t) / 1e6;
  if (res.status !== 200) throw new Error(`bench/index: ${res.status} ${new TextDecoder().decode(idx).slice(0, 300)}`);
  return { ...JSON.parse(res.headers.get('x-arbor-bench')), wallMs, idx };
}

function packOf(repo) {
  const dir = path.join(repo, 'objects/pack');
  const name = fs.readdirSync(dir).find((f) => f.endsWith('.pack'));
  return path.join(dir, name);
}

async function main() {
  const sizes = benchSizes();
  const report = { date: new Date().toISOString(), git: spawnSync('git', ['--version']).stdout.toString().trim(), runs: RUNS, cpus: os.cpus().length, loadAvgAtStart: os.loadavg()[0], sizes: {} };
  // Timings on a busy machine are inflated (ratios less so): say how busy it was.
  console.log(`\npack indexing: ${report.cpus} CPUs, 1-min load average ${report.loadAvgAtStart.toFixed(2)} at start`);
  const rss = rssSampler();
  const arbor = await startArbor({ persist: path.join(tmp, 'state'), inspectorPort: INSPECTOR_PORT });
  try {
    await new Promise((r) => setTimeout(r, 500));
    const restKiB = rss.peak();
    // Warm-up: compile the worker and the accelerator once, outside the timings.
    await arborIndex(arbor, fs.readFileSync(path.join(ROOT, 'test/fixtures/pack/small-ofs.pack')));
    for (const size of sizes) {
      log(`index-bench: generating the ${size} repository...`);
      const repo = path.join(tmp, `src-${size}.git`);
      generateRepo(repo, SIZES[size]);
      // The pack alone, outside the repository (git index-pack would otherwise check every
      // object against the repository's copy).
      const pack = path.join(tmp, `${size}.pack`);
      fs.copyFileSync(packOf(repo), pack);
      fs.rmSync(repo, { recursive: true, force: true });
      const packBytes = fs.readFileSync(pack);

      log(`index-bench ${size}: git index-pack...`);
      const gitIdx = path.join(tmp, `${size}.idx`);
      const gitRuns = [];
      const stdinRuns = [];
      for (let i = 0; i < RUNS; i++) {
        gitRuns.push(gitIndexPack(pack, gitIdx));
        stdinRuns.push(gitIndexPackStdin(pack, path.join(tmp, `stdin-${size}.git`)));
      }
      fs.rmSync(path.join(tmp, `stdin-${size}.git`), { recursive: true, force: true });
      const gitIdxBytes = fs.readFileSync(gitIdx);
      const gitSha = sha1(gitIdxBytes);

      log(`index-bench ${size}: arbor (workerd)...`);
      // The first size gets a warm-up run (the JIT learns the indexer; reported apart), then
      // RUNS timed runs streamed, then one run with the heap sampler attached (it slows the
      // isolate by ~30%, so it is not timed), streamed as a push (the memory figures are a push's,
      // taken after streamed runs only: a run from memory leaves its 7-80 MiB copy of the pack as
      // garbage the next peak would count), and only then the RUNS judged runs from memory.
      const first = size === sizes[0] ? await arborIndex(arbor, packBytes, true) : null;
      const timedRuns = async (streamedIn) => {
        const runs = [];
        for (let i = 0; i < RUNS; i++) {
          const r = await arborIndex(arbor, packBytes, streamedIn);
          runs.push({ ...r, identical: sha1(r.idx) === gitSha && r.idxSha1 === gitSha });
        }
        return runs;
      };
      const streamed = await timedRuns(true);
      rss.reset();
      const rest = arbor.heap ? Math.max(...(await arbor.heap.gc())) : null;
      arbor.heap?.start();
      const memRun = await arborIndex(arbor, packBytes, true);
      const heapPeak = arbor.heap ? await arbor.heap.stop() : null;
      const mem = { heapRest: rest, heapPeak, withBuffersPeak: arbor.heap?.peakWithBuffers() ?? null, rssKiB: rss.peak(), identical: sha1(memRun.idx) === gitSha };
      // One more untimed run, from a collected heap (an additional column; the one above stays as
      // it was). The isolate's heap "at rest" above is the heap as found: gc() does not make
      // workerd collect, so it holds the garbage of the timed runs, and when V8 collects it
      // decides the whole-isolate peak more than the indexer does (19-36 MiB as found between
      // runs of the same pack, live heap ~9.7 MiB after them). isomorphic-git's figures come
      // from a fresh process (its rest is a live heap). So this run starts after a full GC that
      // surely happened (bench/heap.mjs fullGc: a heap snapshot), and its peak is given whole and
      // above that live rest: each side above its own collected resting level.
      if (arbor.heap) {
        const liveRest = Math.max(...(await arbor.heap.fullGc()));
        arbor.heap.start();
        const gcRun = await arborIndex(arbor, packBytes, true);
        const gcPeak = await arbor.heap.stop();
        Object.assign(mem, { liveRest, gcPeak, gcWithBuffersPeak: arbor.heap.peakWithBuffers(), identical: mem.identical && sha1(gcRun.idx) === gitSha });
      }
      const ours = await timedRuns(false);

      let iso = null;
      if (size !== 'large' || ISO_LARGE) {
        const isoRuns = size === 'large' ? 1 : RUNS;
        log(`index-bench ${size}: isomorphic-git indexPack (${isoRuns} run${isoRuns > 1 ? 's' : ''}, timeout ${ISO_TIMEOUT_S} s)...`);
        const runs = [];
        for (let i = 0; i < isoRuns; i++) {
          const r = await isoIndexPack(pack, path.join(tmp, `iso-${size}`));
          runs.push(r);
          if (r.timedOut) break;
        }
        const done = runs.filter((r) => !r.timedOut);
        iso = done.length === 0
          ? { timedOut: true, limitS: ISO_TIMEOUT_S, runs: 0 }
          : {
              runs: done.length,
              ms: median(done.map((r) => r.ms)),
              heapRest: Math.min(...done.map((r) => r.heapRest)),
              heapPeak: Math.max(...done.map((r) => r.heapPeak)),
              withBuffersPeak: Math.max(...done.map((r) => r.withBuffersPeak)),
              maxRssKiB: Math.max(...done.map((r) => r.maxRssKiB)),
              rssAboveStartKiB: Math.max(...done.map((r) => r.maxRssKiB - r.rssBeforeKiB)),
              idxIdenticalToGit: done.every((r) => r.idxSha1 === gitSha),
            };
      }

      const row = {
        objects: ours[0].objects,
        packBytes: packBytes.length,
        gitStdin: { ms: median(stdinRuns.map((r) => r.ms)) },
        git: { ms: median(gitRuns.map((r) => r.ms)), maxRssKiB: gitRuns[0].maxRssKiB === null ? null : Math.max(...gitRuns.map((r) => r.maxRssKiB)), idxSha1: gitSha },
        arbor: {
          ms: median(ours.map((r) => r.ms)),
          wallMs: median(ours.map((r) => r.wallMs)),
          firstRunMs: first?.ms ?? null,
          runsMs: ours.map((r) => r.ms),
          phases: Object.fromEntries(Object.keys(ours[0].phases).map((k) => [k, median(ours.map((r) => r.phases[k]))])),
          streamed: { ms: median(streamed.map((r) => r.ms)), runsMs: streamed.map((r) => r.ms), receive: median(streamed.map((r) => r.phases.receive)) },
          heapRest: mem.heapRest,
          heapPeak: mem.heapPeak,
          withBuffersPeak: mem.withBuffersPeak,
          afterFullGc: mem.gcPeak ? { liveRest: mem.liveRest, heapPeak: mem.gcPeak, withBuffersPeak: mem.gcWithBuffersPeak } : null,
          rssKiB: mem.rssKiB,
          rssAboveRestKiB: mem.rssKiB - restKiB,
          idxIdenticalToGit: ours.every((r) => r.identical) && streamed.every((r) => r.identical) && mem.identical && (!first || sha1(first.idx) === gitSha),
          idxSha1: ours[0].idxSha1,
        },
        isomorphicGit: iso ?? { skipped: 'BENCH_ISOGIT_LARGE=0' },
      };
      report.sizes[size] = row;
      printRow(size, row);
    }
    report.workerdRestRssKiB = restKiB;
    report.loadAvgAtEnd = os.loadavg()[0];
  } finally {
    rss.stop();
    await arbor.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  fs.mkdirSync(path.join(ROOT, 'bench/out'), { recursive: true });
  fs.writeFileSync(path.join(ROOT, 'bench/out/index-bench.json'), JSON.stringify(report, null, 2));
  console.log('\nwrote bench/out/index-bench.json');
}

function printRow(size, r) {
  const a = r.arbor;
  const i = r.isomorphicGit;
  const isoMs = i.ms ?? null;
  const heap = (peak, rest, withBuf) => (peak ? `${MiB(peak)} (+${MiB(Math.max(0, peak - rest))}) / ${MiB(withBuf)}` : 'n/a');
  console.log(`\n## pack indexing, ${size}: ${r.objects} objects, ${MiB(r.packBytes)} MiB pack (median of ${RUNS}${i.runs === 1 && RUNS > 1 ? '; isomorphic-git: 1 run' : ''})`);
  console.log("| indexer | ms | Arbor time ÷ its | V8 heap peak (above rest) / with ArrayBuffers, MiB | peak RSS | .idx = git's |");
  console.log('|---|---:|---:|---:|---:|:---:|');
  console.log(`| git index-pack --threads=1 | ${r.git.ms.toFixed(0)} | ${(a.ms / r.git.ms).toFixed(2)}x | – | ${r.git.maxRssKiB ? MiB(r.git.maxRssKiB * 1024) + ' MiB' : 'n/a'} | (reference) |`);
  console.log(`| git index-pack --threads=1 --stdin (stores the pack, as a push does) | ${r.gitStdin.ms.toFixed(0)} | ${(a.ms / r.gitStdin.ms).toFixed(2)}x | – | – | – |`);
  if (i.skipped || i.timedOut) {
    console.log(`| isomorphic-git indexPack | ${i.skipped ? `skipped (${i.skipped})` : `> ${i.limitS} s (stopped)`} | – | – | – | – |`);
  } else {
    console.log(
      `| isomorphic-git indexPack | ${isoMs.toFixed(0)} | ${(a.ms / isoMs).toFixed(3)}x | ${heap(i.heapPeak, i.heapRest, i.withBuffersPeak)} | ${MiB(i.maxRssKiB * 1024)} MiB (+${MiB(i.rssAboveStartKiB * 1024)}) | ${i.idxIdenticalToGit ? 'yes' : 'NO'} |`,
    );
  }
  console.log(
    `| Arbor push indexer (workerd), pack from memory | ${a.ms.toFixed(0)} (wall ${a.wallMs.toFixed(0)}${a.firstRunMs ? `, first run ${a.firstRunMs.toFixed(0)}` : ''}) | 1x | ${heap(a.heapPeak, a.heapRest, a.withBuffersPeak)} | ${MiB(a.rssKiB * 1024)} MiB (+${MiB(a.rssAboveRestKiB * 1024)} above rest) | ${a.idxIdenticalToGit ? 'yes' : 'NO'} |`,
  );
  console.log(`| Arbor, the body streamed in while timed (as a push; not judged) | ${a.streamed.ms.toFixed(0)} | ${(a.ms / a.streamed.ms).toFixed(2)}x | (the heap columns above are this way) | – | – |`);
  if (a.afterFullGc) {
    const g = a.afterFullGc;
    const iso = i.heapPeak && !i.skipped && !i.timedOut ? `; isomorphic-git (fresh process): ${heap(i.heapPeak, i.heapRest, i.withBuffersPeak)}, ratios whole ${(i.heapPeak / g.heapPeak).toFixed(1)}x, above rest ${((i.heapPeak - i.heapRest) / Math.max(1, g.heapPeak - g.liveRest)).toFixed(1)}x` : '';
    console.log(`Arbor from a collected heap (one more untimed run after a full GC; not the judged column): V8 heap peak (above live rest) / with ArrayBuffers ${heap(g.heapPeak, g.liveRest, g.withBuffersPeak)} MiB${iso}`);
  }
  const p = a.phases;
  console.log(`Arbor runs (ms): from memory ${a.runsMs.map((x) => x.toFixed(0)).join(', ')}; streamed ${a.streamed.runsMs.map((x) => x.toFixed(0)).join(', ')} (${(a.streamed.ms / r.gitStdin.ms).toFixed(2)}x git --stdin)`);
  console.log(`Arbor phases (ms, from memory): stream in (parse, hash, resolve, check, DOFS) ${p.receive}; deferred deltas + connectivity ${p.resolve}; SQLite index ${p.index}; .idx ${p.idx}`);
  const targets = [`≤ 1.5x git index-pack (issue 22): ${(a.ms / r.git.ms).toFixed(2)}x ${a.ms <= 1.5 * r.git.ms ? 'MET' : 'not met'}`];
  if (isoMs) {
    targets.push(`≥ 10x faster than isomorphic-git: ${(isoMs / a.ms).toFixed(1)}x ${isoMs >= 10 * a.ms ? 'MET' : 'not met'}`);
    if (a.heapPeak) {
      const lean = i.heapPeak / a.heapPeak;
      const leanBuf = i.withBuffersPeak / a.withBuffersPeak;
      targets.push(`≥ 5x leaner: V8 heap ${lean.toFixed(1)}x ${lean >= 5 ? 'MET' : 'not met'}, heap + ArrayBuffers ${leanBuf.toFixed(1)}x ${leanBuf >= 5 ? 'MET' : 'not met'}`);
    }
  } else if (i.timedOut) targets.push(`isomorphic-git did not finish in ${i.limitS} s`);
  console.log(`targets: ${targets.join('; ')}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
