import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startArbor, workerdProcesses } from './lib.mjs';
const size = process.argv[2] ?? 'small';
const src = path.join(os.tmpdir(), `arbor-profile-src-${size}.git`);
const dir = path.join(src, 'objects/pack');
const pack = fs.readFileSync(path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith('.pack'))));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'arbor-ft-'));
const w = await startArbor({ persist: tmp, sampler: false });
const pids = workerdProcesses().map((p) => p.pid);
async function run() {
  const res = await fetch(`${w.origin}/v1/admin/bench/index`, { method: 'POST', headers: { authorization: `Bearer ${w.admin}`, 'content-type': 'application/x-git-pack', accept: 'application/octet-stream' }, body: pack });
  await res.arrayBuffer();
  return JSON.parse(res.headers.get('x-arbor-bench'));
}
await run(); // warm-up as the bench
const perf = spawn('perf', ['record', '-e', 'page-faults', '-g', '-o', '/tmp/pf.data', '-p', pids.join(',')], { stdio: 'inherit' });
await new Promise((r) => setTimeout(r, 1000));
for (let i = 0; i < 3; i++) console.log((await run()).ms);
perf.kill('SIGINT');
await new Promise((r) => perf.on('close', r));
await w.stop();
