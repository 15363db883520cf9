// Helpers shared by the bench scripts (run.mjs, index-bench.mjs): the generated repository
// sizes, medians, workerd's RSS sampler and starting Arbor under local workerd with the
// inspector open (for the isolate heap sampler in heap.mjs), and the largest SQLite value
// Arbor stored.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { heapSampler } from './heap.mjs';

// wrangler's local observability collector (on by default under `wrangler dev` since 4.x): each
// request's trace, one span per SQL statement, is streamed to a JS tail worker in the same
// workerd. A perf profile of a 1-file commit into a 10,000-entry directory put it at ~7-10 of
// ~30 ms of workerd CPU (bench/commit-perf.mjs); no deployed Worker runs it, and `npm start` turns
// it off too. Every bench runs without it unless X_LOCAL_OBSERVABILITY=true, and prints which.
process.env.X_LOCAL_OBSERVABILITY ??= 'false';
export const collectorNote = () => `wrangler's local trace collector: ${process.env.X_LOCAL_OBSERVABILITY === 'false' ? 'off' : 'ON'} (X_LOCAL_OBSERVABILITY)`;

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const SIZES = {
  small: { commits: 800, files: 1500, perCommit: 6, binBytes: 5000 }, // ~20k objects, ~7.7 MB pack
  large: { commits: 4000, files: 9000, perCommit: 10, binBytes: 13000 }, // ~115k+ objects, ~80 MB pack
};

/** BENCH_SIZES=small,large (default both). */
export const benchSizes = () => (process.env.BENCH_SIZES ?? 'small,large').split(',').filter((s) => SIZES[s]);

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The workerd processes below this one: [{pid, rss (KiB)}]. */
export function workerdProcesses() {
  const out = execFileSync('ps', ['-eo', 'pid,ppid,rss,comm']).toString().trim().split('\n').slice(1);
  const rows = out.map((l) => l.trim().split(/\s+/)).map(([pid, ppid, rss, comm]) => ({ pid: +pid, ppid: +ppid, rss: +rss, comm }));
  const mine = new Set([process.pid]);
  for (let changed = true; changed; ) {
    changed = false;
    for (const r of rows) if (mine.has(r.ppid) && !mine.has(r.pid)) (mine.add(r.pid), (changed = true));
  }
  return rows.filter((r) => mine.has(r.pid) && r.comm.includes('workerd'));
}

/** Peak RSS (KiB) of workerd processes below this one, sampled every 100 ms. */
export function rssSampler() {
  let peak = 0;
  const tick = () => {
    try {
      peak = Math.max(peak, workerdProcesses().reduce((a, r) => Math.max(a, r.rss), 0));
    } catch { /* ps raced a dying process */ }
  };
  const h = setInterval(tick, 100);
  return { reset: () => { peak = 0; }, peak: () => (tick(), peak), stop: () => clearInterval(h) };
}

/** CPU ms (user + system) used so far by the workerd processes below this one: unlike wall
 *  time, it does not grow with what other processes on a shared machine are doing. */
export function workerdCpuMs() {
  const tick = 1000 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
  let ms = 0;
  for (const { pid } of workerdProcesses()) {
    try {
      const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ms += (Number(f[11]) + Number(f[12])) * tick; // utime, stime
    } catch { /* gone */ }
  }
  return ms;
}

/**
 * Arbor under local workerd (wrangler's unstable_startWorker), state in `persist`. With an
 * `inspectorPort`, the isolate's heap is sampled through the inspector (`heap`); without, no
 * inspector is opened (`sampler: false`: opened, left for the caller to attach).
 */
export async function startArbor({ persist, inspectorPort, sampler = true }) {
  process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= 'false';
  process.env.WRANGLER_LOG ??= 'error';
  process.stderr.write(collectorNote() + '\n');
  const { unstable_startWorker } = await import('wrangler');
  const admin = 'bench-' + randomBytes(8).toString('hex');
  const worker = await unstable_startWorker({
    config: path.join(ROOT, 'bench/wrangler.toml'), // Arbor plus the benchmark routes
    bindings: {
      ARBOR_ADMIN_TOKEN: { type: 'secret_text', value: admin },
      // the import bench imports from a git http-backend on 127.0.0.1
      ARBOR_ALLOW_PRIVATE_NETWORKS: { type: 'plain_text', value: '1' },
      ...(process.env.BENCH_ACCEL ? { ARBOR_ACCEL: { type: 'plain_text', value: process.env.BENCH_ACCEL } } : {}),
      // housekeeping runs in parts of this many objects (bench/housekeeping.mjs BENCH_PARTS)
      ...(process.env.BENCH_HK_MAX_RUN_OBJECTS ? { ARBOR_HK_MAX_RUN_OBJECTS: { type: 'plain_text', value: process.env.BENCH_HK_MAX_RUN_OBJECTS } } : {}),
    },
    dev: { server: { hostname: '127.0.0.1', port: 0 }, inspector: inspectorPort ? { port: inspectorPort } : false, persist, watch: false, liveReload: false },
  });
  await worker.ready;
  const origin = (await worker.url).origin;
  await fetch(origin + '/'); // make sure the isolate exists before attaching the inspector
  let heap = null;
  if (inspectorPort && sampler) try {
    heap = await heapSampler(inspectorPort);
  } catch (e) {
    process.stderr.write(`heap sampling unavailable: ${e.message}\n`);
  }
  return { origin, admin, heap, stop: () => (heap?.close(), worker.dispose()) };
}

/**
 * The largest value stored in any SQLite database under `dir` (the Durable Objects' storage that
 * local workerd persists), by bytes: the platform refuses values over 2 MB, local workerd does
 * not, so the bench checks what Arbor actually wrote. Read after workerd has stopped. Uses
 * node:sqlite (Node 22); answers null where it is missing.
 */
export async function largestSqliteValue(dir) {
  let DatabaseSync;
  const warn = process.emitWarning;
  process.emitWarning = () => {}; // node:sqlite's "experimental" warning, in the middle of the table
  try {
    ({ DatabaseSync } = await import('node:sqlite'));
  } catch {
    return null;
  } finally {
    process.emitWarning = warn;
  }
  const files = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.sqlite')) files.push(p);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  let best = { bytes: 0, where: 'none', databases: files.length };
  for (const f of files) {
    const db = new DatabaseSync(f, { readOnly: true });
    try {
      const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all().map((r) => r.name);
      for (const t of tables) {
        for (const { name: c } of db.prepare(`PRAGMA table_info("${t}")`).all()) {
          const r = db.prepare(`SELECT max(length(CAST("${c}" AS BLOB))) AS n FROM "${t}"`).get();
          if ((r?.n ?? 0) > best.bytes) best = { bytes: r.n, where: `${t}.${c}`, databases: files.length };
        }
      }
    } finally {
      db.close();
    }
  }
  return best;
}

/**
 * fetch, once more if the pooled keep-alive connection it reused turned out closed before any
 * answer (undici: UND_ERR_SOCKET "other side closed", or EPIPE/ECONNRESET on writing the request
 * after a minute of generating a repository). Local workerd drops connections left idle
 * during a long step (a 20 s push of 100,000 files), and undici does not retry a POST itself.
 * A bench request sent twice at worst adds a commit or a repository: fine for a benchmark.
 */
export async function benchFetch(url, init) {
  // Several times: with many requests in flight, every pooled connection may have been dropped
  // (the bench's agents leave theirs idle while git clones), and a retry can draw another.
  for (let attempt = 0; ; attempt++) {
    try {
      return await fetch(url, init);
    } catch (e) {
      const closed = (e?.cause?.code === 'UND_ERR_SOCKET' && /other side closed/.test(e.cause.message ?? '')) || e?.cause?.code === 'EPIPE' || e?.cause?.code === 'ECONNRESET';
      if (!closed || attempt >= 8) throw e;
    }
  }
}

/** A JSON caller of Arbor's REST API (admin token unless given): the parsed answer, or throws. */
export function apiCaller(arbor) {
  return async (method, p, body, token = arbor.admin) => {
    const res = await benchFetch(arbor.origin + p, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : null; // some routes answer 204
  };
}
