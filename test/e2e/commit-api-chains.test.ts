// The commit API's delta chains (src/commit/thin-delta.ts): a directory and a file changed by
// more commits than the depth limit. Past the limit the directory's next version is a delta
// against an older version of its chain; a clone must still hold exactly the files, every
// object valid (`git fsck --strict`), and a fetch of the later commits onto an early clone too.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { api, cloneRepo, createRepo, fsckStrict, git, revParse, treeOf, useArbor } from './harness';

useArbor();

const WHO = { name: 'Arbor E2E', email: 'e2e@arbor.test' };

describe('commit API delta chains', () => {
  test('120 commits into one directory and one file: clone and fetch are exact, fsck --strict clean', async () => {
    const repo = await createRepo('chains');
    const base = `/v1/repos/${repo.namespace}/${repo.name}`;
    expect((await api('PATCH', `${base}/maintenance`, { body: { auto: false } })).status).toBeLessThan(300);
    const files: Record<string, string> = {};
    const commit = async (changes: { action: string; path: string; content: string }[]) => {
      const r = await api('POST', `${base}/commits`, { body: { branch: 'main', message: 'step', author: WHO, changes } });
      if (r.status !== 201) throw new Error(`commit: ${r.status} ${r.text.slice(0, 500)}`);
      for (const c of changes) files[c.path] = c.content;
      return (r.json as { commit: string }).commit;
    };
    const state = (i: number) => JSON.stringify({ step: i, items: Array.from({ length: 30 }, (_, k) => ({ k, v: (i * 7 + k) % 11 })) }, null, 2);
    for (let k = 0; k < 4; k++) {
      await commit(Array.from({ length: 100 }, (_, i) => ({ action: 'create', path: `d/e-${String(k * 100 + i).padStart(4, '0')}.txt`, content: `entry ${k} ${i}\n` })));
    }
    let old = '';
    for (let i = 0; i < 120; i++) {
      await commit([
        { action: i ? 'update' : 'create', path: 'state.json', content: state(i) },
        { action: 'create', path: `d/n-${String(i).padStart(4, '0')}.txt`, content: `n ${i}\n` },
      ]);
      if (i === 30) old = (await cloneRepo(repo.remote, { token: repo.token })).dir;
    }
    const { dir } = await cloneRepo(repo.remote, { token: repo.token });
    expect(Object.keys(await treeOf(dir)).sort()).toEqual(Object.keys(files).sort());
    expect(await fs.readFile(path.join(dir, 'state.json'), 'utf8')).toBe(files['state.json']);
    await fsckStrict(dir);
    // The clone made after commit 30 fetching the rest: later versions of d/ and state.json.
    await git(['fetch', '-q', 'origin'], { cwd: old, token: repo.token });
    await git(['merge', '-q', '--ff-only', 'origin/main'], { cwd: old });
    expect(await revParse(old, 'HEAD')).toBe(await revParse(dir, 'HEAD'));
    await fsckStrict(old);
  });
});
