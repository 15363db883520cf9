// What the bench workerd isolate's resting V8 heap is made of (issue 22: the pack indexer's heap
// target is judged on the whole isolate's peak, and the isolate sat at ~19 MiB before a run).
// Starts Arbor as index-bench.mjs does, then reads Runtime.getHeapUsage and writes a heap snapshot
// (which collects garbage first) (a) after one warm-up index request, (b) after BENCH_RUNS+2 runs
// of the small bench pack, as index-bench does them. Summarize a snapshot with
// bench/heap-summary.mjs. With BENCH_MIDRUN_MS=<ms>, also (c) a snapshot taken that long into one
// more run of the small pack (what the indexer holds live while it runs: the snapshot collects
// garbage first, and the run waits for it).   node bench/heap-rest.mjs <out-prefix>
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectInspector } from './inspector.mjs';
import { generateRepo } from './gen-repo.mjs';
import { benchFetch, ROOT, SIZES, startArbor } from './lib.mjs';

const prefix = process.argv[2] ?? path.join(os.tmpdir(), 'arbor-rest');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PORT = Number(process.env.BENCH_INSPECTOR_PORT ?? 9332);
const MIDRUN_MS = Number(process.env.BENCH_MIDRUN_MS ?? 0);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'arbor-heap-rest-'));
const MiB = (n) => (n / 2 ** 20).toFixed(2);

async function index(arbor, body) {
  const res = await benchFetch(`${arbor.origin}/v1/admin/bench/index`, { method: 'POST', headers: { authorization: `Bearer ${arbor.admin}`, accept: 'application/octet-stream' }, body });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`bench/index: ${res.status}`);
}

async function main() {
  const arbor = await startArbor({ persist: path.join(tmp, 'state'), inspectorPort: PORT, sampler: false });
  const conn = await connectInspector(PORT);
  const chunks = [];
  conn.on((m) => m.method === 'HeapProfiler.addHeapSnapshotChunk' && chunks.push(m.params.chunk));
  const usage = async (label) => {
    const u = await conn.call('Runtime.getHeapUsage', {}, 10_000);
    console.log(`${label}: used ${MiB(u.usedSize)} MiB, total ${MiB(u.totalSize)} MiB, backing stores ${MiB(u.backingStorageSize ?? 0)} MiB`);
  };
  const snap = async (label) => {
    await usage(`${label} as found`);
    chunks.length = 0;
    await conn.call('HeapProfiler.takeHeapSnapshot', { reportProgress: false }, 300_000);
    fs.writeFileSync(`${prefix}-${label}.heapsnapshot`, chunks.join(''));
    await usage(`${label} after the snapshot's GC`);
  };
  try {
    await conn.call('HeapProfiler.enable', {}, 10_000);
    await usage('fresh');
    await index(arbor, fs.readFileSync(path.join(ROOT, 'test/fixtures/pack/small-ofs.pack')));
    await snap('a-warm');
    const repo = path.join(tmp, 'src.git');
    generateRepo(repo, SIZES.small);
    const dir = path.join(repo, 'objects/pack');
    const pack = fs.readFileSync(path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith('.pack'))));
    for (let i = 0; i < RUNS + 2; i++) await index(arbor, pack);
    await new Promise((r) => setTimeout(r, 1000));
    await snap('b-after');
    if (MIDRUN_MS > 0) {
      const run = index(arbor, pack);
      await new Promise((r) => setTimeout(r, MIDRUN_MS));
      await snap('c-midrun');
      await run;
    }
  } finally {
    conn.close();
    await arbor.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
