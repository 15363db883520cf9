// Branch protection (src/storage/rules.ts) as RepoStore.commitPush enforces it: patterns, the
// force-push / deletion / merge-only refusals with git's `ng` wording, creations allowed,
// atomic batches failing whole, and nothing stored or moved by a refused update.
import { describe, expect, it } from 'vitest';
import { patternProblem, patternRegExp, RuleSet, type BranchRule } from '../../../src/storage/rules';
import type { RepoStore } from '../../../src/storage/repo-store';
import { blob, buildPack, commit, ingestPack, linearHistory, pushPack, storageSnapshot, tag, tree, withStore, ZERO } from './helpers';

const T0 = 1_650_000_000;
const rule = (pattern: string, o: Partial<BranchRule> = {}): BranchRule => ({ pattern, allowForcePush: false, allowDeletion: false, mergeOnly: false, ...o });

describe('rule patterns', () => {
  it('match whole ref names: * within a component, ** across, ? one character', () => {
    const cases: [string, string, boolean][] = [
      ['refs/heads/main', 'refs/heads/main', true],
      ['refs/heads/main', 'refs/heads/main2', false],
      ['refs/heads/main', 'refs/heads/main/x', false],
      ['refs/heads/release/*', 'refs/heads/release/1.0', true],
      ['refs/heads/release/*', 'refs/heads/release/1.0/hotfix', false],
      ['refs/heads/release/*', 'refs/heads/release', false],
      ['refs/heads/release/**', 'refs/heads/release/1.0/hotfix', true],
      ['refs/heads/*', 'refs/heads/a.b', true],
      ['refs/tags/v?', 'refs/tags/v1', true],
      ['refs/tags/v?', 'refs/tags/v10', false],
      ['refs/heads/a+b', 'refs/heads/aab', false], // regex characters are literal
      ['refs/heads/a+b', 'refs/heads/a+b', true],
      ['refs/heads/(x)', 'refs/heads/(x)', true],
    ];
    for (const [p, name, want] of cases) expect(patternRegExp(p).test(name), `${p} ~ ${name}`).toBe(want);
  });

  it('are ref names with wildcards', () => {
    for (const ok of ['refs/heads/main', 'refs/heads/release/*', 'refs/**', 'refs/tags/v?.*']) expect(patternProblem(ok), ok).toBeNull();
    for (const bad of ['main', 'heads/main', 'refs/heads/', 'refs/heads//x', 'refs/heads/a..b', 'refs/heads/[ab]', 'refs/heads/a b', 'refs/heads/x~1', 'refs/' + 'x'.repeat(260)]) {
      expect(patternProblem(bad), bad).not.toBeNull();
    }
  });
});

describe('RuleSet.refusal', () => {
  const A = 'a'.repeat(40);
  const B = 'b'.repeat(40);
  it('combines matching rules restrictively; creations pass', () => {
    const set = new RuleSet([rule('refs/heads/**', { allowForcePush: true, allowDeletion: true }), rule('refs/heads/main')]);
    const never = () => false;
    expect(set.refusal({ name: 'refs/heads/main', oldOid: A, newOid: B }, 'push', never)).toBe('protected branch: force-push refused');
    expect(set.refusal({ name: 'refs/heads/main', oldOid: A, newOid: ZERO }, 'push', never)).toBe('protected branch: deletion refused');
    expect(set.refusal({ name: 'refs/heads/main', oldOid: ZERO, newOid: B }, 'push', never)).toBeNull();
    expect(set.refusal({ name: 'refs/heads/main', oldOid: A, newOid: B }, 'push', () => true)).toBeNull();
    expect(set.refusal({ name: 'refs/heads/dev', oldOid: A, newOid: ZERO }, 'push', never)).toBeNull();
    const merge = new RuleSet([rule('refs/heads/prod', { mergeOnly: true, allowForcePush: true })]);
    expect(merge.refusal({ name: 'refs/heads/prod', oldOid: A, newOid: B }, 'commit', () => true)).toBe('protected branch: changes only through the merge API');
    expect(merge.refusal({ name: 'refs/heads/prod', oldOid: A, newOid: B }, 'merge', () => true)).toBeNull();
    expect(merge.refusal({ name: 'refs/heads/prod', oldOid: A, newOid: ZERO }, 'merge', () => true)).toBe('protected branch: deletion refused');
  });
});

describe('commitPush enforces the rules', () => {
  async function setup(store: RepoStore) {
    const h = linearHistory(4, T0);
    const v1 = tag({ object: h.commits[1].oid, type: 'commit', name: 'v1', time: T0 + 1 });
    await pushPack(store, buildPack([...h.all, v1]), { 'refs/heads/main': h.commits[2].oid, 'refs/heads/dev': h.commits[2].oid, 'refs/tags/v1': v1.oid });
    return { h, v1 };
  }

  it('force-push and deletion of a protected branch are refused, with the pack left unindexed', async () => {
    await withStore('rules-push', async (store, state) => {
      const { h } = await setup(store);
      store.rules().replace([rule('refs/heads/main'), rule('refs/tags/*')]);
      expect(store.rules().list()).toEqual([rule('refs/heads/main'), rule('refs/tags/*')]);
      const c = h.commits;
      // A rewritten commit in a pack: not a fast-forward.
      const other = blob('rewritten');
      const t = tree([{ mode: '100644', name: 'r', oid: other.oid }]);
      const rewritten = commit({ tree: t.oid, parents: [c[1].oid], time: T0 + 9000 });
      const before = storageSnapshot(store, state);
      const p = await ingestPack(store, buildPack([other, t, rewritten]));
      expect(store.commitPush(p, [{ name: 'refs/heads/main', oldOid: c[2].oid, newOid: rewritten.oid }], false)).toEqual([
        { name: 'refs/heads/main', ok: false, error: 'protected branch: force-push refused' },
      ]);
      const after = storageSnapshot(store, state);
      expect({ ...after, packFiles: before.packFiles }).toEqual(before); // the caller removes the unused file
      // A rewind without a pack, a deletion, a tag moved.
      expect(store.commitPush(null, [{ name: 'refs/heads/main', oldOid: c[2].oid, newOid: c[0].oid }], false)[0].error).toBe('protected branch: force-push refused');
      expect(store.commitPush(null, [{ name: 'refs/heads/main', oldOid: c[2].oid, newOid: ZERO }], false)[0].error).toBe('protected branch: deletion refused');
      const v1 = store.refs.get('refs/tags/v1')!;
      expect(store.commitPush(null, [{ name: 'refs/tags/v1', oldOid: v1, newOid: c[2].oid }], false)[0].error).toBe('protected branch: force-push refused');
      // The same on an unprotected branch goes through; creations of protected names too.
      expect(store.commitPush(null, [{ name: 'refs/heads/dev', oldOid: c[2].oid, newOid: c[0].oid }], false)[0].ok).toBe(true);
      expect(store.commitPush(null, [{ name: 'refs/tags/v2', oldOid: ZERO, newOid: c[1].oid }], false)[0].ok).toBe(true);
      // A fast-forward of main (with the new commit in the pack) goes through.
      const p2 = await ingestPack(store, buildPack(h.all.filter((o) => h.reach(c[3]).has(o.oid) && !h.reach(c[2]).has(o.oid))));
      expect(store.commitPush(p2, [{ name: 'refs/heads/main', oldOid: c[2].oid, newOid: c[3].oid }], false)[0]).toEqual({ name: 'refs/heads/main', ok: true });
      // Atomic: one protected refusal fails the whole batch.
      expect(
        store.commitPush(null, [{ name: 'refs/heads/dev', oldOid: c[0].oid, newOid: c[3].oid }, { name: 'refs/heads/main', oldOid: c[3].oid, newOid: ZERO }], true),
      ).toEqual([
        { name: 'refs/heads/dev', ok: false, error: 'atomic transaction failed' },
        { name: 'refs/heads/main', ok: false, error: 'protected branch: deletion refused' },
      ]);
      expect(store.refs.get('refs/heads/dev')).toBe(c[0].oid);
      // Allowed by the rule: force and delete.
      store.rules().replace([rule('refs/heads/main', { allowForcePush: true, allowDeletion: true })]);
      expect(store.commitPush(null, [{ name: 'refs/heads/main', oldOid: c[3].oid, newOid: c[0].oid }], false)[0].ok).toBe(true);
      expect(store.commitPush(null, [{ name: 'refs/heads/main', oldOid: c[0].oid, newOid: ZERO }], false)[0].ok).toBe(true);
    });
  });

  it('mergeOnly: neither push nor the commit route may move it; the merge route may', async () => {
    await withStore('rules-merge', async (store) => {
      const { h } = await setup(store);
      store.rules().replace([rule('refs/heads/main', { mergeOnly: true })]);
      const ff = { name: 'refs/heads/main', oldOid: h.commits[2].oid, newOid: h.commits[3].oid };
      const p = await ingestPack(store, buildPack(h.all.filter((o) => h.reach(h.commits[3]).has(o.oid) && !h.reach(h.commits[2]).has(o.oid))));
      for (const via of ['push', 'commit'] as const) {
        expect(store.commitPush(p, [ff], false, via)[0].error).toBe('protected branch: changes only through the merge API');
      }
      expect(store.commitPush(p, [ff], false, 'merge')[0].ok).toBe(true);
      expect(store.refs.get('refs/heads/main')).toBe(h.commits[3].oid);
    });
  });

  it('rules belong to one repository and go with it', async () => {
    await withStore('rules-scope', async (store) => {
      const a = store.forRepo('ns/a');
      const b = store.forRepo('ns/b');
      a.register();
      b.register();
      a.rules().replace([rule('refs/heads/main')]);
      expect(b.rules().list()).toEqual([]);
      a.unregister();
      expect(a.rules().list()).toEqual([]);
    });
  });
});
