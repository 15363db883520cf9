// The commit API stores changed trees and updated files as deltas against the versions they
// replace (thin-delta.ts): a 1-file commit into a directory of 10,000 entries stores a pack of a
// few hundred bytes, chains stop at depth 50, and every version reads back exactly.
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { MAX_COMMIT_DELTA_DEPTH } from '../../../src/commit/thin-delta';
import { call, commitOk, create, newRepo, NS } from './helpers';

const lastPack = (repo: Awaited<ReturnType<typeof newRepo>>) =>
  runInDurableObject(repo.stub, (_i, state) => state.storage.sql.exec<{ size: number; objects: number }>(`SELECT size, objects FROM packs ORDER BY id DESC LIMIT 1`).one());

describe('thin commits', () => {
  it('a 1-file commit into a 10,000-entry directory stores a few hundred bytes', async () => {
    const repo = await newRepo('thin-big');
    await runInDurableObject(repo.stub, (_i, state) => state.storage.sql.exec(`INSERT INTO repo_info (repo, key, value) VALUES (?, 'hk_auto', '0')`, `${NS}/${repo.name}`));
    for (let k = 0; k < 10; k++) {
      await commitOk(repo, Array.from({ length: 1000 }, (_, i) => create(`big/e-${String(k * 1000 + i).padStart(5, '0')}.txt`, `entry ${k * 1000 + i}\n`)));
    }
    const sha = await commitOk(repo, [create('big/new.txt', 'new\n')]);
    const pack = await lastPack(repo);
    expect(pack.objects).toBe(4); // commit, root tree, big/ tree (a delta), the blob
    expect(pack.size).toBeLessThan(600);
    const tree = await call(repo, 'GET', `tree/${sha}/big`);
    expect(tree.json.entries).toHaveLength(10_001);
    expect((await call(repo, 'GET', `blob/${sha}/big/e-04321.txt`)).text).toBe('entry 4321\n');
  });

  it('updates of one file form chains of at most 50 deltas; every version reads back', async () => {
    const repo = await newRepo('thin-chain');
    const text = (i: number) => Array.from({ length: 60 }, (_, k) => `line ${k}${k === i % 60 ? ` changed in ${i}` : ''}`).join('\n') + '\n';
    const shas: string[] = [];
    for (let i = 0; i < 60; i++) shas.push(await commitOk(repo, [i ? { action: 'update', path: 'f.txt', content: text(i) } : create('f.txt', text(i))]));
    const depth = await runInDurableObject(repo.stub, (_i, state) => state.storage.sql.exec<{ d: number }>(`SELECT max(depth) AS d FROM objects WHERE type = 3`).one().d);
    expect(depth).toBe(MAX_COMMIT_DELTA_DEPTH);
    for (const i of [0, 1, 49, 50, 51, 59]) expect((await call(repo, 'GET', `blob/${shas[i]}/f.txt`)).text).toBe(text(i));
  });
  it('a directory past 50 deltas starts a new chain as a delta against an older version, not whole', async () => {
    const repo = await newRepo('thin-tree-chain');
    await runInDurableObject(repo.stub, (_i, state) => state.storage.sql.exec(`INSERT INTO repo_info (repo, key, value) VALUES (?, 'hk_auto', '0')`, `${NS}/${repo.name}`));
    // 100, 200 (both whole: half of each is new), 300 and 400 entries (deltas), then one by one: the
    // first version of the chain (200 entries) is too far from the 450th to start the next chain
    // from, the version at half the depth limit is not.
    for (let k = 0; k < 4; k++) await commitOk(repo, Array.from({ length: 100 }, (_, i) => create(`d/e-${String(k * 100 + i).padStart(4, '0')}.txt`, `entry ${i}\n`)));
    const shas: string[] = [];
    for (let i = 0; i < 120; i++) shas.push(await commitOk(repo, [create(`d/n-${String(i).padStart(4, '0')}.txt`, `n ${i}\n`)]));
    const trees = await runInDurableObject(repo.stub, (_i, state) =>
      state.storage.sql.exec<{ whole: number; deepest: number }>(`SELECT sum(base_oid IS NULL) AS whole, max(depth) AS deepest FROM objects WHERE type = 2 AND size > 1000`).one(),
    );
    expect(trees.whole).toBe(2); // the versions of 100 and 200 entries
    expect(trees.deepest).toBeLessThanOrEqual(MAX_COMMIT_DELTA_DEPTH);
    for (const i of [0, 48, 49, 50, 51, 99, 100, 119]) {
      const tree = await call(repo, 'GET', `tree/${shas[i]}/d`);
      expect(tree.json.entries, `commit ${i}`).toHaveLength(401 + i);
    }
    expect((await call(repo, 'GET', `blob/${shas[119]}/d/n-0077.txt`)).text).toBe('n 77\n');
  });
});
