// The V8 inspector of a local workerd (wrangler's inspector proxy), shared by the profiling
// benches: push-profile.mjs, commit-profile.mjs, housekeeping-memory.mjs.
import WebSocket from 'ws';

/**
 * Connects to the first debuggable target on `port`. `call(method, params, ms?)` answers the
 * result, or the error object; with `ms` it rejects after that long (workerd never answers some
 * methods, e.g. HeapProfiler.collectGarbage). `on(fn)` sees every event.
 */
export async function connectInspector(port) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
  // wrangler's proxy wants an allowed Origin, which the built-in WebSocket cannot set
  const ws = await new Promise((resolve, reject) => {
    const s = new WebSocket(targets.find((t) => t.webSocketDebuggerUrl).webSocketDebuggerUrl, { headers: { Origin: 'http://localhost' } });
    s.onopen = () => resolve(s);
    s.onerror = (e) => reject(e);
  });
  let id = 0;
  const pending = new Map();
  const listeners = [];
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.id && pending.has(msg.id)) (pending.get(msg.id)(msg.result ?? msg.error), pending.delete(msg.id));
    else if (msg.method) for (const fn of listeners) fn(msg);
  };
  const call = (method, params = {}, ms = 0) => new Promise((resolve, reject) => {
    const i = ++id;
    const timer = ms ? setTimeout(() => (pending.delete(i), reject(new Error(`${method}: no answer in ${ms} ms`))), ms) : null;
    pending.set(i, (r) => (timer && clearTimeout(timer), resolve(r)));
    ws.send(JSON.stringify({ id: i, method, params }));
  });
  return { call, on: (fn) => listeners.push(fn), close: () => ws.close() };
}

/**
 * Self and inclusive sampled time (µs) per function ("name file:line") of a Profiler.stop
 * profile; `total` includes `idle`. workerd does not mark the gaps between requests as idle:
 * they are charged to whatever ran last, so a large entry there is not always a real cost.
 */
export function summarizeCpuProfile(profile) {
  const dt = new Map(); // node id -> sampled microseconds
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
    const seen = new Set(); // a recursive function counts once per sample
    for (let p = nid; p !== undefined; p = parent.get(p)) {
      const pk = key(nodes.get(p));
      if (seen.has(pk)) continue;
      seen.add(pk);
      incl.set(pk, (incl.get(pk) ?? 0) + us);
    }
  }
  const idle = [...self].filter(([k]) => k.startsWith('(idle)')).reduce((a, [, v]) => a + v, 0);
  const inclusive = new Map([...incl].filter(([k]) => !k.startsWith('(root)') && !k.startsWith('(idle)')));
  return { self, inclusive, total, idle };
}

/** The n largest entries of a µs map, one per line, each as fmt(µs) + the function. */
export function topLines(map, n, fmt) {
  return [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${fmt(v)}  ${k}`).join('\n');
}
