// Writes on a fork whose snapshot bytes fault everywhere: no prefetch and 4 KiB windows
// (ARBOR_SNAPSHOT_PREFETCH_BYTES=0, ARBOR_SNAPSHOT_WINDOW_BYTES), so a walk of the origin's
// history faults many times mid-way. A branch rule's fast-forward check inside a push, the
// merge and tag routes (isomorphic-git, which reads a failed read as "not found") must fetch
// and decide, never fail or answer 404 because bytes were not in memory yet, and refs move once.
import { describe, expect, test } from 'vitest';
import {
  api, cloneRepo, createRepo, forkRepo, fsckStrict, git, initRepo, lsRemote, refMap, revParse, useArbor, type RepoInfo,
} from './harness';

useArbor({ vars: { ARBOR_SNAPSHOT_PREFETCH_BYTES: '0', ARBOR_SNAPSHOT_WINDOW_BYTES: '4096' } });

const COMMITS = 400;

/** A history of COMMITS commits on main (fast-import), each changing one file. */
async function longHistory(label: string): Promise<string> {
  const dir = await initRepo(label);
  let s = '';
  for (let i = 1; i <= COMMITS; i++) {
    const body = `line ${i} ${'x'.repeat(i % 97)}\n`;
    const msg = `commit ${i}\n`;
    s += `commit refs/heads/main\nmark :${i}\ncommitter A <a@example.com> ${1_700_000_000 + i * 60} +0000\n`;
    s += `data ${Buffer.byteLength(msg)}\n${msg}${i > 1 ? `from :${i - 1}\n` : ''}`;
    s += `M 100644 inline f${i % 50}.txt\ndata ${Buffer.byteLength(body)}\n${body}\n`;
  }
  await git(['fast-import', '--quiet'], { cwd: dir, input: s });
  await git(['reset', '-q', '--hard', 'main'], { cwd: dir });
  return dir;
}

async function forkOf(label: string): Promise<{ origin: RepoInfo; fork: RepoInfo; src: string }> {
  const origin = await createRepo(`${label}-o`);
  const src = await longHistory(`${label}-src`);
  await git(['push', '-q', origin.remote, 'main'], { cwd: src, token: origin.token });
  const fork = await forkRepo(origin, { name: `${label}-${Date.now().toString(36)}` });
  return { origin, fork, src };
}

const commitOn = async (dir: string, parent: string, file: string, msg: string, merge?: string): Promise<string> => {
  const tree = (await git(['rev-parse', `${parent}^{tree}`], { cwd: dir })).stdout.trim();
  const blob = (await git(['hash-object', '-w', '--stdin'], { cwd: dir, input: `${msg}\n` })).stdout.trim();
  await git(['read-tree', tree], { cwd: dir });
  await git(['update-index', '--add', '--cacheinfo', `100644,${blob},${file}`], { cwd: dir });
  const t = (await git(['write-tree'], { cwd: dir })).stdout.trim();
  const ps = ['-p', parent, ...(merge ? ['-p', merge] : [])];
  const env = { GIT_AUTHOR_NAME: 'A', GIT_AUTHOR_EMAIL: 'a@example.com', GIT_COMMITTER_NAME: 'A', GIT_COMMITTER_EMAIL: 'a@example.com' };
  return (await git(['commit-tree', t, ...ps, '-m', msg], { cwd: dir, env })).stdout.trim();
};

const ZERO = '0'.repeat(40);

/** The fork's ref events since it was made: what moved, in order. */
async function refEvents(fork: RepoInfo): Promise<{ ref: string; old: string; new: string }[]> {
  const r = await api('GET', `/v1/repos/${fork.namespace}/${fork.name}/events`);
  expect(r.status, r.text).toBe(200);
  return r.json.events.map((e: any) => ({ ref: e.ref, old: e.old, new: e.new }));
}

describe('writes on a fork through snapshot faults', () => {
  test('a protected branch: a non-fast-forward push is refused with ng, a fast-forward through old history lands', async () => {
    const { fork, src } = await forkOf('ffw-rule');
    const rules = await api('PUT', `/v1/repos/${fork.namespace}/${fork.name}/rules`, { body: { rules: [{ pattern: 'refs/heads/main' }] } });
    expect(rules.status, rules.text).toBe(200);
    const tip = await revParse(src, 'main');
    // A rewrite from deep in the history: the check walks the origin's commits down to the root.
    const old = await revParse(src, `main~${COMMITS - 20}`);
    const rewrite = await commitOn(src, old, 'rewrite.txt', 'rewrite');
    const refused = await git(['push', fork.remote, `${rewrite}:refs/heads/main`, '--force'], { cwd: src, token: fork.token, allowFail: true });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/\[remote rejected\] .* -> main \(protected branch: force-push refused\)/);
    expect(refMap(await lsRemote(fork.remote, { token: fork.token }))['refs/heads/main']).toBe(tip);
    // A fast-forward whose walk visits old history first: a merge of the tip and an old commit.
    const merged = await commitOn(src, tip, 'merge.txt', 'merge old', rewrite);
    const ok = await git(['push', fork.remote, `${merged}:refs/heads/main`], { cwd: src, token: fork.token, allowFail: true });
    expect(ok.code, ok.stderr).toBe(0);
    // The refused push moved nothing, the accepted one moved main once.
    expect(await refEvents(fork)).toEqual([{ ref: 'refs/heads/main', old: tip, new: merged }]);
    const c = await cloneRepo(fork.remote, { token: fork.token, label: 'ffw-rule-c', args: ['--mirror'] });
    await fsckStrict(c.dir);
    expect(await revParse(c.dir, 'main')).toBe(merged);
  });

  test('the merge and tag routes (isomorphic-git) on a fork fetch what they read instead of answering not found', async () => {
    const { fork, src } = await forkOf('ffw-iso');
    const base = `/v1/repos/${fork.namespace}/${fork.name}`;
    const tip = await revParse(src, 'main');
    const old = await revParse(src, `main~${COMMITS - 30}`);
    // A side branch from old history, pushed to the fork (one new commit on a snapshot base).
    const side = await commitOn(src, old, 'side.txt', 'side');
    await git(['push', '-q', fork.remote, `${side}:refs/heads/side`], { cwd: src, token: fork.token });
    const tag = await api('POST', `${base}/tags`, { body: { name: 'v-old', target: old, message: 'an old one', tagger: { name: 'T', email: 't@example.com' } } });
    expect(tag.status, tag.text).toBe(201);
    expect(tag.json).toMatchObject({ name: 'refs/tags/v-old', target: old, targetType: 'commit' });
    const m = await api('POST', `${base}/merges`, { body: { base: 'main', head: 'side', strategy: 'merge', author: { name: 'M', email: 'm@example.com' } } });
    expect(m.status, m.text).toBe(201);
    expect(m.json.fastForward).toBe(false);
    expect(m.json.parents).toEqual([tip, side]);
    const refs = refMap(await lsRemote(fork.remote, { token: fork.token }));
    expect(refs['refs/heads/main']).toBe(m.json.sha);
    expect(refs['refs/tags/v-old^{}']).toBe(old);
    // Each call ran again after its faults, and each moved its ref exactly once.
    expect(await refEvents(fork)).toEqual([
      { ref: 'refs/heads/side', old: ZERO, new: side },
      { ref: 'refs/tags/v-old', old: ZERO, new: refs['refs/tags/v-old'] },
      { ref: 'refs/heads/main', old: tip, new: m.json.sha },
    ]);
    const c = await cloneRepo(fork.remote, { token: fork.token, label: 'ffw-iso-c', args: ['--mirror'] });
    await fsckStrict(c.dir);
    expect(await revParse(c.dir, 'main^2')).toBe(side);
  });
});
