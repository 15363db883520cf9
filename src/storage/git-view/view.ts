// A repository's git directory as isomorphic-git sees it: a DOFS mount provider whose files
// are made from the ref tables (refs-view.ts) and the object store (objects-view.ts), and whose
// writes are ref updates and object ingests under the rules of a push. No copy of the
// repository exists anywhere: what a push changes, the view shows at once, and what the view
// writes, the next fetch serves.
//
// One GitView per session (an RPC fs, a merge request): it remembers which ref values the
// session saw, which makes its ref writes compare-and-swap (refs-view.ts). Mount it on a DOFS
// instance of its own (openGitView) and hand that DOFS to isomorphic-git with
// `gitdir` = the mount point.
import { DOFS, MountRefusal, type DofsMount } from '../../../dofs';
import { IngestError, type IngestedPack, type PackIngest } from '../ingest';
import { isValidRefName, ZERO_OID } from '../refs';
import type { RepoStore } from '../repo-store';
import { MAX_VIEW_OBJECT_BYTES, ObjectFiles } from './objects-view';
import { PendingObjects } from './pending';
import { ingestPending, MissingObject, pendingClosure } from './promote';
import { RefFiles, TOP_FILES, type Entry } from './refs-view';
import type { WriteRoute } from '../rules';
import { commitPushSettled } from '../push-settle';
import { needBytesIn, type NeedBytes } from '../snapshot';

export interface GitViewOptions {
  /** Refuse every write (a read token). A read-only fork refuses them whatever this says. */
  readOnly?: boolean;
}

const HOUR = 3_600_000;
/** Pending objects no ref took up are removed after this long (git's gc.pruneExpire is 2 weeks; ours are never reachable). */
export const PENDING_GRACE_MS = 24 * HOUR;

const dec = new TextDecoder();

export class GitView implements DofsMount {
  readonly asyncWrites = true;
  private readonly refs: RefFiles;
  private readonly objects: ObjectFiles;
  private readonly pending: PendingObjects;
  /** Objects this session added to the pending ones (discardUnused() drops those no ref took). */
  private readonly added = new Set<string>();

  constructor(
    private readonly store: RepoStore,
    private readonly opts: GitViewOptions = {},
  ) {
    this.pending = new PendingObjects(store.fs, store.repo);
    this.refs = new RefFiles(store);
    this.objects = new ObjectFiles(store, this.pending);
  }

  /**
   * A read of this session that faulted for a fork's snapshot bytes (storage/snapshot.ts).
   * isomorphic-git turns a failed read into "not found", so the fault is kept here: the caller
   * fetches the bytes and runs again (faultOr), and no ref moves after a read that faulted.
   */
  fault: NeedBytes | null = null;

  private noting<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      const need = needBytesIn(e);
      if (need) this.fault = need;
      throw e;
    }
  }

  /** The fault this session met, if any (it explains `e`), else `e`. */
  faultOr(e: unknown): unknown {
    return this.fault ?? e;
  }

  readFile(rel: string): Uint8Array | null {
    return this.noting(() => (isObjects(rel) ? this.objects.read(rel) : this.refs.read(rel)));
  }

  stat(rel: string): Entry | null {
    if (rel === '') return { type: 'dir', size: 0 };
    return this.noting(() => (isObjects(rel) ? this.objects.stat(rel) : this.refs.stat(rel)));
  }

  readdir(rel: string): string[] | null {
    if (rel === '') return [...TOP_FILES, 'objects', 'refs', ...(this.refs.stat('shallow') ? ['shallow'] : [])];
    return this.noting(() => (isObjects(rel) ? this.objects.readdir(rel) : this.refs.readdir(rel)));
  }

  async writeFile(rel: string, data: Uint8Array): Promise<void> {
    this.assertWritable();
    if (isObjects(rel)) {
      const oid = this.noting(() => this.objects.write(rel, data));
      if (oid) this.added.add(oid);
      return;
    }
    const text = dec.decode(data);
    if (rel.startsWith('refs/')) return this.updateRef(rel, RefFiles.parseRefFile(rel, text));
    this.refs.writeTop(rel, text);
  }

  async unlink(rel: string): Promise<void> {
    this.assertWritable();
    if (!rel.startsWith('refs/')) throw new MountRefusal('EPERM', `'${rel}' cannot be deleted through a repository view`);
    return this.updateRef(rel, ZERO_OID);
  }

  private assertWritable(): void {
    if (this.opts.readOnly) throw new MountRefusal('EROFS', 'read-only access to this repository');
    if (this.store.meta('read_only') === '1') throw new MountRefusal('EROFS', 'this repository is a read-only fork');
  }

  /**
   * Moves (or with ZERO_OID deletes) ref `name`: the pending objects the new tip needs go into
   * the store as one pack, then one compare-and-swap update through RepoStore.commitPush, which
   * checks the objects exist and that a branch gets a commit, records the event and queues
   * webhooks. Fails with ESTALE if the ref is not `expectedOld` (default: what this session
   * last saw of it). `via` names the route for branch protection rules (the merge API may move a
   * merge-only branch; a write through the fs is a push). Throws MountRefusal.
   */
  async updateRef(name: string, newOid: string, expectedOld?: string, via: WriteRoute = 'push'): Promise<void> {
    this.assertWritable();
    if (this.fault) throw this.fault; // what led here may rest on a read that faulted: run again
    if (!isValidRefName(name)) throw new MountRefusal('EINVAL', `'${name}' is not a valid ref name`);
    const expected = expectedOld ?? this.refs.expected(name);
    const current = this.store.refs.get(name) ?? ZERO_OID;
    if (current !== expected) throw stale(name, current, expected);
    if (newOid === current) return;
    let closure: string[] = [];
    let ingested: { ingest: PackIngest; pack: IngestedPack } | null = null;
    if (newOid !== ZERO_OID) {
      if (!this.store.visible(newOid) && !this.pending.has(newOid)) throw new MountRefusal('EINVAL', `object ${newOid} does not exist in this repository`);
      try {
        closure = pendingClosure(this.store, this.pending, newOid, MAX_VIEW_OBJECT_BYTES);
        if (closure.length > 0) ingested = await ingestPending(this.store, this.pending, closure, MAX_VIEW_OBJECT_BYTES);
      } catch (e) {
        if (e instanceof MissingObject) throw new MountRefusal('EINVAL', `cannot point ${name} at ${newOid}: object ${e.oid} is missing`);
        if (e instanceof IngestError) throw new MountRefusal('EINVAL', `the new objects were rejected: ${e.message}`);
        throw e;
      }
    }
    const [res] = await commitPushSettled(this.store, ingested?.pack ?? null, [{ name, oldOid: expected, newOid }], false, via);
    if (!res.ok) {
      ingested?.ingest.discardFile();
      const now = this.store.refs.get(name) ?? ZERO_OID;
      if (now !== expected) throw stale(name, now, expected);
      throw new MountRefusal('EINVAL', `ref update of ${name} rejected: ${res.error ?? 'unknown reason'}`);
    }
    this.refs.saw(name, newOid);
    this.pending.remove(closure);
    for (const oid of closure) this.added.delete(oid);
    this.sweepNowAndThen();
  }

  /**
   * Drops the objects this session wrote that no ref took up (e.g. a merge that stopped on a
   * conflict), so a failed operation leaves nothing behind, not even pending objects.
   */
  discardUnused(): void {
    this.pending.remove([...this.added].filter((oid) => !this.store.objects.has(oid)));
    this.added.clear();
  }

  /** Drops stale pending objects, at most once an hour per repository. */
  private sweepNowAndThen(): void {
    const now = Date.now();
    if (now - Number(this.store.meta('view_swept_at') ?? 0) < HOUR) return;
    this.store.setMeta('view_swept_at', String(now));
    this.pending.sweep(now - PENDING_GRACE_MS);
  }
}

function isObjects(rel: string): boolean {
  return rel === 'objects' || rel.startsWith('objects/');
}

function stale(name: string, current: string, expected: string): MountRefusal {
  const was = expected === ZERO_OID ? 'absent' : `at ${expected}`;
  const is = current === ZERO_OID ? 'absent' : `at ${current}`;
  return new MountRefusal('ESTALE', `${name} is ${is}, but this session last saw it ${was}: another writer moved it (re-read the ref and retry)`);
}

/** Where openGitView mounts a repository's view on its own DOFS. */
export function viewMountPoint(repo: string): string {
  return `/repos/${repo === '' ? '-' : repo}`;
}

/**
 * A DOFS of its own with `store`'s repository view mounted: pass `fs` to isomorphic-git with
 * `gitdir`. The DOFS shares the Durable Object's storage but only the view is ever reached
 * under `gitdir`.
 */
export function openGitView(store: RepoStore, opts: GitViewOptions = {}): { fs: DOFS; gitdir: string; view: GitView } {
  const fs = store.newFs();
  const view = new GitView(store, opts);
  const gitdir = viewMountPoint(store.repo);
  fs.mount(gitdir, view);
  return { fs, gitdir, view };
}
