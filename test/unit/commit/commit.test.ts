// POST /commits: every action, every error case, compare-and-swap (including a race) and the
// guarantee that a failed request writes nothing.
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { hashObject, parseCommit, parseTree } from '../../../src/pack';
import { AUTHOR, call, commit, commitOk, create, newRepo, snapshot, storageState, type Repo, NS } from './helpers';

const b64 = (s: string | Uint8Array) => btoa(typeof s === 'string' ? s : String.fromCharCode(...s));

async function seeded(label: string): Promise<{ repo: Repo; head: string }> {
  const repo = await newRepo(label);
  const head = await commitOk(repo, [
    create('README.md', '# readme\n'),
    create('src/a.ts', 'line 1\nline 2\nline 3\nline 4\nline 5\n'),
    create('src/lib/b.ts', 'export const b = 2;\n'),
    create('docs/guide.md', 'guide\n'),
  ]);
  return { repo, head };
}

async function entryAt(repo: Repo, rev: string, path: string): Promise<{ mode: string; sha: string } | undefined> {
  const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
  const t = await call(repo, 'GET', `tree/${rev}/${dir}`);
  return t.json?.entries?.find((e: { path: string }) => e.path === path);
}

describe('commit actions', () => {
  it('first commit in an empty repo: a root commit, byte-identical to git', async () => {
    const repo = await newRepo('first');
    const r = await commit(repo, [create('README.md', '# hi\n'), create('src/a.ts', 'export const a = 1;\n')], { message: 'test commit' });
    expect(r.status, r.text).toBe(201);
    // Same tree/author/date/message made with `git commit` (git 2.39) gives these ids.
    expect(r.json).toEqual({
      commit: '23d7cfa99d69458594aabb26056be97921aa18bf',
      tree: '2626969d6865f7c43d2dcc6f71598704ba591790',
      branch: 'main',
      parents: [],
    });
    expect(r.headers.get('location')).toMatch(/\/commits\/23d7cfa9/);
    const refs = await call(repo, 'GET', 'refs');
    expect(refs.json.head).toEqual({ ref: 'refs/heads/main', sha: r.json.commit });
  });

  it('create with utf-8 and base64 content and each mode', async () => {
    const repo = await newRepo('create');
    const bin = new Uint8Array([0, 1, 2, 255, 254, 10]);
    const c = await commitOk(repo, [
      create('text.txt', 'héllo wörld\n'),
      create('bin/data.bin', b64(bin), { encoding: 'base64' }),
      create('bin/run.sh', '#!/bin/sh\necho hi\n', { mode: '100755' }),
      create('link', 'text.txt', { mode: '120000' }),
      create('deep/a/b/c/d/e.txt', 'deep\n'),
    ]);
    expect(c).toMatch(/^[0-9a-f]{40}$/);
    expect((await entryAt(repo, 'main', 'bin/run.sh'))?.mode).toBe('100755');
    expect((await entryAt(repo, 'main', 'link'))?.mode).toBe('120000');
    expect((await entryAt(repo, 'main', 'text.txt'))?.mode).toBe('100644');
    const blob = await call(repo, 'GET', 'blob/main/bin/data.bin');
    expect([...blob.bytes]).toEqual([...bin]);
    expect(blob.headers.get('x-git-object-id')).toBe(hashObject('blob', bin));
    expect((await call(repo, 'GET', 'blob/main/text.txt')).text).toBe('héllo wörld\n');
    expect((await call(repo, 'GET', 'blob/main/link')).text).toBe('text.txt');
    expect((await call(repo, 'GET', 'blob/main/deep/a/b/c/d/e.txt')).text).toBe('deep\n');
  });

  it('update replaces content and keeps the mode unless one is given', async () => {
    const { repo, head } = await seeded('update');
    const c = await commitOk(repo, [{ action: 'update', path: 'src/lib/b.ts', content: 'export const b = 3;\n' }]);
    const snap = await snapshot(repo);
    expect(snap['src/lib/b.ts']).toBe('export const b = 3;\n');
    expect((await call(repo, 'GET', `commits/${c}`)).json.parents).toEqual([head]);
    await commitOk(repo, [{ action: 'update', path: 'src/lib/b.ts', content: '#!/bin/sh\n', mode: '100755' }]);
    expect((await entryAt(repo, 'main', 'src/lib/b.ts'))?.mode).toBe('100755');
    await commitOk(repo, [{ action: 'update', path: 'src/lib/b.ts', content: 'x\n' }]);
    expect((await entryAt(repo, 'main', 'src/lib/b.ts'))?.mode).toBe('100755');
  });

  it('edit with oldString/newString', async () => {
    const { repo } = await seeded('edit-str');
    await commitOk(repo, [{ action: 'edit', path: 'src/a.ts', edits: [{ oldString: 'line 2\n', newString: 'LINE TWO\n' }, { oldString: 'line 5', newString: 'five' }] }]);
    expect((await snapshot(repo))['src/a.ts']).toBe('line 1\nLINE TWO\nline 3\nline 4\nfive\n');
  });

  it('edit with line ranges (replace, delete, insert, append), all against the original', async () => {
    const { repo } = await seeded('edit-lines');
    await commitOk(repo, [
      {
        action: 'edit',
        path: 'src/a.ts',
        edits: [
          { startLine: 4, endLine: 4, newText: 'four' }, // replace (newline added)
          { startLine: 2, endLine: 3, newText: '' }, // delete two lines
          { startLine: 1, endLine: 0, newText: 'zero\n' }, // insert before line 1
          { startLine: 6, endLine: 5, newText: 'six' }, // append after the last line
        ],
      },
    ]);
    expect((await snapshot(repo))['src/a.ts']).toBe('zero\nline 1\nfour\nline 5\nsix\n');
  });

  it('delete removes files and directories; emptied directories disappear', async () => {
    const { repo } = await seeded('delete');
    await commitOk(repo, [{ action: 'delete', path: 'src/lib/b.ts' }, { action: 'delete', path: 'docs' }]);
    expect(Object.keys(await snapshot(repo)).sort()).toEqual(['README.md', 'src/a.ts']);
    const t = await call(repo, 'GET', 'tree/main');
    expect(t.json.entries.map((e: { path: string }) => e.path)).toEqual(['README.md', 'src']);
    expect((await call(repo, 'GET', 'tree/main/src')).json.entries.map((e: { path: string }) => e.path)).toEqual(['src/a.ts']);
  });

  it('rename moves files (keeping the blob) and directories, optionally with new content', async () => {
    const { repo } = await seeded('rename');
    const before = await entryAt(repo, 'main', 'src/lib/b.ts');
    await commitOk(repo, [
      { action: 'rename', path: 'src/lib/b.ts', newPath: 'lib/b2.ts' },
      { action: 'rename', path: 'docs', newPath: 'documentation/v1' },
      { action: 'rename', path: 'README.md', newPath: 'README.txt', content: 'plain\n' },
    ]);
    expect(await snapshot(repo)).toEqual({
      'README.txt': 'plain\n',
      'documentation/v1/guide.md': 'guide\n',
      'lib/b2.ts': 'export const b = 2;\n',
      'src/a.ts': 'line 1\nline 2\nline 3\nline 4\nline 5\n',
    });
    expect((await entryAt(repo, 'main', 'lib/b2.ts'))?.sha).toBe(before?.sha);
  });

  it('changes apply in order: create then edit then rename in one commit; a created-then-deleted file leaves no object', async () => {
    const repo = await newRepo('sequence');
    const before = (await storageState(repo)).objects;
    await commitOk(repo, [
      create('a.txt', 'one\n'),
      { action: 'edit', path: 'a.txt', edits: [{ oldString: 'one', newString: 'two' }] },
      { action: 'rename', path: 'a.txt', newPath: 'b/a.txt' },
      create('tmp.txt', 'temporary\n'),
      { action: 'delete', path: 'tmp.txt' },
      { action: 'delete', path: 'b/a.txt' },
      create('b', 'b is now a file\n'),
    ]);
    expect(await snapshot(repo)).toEqual({ b: 'b is now a file\n' });
    // Only the blob of b, the root tree and the commit were written.
    expect((await storageState(repo)).objects - before).toBe(3);
  });

  it('paths are normalised', async () => {
    const repo = await newRepo('norm');
    await commitOk(repo, [create('/lead/./x.txt/', 'x\n')]);
    expect(Object.keys(await snapshot(repo))).toEqual(['lead/x.txt']);
  });

  it('a 1-file commit into a big tree writes only the trees on its path', async () => {
    const repo = await newRepo('narrow');
    const files = [];
    for (let i = 0; i < 1000; i++) files.push(create(`d${i % 10}/e${i % 7}/f${i}.txt`, `${i}\n`));
    await commitOk(repo, files);
    const before = (await storageState(repo)).objects;
    await commitOk(repo, [create('d3/e4/new.txt', 'new\n')]);
    // blob + d3/e4 + d3 + root + commit
    expect((await storageState(repo)).objects - before).toBe(5);
  });

  it('commits carry message cleanup, committer and explicit dates like git', async () => {
    const repo = await newRepo('idents');
    const r = await commit(repo, [create('a', 'a\n')], {
      message: '\n\nSubject line   \n\n\n\nBody  \n\n',
      author: { name: ' Ann ', email: '<ann@example.com>', date: '2024-02-03T04:05:06+01:30' },
      committer: { name: 'Cee', email: 'c@example.com', date: 1_700_000_123, timezone: '-0700' },
    });
    expect(r.status, r.text).toBe(201);
    const raw = await call(repo, 'GET', `objects/${r.json.commit}`);
    expect(raw.headers.get('x-git-object-type')).toBe('commit');
    expect(raw.text).toBe(
      `tree ${r.json.tree}\nauthor Ann <ann@example.com> 1706927706 +0130\ncommitter Cee <c@example.com> 1700000123 -0700\n\nSubject line\n\nBody\n`,
    );
    expect(hashObject('commit', raw.bytes)).toBe(r.json.commit);
    const info = (await call(repo, 'GET', `commits/${r.json.commit}`)).json;
    expect(info.author).toMatchObject({ name: 'Ann', email: 'ann@example.com', timestamp: 1706927706, timezone: '+0130' });
    expect(info.committer).toMatchObject({ name: 'Cee', timezone: '-0700', date: new Date(1_700_000_123_000).toISOString() });
    expect(info.message).toBe('Subject line\n\nBody\n');
  });
});

describe('branches and compare-and-swap', () => {
  it('expectedHead matching the branch moves it; stale expectedHead is 409 with the current head', async () => {
    const { repo, head } = await seeded('cas');
    const c2 = await commitOk(repo, [create('x', 'x\n')], { expectedHead: head });
    const stale = await commit(repo, [create('y', 'y\n')], { expectedHead: head });
    expect(stale.status).toBe(409);
    expect(stale.json.error.code).toBe('stale_head');
    expect(stale.json.error.currentHead).toBe(c2);
    expect(stale.json.currentHead).toBe(c2);
    expect((await call(repo, 'GET', 'refs')).json.branches).toEqual([{ name: 'main', ref: 'refs/heads/main', sha: c2 }]);
  });

  it('expectedHead null: the branch must not exist', async () => {
    const { repo, head } = await seeded('cas-null');
    const r = await commit(repo, [create('x', 'x\n')], { expectedHead: null });
    expect(r.status).toBe(409);
    expect(r.json.currentHead).toBe(head);
    // On a new branch it starts a new root commit.
    const orphan = await commit(repo, [create('only.txt', 'o\n')], { branch: 'orphan', expectedHead: null });
    expect(orphan.status, orphan.text).toBe(201);
    expect(orphan.json.parents).toEqual([]);
    expect(await snapshot(repo, 'orphan')).toEqual({ 'only.txt': 'o\n' });
    // A sha for a branch that does not exist is stale too.
    const missing = await commit(repo, [create('x', 'x\n')], { branch: 'nope', expectedHead: head });
    expect(missing.status).toBe(409);
    expect(missing.json.currentHead).toBeNull();
  });

  it('createBranchFrom starts a branch at a ref or sha; a missing branch without it is 404', async () => {
    const { repo, head } = await seeded('branch-from');
    const c = await commit(repo, [create('feature.txt', 'f\n')], { branch: 'feature/x', createBranchFrom: 'main' });
    expect(c.status, c.text).toBe(201);
    expect(c.json.parents).toEqual([head]);
    expect(c.json.branch).toBe('feature/x');
    const d = await commit(repo, [create('g.txt', 'g\n')], { branch: 'refs/heads/from-sha', createBranchFrom: head.slice(0, 10) });
    expect(d.status, d.text).toBe(201);
    expect(d.json.parents).toEqual([head]);
    expect(d.json.branch).toBe('from-sha');
    const e = await commit(repo, [create('h.txt', 'h\n')], { branch: 'other' });
    expect(e.status).toBe(404);
    expect(e.json.error.message).toMatch(/createBranchFrom/);
    const f = await commit(repo, [create('h.txt', 'h\n')], { branch: 'other', createBranchFrom: 'no-such-ref' });
    expect(f.status).toBe(404);
    // An existing branch ignores createBranchFrom and commits on top of its head.
    const g = await commit(repo, [create('i.txt', 'i\n')], { branch: 'feature/x', createBranchFrom: 'main' });
    expect(g.json.parents).toEqual([c.json.commit]);
  });

  it('race: two concurrent commits with the same expectedHead, one 201 and one 409', async () => {
    const { repo, head } = await seeded('race');
    for (let round = 0; round < 3; round++) {
      const base = (await call(repo, 'GET', 'refs')).json.branches[0].sha;
      const [a, b] = await Promise.all([
        commit(repo, [create(`a${round}.txt`, 'a\n')], { expectedHead: base }),
        commit(repo, [create(`b${round}.txt`, 'b\n')], { expectedHead: base }),
      ]);
      const statuses = [a.status, b.status].sort();
      expect(statuses).toEqual([201, 409]);
      const winner = a.status === 201 ? a : b;
      const loser = a.status === 201 ? b : a;
      expect(loser.json.currentHead).toBe(winner.json.commit);
      expect(winner.json.parents).toEqual([base]);
    }
    void head;
  });

  it('without expectedHead, concurrent commits all land, one after the other', async () => {
    const { repo, head } = await seeded('serial');
    const results = await Promise.all([0, 1, 2, 3, 4].map((i) => commit(repo, [create(`f${i}.txt`, `${i}\n`)])));
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    const log = (await call(repo, 'GET', 'log/main?limit=10')).json.commits;
    expect(log).toHaveLength(6);
    expect(log[5].sha).toBe(head);
    expect(Object.keys(await snapshot(repo)).filter((p) => p.startsWith('f'))).toHaveLength(5);
  });
});

describe('errors (nothing is written)', () => {
  const cases: [string, Record<string, unknown>[], number, RegExp][] = [
    ['create of an existing path', [create('README.md', 'x')], 422, /changes\[0\] \(create README\.md\): file already exists/],
    ['create over a directory', [create('src', 'x')], 422, /a directory exists/],
    ['create below a file', [create('README.md/x', 'x')], 422, /'README\.md' is a file/],
    ['update of a missing path', [{ action: 'update', path: 'nope.txt', content: 'x' }], 422, /changes\[0\] \(update nope\.txt\): file does not exist/],
    ['update of a directory', [{ action: 'update', path: 'src', content: 'x' }], 422, /directory/],
    ['delete of a missing path', [create('ok.txt', 'x'), { action: 'delete', path: 'src/zzz' }], 422, /changes\[1\] \(delete src\/zzz\): path does not exist/],
    ['edit of a missing file', [{ action: 'edit', path: 'nope', edits: [{ oldString: 'a', newString: 'b' }] }], 422, /file does not exist/],
    ['edit whose oldString is absent', [{ action: 'edit', path: 'src/a.ts', edits: [{ oldString: 'line 9', newString: 'x' }] }], 422, /changes\[0\] \(edit src\/a\.ts\): edits\[0\]: oldString not found/],
    ['edit whose oldString is ambiguous', [{ action: 'edit', path: 'src/a.ts', edits: [{ oldString: 'line', newString: 'x' }] }], 422, /ambiguous/],
    ['edit with overlapping edits', [{ action: 'edit', path: 'src/a.ts', edits: [{ startLine: 1, endLine: 2, newText: 'x' }, { oldString: 'line 2', newString: 'y' }] }], 422, /overlap/],
    ['edit with lines out of range', [{ action: 'edit', path: 'src/a.ts', edits: [{ startLine: 7, endLine: 7, newText: 'x' }] }], 422, /out of range/],
    ['rename onto an existing path', [{ action: 'rename', path: 'README.md', newPath: 'src/a.ts' }], 422, /already exists/],
    ['rename of a missing path', [{ action: 'rename', path: 'nope', newPath: 'x' }], 422, /does not exist/],
    ['path with ..', [create('a/../b', 'x')], 400, /'\.\.'/],
    ['path with .git', [create('x/.git/config', 'x')], 400, /\.git/],
    ['path with .GIT (any case)', [create('.GIT', 'x')], 400, /\.git/],
    ['path with an empty segment', [create('a//b', 'x')], 400, /empty segment/],
    ['path with NUL', [create('a\u0000b', 'x')], 400, /NUL/],
    ['empty path', [create('/', 'x')], 400, /empty/],
    ['bad base64', [create('x', '!!!', { encoding: 'base64' })], 400, /base64/],
    ['bad mode', [create('x', 'x', { mode: '100664' })], 400, /mode/],
    ['unknown action', [{ action: 'chmod', path: 'x' }], 400, /action/],
    ['missing content', [{ action: 'create', path: 'x' }], 400, /content is required/],
    ['no changes', [], 400, /must not be empty/],
  ];
  for (const [label, changes, status, msg] of cases) {
    it(label, async () => {
      const { repo } = await seeded('err');
      const before = await storageState(repo);
      const r = await commit(repo, changes);
      expect(r.status, r.text).toBe(status);
      expect(r.json.error.message).toMatch(msg);
      if (status === 422) {
        expect(typeof r.json.error.change).toBe('number');
        expect(typeof r.json.error.path).toBe('string');
      }
      expect(await storageState(repo)).toEqual(before);
    });
  }

  it('a failure in the last of many changes writes nothing', async () => {
    const { repo } = await seeded('err-late');
    const before = await storageState(repo);
    const changes: Record<string, unknown>[] = [];
    for (let i = 0; i < 200; i++) changes.push(create(`many/f${i}.txt`, `${i}\n`));
    changes.push({ action: 'delete', path: 'not-there' });
    const r = await commit(repo, changes);
    expect(r.status).toBe(422);
    expect(r.json.error.change).toBe(200);
    expect(await storageState(repo)).toEqual(before);
  });

  it('limits: 1,000 changes and 10 MB per file', async () => {
    const repo = await newRepo('limits');
    const many = Array.from({ length: 1001 }, (_, i) => create(`f${i}`, 'x'));
    const r = await commit(repo, many);
    expect(r.status).toBe(413);
    expect(r.json.error.message).toMatch(/1000/);
    const big = 'x'.repeat(10 * 1024 * 1024 + 1);
    const r2 = await commit(repo, [create('big.txt', big)]);
    expect(r2.status).toBe(413);
    expect(r2.json.error.message).toMatch(/10485760/);
    const ok = await commit(repo, [create('big.txt', 'y'.repeat(10 * 1024 * 1024))]);
    expect(ok.status, ok.text.slice(0, 300)).toBe(201);
    expect((await call(repo, 'GET', 'blob/main/big.txt')).headers.get('content-length')).toBe(String(10 * 1024 * 1024));
  });

  it('bad request bodies and fields', async () => {
    const repo = await newRepo('badbody');
    expect((await call(repo, 'POST', 'commits', { body: 'not json' })).status).toBe(400);
    expect((await call(repo, 'POST', 'commits', { body: [] })).status).toBe(400);
    const base = { branch: 'main', message: 'm', author: AUTHOR, changes: [create('a', 'a')] };
    for (const [patch, msg] of [
      [{ branch: 'bad..name' }, /branch/],
      [{ branch: '' }, /branch/],
      [{ message: '  \n ' }, /message is empty/],
      [{ author: { name: 'x' } }, /author/],
      [{ author: { name: '<>', email: 'e@x' } }, /author.name is empty/],
      [{ author: { ...AUTHOR, date: 'yesterday-ish' } }, /date/],
      [{ author: { ...AUTHOR, timezone: '+25' } }, /timezone/],
      [{ expectedHead: 'abc' }, /expectedHead/],
      [{ changes: 'nope' }, /changes/],
    ] as const) {
      const r = await call(repo, 'POST', 'commits', { body: { ...base, ...patch } });
      expect(r.status, JSON.stringify(patch)).toBe(400);
      expect(r.json.error.message).toMatch(msg);
    }
  });

  it('auth: no token 401, read token 403, write token and admin token 201', async () => {
    const repo = await newRepo('auth');
    const none = await commit(repo, [create('a', 'a')], {}, null);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/Basic/);
    const bad = await commit(repo, [create('a', 'a')], {}, 'arb_v1_' + '0'.repeat(40));
    expect(bad.status).toBe(401);
    const tok = await call(repo, 'POST', 'tokens', { body: { scope: 'read', ttlSeconds: 600 } });
    const read = await commit(repo, [create('a', 'a')], {}, tok.json.token);
    expect(read.status).toBe(403);
    expect(read.json.error.code).toBe('forbidden');
    expect((await call(repo, 'GET', 'refs', { token: tok.json.token })).status).toBe(200);
    expect((await commit(repo, [create('a', 'a')], {}, repo.token)).status).toBe(201);
    expect((await commit(repo, [create('b', 'b')])).status).toBe(201);
  });

  it('unknown repository is 404 JSON', async () => {
    const repo = await newRepo('gone');
    const r = await call({ ...repo, url: (rest) => `http://x/v1/repos/unit-commit/no-such-repo-here/${rest}` }, 'POST', 'commits', {
      body: { branch: 'main', message: 'm', author: AUTHOR, changes: [create('a', 'a')] },
    });
    expect(r.status).toBe(404);
    expect(r.json.error.code).toBe('not_found');
  });
});

describe('RPC', () => {
  it('commit, readFile, readTree and log on the Durable Object', async () => {
    const repo = await newRepo('rpc');
    const r = await repo.stub.commit(`${NS}/${repo.name}`, { branch: 'main', message: 'rpc', author: AUTHOR, changes: [{ action: 'create', path: 'a/b.txt', content: 'hello\n' }] });
    if (!r.ok) throw new Error(JSON.stringify(r));
    const f = await repo.stub.readFile(`${NS}/${repo.name}`, 'main', 'a/b.txt');
    expect(f.ok && new TextDecoder().decode(f.value.content)).toBe('hello\n');
    const t = await repo.stub.readTree(`${NS}/${repo.name}`, 'main', '', { recursive: true });
    expect(t.ok && t.value.entries.map((e) => `${e.type} ${e.path}`)).toEqual(['tree a', 'blob a/b.txt']);
    const l = await repo.stub.log(`${NS}/${repo.name}`, 'main');
    expect(l.ok && l.value.commits.map((c) => c.sha)).toEqual([r.value.commit]);
    const bad = await repo.stub.commit(`${NS}/${repo.name}`, { branch: 'main', message: 'x', author: AUTHOR, changes: [{ action: 'delete', path: 'zz' }] });
    expect(bad).toMatchObject({ ok: false, status: 422, code: 'unprocessable', details: { change: 0 } });
    const missing = await repo.stub.readFile(`${NS}/${repo.name}`, 'main', 'zz');
    expect(missing).toMatchObject({ ok: false, status: 404 });
    // The commit object parses back.
    await runInDurableObject(repo.stub, () => {});
    const raw = await call(repo, 'GET', `objects/${r.value.commit}`);
    const c = parseCommit(raw.bytes);
    expect(c.tree).toBe(r.value.tree);
    const rawTree = await call(repo, 'GET', `objects/${c.tree}`);
    expect(parseTree(rawTree.bytes).map((e) => e.name)).toEqual(['a']);
  });
});
