// Ref store: git check-ref-format rules and compare-and-swap updates in the DO's SQLite.
import { describe, expect, it } from 'vitest';
import { isValidRefName } from '../../../src/storage/refs';
import { withStore, ZERO } from './helpers';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

describe('isValidRefName (git check-ref-format)', () => {
  it.each([
    'refs/heads/main',
    'refs/heads/feature/x-1',
    'refs/tags/v1.0.0',
    'refs/heads/a.b',
    'refs/heads/with@sign',
    'refs/heads/ünïcödé',
    'refs/notes/commits',
    'refs/heads/a.lockx',
    'refs/heads/-dash',
    'refs/foo/bar',
    'refs/heads/@',
  ])('accepts %j', (name) => {
    expect(isValidRefName(name)).toBe(true);
  });

  it.each([
    ['HEAD', 'outside refs/'],
    ['main', 'outside refs/'],
    ['heads/main', 'outside refs/'],
    ['refs/heads/', 'trailing slash'],
    ['refs/heads/x.', 'trailing dot'],
    ['refs/heads//x', 'empty component'],
    ['refs/heads/a..b', 'double dot'],
    ['refs/heads/.hidden', 'component starting with a dot'],
    ['refs/heads/x/.y', 'inner component starting with a dot'],
    ['refs/heads/x.lock', 'component ending in .lock'],
    ['refs/heads/x.lock/y', 'inner component ending in .lock'],
    ['refs/heads/a@{1}', '@{ sequence'],
    ['refs/heads/a b', 'space'],
    ['refs/heads/a~1', 'tilde'],
    ['refs/heads/a^', 'caret'],
    ['refs/heads/a:b', 'colon'],
    ['refs/heads/a?', 'question mark'],
    ['refs/heads/a*', 'asterisk'],
    ['refs/heads/a[b', 'open bracket'],
    ['refs/heads/a\\b', 'backslash'],
    ['refs/heads/a\u0001b', 'control character'],
    ['refs/heads/a\tb', 'tab'],
    ['refs/heads/a\u007fb', 'DEL'],
    ['refs/heads/' + 'x'.repeat(1100), 'absurdly long'],
    ['refs/foo', 'one level below refs/ (receive-pack: funny refname)'],
    ['refs/heads', 'one level below refs/'],
    ['refs/', 'nothing below refs/'],
    ['refs', 'no category'],
  ])('rejects %j (%s)', (name) => {
    expect(isValidRefName(name)).toBe(false);
  });
});

describe('RefStore compare-and-swap', () => {
  it('creates, updates and deletes with the right old values', async () => {
    await withStore('refs-basic', (store) => {
      expect(store.refs.update([{ name: 'refs/heads/main', oldOid: ZERO, newOid: A }], false)).toEqual([
        { name: 'refs/heads/main', ok: true },
      ]);
      expect(store.refs.get('refs/heads/main')).toBe(A);
      expect(store.refs.update([{ name: 'refs/heads/main', oldOid: A, newOid: B }], false)[0].ok).toBe(true);
      expect(store.refs.get('refs/heads/main')).toBe(B);
      expect(store.refs.count()).toBe(1);
      expect(store.refs.update([{ name: 'refs/heads/main', oldOid: B, newOid: ZERO }], false)[0].ok).toBe(true);
      expect(store.refs.get('refs/heads/main')).toBeNull();
      expect(store.refs.count()).toBe(0);
    });
  });

  it('rejects a wrong old value with "fetch first", a vanished ref with "stale info"', async () => {
    await withStore('refs-stale', (store) => {
      store.refs.update([{ name: 'refs/heads/main', oldOid: ZERO, newOid: A }], false);
      const [wrongOld] = store.refs.update([{ name: 'refs/heads/main', oldOid: C, newOid: B }], false);
      expect(wrongOld.ok).toBe(false);
      expect(wrongOld.error).toMatch(/fetch first/);
      const [gone] = store.refs.update([{ name: 'refs/heads/nope', oldOid: A, newOid: B }], false);
      expect(gone.ok).toBe(false);
      expect(gone.error).toMatch(/stale info/);
      // A delete with the wrong old value fails too.
      const [del] = store.refs.update([{ name: 'refs/heads/main', oldOid: B, newOid: ZERO }], false);
      expect(del.ok).toBe(false);
      expect(store.refs.get('refs/heads/main')).toBe(A);
      expect(store.refs.get('refs/heads/nope')).toBeNull();
    });
  });

  it('create-only (old = zero) fails when the ref exists', async () => {
    await withStore('refs-create-only', (store) => {
      store.refs.update([{ name: 'refs/tags/v1', oldOid: ZERO, newOid: A }], false);
      const [r] = store.refs.update([{ name: 'refs/tags/v1', oldOid: ZERO, newOid: B }], false);
      expect(r.ok).toBe(false);
      expect(r.error).toBeTruthy();
      expect(store.refs.get('refs/tags/v1')).toBe(A);
    });
  });

  it('atomic: one failing update leaves every ref as it was', async () => {
    await withStore('refs-atomic', (store) => {
      store.refs.update(
        [
          { name: 'refs/heads/a', oldOid: ZERO, newOid: A },
          { name: 'refs/heads/b', oldOid: ZERO, newOid: A },
        ],
        false,
      );
      const res = store.refs.update(
        [
          { name: 'refs/heads/a', oldOid: A, newOid: B }, // fine alone
          { name: 'refs/heads/b', oldOid: C, newOid: B }, // stale
          { name: 'refs/heads/c', oldOid: ZERO, newOid: B }, // fine alone
        ],
        true,
      );
      expect(res.map((r) => r.ok)).toEqual([false, false, false]);
      expect(res[0].error).toMatch(/atomic/);
      expect(res[1].error).toMatch(/fetch first/);
      expect(res[2].error).toMatch(/atomic/);
      expect(store.refs.list()).toEqual([
        { name: 'refs/heads/a', oid: A },
        { name: 'refs/heads/b', oid: A },
      ]);
    });
  });

  it('non-atomic: each update stands alone', async () => {
    await withStore('refs-nonatomic', (store) => {
      store.refs.update([{ name: 'refs/heads/b', oldOid: ZERO, newOid: A }], false);
      const res = store.refs.update(
        [
          { name: 'refs/heads/a', oldOid: ZERO, newOid: B },
          { name: 'refs/heads/b', oldOid: C, newOid: B },
        ],
        false,
      );
      expect(res.map((r) => r.ok)).toEqual([true, false]);
      expect(store.refs.get('refs/heads/a')).toBe(B);
      expect(store.refs.get('refs/heads/b')).toBe(A);
    });
  });

  it('HEAD is symbolic: head() follows it, list() does not show it', async () => {
    await withStore('refs-head', (store) => {
      expect(store.refs.head()).toEqual({ target: 'refs/heads/main', oid: null });
      store.refs.setHead('refs/heads/dev');
      store.refs.update([{ name: 'refs/heads/dev', oldOid: ZERO, newOid: A }], false);
      expect(store.refs.head()).toEqual({ target: 'refs/heads/dev', oid: A });
      expect(store.refs.list().map((r) => r.name)).toEqual(['refs/heads/dev']);
      expect(store.refs.count()).toBe(1);
    });
  });

  it('lists refs sorted by name and filters by prefix', async () => {
    await withStore('refs-list', (store) => {
      store.refs.update(
        ['refs/tags/v2', 'refs/heads/z', 'refs/heads/a', 'refs/tags/v10'].map((name) => ({ name, oldOid: ZERO, newOid: A })),
        false,
      );
      expect(store.refs.list().map((r) => r.name)).toEqual(['refs/heads/a', 'refs/heads/z', 'refs/tags/v10', 'refs/tags/v2']);
      expect(store.refs.list(['refs/tags/']).map((r) => r.name)).toEqual(['refs/tags/v10', 'refs/tags/v2']);
    });
  });
});

describe('RefStore: file/directory conflicts (a ref cannot also be a directory of refs)', () => {
  const create = (name: string, oid = A) => ({ name, oldOid: ZERO, newOid: oid });

  it('refuses a ref below an existing one, and above existing ones, as git does', async () => {
    await withStore('refs-df', (store) => {
      expect(store.refs.update([create('refs/heads/a'), create('refs/heads/x/y/z')], false).every((r) => r.ok)).toBe(true);
      const before = store.refs.list();
      expect(store.refs.update([create('refs/heads/a/b')], false)).toEqual([
        { name: 'refs/heads/a/b', ok: false, error: "cannot lock ref 'refs/heads/a/b': 'refs/heads/a' exists; cannot create 'refs/heads/a/b'" },
      ]);
      expect(store.refs.update([create('refs/heads/a/b/c/d')], false)[0].error).toBe(
        "cannot lock ref 'refs/heads/a/b/c/d': 'refs/heads/a' exists; cannot create 'refs/heads/a/b/c/d'",
      );
      for (const name of ['refs/heads/x', 'refs/heads/x/y']) {
        expect(store.refs.update([create(name)], false)[0].error).toBe(`cannot lock ref '${name}': 'refs/heads/x/y/z' exists; cannot create '${name}'`);
      }
      // Names that only share a prefix of characters are fine.
      expect(store.refs.update([create('refs/heads/ab'), create('refs/heads/a-b/c'), create('refs/heads/x/y/z2')], false).every((r) => r.ok)).toBe(true);
      expect(store.refs.list().filter((r) => !['refs/heads/ab', 'refs/heads/a-b/c', 'refs/heads/x/y/z2'].includes(r.name))).toEqual(before);
      // Moving an existing ref is not a creation.
      expect(store.refs.update([{ name: 'refs/heads/a', oldOid: A, newOid: B }], false)[0].ok).toBe(true);
    });
  });

  it('within one batch: in order when not atomic; atomic judges the batch as a whole', async () => {
    await withStore('refs-df-batch', (store) => {
      expect(store.refs.update([create('refs/heads/p'), create('refs/heads/p/q')], false)).toEqual([
        { name: 'refs/heads/p', ok: true },
        { name: 'refs/heads/p/q', ok: false, error: "cannot lock ref 'refs/heads/p/q': 'refs/heads/p' exists; cannot create 'refs/heads/p/q'" },
      ]);
      expect(store.refs.update([create('refs/heads/s/t'), create('refs/heads/s')], true)).toEqual([
        { name: 'refs/heads/s/t', ok: false, error: 'atomic transaction failed' },
        { name: 'refs/heads/s', ok: false, error: "cannot lock ref 'refs/heads/s': cannot process 'refs/heads/s' and 'refs/heads/s/t' at the same time" },
      ]);
      expect(store.refs.get('refs/heads/s/t')).toBeNull();
      expect(store.refs.update([create('refs/heads/u/v'), create('refs/heads/u')], false)[1].error).toBe(
        "cannot lock ref 'refs/heads/u': 'refs/heads/u/v' exists; cannot create 'refs/heads/u'",
      );
      // A deletion frees the name for a later creation of the same batch.
      expect(store.refs.update([{ name: 'refs/heads/p', oldOid: A, newOid: ZERO }, create('refs/heads/p/q', C)], false).every((r) => r.ok)).toBe(true);
      expect(store.refs.get('refs/heads/p/q')).toBe(C);
      // Atomic: deletions count wherever they are in the batch.
      expect(store.refs.update([create('refs/heads/p/q/r'), { name: 'refs/heads/p/q', oldOid: C, newOid: ZERO }], true).every((r) => r.ok)).toBe(true);
      expect(store.refs.list().map((r) => r.name)).toEqual(['refs/heads/p/q/r', 'refs/heads/u/v']);
      // Not atomic, the same order fails: p/q still exists when p/q/r is created.
      expect(store.refs.update([create('refs/heads/p/q/r/s'), { name: 'refs/heads/p/q/r', oldOid: A, newOid: ZERO }], false)).toEqual([
        { name: 'refs/heads/p/q/r/s', ok: false, error: "cannot lock ref 'refs/heads/p/q/r/s': 'refs/heads/p/q/r' exists; cannot create 'refs/heads/p/q/r/s'" },
        { name: 'refs/heads/p/q/r', ok: true },
      ]);
    });
  });
});
