// GET /compare/:base...:head: statuses, renames, the diff text and the patch form.
import { describe, expect, it } from 'vitest';
import { call, commitOk, create, newRepo } from './helpers';

const lines = (n: number, tag = '') => Array.from({ length: n }, (_, i) => `line ${i}${tag}\n`).join('');

describe('compare', () => {
  it('A/M/D/R/T statuses with a git-style diff', async () => {
    const repo = await newRepo('cmp');
    const base = await commitOk(repo, [
      create('keep.txt', 'keep\n'),
      create('mod.txt', 'one\ntwo\nthree\n'),
      create('del.txt', 'gone\n'),
      create('old/name.txt', lines(20)),
      create('similar.txt', lines(30)),
      create('mode.sh', 'echo\n'),
      create('was-file', 'target\n'),
    ]);
    const head = await commitOk(repo, [
      { action: 'update', path: 'mod.txt', content: 'one\nTWO\nthree\n' },
      { action: 'delete', path: 'del.txt' },
      create('add.txt', 'new\n'),
      { action: 'rename', path: 'old/name.txt', newPath: 'new/name.txt' },
      { action: 'rename', path: 'similar.txt', newPath: 'moved.txt', content: lines(30).replace('line 7\n', 'line seven\n') },
      { action: 'update', path: 'mode.sh', content: 'echo\n', mode: '100755' },
      { action: 'update', path: 'was-file', content: 'keep.txt', mode: '120000' },
    ]);
    const r = await call(repo, 'GET', `compare/${base}...${head}`);
    expect(r.status, r.text).toBe(200);
    expect(r.json.base).toBe(base);
    expect(r.json.head).toBe(head);
    expect(r.json.mergeBase).toBe(base);
    const byPath = Object.fromEntries(r.json.files.map((f: { path: string }) => [f.path, f]));
    expect(r.json.files.map((f: { status: string; path: string }) => `${f.status} ${f.path}`)).toEqual([
      'A add.txt', 'D del.txt', 'M mod.txt', 'M mode.sh', 'R moved.txt', 'R new/name.txt', 'T was-file',
    ]);
    expect(byPath['new/name.txt']).toMatchObject({ oldPath: 'old/name.txt', similarity: 100, additions: 0, deletions: 0 });
    expect(byPath['moved.txt']).toMatchObject({ oldPath: 'similar.txt', additions: 1, deletions: 1 });
    expect(byPath['moved.txt'].similarity).toBeGreaterThanOrEqual(90);
    expect(byPath['mode.sh']).toMatchObject({ oldMode: '100644', newMode: '100755' });
    expect(byPath['mod.txt']).toMatchObject({ additions: 1, deletions: 1, binary: false });
    const diff: string = r.json.diff;
    expect(diff).toContain(
      'diff --git a/mod.txt b/mod.txt\nindex 4cb29ea..' ,
    );
    expect(diff).toContain(' 100644\n--- a/mod.txt\n+++ b/mod.txt\n@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n');
    expect(diff).toContain('diff --git a/add.txt b/add.txt\nnew file mode 100644\nindex 0000000..');
    expect(diff).toContain('\n--- /dev/null\n+++ b/add.txt\n@@ -0,0 +1 @@\n+new\n');
    expect(diff).toContain('diff --git a/del.txt b/del.txt\ndeleted file mode 100644\n');
    expect(diff).toContain('diff --git a/mode.sh b/mode.sh\nold mode 100644\nnew mode 100755\n');
    expect(diff).toContain('diff --git a/old/name.txt b/new/name.txt\nsimilarity index 100%\nrename from old/name.txt\nrename to new/name.txt\n');
    expect(diff).toMatch(/diff --git a\/was-file b\/was-file\ndeleted file mode 100644\n[^]*diff --git a\/was-file b\/was-file\nnew file mode 120000\n[^]*\+keep\.txt\n\\ No newline at end of file\n/);
    expect(r.json.additions).toBe(byPath['mod.txt'].additions + byPath['add.txt'].additions + 1 + 1);
  });

  it('three dots diff from the merge base; two dots diff the trees', async () => {
    const repo = await newRepo('cmp-mb');
    const base = await commitOk(repo, [create('a.txt', 'a\n'), create('b.txt', 'b\n')]);
    const feature = await commitOk(repo, [{ action: 'update', path: 'b.txt', content: 'b2\n' }], { branch: 'feature', createBranchFrom: base });
    const main = await commitOk(repo, [{ action: 'update', path: 'a.txt', content: 'a2\n' }]);
    const three = (await call(repo, 'GET', 'compare/main...feature')).json;
    expect(three.mergeBase).toBe(base);
    expect(three.files.map((f: { path: string }) => f.path)).toEqual(['b.txt']);
    const two = (await call(repo, 'GET', 'compare/main..feature')).json;
    expect(two.mergeBase).toBeNull();
    expect(two.files.map((f: { path: string }) => f.path)).toEqual(['a.txt', 'b.txt']);
    expect(two.base).toBe(main);
    expect(two.head).toBe(feature);
    const same = (await call(repo, 'GET', 'compare/main...main')).json;
    expect(same.files).toEqual([]);
    expect(same.diff).toBe('');
    expect((await call(repo, 'GET', 'compare/main')).status).toBe(400);
    expect((await call(repo, 'GET', 'compare/main...nope')).status).toBe(404);
    const orphan = await commitOk(repo, [create('z', 'z\n')], { branch: 'orphan', expectedHead: null });
    expect((await call(repo, 'GET', `compare/main...${orphan}`)).status).toBe(422);
    expect((await call(repo, 'GET', `compare/main..${orphan}`)).status).toBe(200);
  });

  it('binary files: named in the JSON diff, a GIT binary patch in format=patch', async () => {
    const repo = await newRepo('cmp-bin');
    const base = await commitOk(repo, [create('bin', btoa('\0\x01old'), { encoding: 'base64' }), create('t.txt', 'x\n')]);
    const head = await commitOk(repo, [{ action: 'update', path: 'bin', content: btoa('\0\x02new!'), encoding: 'base64' }]);
    const j = (await call(repo, 'GET', `compare/${base}...${head}`)).json;
    expect(j.files).toEqual([expect.objectContaining({ path: 'bin', status: 'M', binary: true })]);
    expect(j.diff).toMatch(/^diff --git a\/bin b\/bin\nindex [0-9a-f]{7}\.\.[0-9a-f]{7} 100644\nBinary files a\/bin and b\/bin differ\n$/);
    const p = await call(repo, 'GET', `compare/${base}...${head}?format=patch`);
    expect(p.status).toBe(200);
    expect(p.headers.get('content-type')).toMatch(/^text\/x-patch/);
    expect(p.text).toMatch(/^diff --git a\/bin b\/bin\nindex [0-9a-f]{40}\.\.[0-9a-f]{40} 100644\nGIT binary patch\nliteral 6\n[^\n]+\n\nliteral 5\n[^\n]+\n\n$/);
    const d = await call(repo, 'GET', `compare/${base}...${head}?format=diff`);
    expect(d.text).toBe(j.diff);
    expect((await call(repo, 'GET', `compare/${base}...${head}?format=xml`)).status).toBe(400);
  });
});
