// src/http/body.ts: the one bounded body reader and the JSON-object reader built on it. Limits
// hold before the bytes exist: a declared length over the cap is refused unread, a stream stops
// at the first piece past it (gzip bodies are capped after decoding: a zip bomb stops there).
import { describe, expect, it } from 'vitest';
import { BodyError, drainBody, readBody, readJsonObject, tooLarge } from '../../../src/http/body';
import { HttpError } from '../../../src/http/errors';

const enc = new TextEncoder();

function pieces(parts: Uint8Array[], onPull?: () => void): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(c) {
      onPull?.();
      if (i < parts.length) c.enqueue(parts[i++]);
      else c.close();
    },
  }, { highWaterMark: 0 }); // no pull until someone reads
}

const req = (body: BodyInit | null, headers: Record<string, string> = {}) => new Request('http://x/', { method: 'POST', body, headers });

async function gzip(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await new Response(new Blob([data]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer());
}

describe('readBody', () => {
  it('reads a body in pieces, and a gzip one decoded', async () => {
    expect(new TextDecoder().decode(await readBody(req(pieces([enc.encode('ab'), enc.encode('cd')])), 10))).toBe('abcd');
    const z = await gzip(enc.encode('hello gzip'));
    expect(new TextDecoder().decode(await readBody(req(z, { 'content-encoding': 'gzip' }), 100))).toBe('hello gzip');
  });

  it('refuses a declared length over the cap without reading, and a stream past the cap at that piece', async () => {
    let pulls = 0;
    const declared = req(pieces([new Uint8Array(50)], () => pulls++), { 'content-length': '500' });
    await expect(readBody(declared, 100)).rejects.toMatchObject({ kind: 'too_large' });
    expect(pulls).toBe(0);
    const flood = req(pieces(Array.from({ length: 100 }, () => new Uint8Array(10))));
    await expect(readBody(flood, 55)).rejects.toBeInstanceOf(BodyError);
  });

  it('caps a gzip bomb after decoding; an unknown encoding is refused', async () => {
    const bomb = await gzip(new Uint8Array(1 << 20)); // 1 MiB of zeros in ~1 KiB
    expect(bomb.length).toBeLessThan(4096);
    await expect(readBody(req(bomb, { 'content-encoding': 'gzip' }), 64 * 1024)).rejects.toMatchObject({ kind: 'too_large' });
    await expect(readBody(req('x', { 'content-encoding': 'br' }), 10)).rejects.toMatchObject({ kind: 'encoding' });
  });
});

describe('readJsonObject', () => {
  it('an object; empty is {} only where optional; 400 for non-objects, 413 over the cap', async () => {
    expect(await readJsonObject(req('{"a":1}'), 100)).toEqual({ a: 1 });
    expect(await readJsonObject(req(''), 100, { optional: true })).toEqual({});
    for (const [body, status] of [['', 400], ['[1]', 400], ['nope', 400], ['"s"', 400], [`{"a":"${'x'.repeat(200)}"}`, 413]] as const) {
      const e = await readJsonObject(req(body), 100).catch((x) => x);
      expect(e).toBeInstanceOf(HttpError);
      expect((e as HttpError).status).toBe(status);
    }
  });
});

describe('tooLarge and drainBody', () => {
  it('tooLarge answers 413 from the declared length only', () => {
    expect(tooLarge(req('x', { 'content-length': '2000' }), 1000)?.status).toBe(413);
    expect(tooLarge(req('x'), 1000)).toBeNull();
  });

  it('drainBody reads to the end, at most max bytes', async () => {
    let pulls = 0;
    await drainBody(pieces(Array.from({ length: 10 }, () => new Uint8Array(100)), () => pulls++), 250);
    expect(pulls).toBeLessThanOrEqual(4);
    await drainBody(null); // nothing to drain is fine
  });
});
