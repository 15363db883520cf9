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
import { connectInspector, summarizeCpuProfile, topLines } from './inspector.mjs';
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
const inspector = await connectInspector(port);
const inspect = inspector.call;

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
  inspector.close();
  await worker.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
}

function report({ profile }, ms) {
  fs.mkdirSync(path.join(ROOT, 'bench/out'), { recursive: true });
  fs.writeFileSync(path.join(ROOT, 'bench/out/commit.cpuprofile'), JSON.stringify(profile));
  const { self, inclusive, total, idle } = summarizeCpuProfile(profile);
  const per = (us) => (us / 1000 / ROUNDS).toFixed(2).padStart(7);
  console.log(`${ROUNDS} commits in ${ms} ms wall (${(ms / ROUNDS).toFixed(1)} ms each); sampled busy ${per(total - idle)} ms per commit`);
  const n = Number(process.env.PROFILE_TOP ?? 40);
  const fmt = (us) => `${per(us)} ms`;
  console.log('\n# self time per commit\n' + topLines(self, n, fmt));
  console.log('\n# inclusive time per commit\n' + topLines(inclusive, n, fmt));
}
