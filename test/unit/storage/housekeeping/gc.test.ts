// gc inside a real Durable Object: exactly the objects no ref of any repository of the network
// reaches AND that are older than the grace period go; what young unreachable objects reach
// stays with them; the time an unreachable object was first stored survives repacks.
import { describe, expect, it } from 'vitest';
import { blob, buildPack, commit, linearHistory, pushPack, tree, withStore, ZERO, type Obj } from '../helpers';
import type { RepoStore } from '../../../../src/storage/repo-store';
import { parseCommit, parseTree } from '../../../../src/pack';
import { contentSnapshot, housekeeper, packIds, run } from './helpers';

const DAY = 86_400_000;

/** A side branch on top of `parent`, pushed as its own pack, then deleted; returns its objects. */
async function lostBranch(store: RepoStore, parent: string, tag: string, extra: Obj[] = []): Promise<{ objs: Obj[]; pack: number }> {
  const b = blob(`lost ${tag}\n`);
  const t = tree([{ mode: '100644', name: `${tag}.txt`, oid: b.oid }, ...extra.map((o, i) => ({ mode: o.type === 'tree' ? '40000' : '100644', name: `x${i}`, oid: o.oid }))]);
  const c = commit({ tree: t.oid, parents: [parent], time: 3_000_000 + tag.length });
  const p = await pushPack(store, buildPack([c, t, b]), { [`refs/heads/${tag}`]: c.oid });
  store.commitPush(null, [{ name: `refs/heads/${tag}`, oldOid: c.oid, newOid: ZERO }], false);
  return { objs: [c, t, b], pack: p.packId };
}

const indexed = (sql: SqlStorage) => new Set(sql.exec<{ oid: string }>(`SELECT oid FROM objects`).toArray().map((r) => r.oid));

describe('gc', () => {
  it('keeps exactly what the refs reach, plus unreachable objects younger than the grace period', async () => {
    await withStore('hk-gc-grace', async (store, state) => {
      const sql = state.storage.sql;
      const h = linearHistory(8);
      await pushPack(store, buildPack(h.all), { 'refs/heads/main': h.commits[7].oid });
      const old = await lostBranch(store, h.commits[3].oid, 'old');
      const young = await lostBranch(store, h.commits[5].oid, 'young');
      sql.exec(`UPDATE packs SET created = ? WHERE id = ?`, Date.now() - 20 * DAY, old.pack);
      sql.exec(`UPDATE packs SET created = ? WHERE id = ?`, Date.now() - 2 * DAY, young.pack);
      const hk = housekeeper(store, state);
      run(hk, { tasks: ['gc'] }); // default grace: 14 days
      const have = indexed(sql);
      const expected = new Set([...h.reach(h.commits[7]), ...young.objs.map((o) => o.oid)]);
      expect([...have].sort()).toEqual([...expected].sort());
      expect(hk.status().lastRun!.objectsPruned).toBe(3);
      expect(hk.status().lastRun!.unreachableKept).toBe(3);
      expect(packIds(sql)).toHaveLength(1);
      // the young branch keeps its first-stored time through a repack...
      run(hk, { tasks: ['gc'], prune: 'never' });
      const cruft = sql.exec<{ oid: string; time: number }>(`SELECT oid, time FROM hk_cruft ORDER BY oid`).toArray();
      expect(cruft.map((r) => r.oid)).toEqual(young.objs.map((o) => o.oid).sort());
      for (const r of cruft) expect(Math.abs(r.time - (Date.now() - 2 * DAY))).toBeLessThan(60_000);
      // ...so a 1-day grace period now prunes it, although it sits in a pack written just now
      run(hk, { tasks: ['gc'], prune: 86_400 });
      expect([...indexed(sql)].sort()).toEqual([...h.reach(h.commits[7])].sort());
      expect(sql.exec(`SELECT count(*) AS n FROM hk_cruft`).one().n).toBe(0);
    });
  });

  it('keeps old unreachable objects that a young unreachable object reaches', async () => {
    await withStore('hk-gc-closure', async (store, state) => {
      const sql = state.storage.sql;
      const h = linearHistory(3);
      await pushPack(store, buildPack(h.all), { 'refs/heads/main': h.commits[2].oid });
      const old = await lostBranch(store, h.commits[1].oid, 'old');
      const young = await lostBranch(store, h.commits[2].oid, 'young', [old.objs[1]]); // names old's tree
      sql.exec(`UPDATE packs SET created = ? WHERE id = ?`, Date.now() - 30 * DAY, old.pack);
      const hk = housekeeper(store, state);
      run(hk, { tasks: ['gc'] });
      const have = indexed(sql);
      for (const o of [...young.objs, old.objs[1], old.objs[2]]) expect(have.has(o.oid), o.oid).toBe(true);
      expect(have.has(old.objs[0].oid)).toBe(false); // the old commit itself is unreachable and old
      const before = contentSnapshot(store, sql);
      expect(Object.keys(before).length).toBe(have.size);
    });
  });

  it('keeps what any repository of the fork network reaches', async () => {
    await withStore('hk-gc-forks', async (store, state) => {
      const sql = state.storage.sql;
      const h = linearHistory(5);
      await pushPack(store, buildPack(h.all), { 'refs/heads/main': h.commits[4].oid });
      const fork = store.forRepo('ns/fork');
      fork.refs.update([{ name: 'refs/heads/main', oldOid: ZERO, newOid: h.commits[4].oid }], false);
      const only = await lostBranch(fork, h.commits[4].oid, 'forkonly');
      fork.refs.update([{ name: 'refs/heads/keep', oldOid: ZERO, newOid: only.objs[0].oid }], false);
      // the origin rewinds main: commits 4 and 5 are now reached by the fork only
      store.commitPush(null, [{ name: 'refs/heads/main', oldOid: h.commits[4].oid, newOid: h.commits[2].oid }], false);
      const hk = housekeeper(store, state);
      run(hk, { tasks: ['gc'], prune: 'now' });
      const expected = new Set([...h.reach(h.commits[4]), ...only.objs.map((o) => o.oid)]);
      expect([...indexed(sql)].sort()).toEqual([...expected].sort());
      // the fork deletes its refs: now the origin's reach is all that stays
      fork.refs.update([
        { name: 'refs/heads/main', oldOid: h.commits[4].oid, newOid: ZERO },
        { name: 'refs/heads/keep', oldOid: only.objs[0].oid, newOid: ZERO },
      ], false);
      run(hk, { tasks: ['gc'], prune: 'now' });
      expect([...indexed(sql)].sort()).toEqual([...h.reach(h.commits[2])].sort());
    });
  });

  it('works on a shallow repository (parents beyond the boundary are absent)', async () => {
    await withStore('hk-gc-shallow', async (store, state) => {
      const sql = state.storage.sql;
      const h = linearHistory(6);
      // commits 4..6 and the trees and blobs they name, commit 4 being the shallow boundary
      const byOid = new Map(h.all.map((o) => [o.oid, o]));
      const need = new Set<string>();
      const add = (oid: string) => {
        if (need.has(oid)) return;
        need.add(oid);
        const o = byOid.get(oid)!;
        if (o.type === 'tree') for (const e of parseTree(o.data)) add(e.oid);
      };
      for (const c of h.commits.slice(3)) {
        need.add(c.oid);
        add(parseCommit(c.data).tree);
      }
      const objs = h.all.filter((o) => need.has(o.oid));
      const ing = store.beginPack(undefined, new Set([h.commits[3].oid]));
      ing.write(buildPack(objs));
      const pack = await ing.finish();
      store.shallow().set([h.commits[3].oid]);
      expect(store.commitPush(pack, [{ name: 'refs/heads/main', oldOid: ZERO, newOid: h.commits[5].oid }], true)[0].ok).toBe(true);
      const before = contentSnapshot(store, sql);
      const hk = housekeeper(store, state);
      run(hk, { tasks: ['gc'], prune: 'now' });
      expect(contentSnapshot(store, sql)).toEqual(before);
      expect(Object.keys(before).sort()).toEqual([...need].sort());
      expect(hk.status().lastRun!.objectsPruned).toBe(0);
    });
  });
});
