// The accelerator switch: 'wasm' and 'ts' force a path, 'auto' picks per
// function and size; every mode gives the same answers. Also: the module
// loads in workerd, stays small, and survives large inputs (its instance is
// dropped and recreated when its memory grew past the retention limit).
import * as zlib from 'node:zlib';
import { afterEach, describe as suite, expect, it } from 'vitest';
import { applyDelta, createDelta } from '../../../../src/codec/delta';
import { NeedMoreInput, PackError } from '../../../../src/codec/errors';
import { accel, getAccelerator, setAccelerator, wasmInflateAt, wasmMemoryBytes, wasmSha1, type AcceleratorMode } from '../../../../src/codec';
import wasmModule from '../../../../src/codec/arbor.wasm';
import { randomBytes, rng, textBytes } from './helpers';

const rand = rng(99);

afterEach(() => setAccelerator('auto'));

suite('accelerator switch', () => {
  it('defaults to auto and rejects unknown modes', () => {
    expect(getAccelerator()).toBe('auto');
    expect(() => setAccelerator('fast' as AcceleratorMode)).toThrow(/unknown accelerator mode/);
    setAccelerator('ts');
    expect(getAccelerator()).toBe('ts');
  });

  it('every mode gives the same results and errors, small and large inputs', () => {
    const inputs = [0, 40, 300, 3000, 50_000, 600_000].map((n) => {
      const data = textBytes(n, rand);
      const target = data.slice();
      if (n) target[n >> 1] ^= 1;
      return { n, data, z: new Uint8Array(zlib.deflateSync(data)), delta: createDelta(data, target) };
    });
    const results: Record<string, unknown[]> = {};
    for (const mode of ['wasm', 'ts', 'auto'] as const) {
      setAccelerator(mode);
      const r: unknown[] = [];
      for (const { n, data, z, delta } of inputs) {
        const inflated = accel.inflateAt(z, 0, n);
        r.push(
          accel.sha1(data),
          accel.hashObject('blob', data),
          accel.createSha1().update(data).digest('hex'),
          accel.crc32(data),
          accel.adler32(data),
          accel.crc32(data.subarray(7), 12345),
          accel.adler32(data.subarray(3), 777),
          inflated.consumed,
          accel.sha1(inflated.data),
          accel.sha1(accel.applyDelta(data, delta)),
          accel.sha1(accel.createDelta(data, data.subarray(n >> 2))),
          accel.createDelta(data, data.subarray(n >> 2), 10)?.length ?? null,
        );
        for (const bad of [() => accel.inflateAt(z.subarray(0, z.length - 1), 0, n), () => accel.inflateAt(z, 0, n + 1), () => accel.applyDelta(data, delta.subarray(0, delta.length - 1))]) {
          try {
            bad();
            r.push('no error');
          } catch (e) {
            r.push(`${(e as Error).name}: ${(e as Error).message}`);
          }
        }
      }
      results[mode] = r;
    }
    expect(results.wasm).toEqual(results.ts);
    expect(results.auto).toEqual(results.ts);
  });

  it('forced modes really take their path', () => {
    const data = randomBytes(1000, rand);
    const z = new Uint8Array(zlib.deflateSync(data));
    // A zlib stream with a dictionary: both paths reject it with the same message.
    const dict = new Uint8Array([0x78, 0xbb, 0, 0, 0, 1, 3, 0]);
    for (const mode of ['wasm', 'ts'] as const) {
      setAccelerator(mode);
      expect(accel.inflateAt(z, 0, 1000).consumed).toBe(z.length);
      expect(() => accel.inflateAt(dict, 0, 0)).toThrow('corrupt zlib stream at offset 0: Missing dictionary');
      expect(() => accel.inflateAt(z.subarray(0, 10), 0, 1000)).toThrow(NeedMoreInput);
      expect(() => accel.applyDelta(data, new Uint8Array([1, 2]))).toThrow(PackError);
    }
  });
});

suite('the module', () => {
  it('is a compiled WebAssembly.Module under 100 KB with no imports', () => {
    expect(wasmModule).toBeInstanceOf(WebAssembly.Module);
    expect(WebAssembly.Module.imports(wasmModule)).toEqual([]);
    const exports = WebAssembly.Module.exports(wasmModule).map((e) => e.name);
    for (const name of ['memory', 'arena_reserve', 'sha1_update', 'git_hash', 'inflate', 'delta_apply', 'crc32', 'adler32']) {
      expect(exports).toContain(name);
    }
  });

  it('handles inputs that grow its memory past the retention limit, then keeps working', () => {
    const big = textBytes(20 << 20, rand);
    const z = new Uint8Array(zlib.deflateSync(big, { level: 1 }));
    const r = wasmInflateAt(z, 0, big.length);
    expect(r.consumed).toBe(z.length);
    expect(r.data.length).toBe(big.length);
    expect(r.data[12345]).toBe(big[12345]);
    expect(wasmMemoryBytes()).toBe(0); // that instance (~25 MiB of memory) was let go
    // The next call gets a fresh instance and still works.
    expect(wasmSha1(new TextEncoder().encode('abc'))).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(wasmMemoryBytes()).toBeGreaterThan(0);
    expect(wasmMemoryBytes()).toBeLessThan(1 << 20);
    const target = big.slice(0, 1 << 20);
    expect(accel.applyDelta(target, createDelta(target, target)).length).toBe(target.length);
    expect(applyDelta(target, createDelta(target, target)).length).toBe(target.length);
  });
});
