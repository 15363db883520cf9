// A 1-file commit into a directory of BENCH_BIGDIR (10,000) entries, end to end (issue 19's
// target: <= 30 ms locally). Starts Arbor under local workerd, builds the directory in commits of
// 1,000 files, then times BENCH_ROUNDS (50) one-file commits through POST .../commits (HTTP,
// JSON, Worker -> Durable Object, tree edit, hashing, pack write, index, ref update,
// housekeeping hook) and reports the median, the spread, the load average, and the CPU time
// workerd and this client spent per commit (less dependent on what else the machine runs).
// wrangler's local observability collector (a trace explorer for `wrangler dev`: every span of
// every request, one per SQL statement, is streamed to a JS tail worker in the same workerd) is
// off here: it cost ~10 of the ~30 ms of workerd CPU per commit (perf, this machine), and no
// deployed Worker runs it. X_LOCAL_OBSERVABILITY=true puts it back (the figures before this).
//   node bench/bigdir-commit.mjs
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { apiCaller, collectorNote, median, startArbor, workerdCpuMs } from './lib.mjs';

const BIGDIR = Number(process.env.BENCH_BIGDIR ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 50);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'arbor-bigdir-'));
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

async function main() {
  const arbor = await startArbor({ persist: path.join(tmp, 'state') });
  try {
    const call = apiCaller(arbor);
    const repo = `/v1/repos/bench/bigdir${Date.now().toString(36)}`;
    await call('POST', repo);
    await call('PATCH', `${repo}/maintenance`, { auto: false });
    const author = { name: 'Agent', email: 'agent@arbor.test' };
    const commit = async (changes) => {
      const t = process.hrtime.bigint();
      await call('POST', `${repo}/commits`, { branch: 'main', message: 'agent step', author, changes });
      return Number(process.hrtime.bigint() - t) / 1e6;
    };
    for (let i = 0; i < BIGDIR; i += 1000) {
      await commit(Array.from({ length: Math.min(1000, BIGDIR - i) }, (_, j) => ({ action: 'create', path: `big/entry-${String(i + j).padStart(6, '0')}.txt`, content: `entry ${i + j}\n` })));
    }
    for (let r = 0; r < 3; r++) await commit([{ action: 'create', path: `big/warm-${r}.txt`, content: `warm ${r}\n` }]);
    const loadBefore = load();
    const cpu0 = workerdCpuMs();
    const node0 = process.cpuUsage();
    const one = [];
    for (let r = 0; r < ROUNDS; r++) one.push(await commit([{ action: 'create', path: `big/new-${r}.txt`, content: `new ${r}\n` }]));
    const workerdCpu = (workerdCpuMs() - cpu0) / ROUNDS;
    const nodeUse = process.cpuUsage(node0);
    const clientCpu = (nodeUse.user + nodeUse.system) / 1000 / ROUNDS;
    const sorted = [...one].sort((a, b) => a - b);
    const q = (f) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * f))];
    console.log(`1-file commit into a ${BIGDIR}-entry directory, ${ROUNDS} commits: median ${median(one).toFixed(1)} ms, min ${sorted[0].toFixed(1)}, p25 ${q(0.25).toFixed(1)}, p75 ${q(0.75).toFixed(1)}, max ${sorted.at(-1).toFixed(1)} ms`);
    console.log(`CPU per commit: workerd ${workerdCpu.toFixed(1)} ms (Worker, Durable Object, runtime), this client ${clientCpu.toFixed(1)} ms (workerd also counts work off the request path: GC, storage flushes)`);
    console.log(collectorNote());
    console.log(`load average before/after the timed commits: ${loadBefore} / ${load()} (${os.cpus().length} cores)`);
  } finally {
    await arbor.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
