// ByteRing (the ingest's delta-base cache): every answer is the bytes last set for its key,
// recent keys are never forgotten, and keys written over are, through many wraps and refreshes.
import { describe, expect, it } from 'vitest';
import { ByteRing } from '../../../src/storage/byte-ring';
import { rng } from './helpers';

describe('ByteRing', () => {
  it('answers only what was set, keeps what was set within the last half of its capacity', () => {
    const next = rng(7);
    const cap = 4096;
    const ring = new ByteRing(cap, 256); // grows from 256 as misses and big objects show it too short
    const model = new Map<number, Uint8Array>();
    /** Bytes set (or refreshed) since each key was last written, for the recency guarantee. */
    const since = new Map<number, number>();
    let hits = 0;
    let misses = 0;
    for (let step = 0; step < 20000; step++) {
      const key = next() % 300;
      if (next() % 3 === 0) {
        const n = next() % 1200; // some over cap / 4: not kept
        const v = new Uint8Array(n);
        for (let i = 0; i < n; i++) v[i] = next() & 255;
        const kept = ring.set(key, v);
        expect(kept).toEqual(v);
        if (n > cap / 4) {
          expect(kept).toBe(v);
          continue; // an old copy may still answer: it is what was last kept
        }
        model.set(key, v);
        for (const k of since.keys()) since.set(k, since.get(k)! + n);
        since.set(key, n);
      } else {
        const got = ring.get(key);
        const want = model.get(key);
        if (got === undefined) {
          misses++;
          // Forgotten only once at least half the ring (never shorter than it started) was written after it.
          if (want !== undefined) expect(since.get(key)!).toBeGreaterThan(256 / 2);
          continue;
        }
        hits++;
        expect(want).toBeDefined();
        expect(got).toEqual(want);
        if (got.length > 0 && since.get(key)! > (cap * 3) / 4) {
          // (a refresh may have copied it forward: counted as written, as the ring does)
          for (const k of since.keys()) since.set(k, since.get(k)! + got.length);
          since.set(key, got.length);
        }
      }
    }
    expect(hits).toBeGreaterThan(200);
    expect(misses).toBeGreaterThan(100);
    expect(ring.length).toBe(cap); // the misses grew it to its capacity
  });

  it('room() results and refreshes stay right through growth and wraps (random, against a model)', () => {
    const next = rng(13);
    const ring = new ByteRing(1 << 14, 128);
    const model = new Map<number, Uint8Array>();
    let hits = 0;
    for (let step = 0; step < 30000; step++) {
      const key = next() % 200;
      const op = next() % 4;
      if (op === 0) {
        // as a delta result is made: a view of a base read, then room for the result beside it
        const base = ring.get(next() % 200);
        const n = 1 + (next() % 900);
        const v = new Uint8Array(n).map(() => next() & 255);
        const room = ring.room(n, base);
        if (room !== undefined) {
          if (base !== undefined && room.buffer === base.buffer) expect(room.byteOffset + n <= base.byteOffset || base.byteOffset + base.length <= room.byteOffset).toBe(true);
          room.set(v);
          expect(ring.set(key, room)).toEqual(v);
        } else {
          expect(ring.set(key, v)).toEqual(v);
        }
        model.set(key, v);
      } else if (op === 1) {
        const v = new Uint8Array(next() % 1500).map(() => next() & 255);
        ring.set(key, v);
        if (v.length <= (1 << 14) / 4) model.set(key, v);
        else model.delete(key); // not kept: an older copy may answer, so leave it out of the model
      } else {
        const got = ring.get(key);
        if (got === undefined || !model.has(key)) continue;
        hits++;
        expect(got).toEqual(model.get(key));
      }
    }
    expect(hits).toBeGreaterThan(1000);
    expect(ring.length).toBeGreaterThan(128);
  });

  it('grows only when a key it wrote over is asked for, and keeps what it held across the move', () => {
    const ring = new ByteRing(1024, 64);
    const v = (k: number) => new Uint8Array(16).fill(k + 1);
    for (let k = 0; k < 10; k++) ring.set(k, v(k)); // 160 bytes through 64: wrapped twice
    expect(ring.length).toBe(64);
    expect(ring.get(0)).toBeUndefined(); // written over: too short
    for (let k = 6; k < 10; k++) expect(ring.get(k)).toEqual(v(k)); // no write yet: no growth
    ring.set(10, v(10)); // grows to 128, the last 64 bytes moved to its start
    expect(ring.length).toBe(128);
    for (let k = 7; k <= 10; k++) expect(ring.get(k)).toEqual(v(k));
    for (let k = 11; k < 14; k++) ring.set(k, v(k)); // 112 bytes since key 7's: kept now
    for (let k = 7; k < 14; k++) expect(ring.get(k)).toEqual(v(k));
    expect(ring.length).toBe(128);
    ring.set(20, new Uint8Array(100).fill(9)); // over a quarter of 128: grows to 512 first
    expect(ring.length).toBe(512);
    expect(ring.get(20)).toEqual(new Uint8Array(100).fill(9));
    for (let k = 8; k < 14; k++) expect(ring.get(k)).toEqual(v(k));
  });

  it('views stay whole across a wrap: an object never straddles the end', () => {
    const ring = new ByteRing(100);
    const a = new Uint8Array(25).fill(1);
    const b = new Uint8Array(25).fill(2);
    for (let k = 0; k < 3; k++) ring.set(k, a); // 75 bytes
    ring.set(3, b); // 100
    ring.set(4, b); // wraps to 0: over key 0
    expect(ring.get(0)).toBeUndefined();
    expect(ring.get(4)).toEqual(b);
    expect(ring.get(3)).toEqual(b);
  });

  it('room(): written in place and kept without a copy, never over the view the caller reads', () => {
    const ring = new ByteRing(100);
    for (let k = 0; k < 3; k++) ring.set(k, new Uint8Array(25).fill(k + 1)); // offsets 0, 25, 50
    const zero = ring.get(0)!; // offset 0
    const r = ring.room(25, zero)!; // offset 75
    r.fill(7);
    const kept = ring.set(3, r);
    expect(kept.buffer).toBe(r.buffer);
    expect(kept.byteOffset).toBe(r.byteOffset);
    expect(ring.get(3)).toEqual(new Uint8Array(25).fill(7));
    // The front is back at offset 0: a room there would cover the view being read.
    expect(ring.room(25, zero)).toBeUndefined();
    expect(zero).toEqual(new Uint8Array(25).fill(1));
    expect(ring.room(10)).toBeDefined(); // over key 0, never kept
    ring.set(9, new Uint8Array(0));
    expect(ring.get(0)).toBeUndefined(); // what a room covered is forgotten
    expect(ring.get(1)).toEqual(new Uint8Array(25).fill(2));
  });
});
