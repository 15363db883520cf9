// fetchRemote inside a real Durable Object against a hand-made remote (a fake fetch): the pack
// streams into storage through PackIngest; an invalid pack, a remote error in the middle of the
// pack and a shallow answer. Failures must leave no pack file, no stream and no object behind.
import { describe, expect, it } from 'vitest';
import { fetchRemote } from '../../../src/import/run';
import { ImportError } from '../../../src/import/errors';
import { FLUSH, concatBytes, pkt } from '../../../src/protocol/pktline';
import { sideband } from '../../../src/protocol/sideband';
import { blob, buildPack, commit, storageSnapshot, tree, withStore } from '../storage/helpers';

const enc = (s: string) => new TextEncoder().encode(s);

function history() {
  const b1 = blob('one\n');
  const t1 = tree([{ mode: '100644', name: 'a.txt', oid: b1.oid }]);
  const c1 = commit({ tree: t1.oid, time: 1_700_000_000 });
  const b2 = blob('two\n');
  const t2 = tree([{ mode: '100644', name: 'a.txt', oid: b2.oid }]);
  const c2 = commit({ tree: t2.oid, parents: [c1.oid], time: 1_700_000_100 });
  return { c1, c2, full: [b1, t1, c1, b2, t2, c2], shallow: [b2, t2, c2] };
}

/** A v2 remote whose fetch answer is `packAnswer` (the bytes after the packfile header). */
function fakeRemote(head: string, packAnswer: Uint8Array[], shallowInfo: string[] = []): typeof fetch {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    const body = init?.body ? new TextDecoder().decode(init.body as Uint8Array) : '';
    const ok = (type: string, parts: Uint8Array[]) =>
      new Response(concatBytes(parts), { headers: { 'content-type': `application/x-git-upload-pack-${type}` } });
    if (url.endsWith('/info/refs?service=git-upload-pack')) {
      return ok('advertisement', [pkt('# service=git-upload-pack\n'), FLUSH, pkt('version 2\n'), pkt('ls-refs=unborn\n'), pkt('fetch=shallow\n'), FLUSH]);
    }
    if (body.includes('command=ls-refs')) {
      return ok('result', [pkt(`${head} HEAD symref-target:refs/heads/main\n`), pkt(`${head} refs/heads/main\n`), FLUSH]);
    }
    const parts: Uint8Array[] = [];
    if (shallowInfo.length) parts.push(pkt('shallow-info\n'), ...shallowInfo.map((s) => pkt(`shallow ${s}\n`)), enc('0001'));
    parts.push(pkt('packfile\n'), ...packAnswer);
    return ok('result', parts);
  }) as typeof fetch;
}

const url = new URL('https://remote.example/o/r.git');

describe('fetchRemote', () => {
  it('streams a valid pack into storage; nothing is indexed until the caller commits', async () => {
    const h = history();
    await withStore('import-ok', async (store, state) => {
      const got = await fetchRemote(store, { url, headers: {}, fetch: fakeRemote(h.c2.oid, sideband(1, buildPack(h.full), 1000)) });
      expect(got).toMatchObject({ protocol: 2, head: 'refs/heads/main', shallows: [] });
      expect(got.pack!.objectCount).toBe(6);
      expect(storageSnapshot(store, state).objects).toEqual([]); // not indexed yet
      expect(storageSnapshot(store, state).packFiles.length).toBe(1);
      got.discard();
      expect(storageSnapshot(store, state).packFiles).toEqual([]);
    });
  });

  it('a shallow answer: the boundary commit may lack its parent', async () => {
    const h = history();
    await withStore('import-shallow', async (store) => {
      const got = await fetchRemote(store, { url, headers: {}, depth: 1, fetch: fakeRemote(h.c2.oid, sideband(1, buildPack(h.shallow)), [h.c2.oid]) });
      expect(got.shallows).toEqual([h.c2.oid]);
      // without the shallow line the same pack is incomplete
      const e = await fetchRemote(store, { url, headers: {}, depth: 1, fetch: fakeRemote(h.c2.oid, sideband(1, buildPack(h.shallow))) }).catch((x) => x);
      expect(e).toBeInstanceOf(ImportError);
      expect(e.code).toBe('invalid_pack');
    });
  });

  it('a corrupt pack or a remote error mid-pack leaves nothing behind', async () => {
    const h = history();
    const pack = buildPack(h.full);
    const corrupt = pack.slice();
    corrupt[corrupt.length - 30] ^= 0xff;
    const cases: [Uint8Array[], string][] = [
      [sideband(1, corrupt), 'invalid_pack'],
      [sideband(1, pack.subarray(0, 40)), 'invalid_pack'], // truncated
      [[...sideband(1, pack.subarray(0, 50)), ...sideband(3, enc('fatal: out of memory\n'))], 'upstream_error'],
      [[FLUSH], 'invalid_pack'], // no pack at all
      [sideband(1, buildPack(h.shallow)), 'invalid_pack'], // missing parent, not shallow
    ];
    await withStore('import-bad', async (store, state) => {
      const before = storageSnapshot(store, state);
      for (const [answer, code] of cases) {
        const e = await fetchRemote(store, { url, headers: {}, fetch: fakeRemote(h.c2.oid, answer) }).catch((x) => x);
        expect(e, code).toBeInstanceOf(ImportError);
        expect(e.code).toBe(code);
        expect(storageSnapshot(store, state)).toEqual(before);
      }
    });
  });

  it('a remote that never answers, or stalls mid-answer (plain or gzip), is upstream_timeout', async () => {
    const silent = ((_: unknown, init?: RequestInit) =>
      new Promise((_r, reject) => init?.signal?.addEventListener('abort', () => reject(new Error('aborted'))))) as typeof fetch;
    const stalled = (encoding?: string) =>
      (async () =>
        new Response(new ReadableStream({ pull: () => new Promise(() => {}) }), {
          headers: { 'content-type': 'application/x-git-upload-pack-advertisement', ...(encoding ? { 'content-encoding': encoding } : {}) },
        })) as typeof fetch;
    await withStore('import-timeout', async (store, state) => {
      const before = storageSnapshot(store, state);
      for (const f of [silent, stalled(), stalled('gzip')]) {
        const t0 = Date.now();
        const e = await fetchRemote(store, { url, headers: {}, idleMs: 100, fetch: f }).catch((x) => x);
        expect(e).toBeInstanceOf(ImportError);
        expect(e.code).toBe('upstream_timeout');
        expect(Date.now() - t0).toBeLessThan(5000);
      }
      expect(storageSnapshot(store, state)).toEqual(before);
    });
  });
});
