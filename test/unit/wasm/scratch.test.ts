import { it } from 'vitest';
import * as zlib from 'node:zlib';
function tryit(name: string, f: () => unknown) {
  try { const r = f() as any; console.log(name, 'OK', r?.length ?? r); } catch (e: any) { console.log(name, 'ERR', e?.name, e?.code, JSON.stringify(e?.message)); }
}
const u = (b: Uint8Array) => new Uint8Array(b);
it('probe', () => {
  const data = new TextEncoder().encode('hello hello hello hello hello hello');
  const z = u(zlib.deflateSync(data));
  tryit('max=len', () => zlib.inflateSync(z, { maxOutputLength: data.length }));
  tryit('max=len-1', () => zlib.inflateSync(z, { maxOutputLength: data.length-1 }));
  const big = new Uint8Array(100000); for (let i = 0; i < big.length; i++) big[i] = (i * 7919) >> 5;
  const zb = u(zlib.deflateSync(big));
  for (const m of [99999, 100000, 90000, 16384, 16385, 65536, 50000]) tryit('big max=' + m, () => zlib.inflateSync(zb, { maxOutputLength: m }));
  for (const m of [99999, 100000, 90000, 16384, 16385, 65536]) tryit('big info max=' + m, () => (zlib.inflateSync as any)(zb, { maxOutputLength: m, info: true }));
  const zbb = zb.slice(); zbb[zbb.length - 1] ^= 1;
  for (const m of [99999, 100000, 100001]) tryit('big badadler max=' + m, () => zlib.inflateSync(zbb, { maxOutputLength: m }));
  const h = z.slice(); h[0] = 0x79; tryit('hdr', () => zlib.inflateSync(h));
  tryit('fdict', () => zlib.inflateSync(new Uint8Array([0x78, 0xbb, 0,0,0,1, 1,2,3])));
  tryit('fdict-trunc', () => zlib.inflateSync(new Uint8Array([0x78, 0xbb, 0,0])));
  tryit('winsize', () => zlib.inflateSync(new Uint8Array([0x88, 0x98 + 1, 0,0,0,1])));
  for (let cmf = 0; cmf < 256; cmf++) { const flg0 = (31 - ((cmf * 256) % 31)) % 31; if ((cmf & 15) !== 8 && cmf % 37 === 0) tryit('method ' + cmf, () => zlib.inflateSync(new Uint8Array([cmf, flg0, 0,0,0]))); }
  for (const cmf of [0x88, 0x98, 0xf8]) { const flg0 = (31 - ((cmf * 256) % 31)) % 31; tryit('win ' + cmf, () => zlib.inflateSync(new Uint8Array([cmf, flg0, 3,0]))); }
  const bad = z.slice(); bad[bad.length-1] ^= 1; tryit('adler', () => zlib.inflateSync(bad));
  tryit('trunc', () => zlib.inflateSync(z.subarray(0, 5)));
  tryit('trunc-info', () => (zlib.inflateSync as any)(z.subarray(0, 5), {info: true}));
  tryit('btype3', () => zlib.inflateSync(new Uint8Array([0x78, 0x9c, 0x07])));
  tryit('stored-bad', () => zlib.inflateSync(new Uint8Array([0x78, 0x9c, 0x01, 1, 0, 0, 0])));
  tryit('empty', () => zlib.inflateSync(new Uint8Array([])));
  const bomb = u(zlib.deflateSync(new Uint8Array(1 << 20)));
  tryit('bomb-trunc', () => zlib.inflateSync(bomb.subarray(0, bomb.length >> 1), { maxOutputLength: 1001 }));
  tryit('bomb-trunc-info', () => (zlib.inflateSync as any)(bomb.subarray(0, bomb.length >> 1), { maxOutputLength: 100001, info: true, chunkSize: 64 }));
  tryit('bomb', () => zlib.inflateSync(bomb, { maxOutputLength: 1001 }));
  // stored block: 'abc' then truncated
  tryit('stored-trunc', () => zlib.inflateSync(new Uint8Array([0x78, 0x01, 0x01, 10, 0, 0xf5, 0xff, 1,2,3]), { maxOutputLength: 2 }));
  tryit('stored-trunc2', () => zlib.inflateSync(new Uint8Array([0x78, 0x01, 0x01, 10, 0, 0xf5, 0xff, 1,2,3]), { maxOutputLength: 3 }));
  tryit('stored-trunc3', () => zlib.inflateSync(new Uint8Array([0x78, 0x01, 0x01, 10, 0, 0xf5, 0xff, 1,2,3]), { maxOutputLength: 4 }));
  tryit('toofar', () => { const r = u(zlib.deflateRawSync(new TextEncoder().encode('abcabcabcabc'))); return zlib.inflateRawSync(r); });
  console.log(typeof (zlib as any).crc32, typeof WebAssembly.Module);
});
