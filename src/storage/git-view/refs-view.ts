// The ref side of a repository's git directory view: HEAD, config, packed-refs, shallow and
// refs/** are files made from the ref tables and settings; writing one is a ref update.
//
// Every ref is served as a loose file and `packed-refs` holds only its header, so
// isomorphic-git's resolve (which reads packed-refs on every call) never loads the whole ref
// table, listBranches/listTags are readdirs (one index range scan each), and deleting a ref
// never has to rewrite packed-refs.
//
// Compare-and-swap without an old value: isomorphic-git writes a ref file with the new id
// only. The view remembers, per session, the value it last served for each ref (a read, or a
// stat: `git.branch` checks existence with stat) and uses it as the expected old value; a ref
// the session never looked at is updated from whatever it is. So `git.commit` (reads the
// branch for the parent, writes objects, writes the branch) fails with ESTALE when a push
// moved the branch in between, instead of silently dropping the pushed commit.
import { MountRefusal } from '../../../dofs';
import { isValidRefName, ZERO_OID } from '../refs';
import type { RepoStore } from '../repo-store';

const PACKED_REFS_HEADER = '# pack-refs with: peeled fully-peeled sorted \n';
const DEFAULT_CONFIG = '[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n';
const MAX_CONFIG_BYTES = 64 * 1024;
/** Directories git init makes: present even with no ref under them. */
const FIXED_DIRS = new Set(['refs', 'refs/heads', 'refs/tags']);
const OID_LINE = /^([0-9a-f]{40})\n?$/;
const SYMREF_LINE = /^ref: (\S+)\n?$/;

const enc = new TextEncoder();

export type Entry = { type: 'file' | 'dir'; size: number };

/** The top-level files of the view that are not refs/ or objects/. */
export const TOP_FILES = ['HEAD', 'config', 'packed-refs'];

export class RefFiles {
  /** Per ref: the value this session last saw ('0'*40: absent). */
  private readonly observed = new Map<string, string>();

  constructor(private readonly store: RepoStore) {}

  /** The content of a top-level file or ref file, or null. */
  read(rel: string): Uint8Array | null {
    switch (rel) {
      case 'HEAD':
        return enc.encode(`ref: ${this.store.refs.head().target}\n`);
      case 'config':
        return enc.encode(this.store.meta('view_config') ?? DEFAULT_CONFIG);
      case 'packed-refs':
        return enc.encode(PACKED_REFS_HEADER);
      case 'shallow': {
        const list = this.store.shallow().list();
        return list.length ? enc.encode(list.map((o) => o + '\n').join('')) : null;
      }
    }
    if (!rel.startsWith('refs/')) return null;
    const oid = this.look(rel);
    return oid ? enc.encode(oid + '\n') : null;
  }

  stat(rel: string): Entry | null {
    if (FIXED_DIRS.has(rel)) return { type: 'dir', size: 0 };
    if (rel === 'shallow' || TOP_FILES.includes(rel)) {
      const data = this.read(rel);
      return data ? { type: 'file', size: data.length } : null;
    }
    if (!rel.startsWith('refs/')) return null;
    if (this.look(rel)) return { type: 'file', size: 41 };
    return this.store.refs.hasUnder(rel) ? { type: 'dir', size: 0 } : null;
  }

  /** Names directly inside a refs/ directory. */
  readdir(rel: string): string[] | null {
    if (!FIXED_DIRS.has(rel) && !(rel.startsWith('refs/') && this.store.refs.hasUnder(rel))) return null;
    const names = new Set<string>();
    if (rel === 'refs') names.add('heads').add('tags');
    for (const name of this.store.refs.namesUnder(rel)) names.add(name.slice(rel.length + 1).split('/')[0]);
    return [...names];
  }

  /** A ref's current value, remembered as what this session saw. */
  private look(name: string): string | null {
    const oid = this.store.refs.get(name);
    if (isValidRefName(name)) this.observed.set(name, oid ?? ZERO_OID);
    return oid;
  }

  /** What a write of `name` expects the ref to be now (see the CAS note above). */
  expected(name: string): string {
    return this.observed.get(name) ?? this.store.refs.get(name) ?? ZERO_OID;
  }

  /** Records the value a successful write of this session left. */
  saw(name: string, oid: string): void {
    this.observed.set(name, oid);
  }

  /** Writes HEAD (a symbolic ref to a branch), config or a header-only packed-refs. */
  writeTop(rel: string, text: string): void {
    if (rel === 'HEAD') {
      const m = SYMREF_LINE.exec(text);
      if (OID_LINE.test(text)) throw new MountRefusal('EINVAL', 'HEAD of a repository view is a symbolic ref: write "ref: refs/heads/<branch>"');
      if (!m || !isValidRefName(m[1]) || !m[1].startsWith('refs/heads/')) throw new MountRefusal('EINVAL', 'HEAD must be "ref: refs/heads/<branch>"');
      this.store.refs.setHead(m[1]);
      this.store.setMeta('default_branch', m[1].slice('refs/heads/'.length));
      return;
    }
    if (rel === 'config') {
      if (enc.encode(text).length > MAX_CONFIG_BYTES) throw new MountRefusal('EFBIG', `config is limited to ${MAX_CONFIG_BYTES} bytes`);
      this.store.setMeta('view_config', text);
      return;
    }
    if (rel === 'packed-refs') {
      if (text.split('\n').some((l) => l !== '' && !l.startsWith('#'))) {
        throw new MountRefusal('EPERM', 'refs are served as loose files: write refs/<name> instead of packed-refs');
      }
      return; // header only: nothing to change
    }
    throw new MountRefusal('EPERM', `'${rel}' cannot be written in a repository view`);
  }

  /** Parses the content of a ref file: the new object id. */
  static parseRefFile(name: string, text: string): string {
    const m = OID_LINE.exec(text);
    if (m) return m[1];
    if (SYMREF_LINE.test(text)) throw new MountRefusal('EINVAL', `symbolic refs other than HEAD are not supported (${name})`);
    throw new MountRefusal('EINVAL', `a ref file holds a 40-hex object id and a newline, got ${JSON.stringify(text.slice(0, 60))}`);
  }
}
