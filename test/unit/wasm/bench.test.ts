// Micro-benchmark: each Wasm function against its TS twin inside workerd
// (MB/s and ratio on small pack-like objects and on a large buffer, plus what
// accel.* in 'auto' mode gets). Prints the table; asserts only that every pair
// was measured, since timings depend on the machine. `npm run bench` runs the
// full version (runMicroBench() with bigger inputs and the size sweep).
import { expect, it } from 'vitest';
import { runMicroBench } from '../../../src/wasm/bench';

it('prints MB/s for each function, wasm vs TS twin (quick)', () => {
  const t0 = performance.now();
  const { rows } = runMicroBench({ quick: true });
  expect(rows.map((r) => r.fn)).toEqual([
    'sha1', 'sha1', 'hashObject', 'hashObject', 'inflateAt', 'inflateAt', 'applyDelta', 'applyDelta',
    'createDelta', 'createDelta', 'crc32', 'crc32', 'adler32', 'adler32', 'deflate L1', 'deflate L1', 'deflate L6', 'deflate L6',
  ]);
  for (const r of rows) {
    expect(r.wasmMBs).toBeGreaterThan(0);
    expect(r.tsMBs).toBeGreaterThan(0);
  }
  expect(performance.now() - t0).toBeLessThan(10_000); // ~3 s on an idle machine
});

it('answers over fetch for `npm run bench`', async () => {
  const { handleMicroBenchRequest } = await import('../../../src/wasm/bench');
  const res = handleMicroBenchRequest(new Request('http://x/_admin/bench/wasm?quick=1&sweep=0&only=adler32'));
  const body = (await res.json()) as { rows: { fn: string }[]; sweep: unknown[]; lines: string[] };
  expect(body.rows.map((r) => r.fn)).toEqual(['adler32', 'adler32']);
  expect(body.sweep).toEqual([]);
  expect(body.lines[0]).toMatch(/^function/);
});
