// Throughput of PackParser inside workerd. Prints MB/s; asserts only a very
// loose floor so a slow CI machine does not fail it.
import { describe, expect, it } from 'vitest';
import { PackParser, PackWriter, createDelta, type BaseTypeNum } from '../../../src/pack';
import { concat, enc, fixturePack, rng } from './helpers';

function timeParse(pack: Uint8Array, chunk: number): { ms: number; entries: number } {
  const t0 = performance.now();
  const p = new PackParser();
  let entries = 0;
  for (let at = 0; at < pack.length; at += chunk) entries += p.push(pack.subarray(at, at + chunk)).length;
  entries += p.end().entries.length;
  return { ms: performance.now() - t0, entries };
}

/** A repository-like pack: commits, trees, text blobs and ofs-deltas between blob versions. */
export function syntheticPackForProbe(objects: number): Uint8Array { return syntheticPack(objects); }
function syntheticPack(objects: number): Uint8Array {
  const rand = rng(42);
  const words = ['alpha', 'beta', 'gamma', 'delta', 'pack', 'tree', 'commit', 'const', 'return', 'function', '{', '}'];
  const text = (lines: number) => {
    let s = '';
    for (let i = 0; i < lines; i++) {
      const n = 3 + (rand() % 8);
      for (let k = 0; k < n; k++) s += words[rand() % words.length] + ' ';
      s += '\n';
    }
    return enc(s);
  };
  const w = new PackWriter(objects, { level: 6 });
  const parts = [w.header()];
  let written = 0;
  while (written < objects) {
    const kind = rand() % 10;
    if (kind < 2) {
      const c = enc(`tree ${'a'.repeat(40)}\nparent ${'b'.repeat(40)}\nauthor A <a@x> 1700000000 +0000\ncommitter A <a@x> 1700000000 +0000\n\nmessage ${written}\n`);
      parts.push(w.object(1 as BaseTypeNum, c));
      written++;
    } else if (kind < 4) {
      const t: Uint8Array[] = [];
      for (let i = 0, n = 5 + (rand() % 40); i < n; i++) t.push(enc(`100644 file${i}.ts\0`), new Uint8Array(20).fill(i));
      parts.push(w.object(2, concat(...t)));
      written++;
    } else {
      const base = text(20 + (rand() % 400));
      parts.push(w.object(3, base));
      const baseOffset = w.lastOffset;
      written++;
      if (written < objects && kind < 8) {
        const lines = new TextDecoder().decode(base).split('\n');
        lines.splice(rand() % lines.length, 1, 'an edited line');
        parts.push(w.ofsDelta(baseOffset, createDelta(base, enc(lines.join('\n')))));
        written++;
      }
    }
  }
  parts.push(w.finish());
  return concat(...parts);
}

describe('PackParser throughput', () => {
  it('parses the big fixture and a synthetic 20k-object pack', () => {
    const big = fixturePack('big');
    timeParse(big, 1 << 16); // warm-up
    const r1 = timeParse(big, 1 << 16);
    const mb1 = big.length / 1e6 / (r1.ms / 1000);
    console.log(`big fixture: ${(big.length / 1e6).toFixed(2)} MB, ${r1.entries} objects in ${r1.ms.toFixed(1)} ms = ${mb1.toFixed(0)} MB/s`);

    const syn = syntheticPack(20_000);
    timeParse(syn, 1 << 16);
    const r2 = timeParse(syn, 1 << 16);
    const mb2 = syn.length / 1e6 / (r2.ms / 1000);
    console.log(
      `synthetic: ${(syn.length / 1e6).toFixed(2)} MB, ${r2.entries} objects in ${r2.ms.toFixed(1)} ms = ` +
        `${mb2.toFixed(1)} MB/s, ${((r2.entries / r2.ms) * 1000).toFixed(0)} objects/s`,
    );
    expect(r2.entries).toBe(20_000);
    expect(mb1).toBeGreaterThan(1);
  });
});
