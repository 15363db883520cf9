// Is a gc's memory live or garbage? (issue 19; not part of `npm run bench` or the tests)
// Pushes a generated repository undeltified (`git repack -adf --window=0`), starts a repack+gc,
// and every BENCH_EVERY ms reads the isolate's heap and ArrayBuffer memory through the inspector
// twice: as found, and right after a forced full GC (a heap snapshot, which collects first).
// The second reading comes back only after the steps that ran while the snapshot was sent, so it
// still counts their fresh garbage; the snapshot itself holds only live objects:
// BENCH_SNAPSHOT=prefix writes up to BENCH_SNAPS of them (when the reading passes BENCH_SNAP_AT
// MiB of buffers), and bench/heap-holders.mjs sums their buffers by holder.
//   node bench/housekeeping-memory.mjs [small|large|<commits>]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectInspector } from './inspector.mjs';
import { apiCaller, SIZES, startArbor } from './lib.mjs';
import { generateRepo } from './gen-repo.mjs';

const arg = process.argv[2] ?? 'small';
const c = Number(arg);
const size = SIZES[arg] ?? { commits: c, files: Math.round(c * 1.9), perCommit: 6, binBytes: 5000 };
const PORT = Number(process.env.BENCH_INSPECTOR_PORT ?? 9241);
const EVERY = Number(process.env.BENCH_EVERY ?? 1500);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'arbor-hkmem-'));
const env = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', HOME: tmp };
const MiB = (n) => (n / 2 ** 20).toFixed(1);

async function inspector(port) {
  const conn = await connectInspector(port);
  const events = [];
  conn.on((msg) => events.push(msg));
  const call = (method, params = {}, ms = 120_000) => conn.call(method, params, ms);
  await call('HeapProfiler.enable');
  // workerd does not answer HeapProfiler.collectGarbage; a heap snapshot collects all garbage first.
  const fullGc = async (file) => {
    events.length = 0;
    await call('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    if (file) fs.writeFileSync(file, events.filter((e) => e.method === 'HeapProfiler.addHeapSnapshotChunk').map((e) => e.params.chunk).join(''));
    events.length = 0;
  };
  return { call, fullGc, events, close: conn.close };
}

async function main() {
  const t0 = Date.now();
  const src = path.join(tmp, 'src.git');
  generateRepo(src, size);
  spawnSync('git', ['repack', '-adq', '--window=0'], { cwd: src, env });
  const objects = Number(/count: (\d+)/.exec(spawnSync('git', ['count-objects', '-v'], { cwd: src, env }).stdout.toString())?.[1] ?? 0)
    + Number(/in-pack: (\d+)/.exec(spawnSync('git', ['count-objects', '-v'], { cwd: src, env }).stdout.toString())[1]);
  console.log(`# ${JSON.stringify(size)}: ${objects} objects, generated in ${Date.now() - t0} ms, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  const arbor = await startArbor({ persist: path.join(tmp, 'state'), inspectorPort: PORT, sampler: false });
  const call = apiCaller(arbor);
  try {
    const info = await call('POST', `/v1/repos/bench/mem`);
    const repo = `/v1/repos/bench/mem`;
    await call('PATCH', `${repo}/maintenance`, { auto: false });
    spawnSync('git', ['push', '-q', info.remote, 'refs/heads/*:refs/heads/*'], { cwd: src, env: { ...env, GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: Bearer ${info.token}` } });
    console.log(`pushed at ${Date.now() - t0} ms`);
    const insp = await inspector(PORT);
    const usage = async () => { const u = await insp.call('Runtime.getHeapUsage'); return { heap: u.usedSize, buf: u.backingStorageSize ?? 0 }; };
    await insp.fullGc();
    const base = await usage();
    console.log(`after push, forced gc: heap ${MiB(base.heap)} MiB, buffers ${MiB(base.buf)} MiB`);
    await call('POST', `${repo}/maintenance`, { tasks: ['repack', 'gc'], prune: 'now' });
    const samples = [];
    let peakLive = { heap: 0, buf: 0 }, peakSeen = { heap: 0, buf: 0 }, snaps = 0, lastSnap = -3;
    for (;;) {
      const st = await call('GET', `${repo}/maintenance`);
      if (st.state === 'idle' && st.nextDue === null) { console.log(`run: ${JSON.stringify({ ms: Date.parse(st.lastRun.finishedAt) - Date.parse(st.lastRun.startedAt), before: st.lastRun.before, after: st.lastRun.after })}`); break; }
      const seen = await usage();
      await insp.fullGc();
      const live = await usage();
      samples.push({ t: Date.now() - t0, seen, live, stage: st.progress ?? st.state });
      console.log(`${String(Math.round((Date.now() - t0) / 1000)).padStart(5)}s seen heap ${MiB(seen.heap).padStart(6)} + buf ${MiB(seen.buf).padStart(7)} | after gc heap ${MiB(live.heap).padStart(6)} + buf ${MiB(live.buf).padStart(7)}  ${JSON.stringify(st.progress ?? st.state)}`);
      if (seen.heap + seen.buf > peakSeen.heap + peakSeen.buf) peakSeen = seen;
      if (live.heap + live.buf > peakLive.heap + peakLive.buf) peakLive = live;
      if (process.env.BENCH_SNAPSHOT && snaps < Number(process.env.BENCH_SNAPS ?? 1) && live.buf > Number(process.env.BENCH_SNAP_AT ?? 64) * 2 ** 20 && samples.length - lastSnap >= 3) {
        lastSnap = samples.length;
        const file = process.env.BENCH_SNAPSHOT.replace(/(\.heapsnapshot)?$/, `-${++snaps}.heapsnapshot`);
        await insp.fullGc(file);
        console.log(`heap snapshot written: ${file}`);
      }
      await new Promise((r) => setTimeout(r, EVERY));
    }
    console.log(`peak as found: heap ${MiB(peakSeen.heap)} + buffers ${MiB(peakSeen.buf)} MiB; peak live (after forced gc): heap ${MiB(peakLive.heap)} + buffers ${MiB(peakLive.buf)} MiB; ${samples.length} samples; load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    insp.close();
  } finally {
    await arbor.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
