import { it } from 'vitest';
import zlib from 'node:zlib';
import { inflateAt, __setFast } from '../../../src/pack/inflate';

it('probe', () => {
  let seed = 5;
  const rnd = () => { seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0; return seed; };
  const words = ['alpha', 'beta', 'gamma', 'delta', 'pack', 'tree', 'commit', 'const', 'return', 'function', '{', '}', '\n'];
  for (const size of [100, 300, 1000, 2000, 4000, 8000, 16000]) {
    const datas: Uint8Array[] = [];
    for (let i = 0; i < 200; i++) { let s = ''; while (s.length < size) s += words[rnd() % words.length] + ' '; datas.push(new TextEncoder().encode(s.slice(0, size))); }
    const zs = datas.map((d) => { const z = zlib.deflateSync(d); const b = new Uint8Array(z.length + 2000); b.set(z); return b; });
    const best = { info: Infinity, fast: Infinity };
    for (let round = 0; round < 30; round++) {
      for (const mode of ['info', 'fast'] as const) {
        __setFast(mode === 'info' ? -1 : 1 << 30);
        const t = performance.now();
        for (let i = 0; i < zs.length; i++) inflateAt(zs[i], 0, size);
        best[mode] = Math.min(best[mode], (performance.now() - t) / zs.length * 1000);
      }
    }
    console.log(`size ${size}: info ${best.info.toFixed(1)}us fast ${best.fast.toFixed(1)}us`);
  }
});
