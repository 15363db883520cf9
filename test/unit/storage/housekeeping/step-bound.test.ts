// Issue 19: housekeeping never holds the Durable Object for long. A step is synchronous, so each
// must stay near its budget (budget.ts, ~40 ms) however big the objects it deltifies: here a
// `log/` directory of thousands of entries (each version a ~300 KB tree, stored as a chain of
// thin deltas as the commit API stores it) gets a full repack, whose delta search compares
// many versions of that tree. The content stays exactly as it was.
//
// What is asserted, and why two ways. The bound is structural (budget.ts): a step starts a unit
// of work (an object read, one comparison, a piece of rows) only if its known cost fits what is
// left, the first unit excepted, and each unit is capped where it is made. That is checked
// exactly, from the budget's own accounting: every step did at most a budget's units (plus the
// misestimate of its last unit), or a single unit, and no unit was over the cap - this fails
// whenever a step does more than its share (before the search was cut across steps, a step of the
// 3.5 MB file compared it with its whole window: 166 ms, ten units). Wall time is measured too,
// but a loaded machine (2 cores shared with other sessions) stretches any one step: in local
// workerd, V8 mark-compacts of 28-236 ms and 269 ms of a 288 ms window spent waiting for a core
// were seen. So the wall bound holds for every step but the longest, which is logged.
import { describe, expect, it } from 'vitest';
import { hashObject } from '../../../../src/pack';
import { blob, buildPack, commit, pushPack, rng, tree, withStore, type Obj, type PackItem, type TreeEntrySpec } from '../helpers';
import { Budget, PER_OBJECT, STEP_UNITS } from '../../../../src/storage/housekeeping/budget';
import { readWithin } from '../../../../src/storage/housekeeping/chain-read';
import { MAX_SEARCH_BYTES } from '../../../../src/storage/housekeeping/pack-builder';
import type { Housekeeper } from '../../../../src/storage/housekeeping/run';
import type { MaintenanceRequest } from '../../../../src/storage/housekeeping/state';
import { COPY_PIECE } from '../../../../src/storage/housekeeping/pack-builder';
import { BIG_PIECE } from '../../../../src/storage/housekeeping/big-entry';
import { packPath } from '../../../../src/storage/pack-files';
import { bytesToHex } from '../../../../src/pack';
import { createHash } from 'node:crypto';
import { contentSnapshot, housekeeper } from './helpers';
import { FILE_PIECE, removeOldFiles } from '../../../../src/storage/housekeeping/cleanup';
import type { RunState } from '../../../../src/storage/housekeeping/state';

/** What swap.ts charges for freeing `n` bytes of a file (PER_OBJECT + n / 32). */
const freeUnitsOf = (n: number) => PER_OBJECT + Math.ceil(n / 32);

const BASE_ENTRIES = 4500;
const COMMITS = 30;
/** Generous against the ~40 ms budget; every step but the longest (see the file comment). */
const BOUND_MS = 120;

/** Text-like bytes from six words (compresses ~4x), deterministic per seed. */
function wordsText(n: number, seed: number): Uint8Array {
  const r = rng(seed);
  const words = ['alpha ', 'beta ', 'gamma ', 'delta\n', 'epsilon ', 'zeta '];
  const out = new Uint8Array(n);
  for (let i = 0; i < n; ) for (const ch of words[r() % words.length]) if (i < n) out[i++] = ch.charCodeAt(0);
  return out;
}
/** The largest unit: one comparison, or the check and deflate of one object, both at most
 *  MAX_SEARCH_BYTES a side (pack-builder.ts). */
const UNIT_CAP = 2 * MAX_SEARCH_BYTES + 2 * PER_OBJECT;
/** A step's last unit is estimated before it runs; what it spends after may differ a little
 *  (a tree's walk, the rows a query really returned). */
const SLACK = STEP_UNITS / 4;

interface StepDone {
  ms: number;
  spent: number;
  units: number;
  largest: number;
}

/** Runs a request to its end, one budget per step, keeping each step's time and accounting. */
function measuredRun(hk: Housekeeper, req: Omit<MaintenanceRequest, 'trigger'>): StepDone[] {
  hk.request({ trigger: 'request', ...req });
  const steps: StepDone[] = [];
  for (let i = 0; i < 100_000; i++) {
    const b = new Budget();
    const t0 = performance.now();
    const r = hk.step(b);
    steps.push({ ms: performance.now() - t0, spent: b.spent, units: b.unitsStarted, largest: b.largest });
    if (r === 'idle') return steps;
    if (r === 'wait') throw new Error('housekeeping waits');
  }
  throw new Error('housekeeping did not finish');
}

function expectBounded(steps: StepDone[], label: string): void {
  for (const [k, s] of steps.entries()) {
    expect(s.largest, `${label}: step ${k}'s largest unit`).toBeLessThanOrEqual(UNIT_CAP);
    if (s.units > 1) expect(s.spent, `${label}: step ${k} (${s.units} units)`).toBeLessThanOrEqual(STEP_UNITS + SLACK);
  }
  const ms = steps.map((s) => s.ms).sort((a, b) => b - a);
  const most = Math.max(...steps.map((s) => s.units));
  const spent = Math.max(0, ...steps.filter((s) => s.units > 1).map((s) => s.spent));
  console.log(`${label}: ${steps.length} steps, longest ${ms[0].toFixed(1)} ms, next ${(ms[1] ?? 0).toFixed(1)} ms; most units in a step ${most}, most spent by a step of several ${spent} (cap ${STEP_UNITS})`);
  expect(ms[1] ?? 0, `${label}: the second longest step`).toBeLessThan(BOUND_MS);
}

describe('longest housekeeping step on a big growing directory', () => {
  it(`full repack of ${COMMITS} versions of a ${BASE_ENTRIES}-entry log/ tree: every step within its budget, content intact`, async () => {
    await withStore('hk-step-bound', async (store, state) => {
      const sql = state.storage.sql;
      const entries: TreeEntrySpec[] = [];
      const first: Obj[] = [];
      for (let i = 0; i < BASE_ENTRIES; i++) {
        const b = blob(`log entry ${i}\n`);
        first.push(b);
        entries.push({ mode: '100644', name: `2026-12-06T05-${String(i).padStart(6, '0')}-agent-step.json`, oid: b.oid });
      }
      let prevLog: Obj | null = null;
      let parent: Obj | null = null;
      for (let k = 0; k < COMMITS; k++) {
        const added = blob(`log entry added by commit ${k}\n`);
        entries.push({ mode: '100644', name: `2026-12-06T06-${String(k).padStart(6, '0')}-agent-step.json`, oid: added.oid });
        const state1 = blob(JSON.stringify({ step: k, note: 'x'.repeat(2000) }));
        const log = tree(entries);
        const root = tree([
          { mode: '40000', name: 'log', oid: log.oid },
          { mode: '100644', name: 'state.json', oid: state1.oid },
        ]);
        const c = commit({ tree: root.oid, parents: parent ? [parent.oid] : [], time: 1_000_000 + k });
        const items = [...(k === 0 ? first : []), added, state1, prevLog ? { obj: log, refDelta: prevLog } : log, root, c];
        await pushPack(store, buildPack(items), { 'refs/heads/main': c.oid }, k + 1);
        prevLog = log;
        parent = c;
      }
      expect(prevLog!.data.length).toBeGreaterThan(250_000);
      const before = contentSnapshot(store, sql);
      const hk = housekeeper(store, state);
      const steps = measuredRun(hk, { tasks: ['repack'], mode: 'all' });
      const trace = hk.stepTrace.toJSON();
      console.log('step trace', JSON.stringify(trace));
      const last = hk.status().lastRun!;
      expect(last.outcome).toBe('done');
      expect(last.newDeltas).toBeGreaterThan(COMMITS / 2); // the tree versions became deltas
      expect(contentSnapshot(store, sql)).toEqual(before);
      for (const r of sql.exec<{ oid: string }>(`SELECT oid FROM objects`).toArray()) {
        const o = store.objects.read(r.oid);
        expect(hashObject(o.type, o.data)).toBe(r.oid);
      }
      expectBounded(steps, 'log/ tree');
    });
  }, 180_000);

  it(`full repack of 10 versions of a 3.5 MB file: the delta search of one version is cut across steps, every step within its budget`, async () => {
    await withStore('hk-step-big', async (store, state) => {
      const sql = state.storage.sql;
      const r = rng(7);
      const data = new Uint8Array(3_500_000);
      for (let i = 0; i < data.length; i++) data[i] = r() & 0xff; // incompressible: every byte is compared
      let parent: Obj | null = null;
      for (let k = 0; k < 10; k++) {
        for (let j = 0; j < 64; j++) data[(k * 131_071 + j * 977) % data.length] = r() & 0xff; // a few edits
        const f = blob(data.slice());
        const root = tree([{ mode: '100644', name: 'model.bin', oid: f.oid }]);
        const c = commit({ tree: root.oid, parents: parent ? [parent.oid] : [], time: 2_000_000 + k });
        await pushPack(store, buildPack([f, root, c]), { 'refs/heads/main': c.oid }, k + 1);
        parent = c;
      }
      const before = contentSnapshot(store, sql);
      const hk = housekeeper(store, state);
      const steps = measuredRun(hk, { tasks: ['repack'], mode: 'all' });
      const trace = hk.stepTrace.toJSON();
      console.log('step trace (big file)', JSON.stringify(trace));
      const last = hk.status().lastRun!;
      expect(last.outcome).toBe('done');
      expect(last.newDeltas).toBeGreaterThanOrEqual(9); // each version but one became a delta
      expect(contentSnapshot(store, sql)).toEqual(before);
      // each comparison of two versions (7 MB of units, over a budget) is a step of its own
      expect(steps.filter((s) => s.largest > STEP_UNITS && s.units === 1).length).toBeGreaterThanOrEqual(9);
      expectBounded(steps, '3.5 MB file');
    });
  }, 180_000);

  it(`a 49-deep chain of thin deltas of a ~430 KB tree, nothing cached (a restart): read across steps, every repack step within its budget`, async () => {
    await withStore('hk-step-chain', async (store, state) => {
      const sql = state.storage.sql;
      const entries: TreeEntrySpec[] = [];
      const first: Obj[] = [];
      for (let i = 0; i < 6000; i++) {
        const b = blob(`chain entry ${i}\n`);
        first.push(b);
        entries.push({ mode: '100644', name: `2026-12-06T07-${String(i).padStart(6, '0')}-agent-step.json`, oid: b.oid });
      }
      let prev: Obj | null = null;
      let parent: Obj | null = null;
      for (let k = 0; k < 50; k++) {
        const added = blob(`chain entry added by commit ${k}\n`);
        entries.push({ mode: '100644', name: `2026-12-06T08-${String(k).padStart(6, '0')}-agent-step.json`, oid: added.oid });
        const log = tree(entries);
        const root = tree([{ mode: '40000', name: 'log', oid: log.oid }]);
        const c = commit({ tree: root.oid, parents: parent ? [parent.oid] : [], time: 3_000_000 + k });
        await pushPack(store, buildPack([...(k === 0 ? first : []), added, prev ? { obj: log, refDelta: prev } : log, root, c]), { 'refs/heads/main': c.oid }, k + 1);
        prev = log;
        parent = c;
      }
      const top = sql.exec<{ depth: number; base_oid: string | null }>(`SELECT depth, base_oid FROM objects WHERE oid = ?`, prev!.oid).one();
      expect(top.base_oid).not.toBeNull();
      expect(top.depth).toBeGreaterThanOrEqual(40);
      // the read alone, one tree's worth of budget a call: it takes several calls, each short
      store.objects.clearCaches();
      let calls = 0;
      let longest = 0;
      let got = null;
      while (!got) {
        calls++;
        const t0 = performance.now();
        got = readWithin(store.objects, prev!.oid, new Budget(1000, 500_000));
        longest = Math.max(longest, performance.now() - t0);
      }
      console.log(`chain read: ${calls} calls, longest ${longest.toFixed(1)} ms`);
      expect(calls).toBeGreaterThan(5);
      expect(hashObject(got.type, got.data)).toBe(prev!.oid);
      expect(longest).toBeLessThan(BOUND_MS);
      // a full repack from a cold cache
      const before = contentSnapshot(store, sql);
      store.objects.clearCaches();
      const hk = housekeeper(store, state);
      const steps = measuredRun(hk, { tasks: ['repack'], mode: 'all' });
      const trace = hk.stepTrace.toJSON();
      console.log('step trace (thin chain)', JSON.stringify(trace));
      expect(hk.status().lastRun!.outcome).toBe('done');
      expect(contentSnapshot(store, sql)).toEqual(before);
      expectBounded(steps, 'thin chain');
    });
  }, 240_000);
  it('a 9 MB object (too big to search) is copied into the new pack a piece per step: the pack is valid, every object reads back', async () => {
    await withStore('hk-step-copy', async (store, state) => {
      const sql = state.storage.sql;
      const r = rng(11);
      const data = new Uint8Array(9_000_000);
      for (let i = 0; i < data.length; i++) data[i] = r() & 0xff; // incompressible: ~9 MB stored
      const f = blob(data);
      const small = blob('next to it\n');
      const root = tree([{ mode: '100644', name: 'big.bin', oid: f.oid }, { mode: '100644', name: 'note.txt', oid: small.oid }]);
      const c = commit({ tree: root.oid, parents: [], time: 4_000_000 });
      await pushPack(store, buildPack([f, small, root, c]), { 'refs/heads/main': c.oid }, 1);
      const c2 = commit({ tree: root.oid, parents: [c.oid], time: 4_000_001 });
      await pushPack(store, buildPack([c2]), { 'refs/heads/main': c2.oid }, 2);
      const before = contentSnapshot(store, sql);
      const oldPacks = sql.exec<{ id: number }>(`SELECT id FROM packs`).toArray().map((p) => p.id);
      const hk = housekeeper(store, state);
      const steps = measuredRun(hk, { tasks: ['repack'], mode: 'all' });
      console.log('step trace (copy)', JSON.stringify(hk.stepTrace.toJSON()));
      for (const id of oldPacks) expect(store.fs.existsSync(packPath(id)), `old pack ${id}`).toBe(false);
      expect(hk.status().lastRun!.outcome).toBe('done');
      // the copy took a step per piece (each a budget's worth or less), not one step of 9 MB
      expect(steps.filter((s) => s.largest >= COPY_PIECE).length).toBeGreaterThanOrEqual(Math.floor(9_000_000 / COPY_PIECE));
      expect(contentSnapshot(store, sql)).toEqual(before);
      const o = store.objects.read(f.oid);
      expect(hashObject(o.type, o.data)).toBe(f.oid);
      const pack = sql.exec<{ id: number; size: number; checksum: string }>(`SELECT id, size, checksum FROM packs`).toArray();
      expect(pack.length).toBe(1);
      const bytes = store.fs.read(packPath(pack[0].id), 0, pack[0].size + 1);
      expect(bytes.length).toBe(pack[0].size);
      const sum = bytesToHex(new Uint8Array(createHash('sha1').update(bytes.subarray(0, bytes.length - 20)).digest()));
      expect(bytesToHex(bytes.subarray(bytes.length - 20))).toBe(sum);
      expect(pack[0].checksum).toBe(sum);
      expectBounded(steps, '9 MB copy');
    });
  }, 180_000);

  it('a 9 MB object rebuilt (its base pruned): its base inflated between steps, then deflated and written a piece per unit', async () => {
    await withStore('hk-step-big-rebuild', async (store, state) => {
      const sql = state.storage.sql;
      const text = wordsText(9_000_000, 12);
      const base = blob(text);
      const edited = text.slice();
      edited.set(new TextEncoder().encode('an edit in the middle'), 4_500_000);
      const next = blob(edited);
      // the base on a branch that is then deleted; the edit stored as a REF_DELTA on it
      const t1 = tree([{ mode: '100644', name: 'big.txt', oid: base.oid }]);
      const c1 = commit({ tree: t1.oid, parents: [], time: 4_000_000 });
      await pushPack(store, buildPack([base, t1, c1]), { 'refs/heads/old': c1.oid }, 1);
      const t2 = tree([{ mode: '100644', name: 'big.txt', oid: next.oid }]);
      const c2 = commit({ tree: t2.oid, parents: [], time: 4_000_001 });
      await pushPack(store, buildPack([{ obj: next, refDelta: base }, t2, c2]), { 'refs/heads/main': c2.oid }, 2);
      store.commitPush(null, [{ name: 'refs/heads/old', oldOid: c1.oid, newOid: '0'.repeat(40) }], false);
      const hk = housekeeper(store, state);
      hk.request({ tasks: ['gc'], prune: 'now', trigger: 'request' });
      let slices = 0;
      while ((await hk.runSlice(50)) !== 'idle') if (++slices > 10_000) throw new Error('housekeeping did not finish');
      const trace = hk.stepTrace.toJSON();
      console.log('step trace (big rebuild)', JSON.stringify(trace));
      const last = hk.status().lastRun!;
      expect(last.outcome).toBe('done');
      expect(last.objectsPruned).toBe(3);
      const o = store.objects.read(next.oid);
      expect(hashObject(o.type, o.data)).toBe(next.oid);
      expect(store.objects.has(base.oid)).toBe(false);
      // stored whole and compressed (6 words: well under half), deflated a BIG_PIECE a unit
      const row = store.objects.row(next.oid)!;
      expect(row.base_oid).toBeNull();
      expect(row.end_offset - row.data_offset).toBeLessThan(text.length / 2);
      expect(trace['build:write'].n).toBeGreaterThanOrEqual(Math.floor(text.length / BIG_PIECE / 8));
      expect(last.longestStepMs, `longest step in ${last.longestStepIn}`).toBeLessThan(BOUND_MS);
    });
  }, 180_000);

  it('a 3 MB file edited three times by REF_DELTAs (a chain of big versions) is repacked in a few steps, content intact', async () => {
    await withStore('hk-step-big-chain', async (store, state) => {
      const sql = state.storage.sql;
      const v1 = wordsText(3_000_000, 13);
      const versions = [v1];
      for (let k = 1; k < 4; k++) {
        const v = versions[k - 1].slice();
        v.set(new TextEncoder().encode(`edit number ${k}`), 1_000_000 * k - 500);
        versions.push(v);
      }
      const blobs = versions.map((v) => blob(v));
      const items: PackItem[] = [blobs[0], ...blobs.slice(1).map((b, k) => ({ obj: b, refDelta: blobs[k] }))];
      const t = tree(blobs.map((b, k) => ({ mode: '100644', name: `v${k}.txt`, oid: b.oid })));
      const c = commit({ tree: t.oid, parents: [], time: 4_000_000 });
      await pushPack(store, buildPack([...items, t, c]), { 'refs/heads/main': c.oid }, 1);
      const before = contentSnapshot(store, sql);
      const hk = housekeeper(store, state);
      const steps = measuredRun(hk, { tasks: ['repack'], mode: 'all' });
      expect(hk.status().lastRun!.outcome).toBe('done');
      expect(contentSnapshot(store, sql)).toEqual(before);
      expect(steps.length).toBeLessThan(200);
    });
  }, 180_000);

  it('an old 20 MiB pack file is freed a FILE_PIECE per unit from its end, not in one statement', async () => {
    await withStore('hk-step-free', async (store) => {
      const path = packPath(9999);
      store.fs.mkdirSync('/packs', { recursive: true });
      store.fs.writeFileSync(path, new Uint8Array(20 << 20).fill(7));
      const run = { oldFiles: [9999] } as unknown as RunState;
      const sizes: number[] = [];
      let calls = 0;
      for (let done = false; !done; calls++) {
        const b = new Budget(40, freeUnitsOf(FILE_PIECE)); // room for one piece a step
        done = removeOldFiles(store.objects, run, b);
        sizes.push(store.fs.existsSync(path) ? store.fs.statSync(path).size : -1);
        expect(b.largest).toBeLessThanOrEqual(freeUnitsOf(FILE_PIECE));
        expect(calls).toBeLessThan(10);
      }
      expect(sizes).toEqual([12 << 20, 4 << 20, -1]);
      expect(run.oldFiles).toEqual([]);
    });
  });
});
