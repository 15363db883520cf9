// Micro-benchmark: each Wasm function against its TS twin inside workerd
// (MB/s and ratio, small pack objects and large buffers). Prints the table;
// asserts only that every pair was measured (timings vary by machine).
import { expect, it } from 'vitest';
import { runMicroBench } from '../../../src/wasm/bench';

it('prints MB/s for each function, wasm vs TS twin', () => {
  const t0 = performance.now();
  const rows = runMicroBench({ quick: true });
  expect(rows.length).toBe(12);
  for (const r of rows) expect(r.wasmMBs).toBeGreaterThan(0);
  expect(performance.now() - t0).toBeLessThan(20_000);
});
