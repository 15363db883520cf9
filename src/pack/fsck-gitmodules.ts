// git's fsck rules for the blobs trees name `.gitmodules` and `.gitattributes`, and for
// symlinked dotfiles, as `transfer.fsckObjects` applies them (fsck.c: fsck_tree's dotfile
// checks, fsck_blob, fsck_finish). Message ids and levels are git's:
//   errors (refused): gitmodulesName, gitmodulesUrl, gitmodulesPath, gitmodulesUpdate,
//     gitmodulesSymlink (in validate.ts: a property of the tree alone), gitmodulesBlob,
//     gitmodulesMissing, gitmodulesLarge, gitattributesBlob, gitattributesMissing,
//     gitattributesLarge, gitattributesLineLength;
//   info (accepted, reported as warnings): gitmodulesParse, gitattributesSymlink,
//     gitignoreSymlink, mailmapSymlink. git keeps these non-fatal because real repositories
//     have them (a symlinked .gitignore, a hand-edited .gitmodules), and git itself no longer
//     follows such symlinks in a work tree nor reads past a config syntax error.
// A tree and the blob it names may arrive in either order, or the blob may be stored already:
// SpecialFiles collects what trees name and checks it all once the pack is resolved.
import { bytesToHex } from '../codec/hex';
import { DOT_GITATTRIBUTES, DOT_GITIGNORE, DOT_GITMODULES, DOT_MAILMAP } from './fsck-names';
import { parseGitConfig, splitConfigName } from './gitconfig';
import { badSubmoduleName, badSubmoduleUpdate, badSubmoduleUrl, looksLikeOption } from './submodule-url';

const S_IFLNK = 0o120000;
/**
 * Larger `.gitmodules` blobs are refused (gitmodulesLarge) instead of parsed. git parses any
 * size it can load; real files are a few KB (thousands of submodules fit in under 1 MB), and the
 * bound keeps a push of many huge, well-compressed ones from costing minutes of CPU.
 */
export const MAX_GITMODULES_BYTES = 4 * 1024 * 1024;
/** git's ATTR_MAX_FILE_SIZE and ATTR_MAX_LINE_LENGTH: git ignores bigger files and lines. */
export const MAX_GITATTRIBUTES_BYTES = 100 * 1024 * 1024;
export const MAX_GITATTRIBUTES_LINE = 2048;
/** Warnings kept per pack (one per distinct tree or blob otherwise). */
const MAX_WARNINGS = 20;

export interface FsckFinding {
  /** git's message id, e.g. gitmodulesUrl. */
  id: string;
  /** "gitmodulesUrl: disallowed submodule url: --upload-pack=..." */
  message: string;
  fatal: boolean;
}

const utf8 = new TextDecoder('utf-8');

/** A config value for a message: bytes as UTF-8, control characters escaped, at most 120 chars. */
function show(binary: string): string {
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  const text = utf8.decode(bytes).replace(/[\x00-\x1f\x7f]/g, (c) => (c === '\n' ? '\\n' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
  return text.length > 120 ? text.slice(0, 120) + '...' : text;
}

const finding = (id: string, text: string, fatal = true): FsckFinding => ({ id, message: `${id}: ${text}`, fatal });

/** Every finding of a `.gitmodules` blob (fsck_gitmodules_fn), in file order. */
export function checkGitmodules(data: Uint8Array): FsckFinding[] {
  if (data.length > MAX_GITMODULES_BYTES) return [finding('gitmodulesLarge', '.gitmodules too large to parse')];
  const out: FsckFinding[] = [];
  const parsed = parseGitConfig(data, (name, value) => {
    const { section, sub, key } = splitConfigName(name);
    if (section !== 'submodule' || sub === null) return;
    if (badSubmoduleName(sub)) out.push(finding('gitmodulesName', `disallowed submodule name: ${show(sub)}`));
    if (value === null) return;
    if (key === 'url' && badSubmoduleUrl(value)) out.push(finding('gitmodulesUrl', `disallowed submodule url: ${show(value)}`));
    if (key === 'path' && looksLikeOption(value)) out.push(finding('gitmodulesPath', `disallowed submodule path: ${show(value)}`));
    if (key === 'update' && badSubmoduleUpdate(value)) out.push(finding('gitmodulesUpdate', `disallowed submodule update setting: ${show(value)}`));
  });
  if (!parsed) out.push(finding('gitmodulesParse', 'could not parse gitmodules blob', false));
  return out;
}

/** Findings of a `.gitattributes` blob: a line git would refuse to read. */
export function checkGitattributes(data: Uint8Array): FsckFinding[] {
  if (data.length > MAX_GITATTRIBUTES_BYTES) return [finding('gitattributesLarge', '.gitattributes too large to parse')];
  // git reads the blob as a C string: a NUL ends it.
  const nul = data.indexOf(0);
  const end = nul < 0 ? data.length : nul;
  for (let p = 0; p < end;) {
    let eol = data.indexOf(0x0a, p);
    if (eol < 0 || eol > end) eol = end;
    if (eol - p >= MAX_GITATTRIBUTES_LINE) return [finding('gitattributesLineLength', '.gitattributes has too long lines to parse')];
    p = eol + 1;
  }
  return [];
}

/** The findings of a tree entry with a special name other than a refused .gitmodules symlink. */
export function dotfileSymlinkFindings(kinds: number, mode: number): FsckFinding[] {
  if (mode !== S_IFLNK) return [];
  const out: FsckFinding[] = [];
  if (kinds & DOT_GITATTRIBUTES) out.push(finding('gitattributesSymlink', '.gitattributes is a symlink', false));
  if (kinds & DOT_GITIGNORE) out.push(finding('gitignoreSymlink', '.gitignore is a symlink', false));
  if (kinds & DOT_MAILMAP) out.push(finding('mailmapSymlink', '.mailmap is a symlink', false));
  return out;
}

/** An object as the reader of SpecialFiles.finish sees it: type number and lazy content. */
export interface SpecialObject {
  type: number; // 1 commit, 2 tree, 3 blob, 4 tag
  size: number;
  data(): Uint8Array;
}

const BLOB = 3;
const TYPE_NAMES: Record<number, string> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };

/**
 * What the trees of one pack named `.gitmodules` / `.gitattributes` (git's gitmodules_found),
 * checked together once every object of the pack is known.
 */
export class SpecialFiles {
  private readonly gitmodules = new Set<string>();
  private readonly gitattributes = new Set<string>();
  private warned = 0;
  readonly warnings: string[] = [];
  /** The tree being validated, for the warnings' "object <oid>". */
  tree = '';
  /**
   * Or its raw id (when set, it wins over `tree`): made hex only for a warning, since an
   * ingest validates every tree of a pack (~85k in the large bench pack) and few warn.
   */
  treeId: Uint8Array | null = null;

  /** A tree entry with a special name (kinds: DOT_* bits), its mode and object id (hex). */
  entry(kinds: number, mode: number, oid: string): void {
    if (mode !== S_IFLNK) {
      if (kinds & DOT_GITMODULES) this.gitmodules.add(oid);
      if (kinds & DOT_GITATTRIBUTES) this.gitattributes.add(oid);
    }
    for (const f of dotfileSymlinkFindings(kinds, mode)) this.warn(this.treeId ? bytesToHex(this.treeId) : this.tree, f);
  }

  private warn(oid: string, f: FsckFinding): void {
    if (this.warned++ < MAX_WARNINGS) this.warnings.push(`object ${oid}: ${f.message}`);
    else if (this.warned === MAX_WARNINGS + 1) this.warnings.push('(more fsck warnings not shown)');
  }

  /**
   * Checks every named blob: `read` gives the object from the pack or the store (null: neither
   * has it). Returns the first error as "invalid blob <oid>: <id>: <text>" (as ingest words a
   * refused object), or null; warnings are collected in `warnings`.
   */
  finish(read: (oid: string) => SpecialObject | null): string | null {
    const kinds: [Set<string>, string, string, (d: Uint8Array) => FsckFinding[]][] = [
      [this.gitmodules, 'gitmodules', '.gitmodules', checkGitmodules],
      [this.gitattributes, 'gitattributes', '.gitattributes', checkGitattributes],
    ];
    for (const [set, id, name, check] of kinds) {
      for (const oid of set) {
        const obj = read(oid);
        let found: FsckFinding[];
        if (obj === null) found = [finding(`${id}Missing`, `unable to read ${name} blob`)];
        else if (obj.type !== BLOB) found = [finding(`${id}Blob`, `non-blob found at ${name}`)];
        else if (id === 'gitmodules' && obj.size > MAX_GITMODULES_BYTES) found = [finding('gitmodulesLarge', '.gitmodules too large to parse')];
        else if (id === 'gitattributes' && obj.size > MAX_GITATTRIBUTES_BYTES) found = [finding('gitattributesLarge', '.gitattributes too large to parse')];
        else found = check(obj.data());
        for (const f of found) {
          if (f.fatal) return `${obj === null ? 'missing object' : `invalid ${TYPE_NAMES[obj.type] ?? 'object'}`} ${oid}: ${f.message}`;
          this.warn(oid, f);
        }
      }
    }
    return null;
  }
}
