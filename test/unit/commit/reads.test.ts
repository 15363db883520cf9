// Read routes: refs, commits (rev syntax), trees, blobs (types, ETag, ranges), raw objects,
// log (pages, path filter, first-parent) and 404s.
import { beforeAll, describe, expect, it } from 'vitest';
import { hashObject } from '../../../src/pack';
import { blob, commit as rawCommit, tree as rawTree, tag as rawTag } from '../storage/helpers';
import { call, commitOk, create, newRepo, pushObjects, type Repo } from './helpers';

let repo: Repo;
let c1: string;
let c2: string;
let c3: string;

beforeAll(async () => {
  repo = await newRepo('reads');
  c1 = await commitOk(repo, [
    create('README.md', '# readme\n'),
    create('src/a.txt', 'a1\n'),
    create('src/b.txt', 'b1\n'),
    create('img/logo.png', btoa('\x89PNG\r\n\x1a\n\0\0\0'), { encoding: 'base64' }),
    create('data/blob.bin', btoa('\0\x01\x02binary'), { encoding: 'base64' }),
    create('page.html', '<script>alert(1)</script>\n'),
  ], { message: 'one', author: { name: 'A', email: 'a@x', date: 1_000_000 } });
  c2 = await commitOk(repo, [{ action: 'update', path: 'src/a.txt', content: 'a2\n' }], { message: 'two', author: { name: 'A', email: 'a@x', date: 2_000_000 } });
  c3 = await commitOk(repo, [create('docs/x.md', '0123456789\n')], { message: 'three', author: { name: 'A', email: 'a@x', date: 3_000_000 } });
  await commitOk(repo, [create('feature.txt', 'f\n')], { branch: 'feature/x', createBranchFrom: c2, author: { name: 'A', email: 'a@x', date: 4_000_000 } });
  const t = rawTag({ object: c1, type: 'commit', name: 'v1', time: 1_500_000 });
  await pushObjects(repo, [t], { 'refs/tags/v1': t.oid, 'refs/tags/light': c2 });
});

describe('refs', () => {
  it('lists HEAD, branches and tags (annotated ones peeled)', async () => {
    const r = await call(repo, 'GET', 'refs');
    expect(r.status).toBe(200);
    expect(r.json.head).toEqual({ ref: 'refs/heads/main', sha: c3 });
    expect(r.json.branches.map((b: { name: string }) => b.name)).toEqual(['feature/x', 'main']);
    const tags = Object.fromEntries(r.json.tags.map((t: { name: string; sha: string; peeled?: string }) => [t.name, t]));
    expect(tags.light.sha).toBe(c2);
    expect(tags.light.peeled).toBeUndefined();
    expect(tags.v1.peeled).toBe(c1);
  });
});

describe('commits/:rev and revision syntax', () => {
  const cases: [string, () => string][] = [
    ['main', () => c3],
    ['HEAD', () => c3],
    ['refs/heads/main', () => c3],
    ['main~1', () => c2],
    ['main~2', () => c1],
    ['main%5E', () => c2],
    ['main%5E%5E', () => c1],
    ['main%5E1~1', () => c1],
    ['HEAD~0', () => c3],
    ['v1', () => c1],
    ['tags/v1', () => c1],
    ['v1%5E%7Bcommit%7D', () => c1],
    ['light', () => c2],
    ['feature/x~1', () => c2],
    ['feature%2Fx~1', () => c2],
  ];
  for (const [rev, want] of cases) {
    it(rev, async () => {
      const r = await call(repo, 'GET', `commits/${rev}`);
      expect(r.status, r.text).toBe(200);
      expect(r.json.sha).toBe(want());
    });
  }

  it('full and abbreviated shas', async () => {
    expect((await call(repo, 'GET', `commits/${c2}`)).json.sha).toBe(c2);
    expect((await call(repo, 'GET', `commits/${c2.slice(0, 7)}`)).json.sha).toBe(c2);
    expect((await call(repo, 'GET', `commits/${c2.slice(0, 4)}`)).json.sha).toBe(c2);
  });

  it('returns sha, tree, parents, author, committer and message', async () => {
    const r = await call(repo, 'GET', `commits/${c2}`);
    expect(r.json).toMatchObject({ sha: c2, parents: [c1], message: 'two\n' });
    expect(r.json.tree).toMatch(/^[0-9a-f]{40}$/);
    expect(r.json.author).toEqual({ name: 'A', email: 'a@x', date: new Date(2_000_000_000).toISOString(), timestamp: 2_000_000, timezone: '+0000' });
    expect(r.json.committer).toEqual(r.json.author);
  });

  it('unknown revisions are 404 JSON; malformed ones 400', async () => {
    for (const rev of ['nope', 'main~9', `${'f'.repeat(40)}`, 'main%5E2', 'ffff']) {
      const r = await call(repo, 'GET', `commits/${rev}`);
      expect(r.status, rev).toBe(404);
      expect(r.json.error.code).toBe('not_found');
    }
    expect((await call(repo, 'GET', 'commits/main%5E%7Bnope%7D')).status).toBe(400);
  });
});

describe('tree', () => {
  it('lists a directory with path, name, mode, type, sha and size', async () => {
    const r = await call(repo, 'GET', 'tree/main');
    expect(r.status).toBe(200);
    expect(r.json.commit).toBe(c3);
    expect(r.json.entries.map((e: { path: string; type: string }) => `${e.type} ${e.path}`)).toEqual([
      'blob README.md', 'tree data', 'tree docs', 'tree img', 'blob page.html', 'tree src',
    ]);
    const readme = r.json.entries[0];
    expect(readme).toEqual({ path: 'README.md', name: 'README.md', mode: '100644', type: 'blob', sha: hashObject('blob', new TextEncoder().encode('# readme\n')), size: 9 });
    const sub = await call(repo, 'GET', 'tree/main/src');
    expect(sub.json.path).toBe('src');
    expect(sub.json.entries.map((e: { path: string }) => e.path)).toEqual(['src/a.txt', 'src/b.txt']);
  });

  it('recursive lists the whole subtree, trees included', async () => {
    const r = await call(repo, 'GET', 'tree/main?recursive=1');
    expect(r.json.entries.map((e: { path: string }) => e.path)).toEqual([
      'README.md', 'data', 'data/blob.bin', 'docs', 'docs/x.md', 'img', 'img/logo.png', 'page.html', 'src', 'src/a.txt', 'src/b.txt',
    ]);
    const r2 = await call(repo, 'GET', 'tree/main~2/src?recursive=true');
    expect(r2.json.entries.map((e: { path: string; size: number }) => `${e.path}:${e.size}`)).toEqual(['src/a.txt:3', 'src/b.txt:3']);
  });

  it('by tree sha, by branch with a slash, and 404/400 for bad paths', async () => {
    const root = (await call(repo, 'GET', 'tree/main')).json.sha;
    expect((await call(repo, 'GET', `tree/${root}/src`)).json.entries).toHaveLength(2);
    const f = await call(repo, 'GET', 'tree/feature/x');
    expect(f.status, f.text).toBe(200);
    expect(f.json.entries.map((e: { path: string }) => e.path)).toContain('feature.txt');
    expect((await call(repo, 'GET', 'tree/feature/x/src')).json.entries).toHaveLength(2);
    expect((await call(repo, 'GET', 'tree/feature%2Fx/src')).json.entries).toHaveLength(2);
    const missing = await call(repo, 'GET', 'tree/main/nope');
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('not_found');
    expect((await call(repo, 'GET', 'tree/main/README.md')).status).toBe(400);
    expect((await call(repo, 'GET', 'tree/nope/src')).status).toBe(404);
  });
});

describe('blob', () => {
  it('raw bytes with Content-Type, Content-Length and ETag', async () => {
    const r = await call(repo, 'GET', 'blob/main/src/a.txt');
    expect(r.status).toBe(200);
    expect(r.text).toBe('a2\n');
    expect(r.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(r.headers.get('content-length')).toBe('3');
    expect(r.headers.get('etag')).toBe(`"${hashObject('blob', new TextEncoder().encode('a2\n'))}"`);
    expect(r.headers.get('accept-ranges')).toBe('bytes');
    expect((await call(repo, 'GET', 'blob/main/README.md')).headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect((await call(repo, 'GET', 'blob/main/img/logo.png')).headers.get('content-type')).toBe('image/png');
    expect((await call(repo, 'GET', 'blob/main/data/blob.bin')).headers.get('content-type')).toBe('application/octet-stream');
    const html = await call(repo, 'GET', 'blob/main/page.html');
    expect(html.headers.get('content-security-policy')).toMatch(/sandbox/);
    expect(html.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await call(repo, 'GET', 'blob/main~2/src/a.txt')).text).toBe('a1\n');
    expect((await call(repo, 'GET', `blob/${c1}/src/a.txt`)).headers.get('cache-control')).toMatch(/immutable/);
  });

  it('If-None-Match gives 304', async () => {
    const first = await call(repo, 'GET', 'blob/main/docs/x.md');
    const etag = first.headers.get('etag')!;
    const r = await call(repo, 'GET', 'blob/main/docs/x.md', { headers: { 'if-none-match': etag } });
    expect(r.status).toBe(304);
    expect(r.bytes.length).toBe(0);
    expect((await call(repo, 'GET', 'blob/main/docs/x.md', { headers: { 'if-none-match': '"other"' } })).status).toBe(200);
  });

  it('Range requests', async () => {
    const get = (range: string) => call(repo, 'GET', 'blob/main/docs/x.md', { headers: { range } });
    let r = await get('bytes=0-3');
    expect(r.status).toBe(206);
    expect(r.text).toBe('0123');
    expect(r.headers.get('content-range')).toBe('bytes 0-3/11');
    expect(r.headers.get('content-length')).toBe('4');
    r = await get('bytes=8-');
    expect(r.text).toBe('89\n');
    expect(r.headers.get('content-range')).toBe('bytes 8-10/11');
    r = await get('bytes=-2');
    expect(r.text).toBe('9\n');
    r = await get('bytes=5-100');
    expect(r.text).toBe('56789\n');
    r = await get('bytes=11-');
    expect(r.status).toBe(416);
    expect(r.headers.get('content-range')).toBe('bytes */11');
    r = await get('bytes=0-1,3-4');
    expect(r.status).toBe(200);
    expect(r.text).toBe('0123456789\n');
    r = await call(repo, 'GET', 'blob/main/docs/x.md', { headers: { range: 'bytes=0-1', 'if-range': '"stale"' } });
    expect(r.status).toBe(200);
  });

  it('404 for unknown path or rev, 400 for a directory', async () => {
    const r = await call(repo, 'GET', 'blob/main/src/zzz.txt');
    expect(r.status).toBe(404);
    expect(r.json.error.code).toBe('not_found');
    expect((await call(repo, 'GET', 'blob/nope/src/a.txt')).status).toBe(404);
    expect((await call(repo, 'GET', 'blob/main/src')).status).toBe(400);
    expect((await call(repo, 'GET', 'blob/main/src/a.txt/more')).status).toBe(404);
  });
});

describe('objects/:sha', () => {
  it('raw object bytes with its type', async () => {
    const sha = hashObject('blob', new TextEncoder().encode('b1\n'));
    const r = await call(repo, 'GET', `objects/${sha}`);
    expect(r.status).toBe(200);
    expect(r.text).toBe('b1\n');
    expect(r.headers.get('x-git-object-type')).toBe('blob');
    expect(r.headers.get('etag')).toBe(`"${sha}"`);
    const c = await call(repo, 'GET', `objects/${c1.slice(0, 8)}`);
    expect(c.headers.get('x-git-object-type')).toBe('commit');
    expect(hashObject('commit', c.bytes)).toBe(c1);
    expect((await call(repo, 'GET', `objects/${'0'.repeat(40)}`)).status).toBe(404);
    expect((await call(repo, 'GET', 'objects/xyz')).status).toBe(400);
  });
});

describe('log', () => {
  it('newest first, paged with a cursor', async () => {
    const all = (await call(repo, 'GET', 'log/main')).json;
    expect(all.commits.map((c: { sha: string }) => c.sha)).toEqual([c3, c2, c1]);
    expect(all.nextCursor).toBeNull();
    const p1 = (await call(repo, 'GET', 'log/main?limit=2')).json;
    expect(p1.commits.map((c: { sha: string }) => c.sha)).toEqual([c3, c2]);
    expect(p1.nextCursor).toEqual(expect.any(String));
    const p2 = (await call(repo, 'GET', `log/main?limit=2&cursor=${encodeURIComponent(p1.nextCursor)}`)).json;
    expect(p2.commits.map((c: { sha: string }) => c.sha)).toEqual([c1]);
    expect(p2.nextCursor).toBeNull();
    expect((await call(repo, 'GET', 'log/main?limit=0')).status).toBe(400);
    expect((await call(repo, 'GET', 'log/main?cursor=garbage')).status).toBe(400);
    expect((await call(repo, 'GET', 'log/nope')).status).toBe(404);
  });

  it('path filter', async () => {
    const shas = async (q: string) => (await call(repo, 'GET', `log/main?${q}`)).json.commits.map((c: { sha: string }) => c.sha);
    expect(await shas('path=src/a.txt')).toEqual([c2, c1]);
    expect(await shas('path=src')).toEqual([c2, c1]);
    expect(await shas('path=docs')).toEqual([c3]);
    expect(await shas('path=src/b.txt')).toEqual([c1]);
    expect(await shas('path=nothing')).toEqual([]);
  });

  it('merges: date order, path simplification like git log -- path, first-parent', async () => {
    const r = await newRepo('merges');
    const b = (s: string) => blob(s);
    const a1 = b('a1\n'), a2 = b('a2\n'), a3 = b('a3\n'), b1 = b('b1\n'), b2 = b('b2\n');
    const t = (a: { oid: string }, bb: { oid: string }) => rawTree([{ mode: '100644', name: 'a.txt', oid: a.oid }, { mode: '100644', name: 'b.txt', oid: bb.oid }]);
    const t1 = t(a1, b1), t2 = t(a2, b1), ts = t(a1, b2), t3 = t(a3, b1), tm = t(a3, b2);
    const m1 = rawCommit({ tree: t1.oid, time: 1000 });
    const m2 = rawCommit({ tree: t2.oid, parents: [m1.oid], time: 2000 });
    const s1 = rawCommit({ tree: ts.oid, parents: [m1.oid], time: 2500 });
    const m3 = rawCommit({ tree: t3.oid, parents: [m2.oid], time: 3000 });
    const mm = rawCommit({ tree: tm.oid, parents: [m3.oid, s1.oid], time: 4000 });
    await pushObjects(r, [a1, a2, a3, b1, b2, t1, t2, ts, t3, tm, m1, m2, s1, m3, mm], { 'refs/heads/main': mm.oid });
    const shas = async (q: string) => (await call(r, 'GET', `log/main?${q}`)).json.commits.map((c: { sha: string }) => c.sha);
    expect(await shas('')).toEqual([mm.oid, m3.oid, s1.oid, m2.oid, m1.oid]);
    expect(await shas('firstParent=1')).toEqual([mm.oid, m3.oid, m2.oid, m1.oid]);
    expect(await shas('path=b.txt')).toEqual([s1.oid, m1.oid]);
    expect(await shas('path=a.txt')).toEqual([m3.oid, m2.oid, m1.oid]);
    expect(await shas('path=b.txt&firstParent=true')).toEqual([mm.oid, m1.oid]);
    // Pages through a merge.
    const p1 = (await call(r, 'GET', 'log/main?limit=2')).json;
    const p2 = (await call(r, 'GET', `log/main?limit=2&cursor=${p1.nextCursor}`)).json;
    const p3 = (await call(r, 'GET', `log/main?limit=2&cursor=${p2.nextCursor}`)).json;
    expect([...p1.commits, ...p2.commits, ...p3.commits].map((c: { sha: string }) => c.sha)).toEqual([mm.oid, m3.oid, s1.oid, m2.oid, m1.oid]);
    expect(p3.nextCursor).toBeNull();
  });
});

describe('empty and missing repositories', () => {
  it('an empty repo has no refs; reads of HEAD are 404', async () => {
    const r = await newRepo('empty');
    expect((await call(r, 'GET', 'refs')).json).toEqual({ head: { ref: 'refs/heads/main', sha: null }, branches: [], tags: [] });
    expect((await call(r, 'GET', 'commits/HEAD')).status).toBe(404);
    expect((await call(r, 'GET', 'tree/main')).status).toBe(404);
    expect((await call(r, 'GET', 'log/HEAD')).status).toBe(404);
  });

  it('a repository that does not exist is 404 (an invalid name: 400)', async () => {
    const gone = { ...repo, url: (rest: string) => `http://x/v1/repos/unit-commit/never-created/${rest}` };
    for (const p of ['refs', 'commits/main', 'tree/main', 'blob/main/a', 'log/main', 'compare/a...b', `objects/${c1}`]) {
      const r = await call(gone, 'GET', p);
      expect(r.status, p).toBe(404);
      expect(r.json.error.code).toBe('not_found');
    }
    // An invalid name is a bad path parameter (400 naming it), as on the control plane, not a missing repository.
    const bad = await call({ ...repo, url: (rest: string) => `http://x/v1/repos/bad%20ns/x/${rest}` }, 'GET', 'refs');
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/invalid namespace name 'bad ns'/);
  });

  it('read token can read, no token cannot', async () => {
    const tok = await call(repo, 'POST', 'tokens', { body: { scope: 'read', ttlSeconds: 600 } });
    expect((await call(repo, 'GET', 'blob/main/src/a.txt', { token: tok.json.token })).status).toBe(200);
    const none = await call(repo, 'GET', 'blob/main/src/a.txt', { token: null });
    expect(none.status).toBe(401);
    expect(none.json.error.code).toBe('unauthorized');
  });
});
