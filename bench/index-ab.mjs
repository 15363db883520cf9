// Same-window A/B of the pack indexer (POST /v1/admin/bench/index) for a shared, loaded machine:
// two checkouts' bench workers run side by side and get the same pack alternately (AB, BA, ...),
// so both see the same load. Besides the indexer's own phase timings it reports the CPU ms each
// workerd process used per run (/proc), which other processes' load inflates far less than wall
// time. The pack is the one bench/push-profile.mjs generates (kept in the temp directory), given
// from memory (?from=memory, as index-bench.mjs judges it: no wait for the body in the timings).
// Usage: node bench/index-ab.mjs <checkout A> <checkout B> [small|large] [rounds]
// (a checkout: a directory with this repository's files and its node_modules)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
const [A0, B0, size = 'large', roundsArg = '6'] = process.argv.slice(2);
if (!A0 || !B0) throw new Error('usage: node bench/index-ab.mjs <checkout A> <checkout B> [small|large] [rounds]');
const A = path.resolve(A0);
const B = path.resolve(B0);
const rounds = Number(roundsArg);
const src = path.join(os.tmpdir(), `arbor-profile-src-${size}.git`);
const libA = await import(pathToFileURL(path.join(A, 'bench/lib.mjs')).href);
if (!fs.existsSync(path.join(src, 'HEAD'))) {
  const { generateRepo } = await import(pathToFileURL(path.join(A, 'bench/gen-repo.mjs')).href);
  generateRepo(src, libA.SIZES[size]);
}
const dir = path.join(src, 'objects/pack');
const pack = fs.readFileSync(path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith('.pack'))));
const libB = await import(pathToFileURL(path.join(B, 'bench/lib.mjs')).href + '?b');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'arbor-index-ab-'));
const wA = await libA.startArbor({ persist: path.join(tmp, 'a'), sampler: false });
const pidsA = new Set(libA.workerdProcesses().map((p) => p.pid));
const wB = await libB.startArbor({ persist: path.join(tmp, 'b'), sampler: false });
const pidsB = new Set(libA.workerdProcesses().map((p) => p.pid).filter((p) => !pidsA.has(p)));
wA.pids = pidsA; wB.pids = pidsB;
const TICK = 1000 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
/** CPU ms and minor page faults (fresh memory first touched: ~3 ms per MiB on the 2-core bench machine) of the processes. */
function cpu(pids) {
  let ms = 0;
  let faults = 0;
  for (const pid of pids) {
    try {
      const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ms += (Number(f[11]) + Number(f[12])) * TICK;
      faults += Number(f[7]);
    } catch {}
  }
  return { ms, faults };
}
async function run(w) {
  const c0 = cpu(w.pids);
  const res = await fetch(`${w.origin}/v1/admin/bench/index?from=memory`, { method: 'POST', headers: { authorization: `Bearer ${w.admin}`, 'content-type': 'application/x-git-pack', accept: 'application/octet-stream' }, body: pack });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(String(res.status));
  const r = JSON.parse(res.headers.get('x-arbor-bench'));
  const c1 = cpu(w.pids);
  r.cpu = c1.ms - c0.ms;
  r.faults = c1.faults - c0.faults;
  return r;
}
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const out = { A: [], B: [] };
try {
  for (const [k, w] of [["A", wA], ["B", wB]]) { const r = await run(w); process.stderr.write(`${k} warm-up ${r.ms} cpu ${r.cpu} faults ${r.faults}\n`); } // warm-up
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? ['A', 'B'] : ['B', 'A'];
    for (const k of order) {
      const res = await run(k === 'A' ? wA : wB);
      out[k].push(res);
      process.stderr.write(`${k} ${res.ms} cpu ${res.cpu} faults ${res.faults} ${JSON.stringify(res.phases)} load ${os.loadavg()[0].toFixed(2)}\n`);
    }
  }
  for (const k of ['A', 'B']) {
    const xs = out[k];
    console.log(`${k}: cpu ${med(xs.map((x) => x.cpu))} faults ${med(xs.map((x) => x.faults))} ms ${med(xs.map((x) => x.ms))} receive ${med(xs.map((x) => x.phases.receive))} resolve ${med(xs.map((x) => x.phases.resolve))} index ${med(xs.map((x) => x.phases.index))} idx ${med(xs.map((x) => x.phases.idx))} (n=${xs.length})`);
  }
  const cr = out.A.map((a, i) => out.B[i].cpu / a.cpu);
  console.log(`B/A cpu per round: ${cr.map((x) => x.toFixed(3)).join(' ')}; median ${med(cr).toFixed(3)}`);
  const ratios = out.A.map((a, i) => out.B[i].ms / a.ms);
  console.log(`B/A per round: ${ratios.map((x) => x.toFixed(3)).join(' ')}; median ${med(ratios).toFixed(3)}; load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
} finally {
  await wA.stop(); await wB.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
}
