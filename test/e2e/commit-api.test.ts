// The commit and read API against the real git CLI: commits made through the API are
// byte-identical to `git commit` with the same tree, idents, dates and message, a 1,000-file
// commit clones to exactly those files with `git fsck --strict` clean, and every read (trees,
// logs with path filters, diffs, patches, revisions, blobs) agrees with git on a repository
// pushed with the CLI.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  api, cloneRepo, commitFiles, createRepo, fsckStrict, git, gitOut, initRepo, pushAll, randomData, revParse, tmpDir, treeOf,
  useArbor, writeFiles, type RepoInfo,
} from './harness';

useArbor();

const WHO = { name: 'Arbor E2E', email: 'e2e@arbor.test' };
const at = (t: number) => ({ ...WHO, date: t });
const gitDate = (t: number) => ({ GIT_AUTHOR_DATE: `@${t} +0000`, GIT_COMMITTER_DATE: `@${t} +0000` });

const enc = (s: string) => encodeURIComponent(s);
const encPath = (p: string) => p.split('/').map(enc).join('/');

async function apiCommit(repo: RepoInfo, body: Record<string, unknown>) {
  const r = await api('POST', `/v1/repos/${repo.namespace}/${repo.name}/commits`, { body: { branch: 'main', ...body } });
  if (r.status !== 201) throw new Error(`commit: ${r.status} ${r.text.slice(0, 1000)}`);
  return r.json as { commit: string; tree: string; parents: string[]; branch: string };
}

const get = (repo: RepoInfo, rest: string) => api('GET', `/v1/repos/${repo.namespace}/${repo.name}/${rest}`);

async function gitCommitAll(dir: string, message: string, t: number): Promise<string> {
  await git(['add', '-A'], { cwd: dir });
  await git(['commit', '-q', '--allow-empty', '-m', message], { cwd: dir, env: gitDate(t) });
  return revParse(dir, 'HEAD');
}

describe('commits through the API', () => {
  test('a 1,000-file commit: clone shows exactly those files, fsck --strict is clean, oid equals git commit', async () => {
    const repo = await createRepo('thousand');
    const files: Record<string, string> = {};
    for (let i = 0; i < 1000; i++) files[`pkg${i % 13}/mod${i % 7}/file-${i}.ts`] = `export const v${i} = ${i};\n`.repeat(1 + (i % 5));
    const t0 = Date.now();
    const c = await apiCommit(repo, {
      message: 'scaffold 1000 files',
      author: at(1_700_000_000),
      changes: Object.entries(files).map(([p, content]) => ({ action: 'create', path: p, content })),
    });
    const ms = Date.now() - t0;
    expect(ms).toBeLessThan(30_000);
    const { dir } = await cloneRepo(repo.remote, { token: repo.token });
    const tree = await treeOf(dir);
    expect(Object.keys(tree).sort()).toEqual(Object.keys(files).sort());
    for (const [p, content] of Object.entries(files)) expect(await fs.readFile(path.join(dir, p), 'utf8')).toBe(content);
    await fsckStrict(dir);
    expect(await revParse(dir, 'HEAD')).toBe(c.commit);
    // The same commit made by git.
    const local = await initRepo('thousand-git');
    await writeFiles(local, files);
    expect(await gitCommitAll(local, 'scaffold 1000 files', 1_700_000_000)).toBe(c.commit);
  });

  test('every action, byte-identical to git (modes, symlinks, binary, unicode, tricky sort order)', async () => {
    const repo = await createRepo('identical');
    const local = await initRepo('identical-git');
    const bin = randomData(3000);
    // Commit 1: names that sort differently as files and as directories ("a" vs "a.b" vs "a/").
    const first: Record<string, string | Buffer> = {
      'a.b': 'dot\n', 'a-b': 'dash\n', 'a/x': 'in dir\n', 'a0': 'zero\n', 'ü/ñ.txt': 'unicode\n',
      'data.bin': bin, 'empty': '', 'deep/er/still/file.md': '# deep\n', 'tools/run.sh': '#!/bin/sh\necho run\n',
    };
    await writeFiles(local, first);
    await fs.chmod(path.join(local, 'tools/run.sh'), 0o755);
    await fs.symlink('a.b', path.join(local, 'link'));
    const g1 = await gitCommitAll(local, 'first', 1_700_000_100);
    const c1 = await apiCommit(repo, {
      message: 'first', author: at(1_700_000_100),
      changes: [
        ...Object.entries(first).filter(([p]) => p !== 'data.bin' && p !== 'tools/run.sh').map(([p, content]) => ({ action: 'create', path: p, content })),
        { action: 'create', path: 'data.bin', content: bin.toString('base64'), encoding: 'base64' },
        { action: 'create', path: 'tools/run.sh', content: '#!/bin/sh\necho run\n', mode: '100755' },
        { action: 'create', path: 'link', content: 'a.b', mode: '120000' },
      ],
    });
    expect(c1.commit).toBe(g1);
    // Commit 2: update, edit (both kinds), delete, rename (file and directory), chmod.
    await writeFiles(local, { 'a.b': 'dot v2\n', 'deep/er/still/file.md': '# deeper\nline\n' });
    await fs.rm(path.join(local, 'a-b'));
    await fs.mkdir(path.join(local, 'z'));
    await fs.rename(path.join(local, 'a0'), path.join(local, 'z/a0-moved'));
    await fs.rename(path.join(local, 'ü'), path.join(local, 'u'));
    await fs.chmod(path.join(local, 'tools/run.sh'), 0o644);
    await fs.writeFile(path.join(local, 'empty'), 'now filled\n');
    const g2 = await gitCommitAll(local, 'second\n\nwith a body', 1_700_000_200);
    const c2 = await apiCommit(repo, {
      message: 'second\n\nwith a body\n', author: at(1_700_000_200), expectedHead: c1.commit,
      changes: [
        { action: 'update', path: 'a.b', content: 'dot v2\n' },
        { action: 'edit', path: 'deep/er/still/file.md', edits: [{ oldString: '# deep\n', newString: '# deeper\n' }] },
        { action: 'edit', path: 'deep/er/still/file.md', edits: [{ startLine: 2, endLine: 1, newText: 'line' }] },
        { action: 'delete', path: 'a-b' },
        { action: 'rename', path: 'a0', newPath: 'z/a0-moved' },
        { action: 'rename', path: 'ü', newPath: 'u' },
        { action: 'update', path: 'tools/run.sh', content: '#!/bin/sh\necho run\n', mode: '100644' },
        { action: 'edit', path: 'empty', edits: [{ startLine: 1, endLine: 0, newText: 'now filled' }] },
      ],
    });
    expect(c2.parents).toEqual([c1.commit]);
    expect(c2.commit).toBe(g2);
    // Clone: same work tree as git's, fsck clean, cat-file shows the same commit object.
    const { dir } = await cloneRepo(repo.remote, { token: repo.token });
    expect(await treeOf(dir)).toEqual(await treeOf(local));
    await fsckStrict(dir);
    expect((await git(['cat-file', 'commit', 'HEAD'], { cwd: dir })).stdout).toBe((await git(['cat-file', 'commit', 'HEAD'], { cwd: local })).stdout);
    // And a pull after another API commit fast-forwards.
    const c3 = await apiCommit(repo, { message: 'third', author: at(1_700_000_300), changes: [{ action: 'delete', path: 'deep' }] });
    await git(['pull', '-q', '--ff-only'], { cwd: dir, token: repo.token });
    expect(await revParse(dir, 'HEAD')).toBe(c3.commit);
    await expect(fs.stat(path.join(dir, 'deep'))).rejects.toThrow();
    await fsckStrict(dir);
  });

  test('API commits on top of pushed history; git push on top of API commits', async () => {
    const repo = await createRepo('mixed');
    const local = await initRepo('mixed-git');
    await commitFiles(local, { 'base.txt': 'base\n' }, 'base');
    await pushAll(local, repo.remote, repo.token);
    const c = await apiCommit(repo, { message: 'from api', author: at(1_700_000_500), changes: [{ action: 'create', path: 'api.txt', content: 'api\n' }] });
    await git(['pull', '-q', '--ff-only', repo.remote, 'main'], { cwd: local, token: repo.token });
    expect(await revParse(local, 'HEAD')).toBe(c.commit);
    const pushed = await commitFiles(local, { 'after.txt': 'after\n' }, 'after');
    await pushAll(local, repo.remote, repo.token);
    const stale = await api('POST', `/v1/repos/${repo.namespace}/${repo.name}/commits`, {
      body: { branch: 'main', message: 'x', author: WHO, expectedHead: c.commit, changes: [{ action: 'create', path: 'x', content: 'x' }] },
    });
    expect(stale.status).toBe(409);
    expect(stale.json.currentHead).toBe(pushed);
  });
});

// ---------------------------------------------------------------------------------------------

/** A history with merges, renames (exact and edited), binary, symlink, mode and type changes. */
async function buildReadRepo(): Promise<string> {
  const dir = await initRepo('reads');
  let t = 1_600_000_000;
  const commit = async (files: Record<string, string | Buffer | { symlink: string } | { content: string; executable?: boolean }>, msg: string, rm: string[] = []) => {
    await writeFiles(dir, files);
    for (const p of rm) await fs.rm(path.join(dir, p), { recursive: true, force: true });
    t += 3600;
    return gitCommitAll(dir, msg, t);
  };
  const body = Array.from({ length: 40 }, (_, i) => `    statement ${i};\n`).join('');
  await commit({
    'README.md': '# reads\n', 'src/main.c': `int main(void)\n{\n${body}}\n`, 'src/util.c': 'int util(void) { return 1; }\n',
    'docs/guide.md': Array.from({ length: 30 }, (_, i) => `guide line ${i}\n`).join(''), 'bin/logo.bin': randomData(2000),
    'scripts/build.sh': { content: '#!/bin/sh\nmake\n', executable: true }, 'kind': 'a file for now\n',
  }, 'initial');
  await git(['tag', '-a', 'v1.0', '-m', 'v1.0'], { cwd: dir });
  await commit({ 'src/main.c': `int main(void)\n{\n${body.replace('statement 20;', 'changed 20;')}}\n` }, 'change main');
  await git(['checkout', '-q', '-b', 'dev'], { cwd: dir });
  await commit({ 'src/dev.c': 'dev\n', 'docs/guide.md': Array.from({ length: 30 }, (_, i) => `guide line ${i === 5 ? 'five' : i}\n`).join('') }, 'dev work');
  await commit({ 'bin/logo.bin': randomData(2100) }, 'new logo');
  await git(['checkout', '-q', 'main'], { cwd: dir });
  await commit({ 'src/main.c': `int main(void)\n{\n${body.replace('statement 20;', 'changed 20;').replace('statement 35;', 'changed 35;')}}\n` }, 'change main again');
  t += 3600;
  await git(['merge', '-q', '--no-ff', '-m', 'merge dev', 'dev'], { cwd: dir, env: gitDate(t) });
  await fs.rename(path.join(dir, 'docs/guide.md'), path.join(dir, 'manual.md'));
  await fs.rename(path.join(dir, 'src/util.c'), path.join(dir, 'lib/util.c')).catch(async () => {
    await fs.mkdir(path.join(dir, 'lib'));
    await fs.rename(path.join(dir, 'src/util.c'), path.join(dir, 'lib/util.c'));
  });
  await commit({ 'manual.md': Array.from({ length: 30 }, (_, i) => `guide line ${i === 5 ? 'five' : i === 9 ? 'nine' : i}\n`).join('') }, 'move things', []);
  await fs.chmod(path.join(dir, 'scripts/build.sh'), 0o644);
  await fs.rm(path.join(dir, 'kind'));
  await commit({ 'kind': { symlink: 'README.md' }, 'README.md': '# reads\n\nmore\n' }, 'types and modes');
  await commit({ 'ünïcode name.txt': 'u\n', 'src/main.c': `int main(void)\n{\n${body.replace('statement 3;', 'three;')}}\n` }, 'last', ['src/dev.c']);
  await git(['tag', 'light'], { cwd: dir });
  return dir;
}

describe('reads agree with git', () => {
  let repo: RepoInfo;
  let src: string;

  test('setup: push a CLI-made history', async () => {
    repo = await createRepo('reads');
    src = await buildReadRepo();
    await pushAll(src, repo.remote, repo.token);
  });

  test('revisions resolve like git rev-parse', async () => {
    const short = (await revParse(src, 'main~2')).slice(0, 7);
    for (const rev of ['main', 'HEAD', 'main~1', 'main~2', 'main^', 'main^^', 'main~3^2', 'main~3^2~1', 'dev', 'v1.0', 'light', 'refs/heads/dev', short, 'v1.0^{commit}']) {
      const r = await get(repo, `commits/${enc(rev)}`);
      expect(r.status, `${rev}: ${r.text}`).toBe(200);
      expect(r.json.sha, rev).toBe(await revParse(src, `${rev}^{commit}`));
      const c = await gitOut(src, ['show', '-s', '--format=%T%n%P%n%an%n%ae%n%at%n%B', `${rev}^{commit}`]);
      const [tree, parents, an, ae, atime, ...msg] = c.split('\n');
      expect(r.json.tree).toBe(tree);
      expect(r.json.parents).toEqual(parents ? parents.split(' ') : []);
      expect(r.json.author).toMatchObject({ name: an, email: ae, timestamp: Number(atime) });
      expect(r.json.message.trim()).toBe(msg.join('\n').trim());
    }
    expect((await get(repo, 'commits/main~40')).status).toBe(404);
  });

  test('refs agree with for-each-ref', async () => {
    const r = await get(repo, 'refs');
    const lines = (await gitOut(src, ['for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads', 'refs/tags'])).split('\n');
    const ours = [...r.json.branches, ...r.json.tags].map((x: { ref: string; sha: string }) => `${x.ref} ${x.sha}`).sort();
    expect(ours).toEqual(lines.sort());
    expect(r.json.head.ref).toBe('refs/heads/main');
  });

  test('trees agree with ls-tree -r -t -l', async () => {
    for (const rev of ['main', 'dev', 'main~2', 'v1.0']) {
      const r = await get(repo, `tree/${enc(rev)}?recursive=1`);
      expect(r.status).toBe(200);
      const ours = r.json.entries.map((e: { mode: string; type: string; sha: string; size?: number; path: string }) =>
        `${e.mode.padStart(6, '0')} ${e.type} ${e.sha} ${e.size === undefined ? '-' : e.size}\t${e.path}`);
      const theirs = (await gitOut(src, ['ls-tree', '-r', '-t', '-l', rev])).split('\n').map((l) => l.replace(/ +(\d+|-)\t/, ' $1\t'));
      expect(ours).toEqual(theirs);
    }
    const sub = await get(repo, 'tree/main/src');
    expect(sub.json.entries.map((e: { path: string }) => e.path)).toEqual((await gitOut(src, ['ls-tree', '--name-only', 'main', 'src/'])).split('\n'));
  });

  test('blobs agree with cat-file', async () => {
    for (const [rev, p] of [['main', 'src/main.c'], ['dev', 'bin/logo.bin'], ['v1.0', 'bin/logo.bin'], ['main', 'kind'], ['main', 'ünïcode name.txt']]) {
      const r = await fetch(`${(await import('./harness')).origin()}/v1/repos/${repo.namespace}/${repo.name}/blob/${enc(rev)}/${encPath(p)}`, {
        // (The local runtime gzips text for clients that accept it, ignoring no-transform.)
        headers: { authorization: `Bearer ${repo.token}`, 'accept-encoding': 'identity' },
      });
      expect(r.status).toBe(200);
      const bytes = Buffer.from(await r.arrayBuffer());
      const want = (await git(['cat-file', 'blob', `${rev}:${p}`], { cwd: src })).stdoutBuf;
      expect(bytes.equals(want), `${rev}:${p}`).toBe(true);
      expect(r.headers.get('content-length')).toBe(String(want.length));
      expect(r.headers.get('etag')).toBe(`"${await revParse(src, `${rev}:${p}`)}"`);
    }
    const url = `${(await import('./harness')).origin()}/v1/repos/${repo.namespace}/${repo.name}/blob/main/src/main.c`;
    const whole = (await git(['cat-file', 'blob', 'main:src/main.c'], { cwd: src })).stdoutBuf;
    const part = await fetch(url, { headers: { authorization: `Bearer ${repo.token}`, range: 'bytes=10-99', 'accept-encoding': 'identity' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 10-99/${whole.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(whole.subarray(10, 100))).toBe(true);
  });

  test('logs agree with git log (paths, first-parent, pages)', async () => {
    const cases: [string, string | null, boolean][] = [
      ['main', null, false], ['main', null, true], ['main', 'src/main.c', false], ['main', 'docs', false], ['main', 'docs/guide.md', false],
      ['main', 'bin/logo.bin', false], ['main', 'bin', true], ['main', 'manual.md', false], ['dev', 'docs', false], ['main', 'kind', false],
      ['main', 'nothing/here', false], ['v1.0', null, false],
    ];
    for (const [rev, p, fp] of cases) {
      const args = ['log', '--format=%H', ...(fp ? ['--first-parent'] : []), rev, ...(p ? ['--', p] : [])];
      const want = (await gitOut(src, args)).split('\n').filter(Boolean);
      const got: string[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 20; page++) {
        const q = new URLSearchParams({ limit: '3', ...(p ? { path: p } : {}), ...(fp ? { firstParent: '1' } : {}), ...(cursor ? { cursor } : {}) });
        const r = await get(repo, `log/${enc(rev)}?${q}`);
        expect(r.status).toBe(200);
        got.push(...r.json.commits.map((c: { sha: string }) => c.sha));
        cursor = r.json.nextCursor;
        if (!cursor) break;
      }
      expect(got, `git ${args.join(' ')}`).toEqual(want);
    }
  });

  test('compare agrees with git diff (name-status, text, patch that git apply accepts)', async () => {
    const pairs: [string, string][] = [['v1.0', 'main'], ['main~3', 'main'], ['main', 'dev'], ['dev', 'main'], ['main~1', 'main'], ['main~2', 'main~1']];
    for (const [a, b] of pairs) {
      for (const dots of ['...', '..']) {
        const spec = `${a}${dots}${b}`;
        const r = await get(repo, `compare/${enc(a)}${dots}${enc(b)}`);
        expect(r.status, spec).toBe(200);
        const range = dots === '...' ? [spec] : [a, b];
        const nameStatus = (await gitOut(src, ['diff', '--name-status', ...range])).split('\n').filter(Boolean);
        const ours = r.json.files.map((f: { status: string; path: string; oldPath?: string; similarity?: number }) =>
          f.status === 'R' ? `R${String(f.similarity).padStart(3, '0')}\t${f.oldPath}\t${f.path}` : `${f.status}\t${f.path}`);
        expect(ours, `name-status ${spec}`).toEqual(nameStatus);
        const text = (await git(['diff', ...range], { cwd: src })).stdout;
        expect(r.json.diff, `diff ${spec}`).toBe(text);
        const numstat = (await gitOut(src, ['diff', '--numstat', ...range])).split('\n').filter(Boolean);
        let adds = 0;
        for (const l of numstat) adds += Number(l.split('\t')[0]) || 0;
        expect(r.json.additions, `numstat ${spec}`).toBe(adds);
        // The patch form equals `git diff --binary` and applies to the base.
        const patchRes = await fetch(`${(await import('./harness')).origin()}/v1/repos/${repo.namespace}/${repo.name}/compare/${enc(a)}${dots}${enc(b)}?format=patch`, {
          headers: { authorization: `Bearer ${repo.token}` },
        });
        const patch = Buffer.from(await patchRes.arrayBuffer());
        const gitPatch = (await git(['diff', '--binary', ...range], { cwd: src })).stdoutBuf;
        // Binary hunks may differ (git may choose a delta encoding); everything else is the same.
        const strip = (s: string) => s.replace(/GIT binary patch\n[^]*?\n\n(?:(?:literal|delta) \d+\n[^]*?\n\n)?/g, 'GIT binary patch\n');
        expect(strip(patch.toString('latin1')), `patch ${spec}`).toBe(strip(gitPatch.toString('latin1')));
        if (patch.length === 0) {
          expect(gitPatch.length).toBe(0);
          continue;
        }
        const base = dots === '...' ? await gitOut(src, ['merge-base', a, b]) : await revParse(src, a);
        const wt = await tmpDir('apply');
        await git(['clone', '-q', '--no-checkout', src, wt]);
        await git(['checkout', '-q', '--detach', base], { cwd: wt });
        const pfile = path.join(wt, '..', 'p.patch');
        await fs.writeFile(pfile, patch);
        await git(['apply', '--index', pfile], { cwd: wt });
        expect(await gitOut(wt, ['write-tree']), `apply ${spec}`).toBe(await revParse(src, `${b}^{tree}`));
      }
    }
  });

  test('random edits: every diff and patch is the one git makes (odd names included)', async () => {
    const r = await createRepo('fuzz');
    const dir = await initRepo('fuzz');
    let seed = 4242;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const names = ['plain.txt', 'with space.c', 'with "quote".txt', 'tab\there.md', 'dir/sub/ünï.py', 'back\\slash.txt'];
    const vocab = ['', '  indented();', '}', '{', 'if (x) {', '    return 1;', 'def f():', '# comment', 'text', 'more text'];
    const files: Record<string, string[]> = {};
    for (const n of names) files[n] = Array.from({ length: 20 + Math.floor(rnd() * 60) }, () => vocab[Math.floor(rnd() * vocab.length)]);
    const shas: string[] = [];
    for (let c = 0; c < 8; c++) {
      for (const n of names) {
        const f = files[n];
        for (let e = Math.floor(rnd() * 6); e > 0; e--) {
          const pos = Math.floor(rnd() * (f.length + 1));
          const op = rnd();
          if (op < 0.4) f.splice(pos, 0, vocab[Math.floor(rnd() * vocab.length)]);
          else if (op < 0.7) f.splice(pos, 1 + Math.floor(rnd() * 3));
          else f[pos] = `changed ${c}`;
        }
        await fs.mkdir(path.dirname(path.join(dir, n)), { recursive: true });
        await fs.writeFile(path.join(dir, n), f.join('\n') + (rnd() < 0.8 ? '\n' : ''));
      }
      shas.push(await gitCommitAll(dir, `fuzz ${c}`, 1_650_000_000 + c * 60));
    }
    await pushAll(dir, r.remote, r.token);
    for (let i = 0; i < shas.length; i++) {
      for (const j of [i + 1, i + 3]) {
        if (j >= shas.length) continue;
        const res = await get(r, `compare/${shas[i]}...${shas[j]}`);
        expect(res.status).toBe(200);
        expect(res.json.diff).toBe((await git(['diff', `${shas[i]}...${shas[j]}`], { cwd: dir })).stdout);
        const p = await fetch(`${(await import('./harness')).origin()}/v1/repos/${r.namespace}/${r.name}/compare/${shas[i]}...${shas[j]}?format=patch`, {
          headers: { authorization: `Bearer ${r.token}` },
        });
        expect(Buffer.from(await p.arrayBuffer()).equals((await git(['diff', '--binary', `${shas[i]}...${shas[j]}`], { cwd: dir })).stdoutBuf)).toBe(true);
      }
    }
  });

  test('rename detection matches git (moves, renames with edits, basenames, deletions)', async () => {
    const r = await createRepo('renames');
    const dir = await initRepo('renames');
    let seed = 99;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const body = (k: number) => Array.from({ length: 25 + (k % 9) }, (_, i) => `file ${k} line ${i} ${Math.floor(rnd() * 1000)}\n`).join('');
    const files: Record<string, string> = {};
    for (let k = 0; k < 16; k++) files[`src/mod${k % 4}/f${k}.txt`] = body(k);
    files['src/mod0/same.txt'] = body(100);
    files['src/mod1/same.txt'] = body(101);
    await writeFiles(dir, files);
    const a = await gitCommitAll(dir, 'base', 1_660_000_000);
    const edit = (t: string, n: number) => t.split('\n').map((l, i) => (i % n === 1 ? l + ' edited' : l)).join('\n');
    const mv = async (from: string, to: string, content?: string) => {
      await fs.mkdir(path.dirname(path.join(dir, to)), { recursive: true });
      await fs.rename(path.join(dir, from), path.join(dir, to));
      if (content !== undefined) await fs.writeFile(path.join(dir, to), content);
    };
    await mv('src/mod0/f0.txt', 'lib/f0.txt'); // exact move
    await mv('src/mod1/f1.txt', 'lib/f1.txt', edit(files['src/mod1/f1.txt'], 5)); // basename move with edits
    await mv('src/mod2/f2.txt', 'lib/renamed2.txt', edit(files['src/mod2/f2.txt'], 3)); // new name, edits
    await mv('src/mod3/f3.txt', 'lib/heavy3.txt', edit(files['src/mod3/f3.txt'], 2)); // heavily edited
    await mv('src/mod0/same.txt', 'other/same.txt', edit(files['src/mod0/same.txt'], 7)); // basename not unique
    await fs.rm(path.join(dir, 'src/mod0/f4.txt'));
    await fs.writeFile(path.join(dir, 'src/new.txt'), body(200));
    const b = await gitCommitAll(dir, 'moves', 1_660_000_100);
    await pushAll(dir, r.remote, r.token);
    const res = await get(r, `compare/${a}..${b}`);
    const ours = res.json.files.map((f: { status: string; path: string; oldPath?: string; similarity?: number }) =>
      f.status === 'R' ? `R${String(f.similarity).padStart(3, '0')}\t${f.oldPath}\t${f.path}` : `${f.status}\t${f.path}`);
    expect(ours).toEqual((await gitOut(dir, ['diff', '--name-status', a, b])).split('\n'));
    expect(ours.filter((l: string) => l.startsWith('R')).length).toBeGreaterThanOrEqual(4);
    expect(res.json.diff).toBe((await git(['diff', a, b], { cwd: dir })).stdout);
  });

  test('unknown revisions and paths are 404 JSON', async () => {
    for (const p of ['commits/nope', 'tree/main/nope', 'blob/main/nope.txt', 'blob/nope/README.md', 'log/nope', 'compare/main...nope', `objects/${'1'.repeat(40)}`]) {
      const r = await get(repo, p);
      expect(r.status, p).toBe(404);
      expect(r.json.error.code).toBe('not_found');
    }
  });
});
