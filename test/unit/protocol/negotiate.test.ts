// Negotiation cost (v0/v1 multi_ack_detailed and v2): each have the server does not know used to
// start a fresh walk from every want (up to 20k commits each), so 8,000 bogus haves after one
// known, unrelated commit cost seconds. The walk is now shared across the haves of a request and
// only ever extended (linear in the history it touches), and a request's haves are looked at up
// to a cap; the answers (ACK common / ready / NAK) stay what they were.
import { describe, expect, it } from 'vitest';
import { parseFetchV1, parseFetchV2 } from '../../../src/protocol/fetch-request';
import { MAX_HAVES_PER_REQUEST, Negotiation } from '../../../src/protocol/negotiate';
import { fetchV1, fetchV2 } from '../../../src/protocol/upload-pack';
import type { RepoStore } from '../../../src/storage/repo-store';
import { StoreFetchSource } from '../../../src/storage/fetch-source';
import { CommitCache } from '../../../src/storage/commit-graph';
import { blob, buildPack, commit, pushPack, tree, withStore, type Obj } from '../storage/helpers';
import { body, collect, parseLines, show } from './wire';

const T0 = 1_600_000_000;
const N = 3000;
const file = blob('one file\n');
const root = tree([{ mode: '100644', name: 'f', oid: file.oid }]);
/** main: N commits, one a minute, all with the same tree. */
const main: Obj[] = [];
for (let i = 0; i < N; i++) main.push(commit({ tree: root.oid, parents: i ? [main[i - 1].oid] : [], time: T0 + i * 60, message: `c${i}` }));
/** An unrelated root commit, older than all of main: a have that makes every want walk to main's root. */
const stray = commit({ tree: root.oid, time: T0 - 86_400, message: 'stray' });
const tip = main[N - 1];
/** A side branch newer than all of main: as the first have, it cuts the walk from main's tip at once. */
const side = commit({ tree: root.oid, parents: [main[0].oid], time: T0 + N * 60 + 3600, message: 'side' });

const bogus = (n: number, seed: number): string[] =>
  Array.from({ length: n }, (_, i) => ((seed * 1_000_003 + i) * 2_654_435_761 >>> 0).toString(16).padStart(8, '0').repeat(5));

async function withHistory(fn: (store: RepoStore) => Promise<void>) {
  await withStore('negotiate', async (store) => {
    await pushPack(store, buildPack([file, root, ...main, stray, side]), {
      'refs/heads/main': tip.oid,
      'refs/heads/stray': stray.oid,
      'refs/heads/side': side.oid,
    });
    await fn(store);
  });
}

const CAPS = 'multi_ack_detailed no-done side-band-64k ofs-delta';

describe('v0/v1 negotiation with many haves the server does not have', () => {
  it('8,000 bogus haves after a known unrelated one: answered in well under a second, walking the history once', async () => {
    await withHistory(async (store) => {
      const haves = [stray.oid, ...bogus(8000, 1)];
      const req = body(`want ${tip.oid} ${CAPS}`, null, ...haves.map((h) => `have ${h}`), null);
      const t0 = performance.now();
      const lines = show(parseLines(await collect(fetchV1(new StoreFetchSource(store), parseFetchV1(req)))));
      const ms = performance.now() - t0;
      console.log(`[negotiate] v0, ${N}-commit history, 1 known + 8,000 bogus haves: ${ms.toFixed(0)} ms`);
      expect(lines).toEqual([`ACK ${stray.oid} common`, 'NAK']);
      expect(ms).toBeLessThan(1000);
      // The walk itself, as the negotiation sees it: every commit of main once, not once per have.
      const neg = new Negotiation(new CommitCache(store.objects), [tip.oid], (o) => store.objects.has(o));
      for (const h of haves) if (!neg.have(h)) neg.okToGiveUp();
      expect(neg.okToGiveUp()).toBe(false);
      expect(neg.walked).toBeLessThanOrEqual(N + 1);
    });
  });

  it('known haves interleaved with bogus ones: each answer as before (common, then ready once a want reaches one)', async () => {
    await withHistory(async (store) => {
      const [b1, b2, b3] = bogus(3, 2);
      const mid = main[N / 2].oid;
      const req = body(`want ${tip.oid} ${CAPS}`, null, `have ${b1}`, `have ${stray.oid}`, `have ${b2}`, `have ${mid}`, `have ${b3}`, null);
      // (no-done: the pack follows the last ACK)
      expect(show(parseLines(await collect(fetchV1(new StoreFetchSource(store), parseFetchV1(req))))).slice(0, 6)).toEqual([
        `ACK ${stray.oid} common`,
        `ACK ${mid} common`,
        `ACK ${b3} ready`,
        `ACK ${mid} ready`,
        'NAK',
        `ACK ${mid}`,
      ]);
    });
  });

  it('a have that becomes common after the walk ran: the cut-off walk resumes from where it stopped', async () => {
    await withHistory(async (store) => {
      // A have newer than all of main first (the walk stops at the tip, older than it), then
      // an old one on main: the walk goes on down to it.
      const neg = new Negotiation(new CommitCache(store.objects), [tip.oid], (o) => store.objects.has(o));
      expect(neg.have(side.oid)).toBe(true);
      expect(neg.have(bogus(1, 3)[0])).toBe(false);
      expect(neg.okToGiveUp()).toBe(false);
      expect(neg.walked).toBeLessThanOrEqual(1);
      expect(neg.have(main[10].oid)).toBe(true);
      expect(neg.okToGiveUp()).toBe(true);
      expect(neg.walked).toBeLessThanOrEqual(N);
    });
  });

  it('haves past the cap of one request are not looked at (answered as unknown)', async () => {
    await withHistory(async (store) => {
      const far = [...bogus(MAX_HAVES_PER_REQUEST, 4), main[5].oid];
      const reqFar = body(`want ${tip.oid} ${CAPS}`, null, ...far.map((h) => `have ${h}`), null);
      expect(show(parseLines(await collect(fetchV1(new StoreFetchSource(store), parseFetchV1(reqFar)))))).toEqual(['NAK']);
      const near = [...bogus(100, 5), main[5].oid];
      const reqNear = body(`want ${tip.oid} ${CAPS}`, null, ...near.map((h) => `have ${h}`), null);
      expect(show(parseLines(await collect(fetchV1(new StoreFetchSource(store), parseFetchV1(reqNear))))).slice(0, 2)).toEqual([`ACK ${main[5].oid} common`, `ACK ${main[5].oid} ready`]);
    });
  });
});

describe('v2 negotiation', () => {
  it('8,000 bogus haves and one known: the known one is acknowledged, fast', async () => {
    await withHistory(async (store) => {
      const args = [`want ${tip.oid}`, `have ${stray.oid}`, ...bogus(8000, 6).map((h) => `have ${h}`)];
      const t0 = performance.now();
      const lines = show(parseLines(await collect(fetchV2(new StoreFetchSource(store), parseFetchV2(args)))));
      const ms = performance.now() - t0;
      console.log(`[negotiate] v2, ${N}-commit history, 1 known + 8,000 bogus haves: ${ms.toFixed(0)} ms`);
      expect(lines).toEqual(['acknowledgments', `ACK ${stray.oid}`, '<flush>']);
      expect(ms).toBeLessThan(1000);
    });
  });
});
