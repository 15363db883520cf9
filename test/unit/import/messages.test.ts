// The import client's protocol parsing on hand-made byte streams: v2 and v0/v1 discovery,
// ls-refs, fetch answers of both versions, side-band demultiplexing (band 3 is a clear error),
// malformed pkt-lines, the idle timeout and the byte cap; and the request bodies it sends.
import { describe, expect, it } from 'vitest';
import { RemoteReader } from '../../../src/import/reader';
import { demuxSideband } from '../../../src/import/demux';
import { ImportError } from '../../../src/import/errors';
import {
  fetchRequestV0, fetchRequestV2, lsRefsRequest, parseAdvertisement, parseFetchV0, parseFetchV2, parseLsRefs,
} from '../../../src/import/messages';
import { parseBranch, parseDepth, parseHeaders, parseRemoteUrl } from '../../../src/import/remote-url';
import { DELIM, FLUSH, concatBytes, pkt } from '../../../src/protocol/pktline';
import { sideband } from '../../../src/protocol/sideband';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

/** A reader over bytes delivered in chunks of `step` bytes (so packets straddle chunks). */
function reader(parts: (Uint8Array | string)[], step = 3, max = 1 << 20, idleMs = 5_000): RemoteReader {
  const all = concatBytes(parts.map((p) => (typeof p === 'string' ? enc(p) : p)));
  let o = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (o >= all.length) return c.close();
      c.enqueue(all.slice(o, o + step));
      o += step;
    },
  });
  return new RemoteReader(body, max, idleMs);
}

async function failure(p: Promise<unknown>): Promise<ImportError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ImportError);
    return e as ImportError;
  }
  throw new Error('expected an ImportError');
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const c of it) parts.push(c);
  return dec(concatBytes(parts));
}

describe('discovery', () => {
  it('v2: service header, version 2 and the capability list', async () => {
    const adv = await parseAdvertisement(
      reader([pkt('# service=git-upload-pack\n'), FLUSH, pkt('version 2\n'), pkt('agent=git/2.45\n'), pkt('ls-refs=unborn\n'), pkt('fetch=shallow wait-for-done\n'), pkt('object-format=sha1\n'), FLUSH]),
    );
    expect(adv.version).toBe(2);
    if (adv.version !== 2) return;
    expect(adv.caps.get('fetch')).toBe('shallow wait-for-done');
    expect(adv.caps.get('ls-refs')).toBe('unborn');
    expect(adv.caps.has('agent')).toBe(true);
  });

  it('v2 without the service header (as Arbor answers)', async () => {
    const adv = await parseAdvertisement(reader([pkt('version 2\n'), pkt('ls-refs\n'), pkt('fetch\n'), FLUSH]));
    expect(adv.version).toBe(2);
  });

  it('v0: refs, capabilities, HEAD symref, peeled lines dropped, shallow lines kept', async () => {
    const adv = await parseAdvertisement(
      reader([
        pkt('# service=git-upload-pack\n'), FLUSH,
        pkt(`${A} HEAD\0multi_ack side-band-64k ofs-delta shallow symref=HEAD:refs/heads/dev agent=git/2\n`),
        pkt(`${A} refs/heads/dev\n`), pkt(`${B} refs/tags/v1\n`), pkt(`${C} refs/tags/v1^{}\n`), pkt(`shallow ${C}\n`), FLUSH,
      ]),
    );
    expect(adv.version).toBe(0);
    if (adv.version === 2) return;
    expect(adv.refs).toEqual([{ name: 'HEAD', oid: A }, { name: 'refs/heads/dev', oid: A }, { name: 'refs/tags/v1', oid: B }]);
    expect(adv.headTarget).toBe('refs/heads/dev');
    expect(adv.shallows).toEqual([C]);
    expect(adv.caps.has('side-band-64k')).toBe(true);
  });

  it('v1 and an empty repository (capabilities^{})', async () => {
    const zero = '0'.repeat(40);
    const adv = await parseAdvertisement(reader([pkt('# service=git-upload-pack\n'), FLUSH, pkt('version 1\n'), pkt(`${zero} capabilities^{}\0ofs-delta\n`), FLUSH]));
    expect(adv).toMatchObject({ version: 1, refs: [], headTarget: null });
    const bare = await parseAdvertisement(reader([pkt('# service=git-upload-pack\n'), FLUSH, FLUSH]));
    expect(bare).toMatchObject({ version: 0, refs: [] });
  });

  it('ERR from the server is upstream_error with its message', async () => {
    const e = await failure(parseAdvertisement(reader([pkt('# service=git-upload-pack\n'), FLUSH, pkt('ERR access denied or repository not exported\n')])));
    expect(e.code).toBe('upstream_error');
    expect(e.message).toContain('access denied');
  });

  it('malformed pkt-lines are upstream_not_git', async () => {
    const cases: (Uint8Array | string)[][] = [
      ['<!doctype html><html>'], // not hex
      ['0003'], // length below 4
      ['00ffshort'], // truncated packet
      ['00'], // truncated header
      [pkt('# service=git-upload-pack\n'), FLUSH], // ends before any ref
      [pkt(`${A.slice(2)} refs/heads/x\0caps\n`), FLUSH], // not an oid
      [pkt('# service=git-receive-pack\n'), FLUSH], // the wrong service
      [pkt('version 2\n'), DELIM], // a delim in the capability list
    ];
    for (const c of cases) {
      const e = await failure(parseAdvertisement(reader(c)));
      expect(e.code, JSON.stringify(c.map((x) => (typeof x === 'string' ? x : dec(x))))).toBe('upstream_not_git');
      expect(e.status).toBe(502);
    }
  });
});

describe('ls-refs', () => {
  it('refs with the symref target of HEAD', async () => {
    const r = await parseLsRefs(reader([pkt(`${A} HEAD symref-target:refs/heads/trunk\n`), pkt(`${A} refs/heads/trunk\n`), pkt(`${B} refs/tags/t peeled:${C}\n`), FLUSH]));
    expect(r.headTarget).toBe('refs/heads/trunk');
    expect(r.refs.map((x) => x.name)).toEqual(['HEAD', 'refs/heads/trunk', 'refs/tags/t']);
  });

  it('an unborn HEAD names its target without an oid', async () => {
    const r = await parseLsRefs(reader([pkt('unborn HEAD symref-target:refs/heads/main\n'), FLUSH]));
    expect(r).toEqual({ refs: [], headTarget: 'refs/heads/main' });
  });

  it('the request asks for symrefs, unborn (if offered) and the prefixes', () => {
    const body = dec(lsRefsRequest(new Map([['ls-refs', 'unborn'], ['agent', 'x'], ['object-format', 'sha1']]), ['HEAD', 'refs/heads/']));
    expect(body).toContain('command=ls-refs');
    expect(body).toContain('symrefs');
    expect(body).toContain('unborn');
    expect(body).toContain('ref-prefix refs/heads/');
    expect(body.endsWith('0000')).toBe(true);
  });
});

describe('side-band', () => {
  it('band 1 is the pack, band 2 is dropped, flush ends', async () => {
    const out = await collect(demuxSideband(reader([...sideband(2, enc('Counting...\n')), ...sideband(1, enc('PACK')), ...sideband(1, enc('-rest')), FLUSH, 'trailing'])));
    expect(out).toBe('PACK-rest');
  });

  it('band 3 is a clear upstream_error carrying the message', async () => {
    const e = await failure(collect(demuxSideband(reader([...sideband(1, enc('PACK')), ...sideband(3, enc('fatal: pack-objects died of signal 9\n'))]))));
    expect(e.code).toBe('upstream_error');
    expect(e.message).toContain('pack-objects died of signal 9');
  });

  it('an unknown band or a garbage packet is upstream_not_git', async () => {
    expect((await failure(collect(demuxSideband(reader([...sideband(5, enc('x'))]))))).code).toBe('upstream_not_git');
    expect((await failure(collect(demuxSideband(reader(['zz01']))))).code).toBe('upstream_not_git');
  });
});

describe('fetch answers', () => {
  it('v2: shallow-info then packfile', async () => {
    const a = await parseFetchV2(reader([pkt('shallow-info\n'), pkt(`shallow ${A}\n`), pkt(`unshallow ${B}\n`), DELIM, pkt('packfile\n'), ...sideband(1, enc('PACKDATA')), FLUSH]));
    expect(a.shallows).toEqual([A]);
    expect(await collect(a.pack)).toBe('PACKDATA');
  });

  it('v2: ERR, unknown sections and a missing packfile fail', async () => {
    expect((await failure(parseFetchV2(reader([pkt('ERR upload-pack: not our ref\n')])))).code).toBe('upstream_error');
    expect((await failure(parseFetchV2(reader([pkt('surprise\n'), DELIM])))).code).toBe('upstream_not_git');
    expect((await failure(parseFetchV2(reader([FLUSH])))).code).toBe('upstream_not_git');
    expect((await failure(parseFetchV2(reader([pkt('shallow-info\n'), pkt('shallow zz\n'), DELIM])))).code).toBe('upstream_not_git');
  });

  it('v0: shallow lines, NAK, then the side-band pack', async () => {
    const a = await parseFetchV0(reader([pkt(`shallow ${A}\n`), FLUSH, pkt('NAK\n'), ...sideband(1, enc('PACKv0')), FLUSH]), { deepen: true, sideband: true });
    expect(a.shallows).toEqual([A]);
    expect(await collect(a.pack)).toBe('PACKv0');
  });

  it('v0 without side-band: the raw pack follows NAK', async () => {
    const a = await parseFetchV0(reader([pkt('NAK\n'), 'PACK raw bytes']), { deepen: false, sideband: false });
    expect(await collect(a.pack)).toBe('PACK raw bytes');
  });

  it('request bodies: wants, ofs-delta, no thin-pack, deepen, done', () => {
    const v2 = dec(fetchRequestV2(new Map([['fetch', 'shallow'], ['agent', 'x']]), [A, B], 3));
    for (const s of ['command=fetch', 'ofs-delta', `want ${A}`, `want ${B}`, 'deepen 3', 'done']) expect(v2).toContain(s);
    expect(v2).not.toContain('thin-pack');
    expect(() => fetchRequestV2(new Map([['fetch', '']]), [A], 1)).toThrow(/shallow/);
    const v0 = fetchRequestV0(new Set(['side-band-64k', 'ofs-delta', 'shallow', 'thin-pack']), [A, B], 2);
    const body = dec(v0.body);
    expect(v0.sideband).toBe(true);
    expect(body).toContain(`want ${A} side-band-64k ofs-delta shallow`);
    expect(body).not.toContain('thin-pack');
    expect(body).toContain('deepen 2');
    expect(body.endsWith('0009done\n')).toBe(true);
  });
});

describe('reader limits', () => {
  it('no byte for the idle time is upstream_timeout, not a hang', async () => {
    const never = new ReadableStream<Uint8Array>({ pull: () => new Promise(() => {}) });
    const t0 = Date.now();
    const e = await failure(new RemoteReader(never, 1000, 50).packet());
    expect(e.code).toBe('upstream_timeout');
    expect(e.status).toBe(504);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('an answer over the cap is refused', async () => {
    const e = await failure(collect(reader(['x'.repeat(5000)], 1000, 2000).rest()));
    expect(e.code).toBe('pack_too_large');
  });
});

describe('input validation', () => {
  it('URLs: http(s) only, no credentials, no fragment or query', () => {
    expect(parseRemoteUrl('https://example.com/o/r.git/').toString()).toBe('https://example.com/o/r.git');
    for (const bad of ['ftp://x/r', 'file:///tmp/r', 'ssh://git@x/r', 'git@github.com:o/r.git', 'http://u:p@x/r', 'http://u@x/r', 'http://@x/r', 'http://x/r#a', 'http://x/r?a=1', ' http://x/r', 'http://x/r\n', '', 42]) {
      expect(() => parseRemoteUrl(bad), String(bad)).toThrow(ImportError);
    }
  });

  it('headers, depth and branch', () => {
    expect(parseHeaders({ Authorization: 'Bearer x' })).toEqual({ Authorization: 'Bearer x' });
    for (const bad of [[], 'x', { 'Bad Name': 'v' }, { Host: 'evil' }, { 'git-protocol': 'version=0' }, { 'X-A': 1 }, { 'X-A': 'a\nb' }]) {
      expect(() => parseHeaders(bad), JSON.stringify(bad)).toThrow(ImportError);
    }
    try {
      parseHeaders({ 'X-A': 'secret\n' });
    } catch (e) {
      expect((e as Error).message).not.toContain('secret');
    }
    expect(parseDepth(undefined)).toBeUndefined();
    for (const bad of [0, -1, 1.5, '3']) expect(() => parseDepth(bad)).toThrow(ImportError);
    expect(parseBranch('dev')).toBe('refs/heads/dev');
    expect(parseBranch('refs/heads/dev')).toBe('refs/heads/dev');
    expect(() => parseBranch('')).toThrow(ImportError);
  });
});
