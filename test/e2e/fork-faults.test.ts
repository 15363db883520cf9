// A fork whose snapshot bytes are not prefetched (ARBOR_SNAPSHOT_PREFETCH_BYTES=0): every pack
// byte it reads from its origin's packs first faults, is read from R2 and the step runs again
// (storage/snapshot.ts). Clones (protocol v2 and v0), fetches and pushes must come out exactly
// as with everything in memory: judged by git fsck.
import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { api, cloneRepo, commitFiles, createRepo, fsckStrict, git, initRepo, pushAll, revParse, treeOf, forkRepo, useArbor, sleep, type RepoInfo,
} from './harness';

useArbor({ vars: { ARBOR_SNAPSHOT_PREFETCH_BYTES: '0' } });

const fork = (src: RepoInfo, name: string) => forkRepo(src, { name });

/** A repository whose pack spans several 1 MiB windows: incompressible files over a few commits. */
async function bigRepo(label: string): Promise<string> {
  const dir = await initRepo(label);
  for (let c = 0; c < 4; c++) {
    const files: Record<string, string> = { 'README.md': `round ${c}\n` };
    for (let i = 0; i < 3; i++) files[`data/${c}-${i}.bin`] = randomBytes(700_000).toString('base64');
    await commitFiles(dir, files, `round ${c}`);
  }
  return dir;
}

describe('fork snapshot faults', () => {
  test('push to a fresh fork, then clones (v2, v0) and a fetch, all through faults', async () => {
    const origin = await createRepo('ff-origin');
    const src = await bigRepo('ff-src');
    await pushAll(src, origin.remote, origin.token);
    const f = await fork(origin, `ff-fork-${Date.now().toString(36)}`);
    // First request of the fork: a thin push against the origin's objects, nothing in memory.
    await commitFiles(src, { 'README.md': 'fork change\n' }, 'fork change');
    await git(['push', '-q', f.remote, 'main'], { cwd: src, token: f.token });
    const head = await revParse(src, 'HEAD');
    const v2 = await cloneRepo(f.remote, { token: f.token, label: 'ff-v2', args: ['--mirror'] });
    await fsckStrict(v2.dir);
    expect(await revParse(v2.dir, 'main')).toBe(head);
    const v0 = await cloneRepo(f.remote, { token: f.token, label: 'ff-v0', env: { GIT_PROTOCOL: '' }, args: ['-c', 'protocol.version=0'] });
    await fsckStrict(v0.dir);
    expect(await treeOf(v0.dir)).toEqual(await treeOf(src));
    // An incremental fetch after one more push.
    await commitFiles(src, { 'more.txt': 'more\n' }, 'more');
    await git(['push', '-q', f.remote, 'main'], { cwd: src, token: f.token });
    await git(['fetch', '-q', 'origin'], { cwd: v0.dir, token: f.token });
    expect(await revParse(v0.dir, 'origin/main')).toBe(await revParse(src, 'HEAD'));
    await fsckStrict(v0.dir);
  });

  test('housekeeping of a fork (repack, gc) runs through faults and keeps every object', async () => {
    const origin = await createRepo('ff-hk-origin');
    const src = await bigRepo('ff-hk-src');
    await pushAll(src, origin.remote, origin.token);
    const f = await fork(origin, `ff-hk-${Date.now().toString(36)}`);
    const maint = `/v1/repos/${f.namespace}/${f.name}/maintenance`;
    await api('PATCH', maint, { body: { auto: false } });
    for (let i = 0; i < 2; i++) {
      await commitFiles(src, { 'README.md': `fork round ${i}\n`, [`data/fork-${i}.txt`]: `fork ${i}\n` }, `fork ${i}`);
      await git(['push', '-q', f.remote, 'main'], { cwd: src, token: f.token });
    }
    const r = await api('POST', maint, { body: { tasks: ['repack', 'gc'], prune: 'now' } });
    expect(r.status, r.text).toBe(202);
    let st: any = null;
    for (let i = 0; i < 240 && !(st?.state === 'idle' && st?.lastRun); i++) {
      await sleep(250);
      st = (await api('GET', maint)).json;
    }
    expect(st.lastRun?.outcome, JSON.stringify(st.lastRun)).toBe('done');
    const c = await cloneRepo(f.remote, { token: f.token, label: 'ff-hk', args: ['--mirror'] });
    await fsckStrict(c.dir);
    expect(await revParse(c.dir, 'main')).toBe(await revParse(src, 'HEAD'));
  });

  test('the commit and read REST API on a fork run through faults (no 500)', async () => {
    const origin = await createRepo('ff-api-origin');
    const src = await bigRepo('ff-api-src');
    await pushAll(src, origin.remote, origin.token);
    const f = await fork(origin, `ff-api-${Date.now().toString(36)}`);
    const base = `/v1/repos/${f.namespace}/${f.name}`;
    const before = await revParse(src, 'HEAD');
    const tree = await api('GET', `${base}/tree/main/data`);
    expect(tree.status, tree.text).toBe(200);
    expect(tree.json.entries.length).toBe(12);
    const c = await api('POST', `${base}/commits`, {
      body: { branch: 'main', message: 'edit', author: { name: 'A', email: 'a@example.com' }, changes: [{ action: 'update', path: 'README.md', content: 'edited\n' }] },
    });
    expect(c.status, c.text).toBe(201);
    const log = await api('GET', `${base}/log/main?limit=10`);
    expect(log.status, log.text).toBe(200);
    expect(log.json.commits.map((x: any) => x.sha)).toContain(before);
    const cmp = await api('GET', `${base}/compare/${before}...main`);
    expect(cmp.status, cmp.text).toBe(200);
    const blob = await api('GET', `${base}/blob/${before}/data/0-0.bin`);
    expect(blob.status).toBe(200);
    const v2 = await cloneRepo(f.remote, { token: f.token, label: 'ff-api' });
    await fsckStrict(v2.dir);
  });
});
