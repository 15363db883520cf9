// The state one RepoObject holds and the lookups every one of its modules needs: which
// repositories it hosts (a fork network shares this DO's object store, see storage/schema.ts),
// where a repository linked to another network's DO lives, and the per-repository views
// (store, tokens, events) with the hook that records every ref change.
import type { Env } from '../env';
import type { RepoObject } from './repo-object';
import { RepoStore } from '../storage/repo-store';
import { TokenStore } from './token-store';
import { EventStore } from './event-store';
import { WebhookStore } from './webhook-store';
import { refUpdateBodies } from './webhook-delivery';
import { ScheduledJobs, earliest } from './scheduled-jobs';
import { logError } from '../http/log';
import type { Housekeeper } from '../storage/housekeeping/run';
import { Traffic } from '../storage/housekeeping/traffic';
import { afterWrite, makeHousekeeper } from './maintenance-calls';
import { DEFAULT_BRANCH, nameOf, type RepoInfo } from './types';
import { Snapshot } from '../storage/snapshot';
import { snapshotPacks } from '../storage/publish';

/** One hosted repository: its store view and its token and event tables. */
export interface Hosted {
  key: string;
  store: RepoStore;
  tokens: TokenStore;
  events: EventStore;
}

/** A fork being made reserves its name with a pending link; one older than this was cut off. */
const PENDING_LINK_MS = 60_000;

export class RepoHost {
  /** The DO's store (shared object store); per-repository views come from hosted(). */
  root: RepoStore;
  /** Webhooks of every hosted repository (rows keyed by repo) and their delivery queue. */
  webhooks: WebhookStore;
  /** When each alarm-driven job of this DO is due (one alarm serves them all). */
  jobs: ScheduledJobs;
  /** Repack and gc of the object store (maintenance-calls.ts). */
  housekeeper: Housekeeper;
  /** Requests being served (RepoObject counts them): housekeeping stands aside for them. */
  readonly traffic = new Traffic();
  /** Names an import is fetching into right now (a second import or create is a conflict). */
  readonly importing = new Set<string>();
  private readonly views = new Map<string, Hosted>();

  constructor(readonly ctx: DurableObjectState, readonly env: Env) {
    this.root = new RepoStore(ctx.storage);
    this.webhooks = new WebhookStore(ctx.storage.sql);
    this.jobs = new ScheduledJobs(ctx.storage.sql);
    this.housekeeper = makeHousekeeper(ctx, this.root, this.traffic, env.ARBOR_HK_MAX_RUN_OBJECTS);
    this.loadSnapshot();
  }

  /**
   * Counts a request served by this DO and the wall time spent on it (until its answer's last
   * byte for git traffic): GET /v1/repos/:ns/:name/stats, and the bench's per-DO busy time.
   * Kept in SQLite, so evictions do not reset it.
   */
  countRequest(ms: number): void {
    // One statement for both counters: every request pays it (a statement costs ~0.1 ms of CPU locally).
    const add = Math.round(ms);
    this.ctx.storage.sql.exec(
      `INSERT INTO repo_meta (key, value) VALUES ('requests', '1'), ('busy_ms', ?) ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + CAST(excluded.value AS INTEGER)`,
      String(add),
    );
  }

  /** What countRequest() recorded, and the size of this DO's SQLite database (metadata and packs). */
  requestStats(): { requests: number; busyMs: number; databaseBytes: number } {
    const get = (k: string) => Number(this.ctx.storage.sql.exec<{ value: string }>(`SELECT value FROM repo_meta WHERE key = ?`, k).toArray()[0]?.value ?? 0);
    return { requests: get('requests'), busyMs: get('busy_ms'), databaseBytes: this.ctx.storage.sql.databaseSize };
  }

  /** Attaches the fork snapshot this DO recorded (storage/snapshot.ts), if any. */
  loadSnapshot(): void {
    const packs = snapshotPacks(this.ctx.storage.sql);
    const knob = Number(this.env.ARBOR_SNAPSHOT_PREFETCH_BYTES ?? NaN);
    const win = Number(this.env.ARBOR_SNAPSHOT_WINDOW_BYTES ?? NaN); // test knob: faults mid-walk
    this.root.objects.attachSnapshot(packs.length > 0 ? new Snapshot(packs, this.env.PACKS, Number.isFinite(knob) ? knob : undefined, win > 0 ? win : undefined) : null);
  }

  /** After the last repository left (or a wipe): fresh tables and caches. */
  reset(): void {
    this.views.clear();
    this.root = new RepoStore(this.ctx.storage);
    this.webhooks = new WebhookStore(this.ctx.storage.sql);
    this.jobs = new ScheduledJobs(this.ctx.storage.sql);
    this.housekeeper = makeHousekeeper(this.ctx, this.root, this.traffic, this.env.ARBOR_HK_MAX_RUN_OBJECTS);
    this.loadSnapshot();
  }

  /** The repository `key` if this DO hosts it, with the hook recording every ref change. */
  hosted(key: string): Hosted | null {
    const cached = this.views.get(key);
    if (cached) return cached;
    if (!this.root.hosts(key)) return null;
    const store = this.root.forRepo(key);
    const tokens = new TokenStore(this.ctx.storage.sql, key);
    const events = new EventStore(this.ctx.storage.sql, key);
    store.onRefChange = (moved, actor) => {
      const now = Date.now();
      const appended = events.append(moved, actor, now);
      store.setMeta('updated_at', new Date(now).toISOString());
      // Webhook deliveries commit (or roll back) with the ref update; the alarm sends them.
      let queued = 0;
      for (const body of refUpdateBodies(nameOf(key), appended, actor, now)) queued += this.webhooks.enqueue(key, 'ref.update', body, now);
      if (queued > 0) this.ctx.storage.setAlarm(now).catch((e) => logError('webhook alarm', e, { repo: key })); // earlier than any other job: the alarm re-arms for the rest
      afterWrite(this); // housekeeping, if a threshold is crossed
    };
    const h = { key, store, tokens, events };
    this.views.set(key, h);
    return h;
  }

  /** Forgets the cached view of `key` (deleted, or made inside a rolled-back transaction). */
  forget(key: string): void {
    this.views.delete(key);
  }

  stubOf(network: string): DurableObjectStub<RepoObject> {
    return this.env.REPO.get(this.env.REPO.idFromString(network));
  }

  /** Where `key` lives when it is not hosted here: a network DO's stub, or null (no such repo). */
  linked(key: string): DurableObjectStub<RepoObject> | null {
    const net = this.root.link(key);
    return net && !net.startsWith('pending:') ? this.stubOf(net) : null;
  }

  /** Runs `local` on the hosted repository, or forwards to the network hosting it, or `missing`. */
  async on<T>(key: string, local: (h: Hosted) => T | Promise<T>, remote: (s: DurableObjectStub<RepoObject>) => Promise<unknown>, missing: () => T): Promise<T> {
    const h = this.hosted(key);
    if (h) return local(h);
    const s = this.linked(key);
    return s ? ((await remote(s)) as T) : missing();
  }

  /**
   * Whether the name `key` is taken (hosted here, linked to a network that hosts it, or being
   * forked right now). A link to a network that no longer hosts the repo is stale: removed.
   */
  async taken(key: string): Promise<boolean> {
    if (this.root.hosts(key) || this.importing.has(key)) return true;
    const net = this.root.link(key);
    if (net === null) return false;
    if (net.startsWith('pending:')) {
      if (Date.now() - Number(net.slice(8)) < PENDING_LINK_MS) return true;
    } else if (await this.stubOf(net).hostsRepo(key)) {
      return true;
    }
    this.root.removeLink(key);
    return false;
  }

  info(h: Hosted): RepoInfo {
    const m = (k: string) => h.store.meta(k);
    const createdAt = m('created_at')!;
    return {
      namespace: m('namespace')!,
      name: m('name')!,
      defaultBranch: m('default_branch') ?? DEFAULT_BRANCH,
      createdAt,
      updatedAt: m('updated_at') ?? createdAt,
      sizeBytes: h.store.storedBytes(), // a fork reports the object store it shares
      packs: h.store.packCount(),
      objects: h.store.objects.count(),
      refs: h.store.refs.count(),
      readOnly: m('read_only') === '1',
      forkedFrom: m('forked_from'),
      durableObjectId: this.ctx.id.toString(),
    };
  }

  /** Sets the alarm to the earliest due job (or clears it). */
  async armAlarm(): Promise<void> {
    const next = earliest(this.jobs.due('sweep'), this.webhooks.nextDue(), this.jobs.due('maintenance'));
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(next);
  }
}
