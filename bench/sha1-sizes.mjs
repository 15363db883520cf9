// SHA-1 (git object ids) per input size inside workerd: Wasm against node:crypto's one-shot,
// createHash and crypto.subtle (bench/worker/sha1-sizes.ts). Prints µs per id and each native
// way's speed against Wasm (> 1: Wasm is faster). Usage: node bench/sha1-sizes.mjs [repeats]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startArbor } from './lib.mjs';

const repeats = Number(process.argv[2] ?? 3);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'arbor-sha1-'));
const arbor = await startArbor({ persist: tmp, sampler: false });
try {
  const runs = [];
  for (let r = 0; r < repeats; r++) {
    const res = await fetch(`${arbor.origin}/v1/admin/bench/sha1`, { headers: { authorization: `Bearer ${arbor.admin}` } });
    if (res.status !== 200) throw new Error(`${res.status} ${await res.text()}`);
    runs.push(await res.json());
  }
  // The best of the repeats per size and way (each is already the best of its rounds).
  const rows = runs[0].map((row, i) => ({ size: row.size, us: Object.fromEntries(Object.keys(row.us).map((k) => [k, Math.min(...runs.map((x) => x[i].us[k]))])) }));
  const label = (n) => (n >= 1 << 20 ? `${n >> 20} MiB` : n >= 1024 ? `${n >> 10} KiB` : `${n} B`);
  console.log(`SHA-1 object ids in workerd, µs per id (best of ${repeats} x 7 rounds; load ${os.loadavg()[0].toFixed(2)})`);
  console.log('| size | Wasm | native one-shot | createHash | crypto.subtle (awaited) | one-shot ÷ Wasm time | createHash ÷ Wasm |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|');
  const f = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(2));
  for (const { size, us } of rows) console.log(`| ${label(size)} | ${f(us.wasm)} | ${f(us.oneshot)} | ${f(us.createHash)} | ${f(us.subtle)} | ${(us.oneshot / us.wasm).toFixed(2)} | ${(us.createHash / us.wasm).toFixed(2)} |`);
} finally {
  await arbor.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
}
