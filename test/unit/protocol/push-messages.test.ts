// The push request and report-status messages, one file each in src/protocol (encode + decode),
// and the streaming pkt-line reader that push and import share (src/protocol/pkt-stream.ts).
import { describe, expect, it } from 'vitest';
import { PktStream } from '../../../src/protocol/pkt-stream';
import { FLUSH, ProtocolError, concatBytes, pkt } from '../../../src/protocol/pktline';
import { encodePushHead, readPushHead } from '../../../src/protocol/push-request';
import { decodeReportStatus, encodeReportStatus } from '../../../src/protocol/report-status';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const Z = '0'.repeat(40);

/** A stream that hands `bytes` out `step` bytes at a time (as workerd does, in pieces). */
function streamOf(bytes: Uint8Array, step = 3): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.slice(at, at + step));
      at += step;
    },
  });
}

describe('push request', () => {
  it('round-trips commands, capabilities and push options; the reader stops at the pack', async () => {
    const commands = [{ oldOid: Z, newOid: A, name: 'refs/heads/main' }, { oldOid: A, newOid: B, name: 'refs/tags/v1' }];
    const head = encodePushHead({ commands, caps: ['report-status', 'side-band-64k', 'push-options'], options: ['ci.skip', 'x=y'] });
    const pack = new TextEncoder().encode('PACK....');
    const r = new PktStream(streamOf(concatBytes([head, pack])));
    const got = await readPushHead(r);
    expect(got.commands).toEqual(commands);
    expect([...got.caps]).toEqual(['report-status', 'side-band-64k', 'push-options']);
    expect(got.options).toEqual(['ci.skip', 'x=y']);
    const rest: Uint8Array[] = [];
    for await (const c of r.rest()) rest.push(c);
    expect(new TextDecoder().decode(concatBytes(rest))).toBe('PACK....');
  });

  it('skips shallow lines; refuses malformed commands and an early end', async () => {
    const shallow = concatBytes([pkt(`${Z} ${A} refs/heads/x\0report-status\n`), pkt(`shallow ${B}\n`), FLUSH]);
    expect((await readPushHead(new PktStream(streamOf(shallow)))).commands).toHaveLength(1);
    await expect(readPushHead(new PktStream(streamOf(concatBytes([pkt('not a command\n'), FLUSH]))))).rejects.toThrow(/invalid push command/);
    await expect(readPushHead(new PktStream(streamOf(pkt(`${Z} ${A} refs/heads/x\n`))))).rejects.toThrow(/unexpected end of push request/);
    await expect(readPushHead(new PktStream(streamOf(new TextEncoder().encode('zzzz'))))).rejects.toBeInstanceOf(ProtocolError);
  });
});

describe('report-status', () => {
  it('round-trips ok and ng lines; newlines in reasons are flattened', () => {
    const report = { unpackError: null, refs: [{ name: 'refs/heads/main', ok: true }, { name: 'refs/heads/x', ok: false, error: 'non-fast-forward' }] };
    const bytes = encodeReportStatus(report);
    expect(new TextDecoder().decode(bytes)).toBe('000eunpack ok\n0017ok refs/heads/main\n0025ng refs/heads/x non-fast-forward\n0000');
    expect(decodeReportStatus(bytes)).toEqual(report);
    const bad = decodeReportStatus(encodeReportStatus({ unpackError: 'index-pack\nfailed', refs: [{ name: 'refs/heads/a', ok: false, error: 'unpacker error' }] }));
    expect(bad).toEqual({ unpackError: 'index-pack failed', refs: [{ name: 'refs/heads/a', ok: false, error: 'unpacker error' }] });
  });

  it('refuses what is not a report', () => {
    expect(() => decodeReportStatus(concatBytes([pkt('hello\n'), FLUSH]))).toThrow(/bad first line/);
    expect(() => decodeReportStatus(concatBytes([pkt('unpack ok\n'), pkt('maybe refs/x\n'), FLUSH]))).toThrow(/bad line/);
  });
});

describe('PktStream', () => {
  it('an idle stream ends with the caller\'s error, not a hang', async () => {
    const never = new ReadableStream<Uint8Array>({ pull: () => new Promise(() => {}) });
    const r = new PktStream(never, { idleMs: 50, fail: (kind, m) => new Error(`${kind}: ${m}`) });
    await expect(r.packet()).rejects.toThrow(/^idle: /);
  });

  it('the idle limit is per wait, not per stream: a steady slow stream longer than it is read whole', async () => {
    // One watchdog serves the whole stream (pkt-stream.ts): it must re-arm while bytes keep
    // coming, and must not fire while the caller, not the stream, is slow.
    let sent = 0;
    const slow = new ReadableStream<Uint8Array>({
      pull: async (c) => {
        await new Promise((r) => setTimeout(r, 30));
        if (sent++ === 12) c.close();
        else c.enqueue(new Uint8Array([0x61]));
      },
    });
    const r = new PktStream(slow, { idleMs: 100, fail: (kind, m) => new Error(`${kind}: ${m}`) });
    let n = 0;
    const t = Date.now();
    for (let c = await r.chunk(); c !== null; c = await r.chunk()) {
      n += c.length;
      if (n === 6) await new Promise((res) => setTimeout(res, 250)); // the caller is busy
    }
    expect(n).toBe(12);
    expect(Date.now() - t).toBeGreaterThan(300);
    // ...and a stall after bytes still ends the read.
    let left = 2;
    const stalls = new ReadableStream<Uint8Array>({
      pull: (c) => (left-- > 0 ? c.enqueue(new Uint8Array([0x62])) : new Promise(() => {})),
    });
    const s = new PktStream(stalls, { idleMs: 60, fail: (kind, m) => new Error(`${kind}: ${m}`) });
    expect(await s.chunk()).toEqual(new Uint8Array([0x62]));
    expect(await s.chunk()).toEqual(new Uint8Array([0x62]));
    await expect(s.chunk()).rejects.toThrow(/^idle: no data/);
  });

  it('stops at the byte cap and reports bad framing through fail()', async () => {
    const big = new Uint8Array(100).fill(0x41);
    const capped = new PktStream(streamOf(big, 10), { maxBytes: 50, fail: (k) => new Error(k) });
    await expect((async () => { while ((await capped.chunk()) !== null); })()).rejects.toThrow('too_large');
    await expect(new PktStream(streamOf(new TextEncoder().encode('00')), { fail: (k) => new Error(k) }).packet()).rejects.toThrow('framing');
    await expect(new PktStream(streamOf(new TextEncoder().encode('0003')), { fail: (k) => new Error(k) }).packet()).rejects.toThrow('framing');
  });

  it('flush, delim and response-end; need() fails at the end', async () => {
    const r = new PktStream(streamOf(new TextEncoder().encode('000000010002')));
    expect(await r.packet()).toEqual({ kind: 'flush' });
    expect(await r.packet()).toEqual({ kind: 'delim' });
    expect(await r.packet()).toEqual({ kind: 'response-end' });
    expect(await r.packet()).toBeNull();
    await expect(r.need('more')).rejects.toThrow(/ended early \(expected more\)/);
  });
});
