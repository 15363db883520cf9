// pkt-line framing and side-band multiplexing: pure functions over bytes.
import { describe, expect, it } from 'vitest';
import {
  DELIM, FLUSH, MAX_PKT_DATA, MAX_PKT_LEN, PktReader, ProtocolError, RESPONSE_END, concatBytes, errPkt, pkt, pktText,
  splitCapabilities, type Packet,
} from '../../../src/protocol/pktline';
import { BAND_DATA, BAND_ERROR, BAND_PROGRESS, fatal, progress, sideband } from '../../../src/protocol/sideband';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

function readAll(bytes: Uint8Array): Packet[] {
  const r = new PktReader(bytes);
  const out: Packet[] = [];
  for (let p = r.next(); p !== null; p = r.next()) out.push(p);
  return out;
}

function protocolErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return (e as Error).message;
  }
  throw new Error('expected a ProtocolError');
}

describe('pkt-line encoding', () => {
  it('writes the 4-hex length including itself, no implicit newline', () => {
    expect(dec(pkt('hello\n'))).toBe('000ahello\n');
    expect(dec(pkt('a'))).toBe('0005a');
    expect(dec(pkt(''))).toBe('0004');
    expect(dec(pkt(new Uint8Array([0x41, 0x00, 0x42])))).toBe('0007A\0B');
    expect(dec(errPkt('nope'))).toBe('000dERR nope\n');
    expect(dec(FLUSH)).toBe('0000');
    expect(dec(DELIM)).toBe('0001');
    expect(dec(RESPONSE_END)).toBe('0002');
  });

  it('uses lowercase hex and accepts exactly 65516 data bytes (65520 total)', () => {
    expect(dec(pkt('x'.repeat(0xab - 4))).slice(0, 4)).toBe('00ab');
    const max = pkt(new Uint8Array(MAX_PKT_DATA));
    expect(max.length).toBe(MAX_PKT_LEN);
    expect(dec(max.subarray(0, 4))).toBe('fff0');
    expect(() => pkt(new Uint8Array(MAX_PKT_DATA + 1))).toThrow();
  });

  it('round-trips data, flush, delim and response-end', () => {
    const payloads = ['command=ls-refs\n', '', 'x'.repeat(1000), 'bin\0ary\n'];
    const stream = concatBytes([
      pkt(payloads[0]), DELIM, pkt(payloads[1]), pkt(payloads[2]), FLUSH, pkt(payloads[3]), RESPONSE_END,
      pkt(new Uint8Array(MAX_PKT_DATA).fill(7)),
    ]);
    const got = readAll(stream);
    expect(got.map((p) => p.kind)).toEqual(['data', 'delim', 'data', 'data', 'flush', 'data', 'response-end', 'data']);
    const data = got.filter((p): p is { kind: 'data'; data: Uint8Array } => p.kind === 'data');
    expect(data.slice(0, 4).map((p) => dec(p.data))).toEqual(payloads);
    expect(data[4].data.length).toBe(MAX_PKT_DATA);
    expect(data[4].data.every((b) => b === 7)).toBe(true);
  });

  it('accepts upper-case hex lengths', () => {
    const got = readAll(enc('000Ahello\n'));
    expect(got).toHaveLength(1);
    expect(pktText((got[0] as { data: Uint8Array }).data)).toBe('hello');
  });

  it('offset and rest() point just past the last packet read (where a pack starts)', () => {
    const body = concatBytes([pkt('old new ref\n'), FLUSH, enc('PACK....')]);
    const r = new PktReader(body);
    expect(r.next()!.kind).toBe('data');
    expect(r.next()!.kind).toBe('flush');
    expect(r.offset).toBe(body.length - 8);
    expect(dec(r.rest())).toBe('PACK....');
    expect(r.atEnd()).toBe(false);
  });
});

describe('pkt-line decoding errors', () => {
  it('length 65520 is accepted, 65521 is rejected', () => {
    const ok = concatBytes([enc('fff0'), new Uint8Array(MAX_PKT_LEN - 4)]);
    expect(readAll(ok)).toHaveLength(1);
    const tooLong = concatBytes([enc('fff1'), new Uint8Array(MAX_PKT_LEN - 3)]);
    expect(protocolErrorOf(() => readAll(tooLong))).toMatch(/65521|exceeds/);
    expect(protocolErrorOf(() => readAll(enc('ffff')))).toMatch(/exceeds/);
  });

  it.each(['0003', '0003abc'])('length 3 is invalid (%j)', (s) => {
    expect(protocolErrorOf(() => readAll(enc(s)))).toMatch(/invalid pkt-line length 3/);
  });

  it.each(['zzzz', '00g5hello', '-001', '0x05', ' 005'])('bad hex length %j', (s) => {
    expect(protocolErrorOf(() => readAll(enc(s)))).toMatch(/bad pkt-line length/);
  });

  it.each([
    ['000', 'header cut'],
    ['0', 'header cut'],
    ['000ahell', 'data cut'],
    ['0009abc', 'data cut'],
  ])('truncated input %j (%s)', (s) => {
    expect(protocolErrorOf(() => readAll(enc(s)))).toMatch(/truncated/);
  });

  it('an error after good packets still surfaces', () => {
    const r = new PktReader(concatBytes([pkt('ok\n'), enc('00')]));
    expect(r.next()!.kind).toBe('data');
    expect(() => r.next()).toThrow(ProtocolError);
  });
});

describe('pktText and splitCapabilities', () => {
  it('pktText drops exactly one trailing LF', () => {
    expect(pktText(enc('abc\n'))).toBe('abc');
    expect(pktText(enc('abc\n\n'))).toBe('abc\n');
    expect(pktText(enc('abc'))).toBe('abc');
    expect(pktText(enc(''))).toBe('');
  });

  it('splits a first line at the NUL into the line and its capabilities', () => {
    const oid = 'a'.repeat(40);
    expect(splitCapabilities(`${oid} refs/heads/main\0report-status side-band-64k  agent=git/2.45\n`.trimEnd())).toEqual({
      line: `${oid} refs/heads/main`,
      caps: ['report-status', 'side-band-64k', 'agent=git/2.45'],
    });
    expect(splitCapabilities(`want ${oid}`)).toEqual({ line: `want ${oid}`, caps: [] });
    expect(splitCapabilities(`want ${oid}\0`)).toEqual({ line: `want ${oid}`, caps: [] });
  });
});

describe('side-band', () => {
  it('frames small payloads with the band byte', () => {
    const [p] = sideband(BAND_DATA, enc('PACK'));
    expect(dec(p)).toBe('0009\u0001PACK');
    expect(dec(progress('Counting objects: 3\r'))).toBe('0019\u0002Counting objects: 3\r');
    expect(dec(fatal('boom'))).toBe('000a\u0003boom\n');
    expect(dec(fatal('boom\n'))).toBe('000a\u0003boom\n');
    expect(BAND_PROGRESS).toBe(2);
    expect(BAND_ERROR).toBe(3);
  });

  it('splits big payloads into packets of at most 65520 bytes that reassemble exactly', () => {
    const data = new Uint8Array(200_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + 7) & 0xff;
    const packets = sideband(BAND_DATA, data);
    expect(packets.length).toBe(Math.ceil(data.length / (MAX_PKT_DATA - 1)));
    for (const p of packets) expect(p.length).toBeLessThanOrEqual(MAX_PKT_LEN);
    expect(packets[0].length).toBe(MAX_PKT_LEN);
    const parsed = readAll(concatBytes(packets));
    const body = concatBytes(
      parsed.map((p) => {
        if (p.kind !== 'data') throw new Error('not data');
        expect(p.data[0]).toBe(BAND_DATA);
        return p.data.subarray(1);
      }),
    );
    expect(body).toEqual(data);
  });

  it('honours a smaller limit (side-band without 64k) and emits one packet for empty data', () => {
    const packets = sideband(BAND_DATA, new Uint8Array(2500), 995);
    expect(packets.map((p) => p.length)).toEqual([1000, 1000, 515]);
    const empty = sideband(BAND_PROGRESS, new Uint8Array(0));
    expect(empty.map(dec)).toEqual(['0005\u0002']);
    // Exactly one full packet's worth: no trailing empty packet.
    expect(sideband(BAND_DATA, new Uint8Array(MAX_PKT_DATA - 1))).toHaveLength(1);
  });
});
