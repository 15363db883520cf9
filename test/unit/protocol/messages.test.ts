// Request parsing (v2 fetch arguments, v0/v1 want/have bodies) and the info/refs
// advertisements (v0, v1, v2).
import { describe, expect, it } from 'vitest';
import { advertiseRefs, advertiseV2, serviceHeader } from '../../../src/protocol/advertise';
import { RECEIVE_PACK_CAPS, V2_CAPABILITIES, uploadPackV1Caps } from '../../../src/protocol/capabilities';
import { parseFetchV1, parseFetchV2 } from '../../../src/protocol/fetch-request';
import { FLUSH, PktReader, ProtocolError, concatBytes, pkt, pktText } from '../../../src/protocol/pktline';

const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
const D = 'd'.repeat(40);
const ZERO = '0'.repeat(40);

/** Data lines of an advertisement (null for flush). */
function lines(parts: Uint8Array[]): (string | null)[] {
  const r = new PktReader(concatBytes(parts));
  const out: (string | null)[] = [];
  for (let p = r.next(); p !== null; p = r.next()) {
    if (p.kind === 'flush') out.push(null);
    else if (p.kind === 'data') out.push(pktText(p.data));
    else out.push(`<${p.kind}>`);
  }
  return out;
}

function v1Body(...parts: (string | null)[]): Uint8Array {
  return concatBytes(parts.map((p) => (p === null ? FLUSH : pkt(p + '\n'))));
}

describe('parseFetchV2', () => {
  it('reads every supported argument', () => {
    const req = parseFetchV2([
      `want ${A}`,
      `want ${B}`,
      'want-ref refs/heads/main',
      `have ${C}`,
      `shallow ${D}`,
      'deepen 3',
      'deepen-relative',
      'deepen-since 1700000000',
      'deepen-not refs/tags/v1',
      'deepen-not main',
      'filter blob:none',
      'thin-pack',
      'ofs-delta',
      'no-progress',
      'include-tag',
      'wait-for-done',
      'sideband-all',
      'done',
    ]);
    expect(req).toMatchObject({
      wants: [A, B],
      wantRefs: ['refs/heads/main'],
      haves: [C],
      shallows: [D],
      depth: 3,
      deepenRelative: true,
      deepenSince: 1700000000,
      deepenNot: ['refs/tags/v1', 'main'],
      filter: 'blob:none',
      thinPack: true,
      ofsDelta: true,
      noProgress: true,
      includeTag: true,
      waitForDone: true,
      done: true,
      sideband: 'side-band-64k',
      multiAck: 'multi_ack_detailed',
      wantsOnly: false,
    });
  });

  it('defaults: nothing optional set', () => {
    const req = parseFetchV2([`want ${A}`]);
    expect(req).toMatchObject({ wants: [A], haves: [], done: false, thinPack: false, ofsDelta: false, shallows: [], deepenNot: [] });
    expect(req.depth).toBeUndefined();
    expect(req.deepenSince).toBeUndefined();
  });

  it.each([
    ['unknown argument', ['frobnicate']],
    ['v1-style capability as argument', ['multi_ack']],
    ['non-hex want', [`want ${'g'.repeat(40)}`]],
    ['short want', [`want ${A.slice(1)}`]],
    ['upper-case want', [`want ${A.toUpperCase()}`]],
    ['non-hex have', [`want ${A}`, 'have xyz']],
    ['bad shallow', [`want ${A}`, 'shallow 1234']],
    ['deepen 0', [`want ${A}`, 'deepen 0']],
    ['deepen -1', [`want ${A}`, 'deepen -1']],
    ['deepen x', [`want ${A}`, 'deepen x']],
    ['deepen-since x', [`want ${A}`, 'deepen-since soon']],
  ])('%s → ProtocolError', (_what, args) => {
    expect(() => parseFetchV2(args)).toThrow(ProtocolError);
  });
});

describe('parseFetchV1', () => {
  it('takes capabilities from the first want (NUL or space separated)', () => {
    const withSpace = parseFetchV1(
      v1Body(`want ${A} multi_ack_detailed side-band-64k thin-pack ofs-delta no-progress include-tag no-done deepen-relative agent=git/2.45`, `want ${B}`, null, 'done'),
    );
    expect(withSpace).toMatchObject({
      wants: [A, B],
      multiAck: 'multi_ack_detailed',
      sideband: 'side-band-64k',
      thinPack: true,
      ofsDelta: true,
      noProgress: true,
      includeTag: true,
      noDone: true,
      deepenRelative: true,
      done: true,
      haves: [],
    });
    const withNul = parseFetchV1(v1Body(`want ${A}\0side-band multi_ack`, null, 'done'));
    expect(withNul).toMatchObject({ wants: [A], sideband: 'side-band', multiAck: 'multi_ack' });
    // 64k wins over the plain one, detailed over plain multi_ack, whatever the order.
    const both = parseFetchV1(v1Body(`want ${A} side-band-64k side-band multi_ack_detailed multi_ack`, null, 'done'));
    expect(both).toMatchObject({ sideband: 'side-band-64k', multiAck: 'multi_ack_detailed' });
    const none = parseFetchV1(v1Body(`want ${A}`, null, 'done'));
    expect(none).toMatchObject({ sideband: 'none', multiAck: 'none', thinPack: false });
  });

  it('a first want without capabilities leaves every option off', () => {
    const req = parseFetchV1(v1Body(`want ${A}`, `want ${B}`, null, 'done'));
    expect(req.wants).toEqual([A, B]);
    expect(req).toMatchObject({ sideband: 'none', multiAck: 'none', ofsDelta: false, noDone: false });
  });

  it('reads shallow and deepen lines in the want section, then haves and done', () => {
    const req = parseFetchV1(
      v1Body(
        `want ${A} side-band-64k`,
        `shallow ${C}`,
        'deepen 2',
        null,
        `have ${B}`,
        `have ${D}`,
        null,
        `have ${C}`,
        'done',
      ),
    );
    expect(req).toMatchObject({ wants: [A], shallows: [C], depth: 2, haves: [B, D, C], done: true, wantsOnly: false });
    const since = parseFetchV1(v1Body(`want ${A}`, 'deepen-since 1234', 'deepen-not refs/heads/old', null, 'done'));
    expect(since).toMatchObject({ deepenSince: 1234, deepenNot: ['refs/heads/old'] });
  });

  it('wantsOnly: the body ends right after the want section', () => {
    const first = parseFetchV1(v1Body(`want ${A} side-band-64k`, 'deepen 1', null));
    expect(first).toMatchObject({ wantsOnly: true, done: false, depth: 1 });
    const round = parseFetchV1(v1Body(`want ${A}`, null, `have ${B}`, null));
    expect(round).toMatchObject({ wantsOnly: false, done: false, haves: [B] });
    const done = parseFetchV1(v1Body(`want ${A}`, null, 'done'));
    expect(done.wantsOnly).toBe(false);
  });

  it.each([
    ['garbage line', v1Body('hello')],
    ['have before flush', v1Body(`want ${A}`, `have ${B}`)],
    ['want after flush', v1Body(`want ${A}`, null, `want ${B}`)],
    ['bad want oid', v1Body(`want ${'z'.repeat(40)}`)],
    ['bad have oid', v1Body(`want ${A}`, null, 'have 123')],
    ['delim packet', concatBytes([pkt(`want ${A}\n`), new TextEncoder().encode('0001')])],
    ['bad framing', new TextEncoder().encode('GET / HTTP/1.1\r\n')],
    ['deepen 0', v1Body(`want ${A}`, 'deepen 0', null)],
  ])('%s → ProtocolError', (_w, body) => {
    expect(() => parseFetchV1(body)).toThrow(ProtocolError);
  });
});

describe('advertisements', () => {
  const refs = [
    { name: 'refs/heads/main', oid: A },
    { name: 'refs/tags/v1', oid: B, peeled: A },
  ];

  it('service header', () => {
    expect(dec(concatBytes(serviceHeader('git-upload-pack')))).toBe('001e# service=git-upload-pack\n0000');
    expect(dec(concatBytes(serviceHeader('git-receive-pack')))).toBe('001f# service=git-receive-pack\n0000');
  });

  it('v0 upload-pack, empty repository: a capabilities^{} line with the zero id', () => {
    const l = lines(advertiseRefs('git-upload-pack', [], { target: 'refs/heads/main', oid: null }, false));
    expect(l).toHaveLength(2);
    const [line, caps] = (l[0] as string).split('\0');
    expect(line).toBe(`${ZERO} capabilities^{}`);
    expect(caps.split(' ')).toEqual(uploadPackV1Caps(null));
    expect(caps).not.toMatch(/symref=/);
    expect(l[1]).toBeNull();
  });

  it('v0 upload-pack with refs: HEAD first with caps and symref, then refs, peeled tags after their tag', () => {
    const l = lines(advertiseRefs('git-upload-pack', refs, { target: 'refs/heads/main', oid: A }, false));
    expect(l.map((x) => x?.split('\0')[0] ?? null)).toEqual([
      `${A} HEAD`,
      `${A} refs/heads/main`,
      `${B} refs/tags/v1`,
      `${A} refs/tags/v1^{}`,
      null,
    ]);
    const caps = (l[0] as string).split('\0')[1].split(' ');
    expect(caps).toContain('symref=HEAD:refs/heads/main');
    for (const c of ['multi_ack_detailed', 'side-band-64k', 'thin-pack', 'ofs-delta', 'shallow', 'no-done', 'object-format=sha1']) {
      expect(caps).toContain(c);
    }
    expect(caps.some((c) => c.startsWith('agent='))).toBe(true);
    // Only the first line carries capabilities.
    expect(l.slice(1).every((x) => x === null || !x.includes('\0'))).toBe(true);
  });

  it('v0 upload-pack with an unborn HEAD but other refs: no HEAD line, no symref', () => {
    const l = lines(advertiseRefs('git-upload-pack', [refs[0]], { target: 'refs/heads/trunk', oid: null }, false));
    expect((l[0] as string).split('\0')[0]).toBe(`${A} refs/heads/main`);
    expect(l[0]).not.toMatch(/symref=/);
  });

  it('v1 adds a "version 1" line first', () => {
    const l = lines(advertiseRefs('git-upload-pack', refs, { target: 'refs/heads/main', oid: A }, true));
    expect(l[0]).toBe('version 1');
    expect((l[1] as string).split('\0')[0]).toBe(`${A} HEAD`);
  });

  it('receive-pack: no HEAD, no peeled lines, receive-pack capabilities', () => {
    const l = lines(advertiseRefs('git-receive-pack', refs, { target: 'refs/heads/main', oid: A }, false));
    expect(l.map((x) => x?.split('\0')[0] ?? null)).toEqual([`${A} refs/heads/main`, `${B} refs/tags/v1`, null]);
    const caps = (l[0] as string).split('\0')[1].split(' ');
    expect(caps).toEqual(RECEIVE_PACK_CAPS);
    for (const c of ['report-status', 'delete-refs', 'side-band-64k', 'atomic', 'ofs-delta', 'push-options']) expect(caps).toContain(c);
    const empty = lines(advertiseRefs('git-receive-pack', [], { target: 'refs/heads/main', oid: null }, false));
    expect((empty[0] as string).split('\0')[0]).toBe(`${ZERO} capabilities^{}`);
  });

  it('v2: capability lines then flush', () => {
    const l = lines(advertiseV2());
    expect(l[0]).toBe('version 2');
    expect(l[l.length - 1]).toBeNull();
    expect(l.slice(0, -1)).toEqual(V2_CAPABILITIES);
    expect(l).toContain('ls-refs=unborn');
    expect(l.find((x) => x?.startsWith('fetch='))).toMatch(/\bshallow\b/);
    expect(l).toContain('object-format=sha1');
    expect(dec(advertiseV2()[0])).toBe('000eversion 2\n');
  });
});
