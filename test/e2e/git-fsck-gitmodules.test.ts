// git's fsck rules for .gitmodules & co. against the real git CLI. Each case builds a commit by
// hand (`git hash-object`, `git mktree`, `git commit-tree`: git's porcelain would not write most
// of them), asks local `git fsck --strict` for its verdict, pushes it (the client does no fsck:
// `-c transfer.fsckObjects=false` only makes that explicit), and expects Arbor to agree: refused
// with the same message id where git reports an error (refs untouched), accepted with
// `remote: warning:` lines where git only warns. The commit API and a .gitmodules blob stored by
// an earlier push under another name are covered too.
import { beforeAll, describe, expect, test } from 'vitest';
import { api, cloneRepo, commitFiles, createRepo, fsckStrict, git, gitOut, initRepo, lsRemote, useArbor, type RepoInfo } from './harness';

useArbor();

const EVIL_URL = '[submodule "x"]\n\tpath = x\n\turl = --upload-pack=touch${IFS}/tmp/pwned\n';
const DATE = { GIT_AUTHOR_DATE: '@1700000000 +0000', GIT_COMMITTER_DATE: '@1700000000 +0000' };

type Entry =
  | { mode: '100644' | '120000'; name: string; content: string }
  | { mode: '40000'; name: string; entries: Entry[] }
  | { mode: '160000'; name: string; oid: string };

interface Case {
  label: string;
  entries: Entry[];
  /** git's fsck --strict error id (Arbor must refuse with it), or null: git accepts. */
  error: string | null;
  /** Info-level ids git warns about (Arbor accepts and warns). */
  warnings?: string[];
  /** The git release whose fsck first refuses it (older local gits are not asked). */
  since?: [number, number];
}

const gm = (content: string, name = '.gitmodules'): Entry => ({ mode: '100644', name, content });

const CASES: Case[] = [
  { label: 'url = --upload-pack=...', entries: [gm(EVIL_URL)], error: 'gitmodulesUrl' },
  { label: 'url continued over a line: \\ then --upload-pack', entries: [gm('[submodule "x"]\n\turl = \\\n--upload-pack=x\n')], error: 'gitmodulesUrl' },
  { label: 'quoted "-u" url, upper-case section and key', entries: [gm('[SubModule "x"]\n\tURL = "-u./payload"\n')], error: 'gitmodulesUrl' },
  { label: 'relative url with an encoded newline', entries: [gm('[submodule "x"]\n\turl = ./%0ahost\n')], error: 'gitmodulesUrl' },
  { label: 'relative url climbing into the host part', entries: [gm('[submodule "x"]\n\turl = ../:host/repo\n')], error: 'gitmodulesUrl' },
  { label: 'https url with an encoded newline (credential leak)', entries: [gm('[submodule "x"]\n\turl = https://example.com/%0aevil\n')], error: 'gitmodulesUrl' },
  { label: 'http:: url with a newline in the user name', entries: [gm('[submodule "x"]\n\turl = http::https://u%0a@example.com/\n')], error: 'gitmodulesUrl' },
  // git 2.44 checks http(s) urls with url_normalize (submodule-config.c), so a bad port is refused
  { label: 'https url with a bad port', entries: [gm('[submodule "x"]\n\turl = https://example.com:99999/\n')], error: 'gitmodulesUrl', since: [2, 44] },
  { label: 'name escaping .git/modules', entries: [gm('[submodule "../../modules/evil"]\n\tpath = x\n')], error: 'gitmodulesName' },
  { label: 'name with backslashes', entries: [gm('[submodule "a\\\\..\\\\b"]\n\tpath = x\n')], error: 'gitmodulesName' },
  { label: 'path = --option', entries: [gm('[submodule "x"]\n\tpath = --x\n')], error: 'gitmodulesPath' },
  { label: 'update = !command', entries: [gm('[submodule "x"]\n\tupdate = !touch /tmp/pwned\n')], error: 'gitmodulesUpdate' },
  { label: 'NTFS spelling .GITMODULES.', entries: [gm(EVIL_URL, '.GITMODULES. ')], error: 'gitmodulesUrl' },
  { label: 'NTFS short name GITMOD~1', entries: [gm(EVIL_URL, 'GITMOD~1')], error: 'gitmodulesUrl' },
  { label: 'NTFS fallback short name gi7eba~1', entries: [gm(EVIL_URL, 'gi7eba~1')], error: 'gitmodulesUrl' },
  { label: 'NTFS stream .gitmodules::$DATA', entries: [gm(EVIL_URL, '.gitmodules::$DATA')], error: 'gitmodulesUrl' },
  { label: 'HFS+ spelling .g\\u200citmodules', entries: [gm(EVIL_URL, '.g\u200citmodules')], error: 'gitmodulesUrl' },
  { label: 'Windows path a\\.gitmodules', entries: [gm(EVIL_URL, 'a\\.gitmodules')], error: 'gitmodulesUrl' },
  { label: 'in a subdirectory', entries: [{ mode: '40000', name: 'sub', entries: [gm(EVIL_URL)] }], error: 'gitmodulesUrl' },
  { label: '.gitmodules is a symlink', entries: [{ mode: '120000', name: '.gitmodules', content: '../../../etc/gitmodules' }], error: 'gitmodulesSymlink' },
  { label: 'GITMOD~1 is a symlink', entries: [{ mode: '120000', name: 'GITMOD~1', content: 'elsewhere' }], error: 'gitmodulesSymlink' },
  {
    label: '~1234567 (a fallback short name of every dotfile) is a symlink',
    entries: [{ mode: '120000', name: '~1234567', content: 'elsewhere' }],
    error: 'gitmodulesSymlink',
    warnings: ['gitattributesSymlink', 'gitignoreSymlink', 'mailmapSymlink'],
  },
  { label: '.gitmodules is a directory', entries: [{ mode: '40000', name: '.gitmodules', entries: [gm('x\n', 'f')] }], error: 'gitmodulesBlob' },
  { label: '.gitmodules is a submodule', entries: [{ mode: '160000', name: '.gitmodules', oid: 'c'.repeat(40) }], error: 'gitmodulesMissing' },
  { label: '.gitattributes with a 4 KB line', entries: [gm(`* text\n${'x'.repeat(4096)}\n`, '.gitattributes')], error: 'gitattributesLineLength' },
  { label: 'a good .gitmodules', entries: [gm('[submodule "lib"]\n\tpath = lib\n\turl = https://example.com/lib.git\n\tupdate = rebase\n')], error: null },
  { label: 'an unparsable .gitmodules (git only notes it)', entries: [gm('[submodule "x"\n\turl = --never-read\n')], error: null, warnings: ['gitmodulesParse'] },
  {
    label: 'symlinked .gitattributes, .gitignore, .mailmap (git only notes them)',
    entries: ['.gitattributes', '.gitignore', '.mailmap'].map((name) => ({ mode: '120000' as const, name, content: 'shared/' + name })),
    error: null,
    warnings: ['gitattributesSymlink', 'gitignoreSymlink', 'mailmapSymlink'],
  },
];

let repo: RepoInfo;
let base: string;
let gitVersion: [number, number];

beforeAll(async () => {
  repo = await createRepo('fsck-gm');
  const src = await initRepo('fsck-gm-src');
  base = await commitFiles(src, { 'README.md': '# base\n' }, 'base');
  await git(['push', '-q', repo.remote, 'main'], { cwd: src, token: repo.token });
  const [, major, minor] = /(\d+)\.(\d+)/.exec((await git(['--version'])).stdout)!.map(Number);
  gitVersion = [major, minor];
});

/** Writes the entries as objects; returns the tree id. */
async function writeTree(dir: string, entries: Entry[]): Promise<string> {
  const lines: string[] = [];
  for (const e of entries) {
    if (e.mode === '40000') lines.push(`040000 tree ${await writeTree(dir, e.entries)}\t${e.name}`);
    else if (e.mode === '160000') lines.push(`160000 commit ${e.oid}\t${e.name}`);
    else lines.push(`${e.mode} blob ${await gitOut(dir, ['hash-object', '-w', '--stdin'], { input: e.content })}\t${e.name}`);
  }
  return gitOut(dir, ['mktree', '-z', '--missing'], { input: lines.map((l) => l + '\0').join('') });
}

/** git fsck --strict's message ids, by level. */
async function gitVerdict(dir: string): Promise<{ errors: string[]; warnings: string[] }> {
  const r = await git(['fsck', '--strict', '--no-dangling', '--no-progress'], { cwd: dir, allowFail: true });
  const ids = (level: string) => [...(r.stdout + r.stderr).matchAll(new RegExp(`^${level} in \\w+ [0-9a-f]{40}: (\\w+):`, 'gm'))].map((m) => m[1]);
  return { errors: ids('error'), warnings: ids('warning') };
}

describe('pushes judged as git fsck --strict judges them', () => {
  test.each(CASES.map((c, i) => [i, c.label, c] as const))('%i %s', async (i, _label, c) => {
    const dir = await initRepo(`fsck-case-${i}`);
    await git(['fetch', '-q', repo.remote, 'main'], { cwd: dir, token: repo.token });
    const tree = await writeTree(dir, c.entries);
    const commit = await gitOut(dir, ['commit-tree', tree, '-p', base, '-m', c.label], { env: DATE });
    await git(['update-ref', 'refs/heads/main', commit], { cwd: dir });
    // git's own verdict first: the corpus must mean what it says.
    const native = await gitVerdict(dir);
    const asked = !c.since || gitVersion[0] > c.since[0] || (gitVersion[0] === c.since[0] && gitVersion[1] >= c.since[1]);
    if (c.error && asked) expect(native.errors, 'git fsck --strict').toContain(c.error);
    else if (!c.error) expect(native.errors, 'git fsck --strict').toEqual([]);
    expect(native.warnings.sort()).toEqual([...(c.warnings ?? [])].sort());

    const before = await lsRemote(repo.remote, { token: repo.token });
    const ref = `refs/heads/case-${i}`;
    const push = await git(['push', '--porcelain', repo.remote, `${commit}:${ref}`], {
      cwd: dir, token: repo.token, allowFail: true, config: { 'transfer.fsckObjects': 'false' },
    });
    const out = push.stdout + push.stderr;
    if (c.error) {
      expect(push.code, out).not.toBe(0);
      expect(out).toMatch(new RegExp(`remote unpack failed: .*: ${c.error}: `));
      expect(out).toMatch(new RegExp(`!\\s+${commit}:${ref}\\s+\\[remote rejected\\]`));
      expect(await lsRemote(repo.remote, { token: repo.token })).toEqual(before);
    } else {
      expect(push.code, out).toBe(0);
      for (const w of c.warnings ?? []) expect(out).toMatch(new RegExp(`remote: warning: object [0-9a-f]{40}: ${w}: `));
      if (!c.warnings) expect(out).not.toMatch(/remote: warning/);
    }
  });

  test('a blob pushed as an ordinary file is checked when a later tree names it .gitmodules', async () => {
    const { dir } = await cloneRepo(repo.remote, { token: repo.token, label: 'later' });
    await commitFiles(dir, { 'notes.txt': EVIL_URL }, 'innocent');
    await git(['push', '-q', 'origin', 'main'], { cwd: dir, token: repo.token });
    const before = await lsRemote(repo.remote, { token: repo.token });
    await git(['mv', 'notes.txt', '.gitmodules'], { cwd: dir });
    await git(['commit', '-q', '-m', 'now it matters'], { cwd: dir });
    const push = await git(['push', 'origin', 'main'], { cwd: dir, token: repo.token, allowFail: true });
    expect(push.code).not.toBe(0);
    expect(push.stderr).toMatch(/remote unpack failed: invalid blob [0-9a-f]{40}: gitmodulesUrl: disallowed submodule url: --upload-pack=/);
    expect(await lsRemote(repo.remote, { token: repo.token })).toEqual(before);
  });
});

describe('the commit API applies the same rules', () => {
  const commitApi = (changes: unknown[]) =>
    api('POST', `/v1/repos/${repo.namespace}/${repo.name}/commits`, {
      body: { branch: 'main', message: 'api', author: { name: 'A', email: 'a@example.com', date: 1_700_000_000 }, changes },
    });

  test('a hostile .gitmodules or a symlinked one is refused (422), the branch unchanged', async () => {
    const before = await lsRemote(repo.remote, { token: repo.token });
    const url = await commitApi([{ action: 'create', path: '.gitmodules', content: EVIL_URL }]);
    expect(url.status, url.text).toBe(422);
    expect(url.json.error.code).toBe('invalid_object');
    expect(url.json.error.message).toMatch(/gitmodulesUrl: disallowed submodule url: --upload-pack=/);
    const link = await commitApi([{ action: 'create', path: 'lib/.gitmodules', content: '../../etc/x', mode: '120000' }]);
    expect(link.status, link.text).toBe(422);
    expect(link.json.error.message).toMatch(/gitmodulesSymlink: .gitmodules is a symbolic link/);
    const name = await commitApi([{ action: 'create', path: 'GITMOD~1', content: '[submodule "../x"]\n\tpath = y\n' }]);
    expect(name.status, name.text).toBe(422);
    expect(name.json.error.message).toMatch(/gitmodulesName/);
    expect(await lsRemote(repo.remote, { token: repo.token })).toEqual(before);
  });

  test('a good .gitmodules is committed, and the clone is fsck --strict clean', async () => {
    const r = await commitApi([{ action: 'create', path: '.gitmodules', content: '[submodule "lib"]\n\tpath = lib\n\turl = ../lib.git\n' }]);
    expect(r.status, r.text).toBe(201);
    const { dir } = await cloneRepo(repo.remote, { token: repo.token, label: 'api-clone' });
    await fsckStrict(dir);
  });
});
