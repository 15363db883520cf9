import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../../src/codec/hex';

describe('hexToBytes', () => {
  it('decodes lower and upper case, into a fresh array or at an offset', () => {
    const hex = '00ff10a0b1c2d3e4f5a6b7c8d9eaFBFC0d1e2f3a';
    const bytes = hexToBytes(hex);
    expect(bytes.length).toBe(20);
    expect(bytesToHex(bytes)).toBe(hex.toLowerCase());
    const out = new Uint8Array(25);
    hexToBytes(hex, out, 5);
    expect(bytesToHex(out, 5)).toBe(hex.toLowerCase());
    expect([...out.subarray(0, 5)]).toEqual([0, 0, 0, 0, 0]);
  });

  it('refuses odd lengths and every non-hex character, including ones whose low byte is a digit', () => {
    expect(() => hexToBytes('abc')).toThrow(/odd-length/);
    for (const bad of ['g0', '0g', 'zz', ' 0', '0/', ':0', '@0', '0`', 'G0', '\u01300', '0\u0161', '\u0000\u0000']) {
      expect(() => hexToBytes(bad), JSON.stringify(bad)).toThrow(/invalid hex/);
    }
  });

  it('round-trips every byte value', () => {
    const all = new Uint8Array(256).map((_, i) => i);
    expect([...hexToBytes(bytesToHex(all, 0, 256))]).toEqual([...all]);
  });
});
