// Commit latency as history grows (issue 19's target: median of commits 901-1000 <= 1.3x the
// median of 1-100): housekeeping.mjs's agent workload alone, without the inspector (its heap
// sampler) and without the repack that follows it there. Each commit updates a 2 KB JSON state
// file and adds one small file to log/; automatic housekeeping is off (BENCH_AUTO=1 leaves it
// on). Prints the wall median and the workerd CPU per commit of each window of 100 commits.
// BENCH_PACKS_EVERY=k (with BENCH_AUTO=1): reads the pack count every k commits (one GET
// .../maintenance, itself a request housekeeping stands aside for) and prints, per window, the
// most seen and the running phase; at the end the most over the whole run and the final count.
//   node bench/commit-history.mjs            (BENCH_COMMITS=1000)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { apiCaller, median, startArbor, workerdCpuMs } from './lib.mjs';

const N = Number(process.env.BENCH_COMMITS ?? 1000);
const PACKS_EVERY = Number(process.env.BENCH_PACKS_EVERY ?? 0);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'arbor-history-'));
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

// the same state file as housekeeping.mjs
const state = (i) => {
  const s = { agent: 'bench', step: i, updatedAt: new Date(1_700_000_000_000 + i * 60_000).toISOString(), status: i % 7 === 0 ? 'waiting' : 'working', items: [] };
  for (let j = 0; j < 24; j++) s.items.push({ id: j, label: `task ${j}`, done: (i + j) % 5 === 0, score: ((i * 31 + j * 17) % 1000) / 10 });
  return JSON.stringify(s, null, 2);
};

async function main() {
  const arbor = await startArbor({ persist: path.join(tmp, 'state') });
  try {
    const call = apiCaller(arbor);
    const repo = `/v1/repos/bench/hist${Date.now().toString(36)}`;
    await call('POST', repo);
    if (process.env.BENCH_AUTO !== '1') await call('PATCH', `${repo}/maintenance`, { auto: false });
    const author = { name: 'Agent', email: 'agent@arbor.test' };
    console.log(`# ${N} commits, load average ${load()} (${os.cpus().length} cores)`);
    const times = [];
    let cpu = workerdCpuMs();
    let windowMax = 0;
    let allMax = 0;
    let phases = new Set();
    for (let i = 0; i < N; i++) {
      const t = process.hrtime.bigint();
      await call('POST', `${repo}/commits`, { branch: 'main', message: 'agent step', author, changes: [
        { action: i ? 'update' : 'create', path: 'state.json', content: state(i) },
        { action: 'create', path: `log/${String(i).padStart(5, '0')}.json`, content: `{"step":${i},"event":"tick"}\n` },
      ] });
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (PACKS_EVERY > 0 && (i + 1) % PACKS_EVERY === 0) {
        const m = await call('GET', `${repo}/maintenance`);
        windowMax = Math.max(windowMax, m.current.packs);
        allMax = Math.max(allMax, m.current.packs);
        if (m.running) phases.add(`${m.running.phase}:${m.running.progress?.packs ?? ''}`);
      }
      if ((i + 1) % 100 === 0) {
        const now = workerdCpuMs();
        const w = times.slice(i - 99, i + 1);
        const packs = PACKS_EVERY > 0 ? `, packs <= ${windowMax} [${[...phases].join(' ')}]` : '';
        console.log(`commits ${i - 98}-${i + 1}: median ${median(w).toFixed(1)} ms, max ${Math.max(...w).toFixed(1)} ms, workerd CPU ${((now - cpu) / 100).toFixed(1)} ms/commit, load ${load()}${packs}`);
        windowMax = 0;
        phases = new Set();
        cpu = now;
      }
    }
    const slow = times.map((ms, i) => [ms, i + 1]).sort((a, b) => b[0] - a[0]).slice(0, 10);
    console.log(`slowest commits (ms@commit): ${slow.map(([ms, i]) => `${ms.toFixed(0)}@${i}`).join(' ')}; over 150 ms: ${times.filter((t) => t > 150).length}, over 100 ms: ${times.filter((t) => t > 100).length}`);
    const first = median(times.slice(0, 100));
    const last = median(times.slice(-100));
    if (PACKS_EVERY > 0) {
      const m = await call('GET', `${repo}/maintenance`);
      console.log(`housekeeping steps by kind (count, longest ms, total ms): ${JSON.stringify(m.steps ?? {})}`);
      console.log(`packs: most seen ${allMax} (every ${PACKS_EVERY} commits), at the end ${m.current.packs}; runs: ${m.history.map((r) => `${r.mode}/${r.outcome}`).join(' ')}`);
    }
    console.log(`median of commits 1-100 vs ${N - 99}-${N}: ${first.toFixed(1)} / ${last.toFixed(1)} ms, ratio ${(last / first).toFixed(2)}x (target <= 1.3x)`);
  } finally {
    await arbor.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
