// inOidOrder (the order push rows are inserted in): the same order as a plain sort, with
// uniformly random ids and with many ids sharing their first 16 bits (a crafted pack).
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../../src/pack';
import { inOidOrder } from '../../../src/storage/entries';
import { rng } from './helpers';

function ids(n: number, seed: number, prefix?: string): string[] {
  const next = rng(seed);
  const b = new Uint8Array(20);
  return Array.from({ length: n }, () => {
    for (let i = 0; i < 20; i++) b[i] = next() & 255;
    const h = bytesToHex(b);
    return prefix ? prefix + h.slice(prefix.length) : h;
  });
}

describe('inOidOrder', () => {
  it('sorts entry numbers like Array.prototype.sort sorts their ids, keeping every entry', () => {
    const hex = [...ids(30_000, 1), ...ids(300, 2, 'abcd'), ...ids(10, 3, 'abce'), ...ids(5, 4, '0000'), ...ids(3, 5, 'ffff')];
    hex.push(hex[7]); // the same id twice stays twice
    const oids = new Uint8Array(hex.length * 20);
    hex.forEach((h, i) => hexToBytes(h, oids, i * 20));
    const entries = Int32Array.from(hex.keys()).reverse();
    const got = inOidOrder(oids, entries);
    expect(got.length).toBe(hex.length);
    expect([...got].map((i) => hex[i])).toEqual([...hex].sort());
    expect(new Set(got).size).toBe(hex.length);
    expect(inOidOrder(oids, new Int32Array(0)).length).toBe(0);
  });

  it('sorts at every bucket width (8 to 16 bits, by count), ids sharing a first byte included', () => {
    for (const [n, seed] of [[257, 6], [300, 7], [1000, 8], [5000, 9], [70_000, 10]]) {
      const hex = [...ids(n, seed), ...ids(40, seed + 100, 'ab'), ...ids(20, seed + 200, 'abc')];
      const oids = new Uint8Array(hex.length * 20);
      hex.forEach((h, i) => hexToBytes(h, oids, i * 20));
      const got = inOidOrder(oids, Int32Array.from(hex.keys()));
      expect([...got].map((i) => hex[i])).toEqual([...hex].sort());
    }
  });
});
