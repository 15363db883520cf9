// Where workerd's CPU goes during 1-file commits into a directory of PERF_BIGDIR (10,000) entries,
// native code included: `perf record` (software cpu-clock, so it counts only time on a CPU, not
// time waiting for one on a loaded machine) on the workerd processes, with V8's perf map for the
// JS frames. The inspector's profile (commit-profile.mjs) sees only the isolate's JS; this one
// also sees SQLite, the runtime's HTTP and RPC, page faults, GC, and wrangler's local
// observability collector (a JS tail worker fed one span per SQL statement: on unless
// X_LOCAL_OBSERVABILITY=false). Prints ms per commit by category and the commit service's
// callees; the raw samples stay in bench/out/commit-perf.data (`perf report -i ...`).
// Needs `perf` and perf_event_paranoid <= 2 (a user may profile its own processes).
//   node bench/commit-perf.mjs
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { apiCaller, ROOT, startArbor, workerdProcesses } from './lib.mjs';

const BIGDIR = Number(process.env.PERF_BIGDIR ?? 10_000);
const ROUNDS = Number(process.env.PERF_ROUNDS ?? 100);
const HZ = 4000;
process.env.MINIFLARE_WORKERD_V8_FLAGS ??= '--perf-basic-prof --interpreted-frames-native-stack';
const out = path.join(ROOT, 'bench/out/commit-perf.data');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'arbor-cperf-'));
fs.mkdirSync(path.dirname(out), { recursive: true });

/** A sample matches the first category one of its frames matches (order matters). */
const CATEGORIES = [
  ['local observability collector (wrangler dev)', /TailStreamTarget|TailStreamWriter|collector\.worker/],
  ['commit service (createCommit)', /createCommit/],
  ['other Arbor JS (routing, auth, body, log)', /index\.js/],
  ['V8 GC', /Heap::|Scavenge|MarkCompact|GCTracer|Sweeper|ConcurrentMarking/],
  ['SQLite outside JS (implicit transaction commit)', /ActorSqlite|sqlite3/],
  ['JS RPC Worker -> Durable Object', /JsRpc|capnp/],
  ['HTTP (runtime, dev proxy)', /Http|httparse|ProxyWorker|entry\.worker/],
];

const pids = [];
const arbor = await startArbor({ persist: path.join(tmp, 'state') });
try {
  const call = apiCaller(arbor);
  const repo = `/v1/repos/bench/cperf${Date.now().toString(36)}`;
  await call('POST', repo);
  await call('PATCH', `${repo}/maintenance`, { auto: false });
  const author = { name: 'Agent', email: 'agent@arbor.test' };
  const commit = (changes) => call('POST', `${repo}/commits`, { branch: 'main', message: 'agent step', author, changes });
  for (let i = 0; i < BIGDIR; i += 1000) {
    await commit(Array.from({ length: Math.min(1000, BIGDIR - i) }, (_, j) => ({ action: 'create', path: `big/entry-${String(i + j).padStart(6, '0')}.txt`, content: `entry ${i + j}\n` })));
  }
  for (let r = 0; r < 3; r++) await commit([{ action: 'create', path: `big/warm-${r}.txt`, content: `warm ${r}\n` }]);
  pids.push(...workerdProcesses().map((p) => p.pid));
  const perf = spawn('perf', ['record', '-q', '-e', 'cpu-clock', '-F', String(HZ), '-g', '-p', pids.join(','), '-o', out], { stdio: 'inherit' });
  await new Promise((r) => setTimeout(r, 500)); // perf attaches
  for (let r = 0; r < ROUNDS; r++) await commit([{ action: 'create', path: `big/new-${r}.txt`, content: `new ${r}\n` }]);
  perf.kill('SIGINT');
  await new Promise((r) => perf.on('exit', r));
} finally {
  await arbor.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
}

// perf script: a header line per sample, then its frames innermost first, then a blank line.
const samples = [];
let frames = null;
for (const line of execFileSync('perf', ['script', '-i', out], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] }).toString().split('\n')) {
  if (line.trim() === '') {
    if (frames) samples.push(frames);
    frames = null;
  } else if (!/^\s/.test(line)) frames = [];
  else frames?.push(line.trim().replace(/^\S+\s+/, '').replace(/\+0x[0-9a-f]+ \(.*$|\s\(\S+\)$/, ''));
}
const perCommit = (n) => ((n * 1000) / HZ / ROUNDS).toFixed(2).padStart(6);
const byCategory = new Map(CATEGORIES.map(([name]) => [name, 0]));
let rest = 0;
const callees = new Map(); // the commit service's direct JS callees, inclusive
const jsName = (f) => f.replace(/^JS:[~*^+'o]*/, '').replace(/ (file:\/\/\/\S+\/)?index\.js:(\d+):\d+.*/, '@$2');
for (const f of samples) {
  const hit = CATEGORIES.find(([, rx]) => f.some((x) => rx.test(x)));
  if (hit) byCategory.set(hit[0], byCategory.get(hit[0]) + 1);
  else rest++;
  const at = f.findLastIndex((x) => x.includes('createCommit'));
  if (at > 0) {
    const js = f.slice(0, at).findLast((x) => x.startsWith('JS:'));
    const k = js ? jsName(js) : '(native, called directly)';
    callees.set(k, (callees.get(k) ?? 0) + 1);
  }
}
console.log(`${ROUNDS} 1-file commits into a ${BIGDIR}-entry directory: ${perCommit(samples.length)} ms of workerd CPU per commit (${samples.length} samples at ${HZ} Hz)`);
for (const [name, n] of byCategory) console.log(`${perCommit(n)} ms  ${name}`);
console.log(`${perCommit(rest)} ms  everything else (event loop, kernel, runtime)`);
console.log('\n# the commit service by callee (inclusive)');
for (const [k, n] of [...callees].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${perCommit(n)} ms  ${k}`);
// V8 writes one perf map per workerd process (/tmp/perf-<pid>.map): ours, not kept.
for (const pid of pids) fs.rmSync(`/tmp/perf-${pid}.map`, { force: true });
