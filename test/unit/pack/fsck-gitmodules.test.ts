// git's fsck rules for .gitmodules & co. (src/pack/fsck-names.ts, gitconfig.ts, submodule-url.ts,
// fsck-gitmodules.ts): a hostile corpus per rule, each spelling and encoding git itself refuses,
// and the look-alikes it accepts. test/e2e/git-fsck-gitmodules.test.ts holds the same corpus
// against real `git fsck` and real pushes.
import { describe, expect, it } from 'vitest';
import {
  badSubmoduleName, badSubmoduleUrl, checkGitattributes, checkGitmodules, dotfileKinds, DOT_GITATTRIBUTES, DOT_GITIGNORE,
  DOT_GITMODULES, DOT_MAILMAP, hexToBytes, isDotGitName, normalizeUrl, parseGitConfig, validateObject,
} from '../../../src/pack';
import { concat, enc } from './helpers';

const OID = 'a'.repeat(40);
const kinds = (name: string | Uint8Array) => {
  const d = typeof name === 'string' ? enc(name) : name;
  return dotfileKinds(d, 0, d.length, d.some((c) => c >= 0x80), d.includes(0x5c));
};
const dotGit = (name: string | Uint8Array) => {
  const d = typeof name === 'string' ? enc(name) : name;
  return isDotGitName(d, 0, d.length, d.some((c) => c >= 0x80), d.includes(0x5c));
};
const tree = (...entries: [mode: string, name: string | Uint8Array][]) =>
  concat(...entries.map(([mode, name]) => concat(enc(`${mode} `), typeof name === 'string' ? enc(name) : name, new Uint8Array([0]), hexToBytes(OID))));
const ids = (text: string | Uint8Array) => checkGitmodules(typeof text === 'string' ? enc(text) : text).map((f) => f.id);

describe('special names on NTFS and HFS+', () => {
  it('finds every spelling of .gitmodules', () => {
    const yes = [
      '.gitmodules', '.GITMODULES', '.GitModules', '.gitmodules ', '.gitmodules.', '.gitmodules . .', '.gitmodules:$DATA',
      '.gitmodules::$DATA', 'gitmod~1', 'GITMOD~1', 'GitMod~4', 'gi7eba~1', 'GI7EBA~9', 'gi7eb~12', 'gi~12345', 'GITMOD~1 .',
      '.g\u200citmodules', '\u200c.gitmodules', '.gitmodul\ufeffes', '.gitmodules\u206f', '.GIT\u200dMODULES',
      'a\\.gitmodules', 'x\\y\\GITMOD~1', 'a\\.gitmodules. ',
    ];
    for (const n of yes) expect(kinds(n) & DOT_GITMODULES, JSON.stringify(n)).toBe(DOT_GITMODULES);
    const no = [
      'gitmodules', '.gitmodule', '.gitmodulesx', '.gitmodules-', 'gitmod~5', 'gitmod~0', 'gitmod~1x', 'gi7eba~a', 'gi7eba', 'gi7eba~12', '.gitmodules\u00e9',
      '.gitmodules\\x', 'a.gitmodules', '.git\u00e9modules', 'gi7ebb~1', 'gitmodu~1',
    ];
    for (const n of no) expect(kinds(n) & DOT_GITMODULES, JSON.stringify(n)).toBe(0);
  });

  it('finds .gitattributes, .gitignore and .mailmap in the same spellings', () => {
    for (const n of ['.gitattributes', '.GITATTRIBUTES.', 'gitatt~1', 'gi7d29~1', '.g\u200citattributes']) expect(kinds(n), n).toBe(DOT_GITATTRIBUTES);
    for (const n of ['.gitignore', '.gitignore  ', 'gitign~2', 'GI250A~1', '.gitign\ufeffore']) expect(kinds(n), n).toBe(DOT_GITIGNORE);
    for (const n of ['.mailmap', '.MailMap:x', 'mailma~1', 'maba30~1', '\u200e.mailmap']) expect(kinds(n), n).toBe(DOT_MAILMAP);
    for (const n of ['README', 'main.c', 'go.mod', 'Makefile', '.github', '.gitkeep', 'mailmap', 'a\\.gitignore', '~123456', '~12345a']) expect(kinds(n), n).toBe(0);
    // git's fallback short name may start with its '~': eight characters of '~' and digits are all of them
    expect(kinds('~1234567')).toBe(DOT_GITMODULES | DOT_GITATTRIBUTES | DOT_GITIGNORE | DOT_MAILMAP);
    expect(kinds('g~123456')).toBe(DOT_GITMODULES | DOT_GITATTRIBUTES | DOT_GITIGNORE);
    expect(kinds('M~123456')).toBe(DOT_MAILMAP);
  });

  it('finds every spelling of .git, including after a backslash and in malformed UTF-8', () => {
    const yes: (string | Uint8Array)[] = [
      '.git', '.GIT', 'git~1', 'GIT~1', '.git.', '.git ', '.git. .', '.git::$INDEX_ALLOCATION', '.git. :x', 'GIT~1:x', 'git~1..',
      'a\\.git', 'a\\git~1', '.git\\x', '.g\u200cit', '\ufeff.git', '.g\u202eit',
      // git's HFS+ check reads malformed UTF-8 after the match as the end of the name
      concat(enc('.git'), new Uint8Array([0xff])), concat(enc('.git'), new Uint8Array([0xc3])),
    ];
    for (const n of yes) expect(dotGit(n), JSON.stringify(typeof n === 'string' ? n : [...n])).toBe(true);
    const no = ['.gitx', 'git', '.gi', 'git~2', 'git~1x', '.github', 'a.git', 'a\\b.git', '.g\u00e9it', '.git\u00e9'];
    for (const n of no) expect(dotGit(n), n).toBe(false);
  });

  it('refuses a symlinked .gitmodules in a tree (gitmodulesSymlink) in any spelling, and reports the rest', () => {
    for (const n of ['.gitmodules', 'GITMOD~1', '.gitmodules.', '.g\u200citmodules', 'a\\.gitmodules', '~1234567']) {
      expect(validateObject('tree', tree(['120000', n])), n).toBe('gitmodulesSymlink: .gitmodules is a symbolic link');
    }
    const seen: [number, number][] = [];
    const t = tree(['120000', '.gitattributes'], ['120000', '.gitignore'], ['100644', '.gitmodules'], ['120000', '.mailmap'], ['100644', 'a']);
    expect(validateObject('tree', t, { onDotfile: (k, mode) => void seen.push([k, mode]) })).toBeNull();
    expect(seen).toEqual([[DOT_GITATTRIBUTES, 0o120000], [DOT_GITIGNORE, 0o120000], [DOT_GITMODULES, 0o100644], [DOT_MAILMAP, 0o120000]]);
    // .git after a backslash is a .git on Windows (git's hasDotgit)
    expect(validateObject('tree', tree(['100644', 'a\\.git']))).toMatch(/\(\.git\)/);
    expect(validateObject('tree', tree(['40000', '.git. :x']))).toMatch(/\(\.git\)/);
  });
});

describe('the config reader (git config.c rules)', () => {
  const read = (text: string | Uint8Array) => {
    const out: [string, string | null][] = [];
    const ok = parseGitConfig(typeof text === 'string' ? enc(text) : text, (n, v) => void out.push([n, v]));
    return { ok, out };
  };

  it('reads sections, subsections, keys and values as git does', () => {
    expect(read('[submodule "Sub.Mod"]\n\tpath = a b \n\tURL=  "x ; y"  # c\n\tactive\n[Core]\nbare = false ; c\n')).toEqual({
      ok: true,
      out: [['submodule.Sub.Mod.path', 'a b'], ['submodule.Sub.Mod.url', 'x ; y'], ['submodule.Sub.Mod.active', null], ['core.bare', 'false']],
    });
    expect(read('[Submodule.OLD]\nurl = u').out).toEqual([['submodule.old.url', 'u']]);
    expect(read('[submodule "a\\"b\\\\c"]\nurl = v').out).toEqual([['submodule.a"b\\c.url', 'v']]);
    expect(read('[s "x"]\nk = a\\\n  b\\tc\\n\\"d\\\\').out).toEqual([['s.x.k', 'a  b\tc\n"d\\']]);
    expect(read('\ufeff[s]\r\nk = v\r\n').out).toEqual([['s.k', 'v']]);
    expect(read('[s]\nk = a\0b').out).toEqual([['s.k', 'a']]);
    expect(read('[s]k=v').out).toEqual([['s.k', 'v']]);
  });

  it('stops at the first syntax error, after reporting what came before', () => {
    for (const bad of ['[s "x"\nk = v', '[s]\nk = "open', '[s]\nk = \\q', '[s]\n1k = v', '[]\nk = v', '[s x]\n', '[s]\nk v', '[s\n']) {
      expect(read(bad).ok, JSON.stringify(bad)).toBe(false);
    }
    expect(read('[s]\na = 1\n%\nb = 2')).toEqual({ ok: false, out: [['s.a', '1']] });
  });
});

describe('submodule names, urls, paths and update settings', () => {
  it('refuses names that climb out of .git/modules', () => {
    for (const n of ['', '..', '../x', 'a/../b', 'a/..', '..\\x', 'a\\..\\b', 'x/..\\y']) expect(badSubmoduleName(n), n).toBe(true);
    for (const n of ['a', '..a', 'a..', 'a/..b', '.../x', 'a/.b', 'sub mod']) expect(badSubmoduleName(n), n).toBe(false);
  });

  it('refuses urls git refuses', () => {
    const bad = [
      '--upload-pack=touch /tmp/pwned', '-u./payload', '-',
      './%0ahost', '../x%0Ay', 'git://host/%0a', './a\nb',
      '../:host/repo', '../../:x', '..//host/repo', './../:x', '..\\/x',
      'https://example.com/%0a', 'https://user%0a@example.com/', 'https://example.com:99999/', 'https://example.com:0/',
      'https://exa mple.com/', 'https://example.com/../x', 'https://example.com/%zz', 'https://', 'https:///x', 'http::https://example.com/%0a',
      'https://example.com/a/../../x', 'ftp://host:12a/x', 'https://example.com/a?%0a', 'https://example.com/%',
    ];
    for (const u of bad) expect(badSubmoduleUrl(u), JSON.stringify(u)).toBe(true);
    const good = [
      'https://example.com/repo.git', 'https://example.com:443/r', 'http://example.com:80/r', 'https://[::1]:8080/r', '../sibling.git', './sub',
      'git@github.com:x/y.git', 'git://host/x', 'ssh://h/x', 'file:///x', 'https://example.com/a/../b', 'https://u:p@example.com/%41',
      '../a/../:b', 'https://example.com/%250a', 'HTTP://example.com/%0a', './%00x', 'x/%0a',
    ];
    for (const u of good) expect(badSubmoduleUrl(u), JSON.stringify(u)).toBe(false);
    expect(normalizeUrl('HTTPS://User@Example.COM:0443/a/./b/../%7e%41?q=%2f#f')).toBe('https://User@example.com/a/~A?q=%2F#f');
  });
});

describe('.gitmodules and .gitattributes blobs', () => {
  it('refuses each git error id, and only warns where git only warns', () => {
    expect(ids('[submodule "x"]\n\tpath = x\n\turl = --upload-pack=touch /tmp/pwned\n')).toEqual(['gitmodulesUrl']);
    expect(ids('[submodule "x"]\n\turl = \\\n--upload-pack=evil\n')).toEqual(['gitmodulesUrl']);
    expect(ids('[submodule "x"]\n\turl = "--upload-pack=evil"\n')).toEqual(['gitmodulesUrl']);
    expect(ids('[SUBMODULE "x"]\r\n\tURL = -x\r\n')).toEqual(['gitmodulesUrl']);
    expect(ids('[submodule.x]\nurl = ./%0aevil\n')).toEqual(['gitmodulesUrl']);
    expect(ids('[submodule "x"]\n\tpath = -evil\n')).toEqual(['gitmodulesPath']);
    expect(ids('[submodule "x"]\n\tupdate = !rm -rf ~\n')).toEqual(['gitmodulesUpdate']);
    expect(ids('[submodule "../../modules/evil"]\n\tpath = x\n')).toEqual(['gitmodulesName']);
    expect(ids('[submodule "..\\\\x"]\n\tpath = x\n')).toEqual(['gitmodulesName']);
    expect(ids('[submodule "x"]\n\turl = -a\n\tpath = -b\n')).toEqual(['gitmodulesUrl', 'gitmodulesPath']);
    // bad entries before a syntax error are still found; what follows it no git reads either
    expect(ids('[submodule "x"]\n\turl = -a\n[oops\n\turl = -b\n')).toEqual(['gitmodulesUrl', 'gitmodulesParse']);
    const parse = checkGitmodules(enc('[submodule "x"\n\turl = -a\n'));
    expect(parse).toEqual([{ id: 'gitmodulesParse', message: 'gitmodulesParse: could not parse gitmodules blob', fatal: false }]);
    // look-alikes that are fine
    expect(ids('[submodule "x"]\n\turl = https://example.com/x.git\n\tpath = a-b\n\tupdate = rebase\n[core]\n\turl = -x\n[submodule]\n\turl = -y\n')).toEqual([]);
    expect(ids('[submodule "x"]\n\turl = " -x"\n\turl\n\tpath = x#-y\n')).toEqual([]);
    expect(ids(new Uint8Array(5 * 1024 * 1024).fill(0x0a))).toEqual(['gitmodulesLarge']);
  });

  it('names the id, quotes the value and escapes control characters in messages', () => {
    const [f] = checkGitmodules(enc('[submodule "x"]\n\turl = "\\n-bad\\t\u00e9"\n'));
    expect(f).toBeUndefined(); // "\n-bad": no leading '-', not relative: git takes it
    const [g] = checkGitmodules(enc('[submodule "x"]\n\turl = ./a\\nb\u00e9\n'));
    expect(g).toEqual({ id: 'gitmodulesUrl', message: 'gitmodulesUrl: disallowed submodule url: ./a\\nb\u00e9', fatal: true });
  });

  it('refuses .gitattributes lines of 2048 bytes and more (gitattributesLineLength)', () => {
    expect(checkGitattributes(enc('*.c diff\n' + 'x'.repeat(2047) + '\n'))).toEqual([]);
    expect(checkGitattributes(enc('*.c diff\n' + 'x'.repeat(2048)))[0].id).toBe('gitattributesLineLength');
    expect(checkGitattributes(concat(enc('a\n\0'), enc('x'.repeat(5000))))).toEqual([]); // git stops at a NUL
  });
});
