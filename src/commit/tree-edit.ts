// An editable view of a tree that loads only the directories a change touches and rewrites them
// bottom-up: a 1-file commit into a repository with 100k files reads and writes the few trees on
// that file's path, nothing else. Names are byte strings (see bytes.ts).
import { hexToBytes, walkTree, bytesToHex } from '../pack';
import { byteString, bytesOf, concatBytes, display } from './bytes';

export const MODE_TREE = '40000';
export const MODE_FILE = '100644';
export const MODE_EXEC = '100755';
export const MODE_LINK = '120000';
export const MODE_GITLINK = '160000';

export function isTreeMode(mode: string): boolean {
  return (parseInt(mode, 8) & 0o170000) === 0o040000;
}

export function isGitlinkMode(mode: string): boolean {
  return (parseInt(mode, 8) & 0o170000) === 0o160000;
}

export interface Entry {
  mode: string;
  oid: string;
  /** Loaded contents when this entry is a directory that was visited. */
  node?: Dir;
}

export class Dir {
  dirty = false;
  constructor(readonly entries: Map<string, Entry>) {}
}

export type TreeReader = (oid: string) => Uint8Array;
export type ObjectSink = (type: 'tree', data: Uint8Array) => string;

/** Parses tree bytes into a Dir (names as byte strings). */
export function parseDir(data: Uint8Array): Dir {
  const entries = new Map<string, Entry>();
  walkTree(data, (_mode, modeStart, nameStart, nameEnd, oidOffset) => {
    entries.set(byteString(data, nameStart, nameEnd), {
      mode: byteString(data, modeStart, nameStart - 1),
      oid: bytesToHex(data, oidOffset),
    });
  });
  return new Dir(entries);
}

/** Serialises entries in git's order (a directory sorts as if its name ended in '/'). */
export function serializeDir(entries: Map<string, Entry>): Uint8Array {
  const keys = [...entries.keys()].map((k) => ({ k, sort: isTreeMode(entries.get(k)!.mode) ? k + '/' : k }));
  keys.sort((a, b) => (a.sort < b.sort ? -1 : a.sort > b.sort ? 1 : 0));
  const parts: Uint8Array[] = [];
  for (const { k } of keys) {
    const e = entries.get(k)!;
    parts.push(bytesOf(`${e.mode} ${k}\0`), hexToBytes(e.oid));
  }
  return concatBytes(parts);
}

export class PathConflict extends Error {}

/** True when a directory holds no files at all any more (only emptied subdirectories). */
function isEmpty(dir: Dir): boolean {
  for (const e of dir.entries.values()) {
    if (!e.node || !isEmpty(e.node)) return false;
  }
  return true;
}

export class TreeEditor {
  readonly root: Dir;

  constructor(
    private readonly readTree: TreeReader,
    rootTree: string | null,
  ) {
    this.root = rootTree ? parseDir(readTree(rootTree)) : new Dir(new Map());
  }

  private load(e: Entry): Dir {
    if (!e.node) e.node = e.oid ? parseDir(this.readTree(e.oid)) : new Dir(new Map());
    return e.node;
  }

  /** A live directory entry (a tree that still has files in it, or has not been loaded yet). */
  private liveDir(e: Entry | undefined): boolean {
    return !!e && isTreeMode(e.mode) && !(e.node && isEmpty(e.node));
  }

  /**
   * Walks to the directory holding the last segment. Returns the chain of directories from the
   * root (so callers can mark them dirty), or null if a directory on the way does not exist.
   * With create, missing directories are made; a file in the way throws PathConflict.
   */
  private walk(keys: string[], create: boolean): Dir[] | null {
    const chain: Dir[] = [this.root];
    let dir = this.root;
    for (let i = 0; i < keys.length - 1; i++) {
      let e = dir.entries.get(keys[i]);
      if (e && !isTreeMode(e.mode)) {
        if (!create) return null;
        throw new PathConflict(`'${display(keys.slice(0, i + 1).join('/'))}' is a file`);
      }
      if (!e) {
        if (!create) return null;
        e = { mode: MODE_TREE, oid: '', node: new Dir(new Map()) };
        dir.entries.set(keys[i], e);
      }
      dir = this.load(e);
      chain.push(dir);
    }
    return chain;
  }

  /** The entry at a path, or null (emptied directories count as absent). */
  get(keys: string[]): Entry | null {
    const chain = this.walk(keys, false);
    if (!chain) return null;
    const e = chain[chain.length - 1].entries.get(keys[keys.length - 1]);
    if (!e) return null;
    if (isTreeMode(e.mode)) {
      this.load(e);
      if (!this.liveDir(e)) return null;
    }
    return e;
  }

  /** Sets the entry at a path, creating directories; replaces whatever was there. */
  set(keys: string[], entry: Entry): void {
    const chain = this.walk(keys, true)!;
    chain[chain.length - 1].entries.set(keys[keys.length - 1], entry);
    for (const d of chain) d.dirty = true;
  }

  /** Removes the entry at a path; false if there was none. */
  remove(keys: string[]): boolean {
    const chain = this.walk(keys, false);
    if (!chain) return false;
    const parent = chain[chain.length - 1];
    if (!parent.entries.delete(keys[keys.length - 1])) return false;
    for (const d of chain) d.dirty = true;
    return true;
  }

  /**
   * Writes every changed directory, deepest first, through `sink`; returns the root tree oid.
   * Directories left without files disappear (git cannot store empty directories).
   * `onEntry` sees every entry of every written tree (to know which new blobs are used).
   */
  write(sink: ObjectSink, onEntry?: (e: Entry) => void): string {
    return this.writeDir(this.root, sink, onEntry, true)!;
  }

  private writeDir(dir: Dir, sink: ObjectSink, onEntry: ((e: Entry) => void) | undefined, isRoot: boolean): string | null {
    for (const [name, e] of dir.entries) {
      if (!e.node || !e.node.dirty) continue;
      const oid = this.writeDir(e.node, sink, onEntry, false);
      if (oid === null) dir.entries.delete(name);
      else e.oid = oid;
    }
    if (dir.entries.size === 0 && !isRoot) return null;
    if (onEntry) for (const e of dir.entries.values()) onEntry(e);
    const oid = sink('tree', serializeDir(dir.entries));
    dir.dirty = false;
    return oid;
  }
}
