// The fold (storage/housekeeping/fold.ts): past FOLD_AT packs, the smallest packs no run works on
// are concatenated into one. Every object stays readable at its moved offset, the new file is a
// valid pack (its trailer is the SHA-1 of the rest, its header counts its entries), a gc running
// meanwhile still prunes exactly what it would have, and a fold never copies more than its cap.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hashObject } from '../../../../src/pack';
import { Budget } from '../../../../src/storage/housekeeping/budget';
import { fold, FOLD_AT, FOLD_MAX_BYTES, FOLD_MAX_OBJECTS, FOLD_MAX_PACKS, foldSelection } from '../../../../src/storage/housekeeping/fold';
import { packPath } from '../../../../src/storage/pack-files';
import type { ObjectRow } from '../../../../src/storage/object-store';
import type { RepoStore } from '../../../../src/storage/repo-store';
import { Traffic } from '../../../../src/storage/housekeeping/traffic';
import { blob, buildPack, commit, linearHistory, pushPack, rng, tree, withStore, ZERO, type Obj } from '../helpers';
import { housekeeper, packIds, runToEnd } from './helpers';

const h = linearHistory(40);

async function pushRange(store: RepoStore, from: number, to: number, per: number, pushed: Set<string>): Promise<void> {
  for (let k = from + per - 1; k < to; k += per) {
    const tip = h.commits[k];
    const objs = h.all.filter((o) => h.reach(tip).has(o.oid) && !pushed.has(o.oid));
    for (const o of objs) pushed.add(o.oid);
    await pushPack(store, buildPack(objs), { 'refs/heads/main': tip.oid }, k);
  }
}

function intact(store: RepoStore, sql: SqlStorage): Set<string> {
  const oids = sql.exec<{ oid: string }>(`SELECT oid FROM objects`).toArray().map((r) => r.oid);
  for (const oid of oids) {
    const o = store.objects.read(oid);
    expect(hashObject(o.type, o.data)).toBe(oid);
  }
  return new Set(oids);
}

/** The pack file is whole: its trailer hashes the rest, its size and count are its row's. */
function validFile(store: RepoStore, sql: SqlStorage, id: number): void {
  const row = sql.exec<{ size: number; objects: number; checksum: string }>(`SELECT size, objects, checksum FROM packs WHERE id = ?`, id).one();
  const bytes = store.fs.read(packPath(id), 0, row.size + 1);
  expect(bytes.length).toBe(row.size);
  const sum = bytesToHex(new Uint8Array(createHash('sha1').update(bytes.subarray(0, bytes.length - 20)).digest()));
  expect(bytesToHex(bytes.subarray(bytes.length - 20))).toBe(sum);
  expect(row.checksum).toBe(sum);
  expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(8)).toBe(row.objects);
}

describe('fold', () => {
  it('commits arriving during a gc are folded past the bound; the gc still prunes exactly the unreachable', async () => {
    await withStore('hk-fold', async (store, state) => {
      const sql = state.storage.sql;
      const pushed = new Set<string>();
      await pushRange(store, 0, 16, 2, pushed);
      // a branch deleted on the server: what the gc prunes
      const lb = blob('only on a deleted branch\n');
      const lt = tree([{ mode: '100644', name: 'gone.txt', oid: lb.oid }]);
      const lc = commit({ tree: lt.oid, parents: [h.commits[15].oid], time: 5_000_000 });
      await pushPack(store, buildPack([lc, lt, lb]), { 'refs/heads/topic': lc.oid });
      store.commitPush(null, [{ name: 'refs/heads/topic', oldOid: lc.oid, newOid: ZERO }], false);
      const hk = housekeeper(store, state);
      hk.request({ tasks: ['gc'], prune: 'now', trigger: 'request' });
      const small = () => new Budget(1000, 6_000);
      for (let i = 0; i < 4; i++) expect(hk.step(small())).toBe('more');
      expect(hk.state.run()!.phase).toBe('build');
      const longRunPacks = hk.state.run()!.packs;
      // a commit burst: one pack per commit
      await pushRange(store, 16, 40, 1, pushed);
      const piled = packIds(sql).length;
      expect(piled).toBe(longRunPacks.length + 24);
      expect(piled).toBeGreaterThan(FOLD_AT);
      expect(hk.step(small())).toBe('more');
      expect(hk.folder.folds).toBe(1);
      expect(packIds(sql).length).toBe(FOLD_AT); // one fold brings the count back
      const folded = Math.max(...packIds(sql));
      validFile(store, sql, folded);
      const mid = intact(store, sql);
      for (const o of h.reach(h.commits[39])) expect(mid.has(o)).toBe(true);
      expect(hk.state.run()!.packs).toEqual(longRunPacks); // the long run's packs are untouched
      for (const id of longRunPacks) expect(packIds(sql)).toContain(id);
      runToEnd(hk);
      // one more at most: the run's new pack, indexed before its old ones go, is one over FOLD_AT
      expect(hk.folder.folds).toBeLessThanOrEqual(2);
      const last = hk.status().lastRun!;
      expect(last.outcome).toBe('done');
      expect(last.objectsPruned).toBe(3); // lc, lt, lb: nothing a fold moved
      const have = intact(store, sql);
      for (const o of [lc, lt, lb]) expect(have.has(o.oid)).toBe(false);
      for (const o of h.reach(h.commits[39])) expect(have.has(o)).toBe(true);
      expect(new Set(have)).toEqual(pushed);
      // the files of folded packs are gone: only indexed packs remain on disk
      expect(store.fs.readdirSync('/packs').length).toBe(packIds(sql).length);
      for (const id of packIds(sql)) validFile(store, sql, id);
    });
  });

  it(`a fold never copies more than its cap (${FOLD_MAX_BYTES} bytes, twice that past FOLD_AT + 2 packs): packs too big to fold stay, small ones fold`, async () => {
    await withStore('hk-fold-cap', async (store, state) => {
      const sql = state.storage.sql;
      const r = rng(3);
      let parent: Obj | null = null;
      const pushOne = async (bytes: number, k: number) => {
        const data = new Uint8Array(bytes);
        for (let i = 0; i < data.length; i++) data[i] = r() & 0xff; // incompressible: the pack is as big
        const f = blob(data);
        const root = tree([{ mode: '100644', name: 'f.bin', oid: f.oid }]);
        const c = commit({ tree: root.oid, parents: parent ? [parent.oid] : [], time: 3_000_000 + k });
        await pushPack(store, buildPack([f, root, c]), { 'refs/heads/main': c.oid }, k + 1);
        parent = c;
      };
      // FOLD_AT + 4 packs, each nearly twice the cap (past FOLD_AT + 2 the caps double): no two
      // fit one fold, nor one and the small ones below
      for (let k = 0; k < FOLD_AT + 4; k++) await pushOne(2 * FOLD_MAX_BYTES - 16_384, k);
      expect(foldSelection(sql, new Set())).toBeNull();
      const hk = housekeeper(store, state);
      expect(hk.foldNow('fold')).toBe(0);
      // a few small packs arrive: they fold, the big ones stay where they are
      for (let k = 0; k < 6; k++) await pushOne(3000, 100 + k);
      const before = packIds(sql).length;
      const sizes = new Map(sql.exec<{ id: number; size: number }>(`SELECT id, size FROM packs`).toArray().map((p) => [p.id, p.size]));
      const take = foldSelection(sql, new Set())!;
      expect(before - FOLD_AT + 1).toBeGreaterThan(6);
      expect(take.length).toBe(6); // all the small ones, not one big
      expect(take.reduce((a, p) => a + p.size, 0)).toBeLessThanOrEqual(2 * FOLD_MAX_BYTES);
      for (const p of take) expect(sizes.get(p.id)!).toBeLessThan(10_000);
      // with a smaller cap, the selection stops at it
      const capped = foldSelection(sql, new Set(), 2, { bytes: 3 * 3500, objects: 1000, packs: 10 })!;
      expect(capped.length).toBeGreaterThanOrEqual(2);
      expect(capped.reduce((a, p) => a + p.size, 0)).toBeLessThanOrEqual(2 * 3 * 3500); // doubled: past at + 2
      const t0 = performance.now();
      const id = fold({ sql, transaction: (fn) => state.storage.transactionSync(fn), objects: store.objects, allocatePackId: () => store.allocatePackId() }, take);
      console.log(`fold of ${take.length} packs (${take.reduce((a, p) => a + p.size, 0)} bytes): ${(performance.now() - t0).toFixed(1)} ms`);
      validFile(store, sql, id);
      intact(store, sql);
      // the old files wait for Folder.sweep (no request in flight): nothing else is left
      expect(store.fs.readdirSync('/packs').length).toBe(packIds(sql).length + take.length);
    });
  });

  it(`a fold at its cap (${FOLD_MAX_BYTES} bytes, ${FOLD_MAX_OBJECTS} objects) takes well under 100 ms`, async () => {
    await withStore('hk-fold-time', async (store, state) => {
      const sql = state.storage.sql;
      const r = rng(5);
      let parent: Obj | null = null;
      const n = FOLD_MAX_PACKS + 4;
      for (let k = 0; k < n; k++) {
        const data = new Uint8Array(Math.floor(FOLD_MAX_BYTES / (n + 2)));
        for (let i = 0; i < data.length; i++) data[i] = r() & 0xff;
        const f = blob(data);
        const notes = Array.from({ length: Math.floor(FOLD_MAX_OBJECTS / n) }, (_, j) => blob(`note ${k}.${j}\n`));
        const root = tree([{ mode: '100644', name: 'f.bin', oid: f.oid }, ...notes.map((b, j) => ({ mode: '100644', name: `n${j}`, oid: b.oid }))]);
        const c = commit({ tree: root.oid, parents: parent ? [parent.oid] : [], time: 4_000_000 + k });
        await pushPack(store, buildPack([f, ...notes, root, c]), { 'refs/heads/main': c.oid }, k + 1);
        parent = c;
      }
      // fold as much as the cap takes, not only down to FOLD_AT
      const take = foldSelection(sql, new Set(), 1)!;
      expect(take.length).toBeLessThanOrEqual(FOLD_MAX_PACKS);
      const bytes = take.reduce((a, p) => a + p.size, 0);
      expect(bytes + take.reduce((a, p) => a + p.objects, 0)).toBeGreaterThan(0); // printed below
      const objects = take.reduce((a, p) => a + p.objects, 0);
      expect(bytes).toBeLessThanOrEqual(FOLD_MAX_BYTES);
      expect(objects).toBeLessThanOrEqual(FOLD_MAX_OBJECTS);
      expect(bytes > FOLD_MAX_BYTES * 0.8 || objects > FOLD_MAX_OBJECTS * 0.8 || take.length === FOLD_MAX_PACKS).toBe(true);
      const t0 = performance.now();
      fold({ sql, transaction: (fn) => state.storage.transactionSync(fn), objects: store.objects, allocatePackId: () => store.allocatePackId() }, take);
      const ms = performance.now() - t0;
      console.log(`fold of ${take.length} packs, ${bytes} bytes, ${take.reduce((a, p) => a + p.objects, 0)} objects: ${ms.toFixed(1)} ms`);
      expect(ms).toBeLessThan(60);
      intact(store, sql);
    });
  });

  it('a request in flight keeps the folded files until it ends: rows it read before the fold still read right', async () => {
    await withStore('hk-fold-inflight', async (store, state) => {
      const sql = state.storage.sql;
      const pushed = new Set<string>();
      await pushRange(store, 0, FOLD_AT + 4, 1, pushed);
      const traffic = new Traffic();
      const hk = housekeeper(store, state, traffic);
      const done = traffic.begin(); // a fetch that planned its rows and awaits
      const planned = sql.exec<ObjectRow>(`SELECT * FROM objects`).toArray();
      const before = new Set(packIds(sql));
      expect(hk.step()).toBe('more');
      expect(hk.folder.folds).toBe(1);
      const gone = [...before].filter((id) => !packIds(sql).includes(id));
      expect(gone.length).toBeGreaterThanOrEqual(2);
      for (const id of gone) expect(store.fs.existsSync(packPath(id))).toBe(true);
      // the stale rows (old pack, old offsets) still read the same bytes, from the files
      store.objects.clearCaches();
      for (const r of planned) {
        const entry = store.objects.inflateEntry(r);
        expect(entry.length).toBe(r.raw_size);
      }
      done(); // the request ends: the fold's old files go
      for (const id of gone) expect(store.fs.existsSync(packPath(id))).toBe(false);
      expect(store.fs.readdirSync('/packs').length).toBe(packIds(sql).length);
      intact(store, sql);
    });
  });
});
