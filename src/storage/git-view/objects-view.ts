// The object side of a repository's git directory view: `objects/ab/cdef…` is every object
// this repository may read, as a virtual loose file (loose.ts) made from the pack store on
// demand, plus the objects written through the view that no ref uses yet (pending.ts).
// `objects/pack/` and `objects/info/` are empty, so isomorphic-git never finds a packfile to
// load whole: each object it wants costs one indexed lookup and one read, and memory stays
// bounded by the objects it holds, whatever the size of the repository.
import { MountRefusal } from '../../../dofs';
import { hashObject, validateObject } from '../../pack';
import { TYPE_NAMES } from '../object-store';
import type { RepoStore } from '../repo-store';
import { LooseFormatError, looseSize, looseStored, parseLoose } from './loose';
import type { PendingObjects } from './pending';
import type { Entry } from './refs-view';

/** Largest object a write through the view may carry (it arrives, and is inflated, whole). */
export const MAX_VIEW_OBJECT_BYTES = 32 * 1024 * 1024;

const HEX2 = /^[0-9a-f]{2}$/;
const REST = /^[0-9a-f]{38}$/;
const EMPTY_DIRS = new Set(['objects/pack', 'objects/info']);

/** 'objects/ab/cdef…' -> 'abcdef…', or null. */
function oidOf(rel: string): string | null {
  const parts = rel.split('/');
  return parts.length === 3 && HEX2.test(parts[1]) && REST.test(parts[2]) ? parts[1] + parts[2] : null;
}

export class ObjectFiles {
  constructor(
    private readonly store: RepoStore,
    private readonly pending: PendingObjects,
  ) {}

  /** Stored and readable by this repository (a fork network's store holds other forks' objects too). */
  private stored(oid: string): boolean {
    return this.store.visible(oid);
  }

  read(rel: string): Uint8Array | null {
    const oid = oidOf(rel);
    if (!oid) return null;
    if (this.stored(oid)) {
      const o = this.store.objects.read(oid);
      return looseStored(o.type, o.data);
    }
    return this.pending.read(oid);
  }

  stat(rel: string): Entry | null {
    if (rel === 'objects' || EMPTY_DIRS.has(rel)) return { type: 'dir', size: 0 };
    const parts = rel.split('/');
    if (parts.length === 2 && HEX2.test(parts[1])) return { type: 'dir', size: 0 }; // fan-out dirs come and go in git too
    const oid = oidOf(rel);
    if (!oid) return null;
    if (this.stored(oid)) {
      const row = this.store.objects.row(oid)!;
      return { type: 'file', size: looseSize(TYPE_NAMES[row.type], row.size) };
    }
    const size = this.pending.size(oid);
    return size === null ? null : { type: 'file', size };
  }

  readdir(rel: string): string[] | null {
    if (EMPTY_DIRS.has(rel)) return [];
    if (rel === 'objects') {
      const dirs = new Set(['info', 'pack', ...this.pending.dirs()]);
      for (let i = 0; i < 256; i++) {
        const d = i.toString(16).padStart(2, '0');
        if (this.store.objects.withPrefix(d, 1).length) dirs.add(d);
      }
      return [...dirs];
    }
    const parts = rel.split('/');
    if (parts.length !== 2 || !HEX2.test(parts[1])) return null;
    const d = parts[1];
    // expandOid lists a fan-out directory: ~1/256 of the store (about 550 ids at 142k objects).
    const names = new Set<string>();
    const visible = this.store.visibility();
    for (const oid of this.store.objects.withPrefix(d, Number.MAX_SAFE_INTEGER)) if (visible(oid)) names.add(oid.slice(2));
    for (const oid of this.pending.list(d)) names.add(oid.slice(2));
    return [...names];
  }

  /**
   * A loose object written by isomorphic-git: inflated, its name checked against its hash, its
   * content checked as a push checks it (fsck), then kept as pending until a ref uses it.
   * Writing an object the repository already has is a no-op, as in git. Returns the id of an
   * object this call added, or null.
   */
  write(rel: string, data: Uint8Array): string | null {
    const oid = oidOf(rel);
    if (!oid) throw new MountRefusal('EPERM', `only loose objects (objects/xx/<38 hex>) can be written under objects/, not '${rel}'`);
    if (this.stored(oid) || this.pending.has(oid)) return null;
    let obj;
    try {
      obj = parseLoose(data, MAX_VIEW_OBJECT_BYTES);
    } catch (e) {
      if (e instanceof LooseFormatError) throw new MountRefusal(/larger/.test(e.message) ? 'EFBIG' : 'EINVAL', `object ${oid}: ${e.message}`);
      throw e;
    }
    const actual = hashObject(obj.type, obj.data);
    if (actual !== oid) throw new MountRefusal('EINVAL', `object ${oid}: its content hashes to ${actual}`);
    const problem = validateObject(obj.type, obj.data);
    if (problem) throw new MountRefusal('EINVAL', `object ${oid} (${obj.type}) is invalid: ${problem}`);
    this.pending.write(oid, data);
    return oid;
  }
}
