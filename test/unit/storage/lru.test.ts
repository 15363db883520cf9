// ByteLru: evicts least recently used entries first, checked against a plain reference model
// over many random gets, sets (new and existing keys) and clears.
import { describe, expect, it } from 'vitest';
import { ByteLru } from '../../../src/storage/lru';
import { rng } from './helpers';

/** The obvious LRU: an array in use order, oldest first. */
class Model {
  entries: [number, Uint8Array][] = [];
  constructor(readonly max: number) {}
  get(k: number): Uint8Array | undefined {
    const i = this.entries.findIndex((e) => e[0] === k);
    if (i < 0) return undefined;
    const [e] = this.entries.splice(i, 1);
    this.entries.push(e);
    return e[1];
  }
  set(k: number, v: Uint8Array): void {
    if (v.length > this.max / 4) return;
    const i = this.entries.findIndex((e) => e[0] === k);
    if (i >= 0) this.entries.splice(i, 1);
    this.entries.push([k, v]);
    let bytes = this.entries.reduce((a, e) => a + e[1].length, 0);
    while (bytes > this.max) bytes -= this.entries.shift()![1].length;
  }
}

describe('ByteLru', () => {
  it('matches a reference LRU through many evictions, re-sets and clears', () => {
    const next = rng(11);
    const lru = new ByteLru<number, Uint8Array>(1000);
    const model = new Model(1000);
    for (let step = 0; step < 20_000; step++) {
      const k = next() % 60;
      const op = next() % 100;
      if (op < 45) {
        const v = new Uint8Array(1 + (next() % 300));
        lru.set(k, v);
        model.set(k, v);
      } else if (op < 99) {
        expect(lru.get(k), `step ${step} key ${k}`).toBe(model.get(k));
      } else {
        lru.clear();
        model.entries = [];
      }
    }
    for (let k = 0; k < 60; k++) expect(lru.get(k)).toBe(model.get(k));
  });
});
