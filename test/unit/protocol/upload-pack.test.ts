// upload-pack handlers (v2 ls-refs / fetch, v0/v1 stateless negotiation) run against a
// RepoStore in a real Durable Object; responses are parsed the way a git client reads them.
import { describe, expect, it } from 'vitest';
import { resolvePackInMemory } from '../../../src/pack';
import { parseFetchV1, parseFetchV2 } from '../../../src/protocol/fetch-request';
import { ProtocolError } from '../../../src/protocol/pktline';
import { fetchV1, fetchV2, lsRefs } from '../../../src/protocol/upload-pack';
import type { RepoStore } from '../../../src/storage/repo-store';
import { StoreFetchSource } from '../../../src/storage/fetch-source';

/** upload-pack reads a repository through the FetchSource interface (src/protocol/source.ts). */
const src = (s: RepoStore) => new StoreFetchSource(s);
import { blob, buildPack, commit, ingestPack, linearHistory, pushPack, tag, tree, withStore, ZERO } from '../storage/helpers';
import { body, collect, demux, parseLines, show } from './wire';

const T0 = 1_650_000_000;
const h = linearHistory(4, T0);
const [c1, c2, c3, c4] = h.commits;
const v1 = tag({ object: c2.oid, type: 'commit', name: 'v1', time: T0 + 9000 });
// A big incompressible blob on a side branch, so packs need many side-band packets.
const noise = (() => {
  const b = new Uint8Array(40_000);
  let x = 7;
  for (let i = 0; i < b.length; i++) b[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return blob(b);
})();
const bigTree = tree([{ mode: '100644', name: 'noise.bin', oid: noise.oid }]);
const big = commit({ tree: bigTree.oid, time: T0 + 20_000 });

async function withRepo(fn: (store: RepoStore) => Promise<void>) {
  await withStore('upload-pack', async (store) => {
    await pushPack(store, buildPack([...h.all, v1, noise, bigTree, big]), {
      'refs/heads/main': c4.oid,
      'refs/heads/big': big.oid,
      'refs/tags/v1': v1.oid,
    });
    await fn(store);
  });
}

/** Objects in a pack; thin-pack bases come from the history the client has (h). */
function packOids(pack: Uint8Array): string[] {
  const known = new Map(h.all.map((o) => [o.oid, o]));
  return resolvePackInMemory(pack, { externalBase: (oid) => known.get(oid) }).objects.map((o) => o.oid).sort();
}

const sorted = (xs: Iterable<string>) => [...xs].sort();

describe('ls-refs (v2)', () => {
  it('empty repository: unborn HEAD with its symref target only when asked', async () => {
    await withStore('ls-refs-empty', async (store) => {
      store.refs.setHead('refs/heads/main');
      expect(show(parseLines(await collect(lsRefs(src(store), ['symrefs', 'peel', 'unborn']))))).toEqual([
        'unborn HEAD symref-target:refs/heads/main',
        '<flush>',
      ]);
      expect(show(parseLines(await collect(lsRefs(src(store), ['symrefs', 'peel']))))).toEqual(['<flush>']);
      expect(show(parseLines(await collect(lsRefs(src(store), ['unborn']))))).toEqual(['unborn HEAD', '<flush>']);
    });
  });

  it('HEAD, refs, peeled tags and ref-prefix filtering', async () => {
    await withRepo(async (store) => {
      expect(show(parseLines(await collect(lsRefs(src(store), ['symrefs', 'peel', 'unborn']))))).toEqual([
        `${c4.oid} HEAD symref-target:refs/heads/main`,
        `${big.oid} refs/heads/big`,
        `${c4.oid} refs/heads/main`,
        `${v1.oid} refs/tags/v1 peeled:${c2.oid}`,
        '<flush>',
      ]);
      expect(show(parseLines(await collect(lsRefs(src(store), ['ref-prefix refs/tags/']))))).toEqual([
        `${v1.oid} refs/tags/v1`,
        '<flush>',
      ]);
      expect(show(parseLines(await collect(lsRefs(src(store), ['ref-prefix HEAD', 'ref-prefix refs/heads/m']))))).toEqual([
        `${c4.oid} HEAD`,
        `${c4.oid} refs/heads/main`,
        '<flush>',
      ]);
      expect(() => [...lsRefs(src(store), ['bogus'])]).toThrow(ProtocolError);
    });
  });
});

describe('fetch (v2)', () => {
  it('clone: want + done → packfile section with the whole history in side-band', async () => {
    await withRepo(async (store) => {
      const lines = parseLines(await collect(fetchV2(src(store), parseFetchV2([`want ${c4.oid}`, 'ofs-delta', 'done']))));
      const s = show(lines);
      expect(s[0]).toBe('packfile');
      expect(s[s.length - 1]).toBe('<flush>');
      const d = demux(lines);
      expect(d.error).toBe('');
      expect(d.progress).toMatch(/Enumerating objects/);
      expect(packOids(d.data)).toEqual(sorted(h.all.map((o) => o.oid)));
      for (const size of d.packetSizes) expect(size).toBeLessThanOrEqual(65520);
    });
  });

  it('negotiation: acknowledgments, ready, then the pack of what is missing', async () => {
    await withRepo(async (store) => {
      const lines = parseLines(await collect(fetchV2(src(store), parseFetchV2([`want ${c4.oid}`, `have ${'e'.repeat(40)}`, `have ${c2.oid}`, 'no-progress']))));
      const s = show(lines);
      expect(s.slice(0, 5)).toEqual(['acknowledgments', `ACK ${c2.oid}`, 'ready', '<delim>', 'packfile']);
      const d = demux(lines);
      expect(d.progress).toBe('');
      const expected = [...h.reach(c4)].filter((o) => !h.reach(c2).has(o));
      expect(packOids(d.data)).toEqual(sorted(expected));
    });
  });

  it('no common commit: NAK and the round ends; wait-for-done: ACKs but no ready', async () => {
    await withRepo(async (store) => {
      expect(show(parseLines(await collect(fetchV2(src(store), parseFetchV2([`want ${c4.oid}`, `have ${'e'.repeat(40)}`])))))).toEqual([
        'acknowledgments',
        'NAK',
        '<flush>',
      ]);
      expect(
        show(parseLines(await collect(fetchV2(src(store), parseFetchV2([`want ${c4.oid}`, `have ${c3.oid}`, 'wait-for-done']))))),
      ).toEqual(['acknowledgments', `ACK ${c3.oid}`, '<flush>']);
    });
  });

  it('shallow: deepen 1 → shallow-info before the packfile; want-ref → wanted-refs', async () => {
    await withRepo(async (store) => {
      const lines = parseLines(await collect(fetchV2(src(store), parseFetchV2(['want-ref refs/heads/main', 'deepen 1', 'done']))));
      const s = show(lines);
      expect(s.slice(0, 7)).toEqual([
        'shallow-info',
        `shallow ${c4.oid}`,
        '<delim>',
        'wanted-refs',
        `${c4.oid} refs/heads/main`,
        '<delim>',
        'packfile',
      ]);
      const oids = packOids(demux(lines).data);
      expect(oids).toContain(c4.oid);
      expect(oids).not.toContain(c3.oid);
    });
  });

  it('include-tag sends tags whose commit is in the pack', async () => {
    await withRepo(async (store) => {
      const lines = parseLines(await collect(fetchV2(src(store), parseFetchV2([`want ${c4.oid}`, 'include-tag', 'done']))));
      expect(packOids(demux(lines).data)).toContain(v1.oid);
    });
  });

  it('refuses unknown wants and refs', async () => {
    await withRepo(async (store) => {
      await expect(collect(fetchV2(src(store), parseFetchV2([`want ${'e'.repeat(40)}`, 'done'])))).rejects.toThrow(/not our ref/);
      await expect(collect(fetchV2(src(store), parseFetchV2(['want-ref refs/heads/nope', 'done'])))).rejects.toThrow(ProtocolError);
      await expect(collect(fetchV2(src(store), parseFetchV2(['done'])))).rejects.toThrow(/no wants/);
      await expect(collect(fetchV2(src(store), parseFetchV2([`want ${c4.oid}`, 'deepen-not nope', 'done'])))).rejects.toThrow(ProtocolError);
    });
  });
});

describe('upload-pack v0/v1 (stateless)', () => {
  const caps = 'multi_ack_detailed side-band-64k ofs-delta thin-pack no-progress';

  it('clone: NAK then the pack in side-band', async () => {
    await withRepo(async (store) => {
      const lines = parseLines(await collect(fetchV1(src(store), parseFetchV1(body(`want ${c4.oid} ${caps}`, null, 'done')))));
      expect(show(lines)[0]).toBe('NAK');
      expect(show(lines).at(-1)).toBe('<flush>');
      expect(packOids(demux(lines).data)).toEqual(sorted(h.all.map((o) => o.oid)));
    });
  });

  it('without side-band the raw pack follows NAK', async () => {
    await withRepo(async (store) => {
      const out = await collect(fetchV1(src(store), parseFetchV1(body(`want ${c1.oid}`, null, 'done'))));
      expect(new TextDecoder().decode(out.subarray(0, 8))).toBe('0008NAK\n');
      expect(new TextDecoder().decode(out.subarray(8, 12))).toBe('PACK');
      expect(packOids(out.subarray(8))).toEqual(sorted(h.reach(c1)));
    });
  });

  it('multi_ack_detailed: common, ready and NAK; the round ends without a pack', async () => {
    await withRepo(async (store) => {
      const out = await collect(fetchV1(src(store), parseFetchV1(body(`want ${c4.oid} ${caps}`, null, `have ${'e'.repeat(40)}`, `have ${c2.oid}`, null))));
      expect(show(parseLines(out))).toEqual([`ACK ${c2.oid} common`, `ACK ${c2.oid} ready`, 'NAK']);
    });
  });

  it('no-done: after ready the server sends the final ACK and the pack at once', async () => {
    await withRepo(async (store) => {
      const lines = parseLines(await collect(fetchV1(src(store), parseFetchV1(body(`want ${c4.oid} ${caps} no-done`, null, `have ${c2.oid}`, null)))));
      expect(show(lines).slice(0, 4)).toEqual([`ACK ${c2.oid} common`, `ACK ${c2.oid} ready`, 'NAK', `ACK ${c2.oid}`]);
      const expected = [...h.reach(c4)].filter((o) => !h.reach(c2).has(o));
      expect(packOids(demux(lines).data)).toEqual(sorted(expected));
    });
  });

  it('done with a common commit: final ACK and the incremental pack', async () => {
    await withRepo(async (store) => {
      const lines = parseLines(await collect(fetchV1(src(store), parseFetchV1(body(`want ${c4.oid} ${caps}`, null, `have ${c3.oid}`, 'done')))));
      expect(show(lines).slice(0, 2)).toEqual([`ACK ${c3.oid} common`, `ACK ${c3.oid}`]);
      expect(packOids(demux(lines).data)).toEqual(sorted([...h.reach(c4)].filter((o) => !h.reach(c3).has(o))));
    });
  });

  it('deepen: the first round (wants only) gets just the shallow lines; the next one the pack', async () => {
    await withRepo(async (store) => {
      const first = await collect(fetchV1(src(store), parseFetchV1(body(`want ${c4.oid} ${caps}`, 'deepen 1', null))));
      expect(show(parseLines(first))).toEqual([`shallow ${c4.oid}`, '<flush>']);
      const second = parseLines(await collect(fetchV1(src(store), parseFetchV1(body(`want ${c4.oid} ${caps}`, 'deepen 1', null, 'done')))));
      expect(show(second).slice(0, 3)).toEqual([`shallow ${c4.oid}`, '<flush>', 'NAK']);
      const oids = packOids(demux(second).data);
      expect(oids).toContain(c4.oid);
      expect(oids).not.toContain(c3.oid);
    });
  });

  it('refuses a want the repository does not have', async () => {
    await withRepo(async (store) => {
      await expect(collect(fetchV1(src(store), parseFetchV1(body(`want ${'e'.repeat(40)} ${caps}`, null, 'done'))))).rejects.toThrow(/not our ref/);
    });
  });

  // BUG (src/protocol/upload-pack.ts, fetchV1 and packStream): with the old 'side-band'
  // capability (no -64k) a packet may be at most 1000 bytes including its 4-byte length
  // (protocol-capabilities.txt; git's send_sideband uses packet_max - 5 = 995 data bytes).
  // packStream passes max = 999 data bytes to sideband(), which then writes 1004-byte packets.
  it('side-band (not 64k) keeps every packet within 1000 bytes', async () => {
    await withRepo(async (store) => {
      const lines = parseLines(await collect(fetchV1(src(store), parseFetchV1(body(`want ${big.oid} side-band ofs-delta`, null, 'done')))));
      const d = demux(lines);
      expect(packOids(d.data)).toContain(noise.oid);
      expect(Math.max(...d.packetSizes)).toBeLessThanOrEqual(1000);
    });
  });

  // BUG (src/protocol/upload-pack.ts, fetchV1): without multi_ack, git's upload-pack answers a
  // flush with NAK when no have was common (`if (data->have_obj.nr == 0 || data->multi_ack)`:
  // have_obj counts COMMON objects). Here NAK is only sent when the client sent no haves at
  // all, so a client whose haves are all unknown gets an empty response.
  it('no multi_ack: haves none of which are common still get a NAK', async () => {
    await withRepo(async (store) => {
      const out = await collect(fetchV1(src(store), parseFetchV1(body(`want ${c4.oid} side-band-64k`, null, `have ${'e'.repeat(40)}`, null))));
      expect(show(parseLines(out))).toEqual(['NAK']);
    });
  });
});

describe('full-clone fast path (every stored object, no walk)', () => {
  const clone = async (store: RepoStore, wants: string[]) => {
    const lines = parseLines(await collect(fetchV2(src(store), parseFetchV2([...wants.map((w) => `want ${w}`), 'ofs-delta', 'done']))));
    return packOids(demux(lines).data);
  };
  const tips = (store: RepoStore) => [...new Set(store.refs.list().map((r) => r.oid))];

  it('a clone of every ref gets exactly the stored objects', async () => {
    await withRepo(async (store) => {
      const all = store.objects.count();
      const oids = await clone(store, tips(store));
      expect(oids).toHaveLength(all);
      expect(oids).toEqual(sorted([...h.all, v1, noise, bigTree, big].map((o) => o.oid)));
    });
  });

  it('after a force-push, the objects it orphaned are not sent', async () => {
    await withRepo(async (store) => {
      const b = blob('fresh start\n');
      const t = tree([{ mode: '100644', name: 'x', oid: b.oid }]);
      const root = commit({ tree: t.oid, time: T0 + 50_000 });
      const ing = await ingestPack(store, buildPack([root, t, b]));
      const res = store.commitPush(
        ing,
        [
          { name: 'refs/heads/main', oldOid: c4.oid, newOid: root.oid },
          { name: 'refs/heads/big', oldOid: big.oid, newOid: ZERO },
          { name: 'refs/tags/v1', oldOid: v1.oid, newOid: ZERO },
        ],
        false,
      );
      expect(res.every((r) => r.ok)).toBe(true);
      expect(await clone(store, [root.oid])).toEqual(sorted([root.oid, t.oid, b.oid]));
    });
  });

  it('a push that brings an object no ref reaches turns the fast path off', async () => {
    await withRepo(async (store) => {
      const stray = blob('nobody points at me\n');
      const b = blob('next\n');
      const t = tree([{ mode: '100644', name: 'n', oid: b.oid }]);
      const c5 = commit({ tree: t.oid, parents: [c4.oid], time: T0 + 60_000 });
      const ing = await ingestPack(store, buildPack([c5, t, b, stray]));
      expect(store.commitPush(ing, [{ name: 'refs/heads/main', oldOid: c4.oid, newOid: c5.oid }], false)[0].ok).toBe(true);
      const oids = await clone(store, tips(store));
      expect(oids).toContain(c5.oid);
      expect(oids).not.toContain(stray.oid);
    });
  });
});
