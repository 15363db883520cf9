// Samples the V8 heap of the worker's isolate (where the Durable Objects run under local
// workerd) through the inspector protocol: Runtime.getHeapUsage every 50 ms. RSS counts the
// whole runtime; this is the number the 128 MB isolate limit is about.
import WebSocket from 'ws';

export async function heapSampler(inspectorPort) {
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  const urls = targets.map((t) => t.webSocketDebuggerUrl).filter(Boolean);
  const sockets = await Promise.all(
    urls.map(
      (u) =>
        new Promise((resolve, reject) => {
          // wrangler's inspector proxy wants an allowed Origin, which the built-in WebSocket cannot set
          const ws = new WebSocket(u, { headers: { Origin: 'http://localhost' } });
          ws.onopen = () => resolve(ws);
          ws.onerror = (e) => reject(new Error(`inspector ${u}: ${e.message ?? e.type}`));
        }),
    ),
  );
  let id = 0;
  const pending = new Map();
  for (const ws of sockets) {
    ws.onmessage = (m) => {
      const msg = JSON.parse(m.data);
      if (msg.method === 'HeapProfiler.addHeapSnapshotChunk') return; // fullGc's snapshot, not kept
      if (msg.id && pending.has(msg.id)) {
        pending.get(msg.id)(msg.result);
        pending.delete(msg.id);
      }
    };
  }
  const call = (ws, method, params = {}) =>
    new Promise((resolve) => {
      const i = ++id;
      pending.set(i, resolve);
      ws.send(JSON.stringify({ id: i, method, params }));
    });
  let peak = 0;
  let peakWithBuffers = 0; // V8 heap + ArrayBuffer backing stores (Uint8Arrays live there)
  let timer = null;
  const sample = async () => {
    const usage = await Promise.all(sockets.map((ws) => call(ws, 'Runtime.getHeapUsage')));
    const used = usage.map((r) => r?.usedSize ?? 0);
    peak = Math.max(peak, ...used);
    peakWithBuffers = Math.max(peakWithBuffers, ...usage.map((r) => (r?.usedSize ?? 0) + (r?.backingStorageSize ?? 0)));
    return used;
  };
  return {
    targets: urls.length,
    /** Asks V8 for a full GC (bounded wait: not every runtime answers it). */
    async gc() {
      const timeout = new Promise((r) => setTimeout(r, 2000));
      await Promise.race([Promise.all(sockets.map((ws) => call(ws, 'HeapProfiler.enable').then(() => call(ws, 'HeapProfiler.collectGarbage')))), timeout]);
      const used = await sample();
      // The profiler was only needed for the GC: left enabled, it stayed on through the timed
      // runs that follow (index-bench times the large pack after the small pack's heap round).
      // Whether it costs them is not settled: the large pack took 4,195 ms in that order, 3,381 ms
      // alone, and 3,658 ms in that order with this disable (one run each, quiet machine).
      await Promise.race([Promise.all(sockets.map((ws) => call(ws, 'HeapProfiler.disable'))), new Promise((r) => setTimeout(r, 2000))]);
      return used;
    },
    /**
     * A full GC that surely happened, and the heap left after it (the live heap): workerd does
     * not act on HeapProfiler.collectGarbage (gc() above, kept as it was for the existing
     * columns; the "rest" it reads is the heap as found, garbage of earlier runs included), but a
     * heap snapshot collects everything first. The snapshot's chunks are dropped. Not for timed
     * paths: it takes seconds.
     */
    async fullGc() {
      await Promise.all(sockets.map((ws) => call(ws, 'HeapProfiler.enable')));
      await Promise.all(sockets.map((ws) => call(ws, 'HeapProfiler.takeHeapSnapshot', { reportProgress: false })));
      const used = await sample();
      await Promise.race([Promise.all(sockets.map((ws) => call(ws, 'HeapProfiler.disable'))), new Promise((r) => setTimeout(r, 2000))]);
      return used;
    },
    start() {
      peak = 0;
      peakWithBuffers = 0;
      timer = setInterval(() => void sample(), 50);
    },
    async stop() {
      clearInterval(timer);
      await sample();
      return peak;
    },
    /** Peak of heap + ArrayBuffer memory since start() (after stop() or halt()). */
    peakWithBuffers: () => peakWithBuffers,
    close() {
      for (const ws of sockets) ws.close();
    },
  };
}
