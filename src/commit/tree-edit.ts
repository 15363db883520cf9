// An editable view of a tree that loads only the directories a change touches and rewrites them
// bottom-up: a 1-file commit into a repository with 100k files reads and writes the few trees on
// that file's path, nothing else. Names are byte strings (see bytes.ts).
import { hexToBytes, walkTree, bytesToHex } from '../pack';
import { byteString, bytesOf, concatBytes, display } from './bytes';
import { Dir, isTreeMode, type Entry } from './raw-dir';

export { Dir, isTreeMode, type Entry };

export const MODE_TREE = '40000';
export const MODE_FILE = '100644';
export const MODE_EXEC = '100755';
export const MODE_LINK = '120000';
export const MODE_GITLINK = '160000';

export function isGitlinkMode(mode: string): boolean {
  return (parseInt(mode, 8) & 0o170000) === 0o160000;
}

/** A tree's entries by name, parsed (readers and diffs; the editor below keeps trees as bytes). */
export interface ParsedDir {
  entries: Map<string, Entry>;
}

export type TreeReader = (oid: string) => Uint8Array;
/**
 * Takes a new tree; `base` is the tree it replaces at the same path (a delta base), if any, and
 * `delta` the delta from it (made while the new tree was put together: see Dir.serializeWithDelta).
 */
export type ObjectSink = (type: 'tree', data: Uint8Array, base: string | null, delta: Uint8Array | null, baseStarts: Int32Array | null) => string;

/** Parses tree bytes into entries (names as byte strings). */
export function parseDir(data: Uint8Array): ParsedDir {
  const entries = new Map<string, Entry>();
  walkTree(data, (_mode, modeStart, nameStart, nameEnd, oidOffset) => {
    entries.set(byteString(data, nameStart, nameEnd), {
      mode: byteString(data, modeStart, nameStart - 1),
      oid: bytesToHex(data, oidOffset),
    });
  });
  return { entries };
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
  if (dir.hasUntouched()) return false;
  for (const [, e] of dir.loaded()) {
    if (!e.node || !isEmpty(e.node)) return false;
  }
  return true;
}

export class TreeEditor {
  readonly root: Dir;

  constructor(
    private readonly readTree: TreeReader,
    private readonly rootTree: string | null,
  ) {
    this.root = new Dir(rootTree ? readTree(rootTree) : null);
  }

  private load(e: Entry): Dir {
    if (!e.node) e.node = new Dir(e.oid ? this.readTree(e.oid) : null);
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
      let e = dir.get(keys[i]);
      if (e && !isTreeMode(e.mode)) {
        if (!create) return null;
        throw new PathConflict(`'${display(keys.slice(0, i + 1).join('/'))}' is a file`);
      }
      if (!e) {
        if (!create) return null;
        e = { mode: MODE_TREE, oid: '', node: new Dir() };
        dir.set(keys[i], e);
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
    const e = chain[chain.length - 1].get(keys[keys.length - 1]);
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
    chain[chain.length - 1].set(keys[keys.length - 1], entry);
    for (const d of chain) d.dirty = true;
  }

  /** Removes the entry at a path; false if there was none. */
  remove(keys: string[]): boolean {
    const chain = this.walk(keys, false);
    if (!chain) return false;
    const parent = chain[chain.length - 1];
    if (!parent.delete(keys[keys.length - 1])) return false;
    for (const d of chain) d.dirty = true;
    return true;
  }

  /**
   * Writes every changed directory, deepest first, through `sink`; returns the root tree oid.
   * Directories left without files disappear (git cannot store empty directories).
   * `onEntry` sees every entry of a written tree that was looked up or set (to know which new
   * blobs are used: entries nobody looked at name stored objects).
   */
  write(sink: ObjectSink, onEntry?: (e: Entry) => void): string {
    return this.writeDir(this.root, sink, onEntry, true, this.rootTree)!;
  }

  private writeDir(dir: Dir, sink: ObjectSink, onEntry: ((e: Entry) => void) | undefined, isRoot: boolean, base: string | null): string | null {
    for (const [name, e] of [...dir.loaded()]) {
      if (!e.node || !e.node.dirty) continue;
      const oid = this.writeDir(e.node, sink, onEntry, false, isTreeMode(e.mode) && e.oid ? e.oid : null);
      if (oid === null) dir.delete(name);
      else e.oid = oid;
    }
    if (dir.size === 0 && !isRoot) return null;
    // Entries nobody looked at are stored objects: only looked-up or set ones can be new.
    if (onEntry) for (const [, e] of dir.loaded()) onEntry(e);
    const { data, delta } = dir.serializeWithDelta();
    const oid = sink('tree', data, base, base ? delta : null, base ? dir.storedStarts() : null);
    dir.dirty = false;
    return oid;
  }
}
