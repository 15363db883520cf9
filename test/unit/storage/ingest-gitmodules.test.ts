// git's .gitmodules rules in the push ingest (PackIngest + SpecialFiles): a hostile .gitmodules
// is refused whether its blob comes before or after the tree naming it, as a delta, or was
// stored by an earlier push under another name; refusals leave storage untouched; what git
// only warns about is accepted with a warning.
import { describe, expect, it } from 'vitest';
import { IngestError } from '../../../src/storage/repo-store';
import type { RepoStore } from '../../../src/storage/repo-store';
import { blob, buildPack, commit, ingestPack, pushPack, storageSnapshot, tree, withStore, type Obj, type PackItem } from './helpers';

const EVIL = '[submodule "x"]\n\tpath = x\n\turl = --upload-pack=touch /tmp/pwned\n';
const GOOD = '[submodule "x"]\n\tpath = x\n\turl = https://example.com/x.git\n';

function commitOf(entries: { mode: string; name: string; oid: string }[], time = 1_700_000_000): { root: Obj; c: Obj } {
  const root = tree(entries);
  return { root, c: commit({ tree: root.oid, time }) };
}

async function expectRefused(store: RepoStore, state: DurableObjectState, items: PackItem[], pattern: RegExp): Promise<void> {
  const before = storageSnapshot(store, state);
  let err: unknown = null;
  try {
    await ingestPack(store, buildPack(items), 3);
  } catch (e) {
    err = e;
  }
  expect(err, 'the ingest should have failed').toBeInstanceOf(IngestError);
  expect((err as Error).message).toMatch(pattern);
  expect(storageSnapshot(store, state)).toEqual(before);
}

describe('.gitmodules in a push', () => {
  it('refuses a hostile url whether the blob comes before or after its tree, or as a delta', async () => {
    await withStore('gm-order', async (store, state) => {
      const evil = blob(EVIL);
      const { root, c } = commitOf([{ mode: '100644', name: '.gitmodules', oid: evil.oid }]);
      const url = new RegExp(`^invalid blob ${evil.oid}: gitmodulesUrl: disallowed submodule url: --upload-pack=touch /tmp/pwned$`);
      await expectRefused(store, state, [c, root, evil], url);
      await expectRefused(store, state, [evil, root, c], url);
      const good = blob(GOOD);
      const { root: r2, c: c2 } = commitOf([
        { mode: '100644', name: '.gitmodules', oid: evil.oid },
        { mode: '100644', name: 'ok', oid: good.oid },
      ]);
      await expectRefused(store, state, [good, { obj: evil, ofsDelta: good }, r2, c2], url);
      await expectRefused(store, state, [c2, r2, good, { obj: evil, refDelta: good }], url);
    });
  });

  it('refuses every NTFS/HFS spelling, and a .gitmodules in a subdirectory', async () => {
    await withStore('gm-names', async (store, state) => {
      const evil = blob(EVIL);
      for (const name of ['.GITMODULES', 'GITMOD~1', 'gi7eba~1', '.gitmodules. ', '.g\u200citmodules', 'a\\.gitmodules']) {
        const { root, c } = commitOf([{ mode: '100644', name, oid: evil.oid }]);
        await expectRefused(store, state, [evil, root, c], /gitmodulesUrl/);
      }
      const sub = tree([{ mode: '100644', name: '.gitmodules', oid: evil.oid }]);
      const { root, c } = commitOf([{ mode: '40000', name: 'deep', oid: sub.oid }]);
      await expectRefused(store, state, [c, root, sub, evil], /gitmodulesUrl/);
    });
  });

  it('checks a blob an earlier push stored under another name', async () => {
    await withStore('gm-stored', async (store, state) => {
      const evil = blob(EVIL);
      const first = commitOf([{ mode: '100644', name: 'notes.txt', oid: evil.oid }]);
      await pushPack(store, buildPack([evil, first.root, first.c]), { 'refs/heads/main': first.c.oid });
      const later = tree([{ mode: '100644', name: '.gitmodules', oid: evil.oid }]);
      const c = commit({ tree: later.oid, parents: [first.c.oid], time: 1_700_000_100 });
      await expectRefused(store, state, [later, c], new RegExp(`invalid blob ${evil.oid}: gitmodulesUrl`));
    });
  });

  it('refuses a symlinked, directory or submodule .gitmodules (gitmodulesSymlink, -Blob, -Missing)', async () => {
    await withStore('gm-kinds', async (store, state) => {
      const target = blob('../../outside/.gitmodules');
      const link = commitOf([{ mode: '120000', name: '.gitmodules', oid: target.oid }]);
      await expectRefused(store, state, [target, link.root, link.c], new RegExp(`^invalid tree ${link.root.oid}: gitmodulesSymlink: .gitmodules is a symbolic link$`));
      const link2 = commitOf([{ mode: '120000', name: 'GITMOD~1', oid: target.oid }]);
      await expectRefused(store, state, [target, link2.root, link2.c], /gitmodulesSymlink/);
      const inner = tree([{ mode: '100644', name: 'x', oid: target.oid }]);
      const dir = commitOf([{ mode: '40000', name: '.gitmodules', oid: inner.oid }]);
      await expectRefused(store, state, [target, inner, dir.root, dir.c], new RegExp(`invalid tree ${inner.oid}: gitmodulesBlob: non-blob found at .gitmodules`));
      const gitlink = commitOf([{ mode: '160000', name: '.gitmodules', oid: 'c'.repeat(40) }]);
      await expectRefused(store, state, [gitlink.root, gitlink.c], /^missing object c{40}: gitmodulesMissing: unable to read .gitmodules blob$/);
    });
  });

  it('refuses bad names, paths, update commands and long .gitattributes lines', async () => {
    await withStore('gm-ids', async (store, state) => {
      const cases: [string, string, RegExp][] = [
        ['.gitmodules', '[submodule "../../modules/x"]\n\tpath = x\n', /gitmodulesName: disallowed submodule name: \.\.\/\.\.\/modules\/x/],
        ['.gitmodules', '[submodule "x"]\n\tpath = --x\n', /gitmodulesPath: disallowed submodule path: --x/],
        ['.gitmodules', '[submodule "x"]\n\tupdate = !sh evil\n', /gitmodulesUpdate: disallowed submodule update setting: !sh evil/],
        ['.gitmodules', '[submodule "x"]\n\turl = https://example.com/%0a\n', /gitmodulesUrl/],
        ['.gitattributes', `* text\n${'x'.repeat(3000)}\n`, /gitattributesLineLength: .gitattributes has too long lines to parse/],
      ];
      for (const [name, text, pattern] of cases) {
        const b = blob(text);
        const { root, c } = commitOf([{ mode: '100644', name, oid: b.oid }]);
        await expectRefused(store, state, [b, root, c], pattern);
      }
    });
  });

  it('accepts what git only warns about, with the warnings, and a good .gitmodules silently', async () => {
    await withStore('gm-warn', async (store) => {
      const good = blob(GOOD);
      const ok = commitOf([{ mode: '100644', name: '.gitmodules', oid: good.oid }]);
      expect((await pushPack(store, buildPack([good, ok.root, ok.c]), { 'refs/heads/main': ok.c.oid })).warnings).toEqual([]);
      const target = blob('shared/ignore');
      const broken = blob('[submodule "x"\n\turl = --never-read\n');
      const { root, c } = commitOf([
        { mode: '120000', name: '.gitattributes', oid: target.oid },
        { mode: '120000', name: '.gitignore', oid: target.oid },
        { mode: '100644', name: '.gitmodules', oid: broken.oid },
        { mode: '120000', name: '.mailmap', oid: target.oid },
      ], 1_700_000_500);
      const p = await pushPack(store, buildPack([target, broken, root, c]), { 'refs/heads/next': c.oid });
      expect(p.warnings).toEqual([
        `object ${root.oid}: gitattributesSymlink: .gitattributes is a symlink`,
        `object ${root.oid}: gitignoreSymlink: .gitignore is a symlink`,
        `object ${root.oid}: mailmapSymlink: .mailmap is a symlink`,
        `object ${broken.oid}: gitmodulesParse: could not parse gitmodules blob`,
      ]);
      expect(store.refs.get('refs/heads/next')).toBe(c.oid);
    });
  });
});
