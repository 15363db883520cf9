// Housekeeping in parts (src/storage/housekeeping/parts.ts), judged by real git, on a worker whose
// run cap (ARBOR_HK_MAX_RUN_OBJECTS) is a few dozen objects, so small repositories take the path
// a store of millions does: a gc in parts keeps exactly what `git gc --prune=now` keeps, and a
// full repack in parts (a gc pruning nothing) of a single pushed pack splits it; clones stay fsck --strict clean.
import { describe, expect, test } from 'vitest';
import {
  api, buildSampleRepo, cloneRepo, createRepo, fastImportCommits, fsckStrict, git, initRepo, maintain, maintenancePath, mirrorChecked, objectContents, pushAll,
  useArbor,
} from './harness';

const CAP = 10;
useArbor({ vars: { ARBOR_HK_MAX_RUN_OBJECTS: String(CAP) } });

describe('housekeeping in parts', () => {
  test('gc prune=now in parts keeps exactly what git gc --prune=now keeps', async () => {
    const repo = await createRepo('hkp-diff');
    await api('PATCH', maintenancePath(repo), { body: { auto: false } });
    const work = await initRepo('hkp-diff-work');
    await fastImportCommits(work, { count: 12, file: 'a.txt', prefix: 'main' });
    await git(['branch', 'b1', 'main~4'], { cwd: work });
    await fastImportCommits(work, { branch: 'b1', count: 5, file: 'b.txt', prefix: 'b1' });
    await git(['branch', 'b2', 'main~2'], { cwd: work });
    await fastImportCommits(work, { branch: 'b2', count: 3, file: 'c.txt', prefix: 'b2' });
    await git(['tag', '-a', 't1', '-m', 'tag on b2', 'b2'], { cwd: work });
    await git(['push', '-q', '--mirror', repo.remote], { cwd: work, token: repo.token });
    await git(['branch', '-D', 'b1'], { cwd: work });
    await git(['tag', '-d', 't1'], { cwd: work });
    await git(['reset', '-q', '--hard', 'main~5'], { cwd: work });
    await fastImportCommits(work, { count: 2, file: 'd.txt', prefix: 'rewritten' });
    await git(['push', '-q', '--mirror', '--force', repo.remote], { cwd: work, token: repo.token });
    await git(['reflog', 'expire', '--expire=now', '--all'], { cwd: work });
    await git(['gc', '-q', '--prune=now'], { cwd: work });
    const native = await objectContents(work);
    const st = await maintain(repo, { tasks: ['gc'], prune: 'now' });
    expect(st.lastRun.outcome).toBe('done');
    expect(st.lastRun.parts).toBeGreaterThanOrEqual(2);
    expect(st.lastRun.objectsPruned).toBeGreaterThan(0);
    expect(st.current.objects).toBe(native.size);
    expect(st.current.packs).toBe(st.lastRun.parts);
    expect(await objectContents(await mirrorChecked(repo, 'hkp-diff-after'))).toEqual(native);
  });

  test('a single pushed pack over the cap: a full repack (gc, prune never) in parts, clones equal and fsck clean', async () => {
    const repo = await createRepo('hkp-one');
    await api('PATCH', maintenancePath(repo), { body: { auto: false } });
    const src = await buildSampleRepo('hkp-src');
    await pushAll(src, repo.remote, repo.token);
    const before = await objectContents(await mirrorChecked(repo, 'hkp-before'));
    expect(before.size).toBeGreaterThan(2 * CAP);
    // a gc that prunes nothing: a full repack (no marks: every object listed is kept)
    const st = await maintain(repo, { tasks: ['gc'], prune: 'never' });
    expect(st.lastRun.outcome).toBe('done');
    expect(st.lastRun.parts).toBe(Math.ceil(before.size / CAP));
    expect(st.current.packs).toBe(st.lastRun.parts);
    const after = await mirrorChecked(repo, 'hkp-after');
    expect(await objectContents(after)).toEqual(before);
    const { dir: shallow } = await cloneRepo(repo.remote, { token: repo.token, label: 'hkp-shallow', args: ['--depth', '1'] });
    await fsckStrict(shallow);
  });
});
