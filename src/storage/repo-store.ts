// One repository's storage: refs and settings of its own, and the object store (pack files on
// DOFS + the object index) it shares with the other repositories of its fork network (all
// hosted by one Durable Object, see schema.ts). Protocol and API code use this facade and never
// touch SQL themselves.
import { DOFS } from '../../dofs';
import { parseTag } from '../pack';
import { migrate } from './schema';
import { IngestError, PackIngest, type IngestedPack } from './ingest';
import { PACK_DIR, sweepUnownedPacks } from './pack-files';
import { dropViewData } from './git-view/pending';
import { ObjectStore, TYPE_NAMES, TYPE_NUMBERS } from './object-store';
import { ShallowStore } from './shallow';
import { ReachCache, ReachWalker } from './reach';
import { guideByParents } from './reach-guide';
import { RefStore, ZERO_OID, type RefUpdate, type RefUpdateResult } from './refs';
import { RuleStore, type WriteRoute } from './rules';
import { refsWithPeeled, type PeeledRef } from './peel-cache';
import { commitPushTo, type PushInternals } from './push-commit';

export interface DoStorage {
  sql: SqlStorage;
  transactionSync<T>(fn: () => T): T;
  deleteAll(): Promise<void>;
}

/** Called inside the ref-update transaction with the updates that were applied. */
export type RefChangeHook = (moved: RefUpdate[], actor: string | null) => void;

/** Reach walkers kept per DO: each may hold a set of every object id of a big repository. */
const MAX_WALKERS = 8;

/** The key of the repository a bare `new RepoStore(storage)` works on (tests, tools). */
export const DEFAULT_REPO = '';

/** What the repositories hosted by one DO share: DOFS, the object store, uploads in flight. */
class Shared {
  readonly fs: DOFS;
  readonly objects: ObjectStore;
  /** Pack ids of uploads in progress in this instance (the sweeper leaves them alone). */
  readonly livePacks = new Set<number>();
  /** Per repository: what its refs reach, as far as walked (see RepoStore.visible). */
  readonly reach = new ReachCache(MAX_WALKERS);

  constructor(storage: DoStorage) {
    migrate(storage.sql);
    this.fs = new DOFS(storage);
    this.objects = new ObjectStore(storage.sql, this.fs);
  }
}

export class RepoStore {
  readonly fs: DOFS;
  /** Who is changing refs through this view (a token id; null for admin/RPC). See withActor(). */
  readonly actor: string | null = null;
  /** Set by the owner (RepoObject) to record events and the update time. */
  onRefChange: RefChangeHook | null = null;
  readonly objects: ObjectStore;
  readonly refs: RefStore;
  private readonly shared: Shared;
  private readonly sql: SqlStorage;

  constructor(
    private readonly storage: DoStorage,
    /** This repository's key, `ns/name`. */
    readonly repo: string = DEFAULT_REPO,
    shared?: Shared,
  ) {
    this.shared = shared ?? new Shared(storage);
    this.sql = storage.sql;
    this.fs = this.shared.fs;
    this.objects = this.shared.objects;
    this.refs = new RefStore(storage.sql, (fn) => storage.transactionSync(fn), repo);
  }

  /** A DOFS instance of its own (own mount table) on this DO's storage: for a git directory view. */
  newFs(): DOFS {
    return new DOFS(this.storage);
  }

  /** The store of another repository hosted by the same DO (same object store and caches). */
  forRepo(repo: string): RepoStore {
    return new RepoStore(this.storage, repo, this.shared);
  }

  /**
   * A view of this store that attributes ref changes to `actor`: shares every field (same
   * tables, caches, hook) through the prototype; only `actor` differs. One per request.
   */
  withActor(actor: string | null): RepoStore {
    return Object.create(this, { actor: { value: actor, writable: true } }) as RepoStore;
  }

  /** This repository's settings (namespace, default_branch, read_only, ...). */
  meta(key: string): string | null {
    const r = this.sql.exec<{ value: string }>(`SELECT value FROM repo_info WHERE repo = ? AND key = ?`, this.repo, key).toArray()[0];
    return r?.value ?? null;
  }

  setMeta(key: string, value: string): void {
    this.sql.exec(
      `INSERT INTO repo_info (repo, key, value) VALUES (?, ?, ?) ON CONFLICT(repo, key) DO UPDATE SET value = excluded.value`,
      this.repo,
      key,
      value,
    );
  }

  /** Settings of the whole store (shared by the network). */
  private storeMeta(key: string): string | null {
    const r = this.sql.exec<{ value: string }>(`SELECT value FROM repo_meta WHERE key = ?`, key).toArray()[0];
    return r?.value ?? null;
  }

  private setStoreMeta(key: string, value: string): void {
    this.sql.exec(`INSERT INTO repo_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, value);
  }

  // ---- The repositories of this DO (a fork network) and links to networks elsewhere.

  /** Whether this DO hosts repository `repo`. */
  hosts(repo: string = this.repo): boolean {
    return this.sql.exec(`SELECT 1 FROM repos WHERE key = ?`, repo).toArray().length > 0;
  }

  /** Keys of every repository hosted here. */
  hostedRepos(): string[] {
    return this.sql.exec<{ key: string }>(`SELECT key FROM repos ORDER BY key`).toArray().map((r) => r.key);
  }

  /** Registers this repository as hosted here (call inside the creating transaction). */
  register(): void {
    this.sql.exec(`INSERT INTO repos (key, created) VALUES (?, ?)`, this.repo, Date.now());
  }

  /**
   * Removes this repository's refs and settings (the caller clears its tokens and events).
   * Returns how many repositories the DO still hosts: at 0, wipe() frees the object store.
   */
  unregister(): number {
    this.refs.clear();
    this.rules().clear();
    this.shallow().set([]);
    dropViewData(this.fs, this.repo); // objects written through its git directory view that no ref took up
    this.sql.exec(`DELETE FROM repo_info WHERE repo = ?`, this.repo);
    this.sql.exec(`DELETE FROM repos WHERE key = ?`, this.repo);
    return this.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM repos`).one().n;
  }

  /** The DO (hex id) hosting the network `repo` is a fork in, if it is not hosted here. */
  link(repo: string = this.repo): string | null {
    return this.sql.exec<{ network: string }>(`SELECT network FROM links WHERE repo = ?`, repo).toArray()[0]?.network ?? null;
  }

  setLink(network: string, repo: string = this.repo): void {
    this.sql.exec(`INSERT INTO links (repo, network) VALUES (?, ?) ON CONFLICT(repo) DO UPDATE SET network = excluded.network`, repo, network);
  }

  removeLink(repo: string = this.repo): void {
    this.sql.exec(`DELETE FROM links WHERE repo = ?`, repo);
  }

  // ---- What this repository may use by object id. A store shared by a fork network holds other
  // repositories' objects too: a repository serves, and accepts references to, only what its
  // refs reach (git's allowReachableSHA1InWant; on push, what check_connected would accept if
  // the store held this repository's objects alone), plus what a push itself brings. So one fork
  // cannot read what another pushed, neither by fetching it by id nor by pointing a ref, a tree
  // entry, a tag or a thin-pack delta at it. Objects a repository pushed but no longer references
  // are not its own any more (the store does not record who pushed what); a git client never
  // relies on them, it sends what the advertised refs do not reach. A repository alone in its
  // store may use every stored object, as git does with its own object directory.

  /** True once the store holds (or held) objects of more than one repository, or has a snapshot. */
  sharesObjects(): boolean {
    return this.objects.snapshot !== null || this.storeMeta('shared') === '1';
  }

  markShared(): void {
    this.setStoreMeta('shared', '1');
  }

  /** Whether this repository may serve or reference object `oid` (reachable and stored). */
  visible(oid: string): boolean {
    return this.visibility()(oid);
  }

  /** visible() for many ids: the refs are read once. */
  visibility(): (oid: string) => boolean {
    const reach = this.reach();
    if (reach === 'all') return (oid) => this.objects.has(oid);
    if (reach === 'none') return () => false;
    return (oid) => reach.has(oid);
  }

  /** What this repository reaches: every stored object, none, or what a walk of its refs finds
   *  (a walker reused, and resumed, until the refs move). */
  private reach(): 'all' | 'none' | ReachWalker {
    if (!this.sharesObjects()) return 'all';
    const refs = this.refs.list();
    if (refs.length === 0) return 'none';
    if (this.allReachable()) return 'all'; // every stored object is reachable from these refs
    return this.shared.reach.walker(this.repo, refs, () => new ReachWalker(this.objects, refs.map((r) => r.oid), this.shallowCommits()));
  }

  /** Makes (and keeps) the reach walker of the current refs now: its first reads, the ref tips,
   *  may fault for a fork's snapshot bytes, which a caller can wait for here (see withSnapshotBytes)
   *  and not inside a push that is already streaming. */
  prepareReach(): void {
    this.reach();
  }

  /** Marks every other repository of the network as possibly not reaching every object. */
  private othersMayNotReachAll(): void {
    this.sql.exec(
      `INSERT INTO repo_info (repo, key, value) SELECT key, 'all_reachable', '0' FROM repos WHERE key != ?
       ON CONFLICT(repo, key) DO UPDATE SET value = '0'`,
      this.repo,
    );
  }

  /** This repository's branch protection rules. */
  rules(): RuleStore {
    return new RuleStore(this.sql, this.repo);
  }

  /** This repository's shallow boundary (empty unless it was imported with a depth). */
  shallow(): ShallowStore {
    return new ShallowStore(this.sql, this.repo);
  }

  /** The shallow boundary as a set, for walks (one small query). */
  shallowCommits(): Set<string> {
    return new Set(this.shallow().list());
  }

  /** Starts receiving a pack; the caller writes chunks and then calls finish() or abort(). */
  beginPack(maxBytes?: number, shallow?: ReadonlySet<string>): PackIngest {
    if (!this.fs.existsSync(PACK_DIR)) this.fs.mkdirSync(PACK_DIR);
    this.fs.sweepOrphans(); // uploads cut off by an eviction (live ones are left alone)
    const id = this.allocatePackId();
    this.shared.livePacks.add(id);
    const ingest = new PackIngest(this.objects, this.fs, id, maxBytes, () => this.shared.livePacks.delete(id));
    // Thin bases and references: only what this repository reaches.
    const reach = this.reach();
    if (reach === 'none') ingest.usable = () => false;
    else if (reach !== 'all') {
      ingest.usable = (oid) => reach.has(oid);
      ingest.usableBase = (oid) => reach.has(oid, true);
      ingest.guide = (pack) => guideByParents(pack, reach, this.objects);
    }
    if (shallow) ingest.shallow = shallow;
    return ingest;
  }

  /** Ids of the uploads this instance is receiving right now (housekeeping waits for them). */
  uploadsInFlight(): ReadonlySet<number> {
    return this.shared.livePacks;
  }

  /** A fresh pack id (housekeeping's new packs; uploads take theirs in beginPack). */
  allocatePackId(): number {
    const id = Number(this.storeMeta('next_pack_id') ?? '1');
    this.setStoreMeta('next_pack_id', String(id + 1));
    return id;
  }

  /**
   * Removes what failed or interrupted uploads left behind: unfinished DOFS streams and pack
   * files no `packs` row owns, except those of uploads still running in this instance.
   * Returns how many pack files went.
   */
  sweepUploads(): number {
    this.fs.sweepOrphans();
    const indexed = new Set(this.sql.exec<{ id: number }>(`SELECT id FROM packs`).toArray().map((r) => r.id));
    return sweepUnownedPacks(this.fs, indexed, this.shared.livePacks);
  }

  /**
   * Validates ref updates against the (optional) new pack, then in ONE transaction indexes the
   * pack's objects and applies the updates with compare-and-swap. Objects are indexed only if
   * at least one ref moves (or the push only carried objects the repo lacked before).
   */
  commitPush(pack: IngestedPack | null, updates: RefUpdate[], atomic: boolean, via: WriteRoute = 'push', decided?: ReadonlyMap<string, boolean>): RefUpdateResult[] {
    const internals: PushInternals = {
      sql: this.sql,
      transactionSync: (fn) => this.storage.transactionSync(fn),
      livePacks: this.shared.livePacks,
      reach: this.shared.reach,
      othersMayNotReachAll: () => this.othersMayNotReachAll(),
      typeNumber: (oid) => this.typeNumber(oid),
    };
    return commitPushTo(this, internals, pack, updates, atomic, via, decided);
  }

  /**
   * True while every indexed object is known to be reachable from this repository's refs (whole
   * clones send the store as it is; reach() answers without a walk). Never recorded: true for a
   * repository alone in its store, or registered here (its network's writers keep the flag of
   * every registered repository); a view of an unregistered key in a shared store gets false.
   */
  allReachable(): boolean {
    // A fork's snapshot counts only if its origin reached all it stored when the fork took all
    // its refs, and every ref update since kept that (commitPush drops snapshot_reachable with
    // all_reachable; a housekeeping run, which sets all_reachable back, sees only the DO's own
    // packs). Objects indexed twice are sent once (snapshot-whole.ts).
    if (this.objects.snapshot && this.meta('snapshot_reachable') !== '1') return false;
    const v = this.meta('all_reachable');
    return v !== null ? v !== '0' : !this.sharesObjects() || this.hosts();
  }

  /** A full walk found every object reachable: the fast path may be used again. */
  markAllReachable(): void {
    if (this.objects.snapshot) this.setMeta('snapshot_reachable', '1');
    this.setMeta('all_reachable', '1');
  }

  private typeNumber(oid: string): number | null {
    const t = this.objects.typeOf(oid);
    return t ? TYPE_NUMBERS[t] : null;
  }

  /** Annotated tags: tag oid -> the object it finally points at. */
  /** The refs with the targets of annotated tags, in one query (see peel-cache.ts). */
  peeledRefs(): PeeledRef[] {
    return refsWithPeeled(this.sql, this.repo, (oid) => this.peeled(oid), this.objects.snapshot ? (oid) => this.typeNumber(oid) : undefined);
  }

  peeled(oid: string): string | null {
    const row = this.objects.row(oid);
    if (!row || TYPE_NAMES[row.type] !== 'tag') return null;
    let cur = oid;
    for (let i = 0; i < 50; i++) {
      const obj = this.objects.read(cur);
      if (obj.type !== 'tag') return cur;
      cur = parseTag(obj.data).object;
      if (!this.objects.has(cur)) return cur;
    }
    return cur;
  }

  /** Pack files of the store (shared by the network). */
  packCount(): number {
    return this.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM packs`).one().n;
  }

  /** Bytes of stored git data (pack files; shared by the network). */
  storedBytes(): number {
    return this.sql.exec<{ n: number | null }>(`SELECT sum(size) AS n FROM packs`).one().n ?? 0;
  }

  /**
   * Removes every byte the DO stores (once no repository is hosted here), keeping the links
   * that say where this DO's own name lives as a fork.
   */
  async wipe(): Promise<void> {
    const links = this.sql.exec<{ repo: string; network: string }>(`SELECT repo, network FROM links`).toArray();
    // Packs published for forks stay in R2 (and counted here) until the last fork lets go.
    const published = this.sql
      .exec<{ key: string; size: number; objects: number; refs: number }>(`SELECT key, size, objects, refs FROM published_packs WHERE refs > 0`)
      .toArray();
    this.objects.clearCaches();
    await this.storage.deleteAll();
    migrate(this.sql);
    for (const l of links) this.setLink(l.network, l.repo);
    for (const p of published) {
      this.sql.exec(`INSERT INTO published_packs (key, pack_id, size, objects, refs) VALUES (?, NULL, ?, ?, ?)`, p.key, p.size, p.objects, p.refs);
    }
  }
}

export { IngestError, ZERO_OID };
