import { it } from 'vitest';
import { PackParser } from '../../../src/pack';
import { __setFast } from '../../../src/pack/inflate';
import { syntheticPackForProbe } from './bench.test';

it('probe', () => {
  const pack = syntheticPackForProbe(20000);
  const best: Record<string, number> = {};
  for (let round = 0; round < 5; round++) {
    for (const fast of [-1, 1024, 4096, 8192, 16384, 65536]) {
      __setFast(fast);
      const t = performance.now();
      const q = new PackParser(); for (let at = 0; at < pack.length; at += 65536) q.push(pack.subarray(at, at + 65536)); q.end();
      const d = performance.now() - t;
      best[fast] = Math.min(best[fast] ?? Infinity, d);
    }
  }
  console.log(JSON.stringify(best));
});
