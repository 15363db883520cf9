// Micro-benchmark: each Wasm function against its TS twin inside workerd
// (MB/s and ratio on small pack-like objects and on a large buffer, plus what
// accel.* in 'auto' mode gets) and against a pure-JS implementation. Prints
// the table; asserts only that every pair was measured, since timings depend
// on the machine. `npm run bench` runs the full version (runMicroBench() with
// bigger inputs and the size sweep).
import { expect, it } from 'vitest';
import { runMicroBench } from '../../../bench/worker/micro';

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
    // The pure-JS column: a finite positive throughput and the Wasm/pure ratio made from it.
    expect(r.pureMBs).toBeGreaterThan(0);
    expect(Number.isFinite(r.pureMBs)).toBe(true);
    expect(r.pureRatio).toBeGreaterThan(0);
    expect(r.pureRatio).toBeCloseTo(r.wasmMBs / r.pureMBs, 6);
    expect(r.pureUsPerCall).toBeGreaterThan(0);
  }
  expect([...new Set(rows.map((r) => `${r.fn}: ${r.pureName}`))]).toEqual([
    'sha1: sha.js', 'hashObject: sha.js', 'inflateAt: pako', 'applyDelta: delta.ts', 'createDelta: delta.ts',
    'crc32: crc32Js', 'adler32: adler32Ts', 'deflate L1: pako', 'deflate L6: pako',
  ]);
  // Guards that quick mode stays quick (~4-5 s idle; 16.5 s measured with the load average at 10 on 2
  // cores; the full run takes 20 s+ idle), not a speed target: timings are the bench's business.
  expect(performance.now() - t0).toBeLessThan(40_000);
});

it('answers over fetch for `npm run bench`', async () => {
  const { handleMicroBenchRequest } = await import('../../../bench/worker/micro');
  const res = handleMicroBenchRequest(new Request('http://x/_admin/bench/wasm?quick=1&sweep=0&only=adler32'));
  const body = (await res.json()) as { rows: { fn: string }[]; sweep: unknown[]; lines: string[] };
  expect(body.rows.map((r) => r.fn)).toEqual(['adler32', 'adler32']);
  expect(body.sweep).toEqual([]);
  expect(body.lines[0]).toMatch(/^function .* pure MB\/s  wasm\/pure /);
});

it('streams a line per function group, then the whole report (stream=1)', async () => {
  const { handleMicroBenchRequest } = await import('../../../bench/worker/micro');
  const res = handleMicroBenchRequest(new Request('http://x/_admin/bench/wasm?stream=1&quick=1&sweep=0&only=crc32'));
  expect(res.headers.get('content-type')).toBe('application/x-ndjson');
  const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
  expect(lines.map((l) => Object.keys(l).sort().join(','))).toEqual(['groups', 'group,rows,sweep', 'lines,rows,sweep']);
  expect(lines[0].groups).toEqual(['crc32']);
  expect(lines[1].rows.map((r: { fn: string }) => r.fn)).toEqual(['crc32', 'crc32']);
  expect(lines[2].rows).toEqual(lines[1].rows);
  expect(lines[2].lines[0]).toMatch(/^function /);
});

it('streams only the functions `only` names, also inside a group (only=deflate L1)', async () => {
  const { handleMicroBenchRequest } = await import('../../../bench/worker/micro');
  const res = handleMicroBenchRequest(new Request('http://x/_admin/bench/wasm?stream=1&quick=1&sweep=0&only=deflate%20L1'));
  const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
  expect(lines[0].groups).toEqual(['deflate']);
  expect(lines[lines.length - 1].rows.map((r: { fn: string }) => r.fn)).toEqual(['deflate L1', 'deflate L1']);
});
