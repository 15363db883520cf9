// CPU profile of one-file commits through the commit API into a directory of PROFILE_BIGDIR
// (10,000) entries, under local workerd, through the inspector (as push-profile.mjs does for a
// push). Builds the directory (not profiled), then profiles PROFILE_ROUNDS (50) commits and prints
// the functions with the most self and inclusive time per commit; the raw profile goes to
// bench/out/commit.cpuprofile (open it in Chrome DevTools).
// PROFILE_HISTORY=N instead profiles the commits N-50..N of the 1,000-commit workload (a 2 KB
// JSON state file updated and one small file added to log/ per commit), to see what grows with
// history.
//   node bench/commit-profile.mjs
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { apiCaller, ROOT } from './lib.mjs';

const BIGDIR = Number(process.env.PROFILE_BIGDIR ?? 10_000);
const ROUNDS = Number(process.env.PROFILE_ROUNDS ?? 50);
const HISTORY = Number(process.env.PROFILE_HISTORY ?? 0);
const port = Number(process.env.PROFILE_INSPECTOR_PORT ?? 9433);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'arbor-cprof-'));
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= 'false';
process.env.WRANGLER_LOG ??= 'error';
const { unstable_startWorker } = await import('wrangler');
const admin = 'prof-' + Math.random().toString(36).slice(2);
const worker = await unstable_startWorker({
  config: path.join(ROOT, 'bench/wrangler.toml'),
  bindings: { ARBOR_ADMIN_TOKEN: { type: 'secret_text', value: admin } },
  dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: { port }, persist: path.join(tmp, 'state'), watch: false, liveReload: false },
});
await worker.ready;
const origin = (await worker.url).origin;
await fetch(origin + '/');
const targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
const ws = await new Promise((resolve, reject) => {
  const s = new WebSocket(targets.find((t) => t.webSocketDebuggerUrl).webSocketDebuggerUrl, { headers: { Origin: 'http://localhost' } });
  s.onopen = () => resolve(s);
  s.onerror = (e) => reject(e);
});
let id = 0;
const pending = new Map();
ws.onmessage = (m) => {
  const msg = JSON.parse(m.data);
  if (msg.id && pending.has(msg.id)) (pending.get(msg.id)(msg.result), pending.delete(msg.id));
};
const inspect = (method, params = {}) => new Promise((r) => { const i = ++id; pending.set(i, r); ws.send(JSON.stringify({ id: i, method, params })); });

try {
  const call = apiCaller({ origin, admin });
  const repo = `/v1/repos/prof/c${Date.now().toString(36)}`;
  await call('POST', repo);
  await call('PATCH', `${repo}/maintenance`, { auto: false });
  const author = { name: 'Agent', email: 'agent@arbor.test' };
  const commit = (changes) => call('POST', `${repo}/commits`, { branch: 'main', message: 'agent step', author, changes });
  let step;
  if (HISTORY > 0) {
    const state = (i) => JSON.stringify({ step: i, items: Array.from({ length: 40 }, (_, k) => ({ k, v: `value-${(i * 31 + k) % 997}` })) });
    step = (i) => commit([
      { action: i === 0 ? 'create' : 'update', path: 'state.json', content: state(i) },
      { action: 'create', path: `log/${String(i).padStart(5, '0')}.txt`, content: `step ${i}\n` },
    ]);
    for (let i = 0; i < HISTORY - ROUNDS; i++) await step(i);
  } else {
    for (let i = 0; i < BIGDIR; i += 1000) {
      await commit(Array.from({ length: Math.min(1000, BIGDIR - i) }, (_, j) => ({ action: 'create', path: `big/entry-${String(i + j).padStart(6, '0')}.txt`, content: `entry ${i + j}\n` })));
    }
    for (let r = 0; r < 3; r++) await commit([{ action: 'create', path: `big/warm-${r}.txt`, content: `warm ${r}\n` }]);
    step = (r) => commit([{ action: 'create', path: `big/new-${r}.txt`, content: `new ${r}\n` }]);
  }
  await inspect('Profiler.enable');
  await inspect('Profiler.setSamplingInterval', { interval: 100 });
  await inspect('Profiler.start');
  const t0 = Date.now();
  const base = HISTORY > 0 ? HISTORY - ROUNDS : 0;
  for (let r = 0; r < ROUNDS; r++) await step(base + r);
  const ms = Date.now() - t0;
  report(await inspect('Profiler.stop'), ms);
} finally {
  ws.close();
  await worker.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
}

function report({ profile }, ms) {
  fs.mkdirSync(path.join(ROOT, 'bench/out'), { recursive: true });
  fs.writeFileSync(path.join(ROOT, 'bench/out/commit.cpuprofile'), JSON.stringify(profile));
  const dt = new Map();
  for (let i = 0; i < profile.samples.length; i++) dt.set(profile.samples[i], (dt.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const key = (n) => `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber + 1}`;
  const self = new Map();
  const incl = new Map();
  let total = 0;
  for (const [nid, us] of dt) {
    total += us;
    const k = key(nodes.get(nid));
    self.set(k, (self.get(k) ?? 0) + us);
    const seen = new Set();
    for (let p = nid; p !== undefined; p = parent.get(p)) {
      const pk = key(nodes.get(p));
      if (seen.has(pk)) continue;
      seen.add(pk);
      incl.set(pk, (incl.get(pk) ?? 0) + us);
    }
  }
  const idle = [...self].filter(([k]) => k.startsWith('(idle)')).reduce((a, [, v]) => a + v, 0);
  const per = (us) => (us / 1000 / ROUNDS).toFixed(2).padStart(7);
  console.log(`${ROUNDS} commits in ${ms} ms wall (${(ms / ROUNDS).toFixed(1)} ms each); sampled busy ${per(total - idle)} ms per commit`);
  const top = (m, n) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${per(v)} ms  ${k}`).join('\n');
  const n = Number(process.env.PROFILE_TOP ?? 40);
  console.log('\n# self time per commit\n' + top(self, n));
  console.log('\n# inclusive time per commit\n' + top(new Map([...incl].filter(([k]) => !k.startsWith('(root)') && !k.startsWith('(idle)'))), n));
}
