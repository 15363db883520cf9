// RepoObject: the Durable Object named after a repository (`ns/name`). It hosts that repository
// and the forks made of it — a fork network sharing one object store (see storage/schema.ts) —
// and, when its own name is a fork of a network hosted elsewhere, forwards to that DO. Git
// traffic arrives through fetch() (streaming bodies both ways); the control plane calls its RPC
// methods, each naming the repository by key. All state lives in this object's SQLite.
import { DurableObject } from 'cloudflare:workers';
import { setAccelerator } from '../wasm';
import git from 'isomorphic-git';
import type { Env } from '../env';
import type { Scope } from '../auth/tokens';
import { RepoStore } from '../storage/repo-store';
import { ZERO_OID } from '../storage/refs';
import { NO_TOKENS, authorize } from './auth';
import { drainBody, infoRefs, receivePackHttp, uploadPack } from './git-http';
import { bodyIdleMs } from '../protocol/body-idle';
import { TokenStore } from './token-store';
import { EventStore, type RefEvent } from './event-store';
import { serveRepoApi, type ApiRoute } from '../api/reads';
import {
  createCommit, log, readFile, readTree, repoCall, type CommitInput, type CommitResult, type FileJson, type LogJson, type LogOptions, type ServiceResult, type TreeJson,
} from '../commit';
import { WebhookStore, MAX_WEBHOOKS_PER_REPO, type DeliveryView, type WebhookEvent, type WebhookView } from './webhook-store';
import { deliverDue, deliveryPolicy, pingBody, refUpdateBodies } from './webhook-delivery';
import { ScheduledJobs, earliest } from './scheduled-jobs';
import { fetchRemote, type FetchedRemote } from '../import/run';
import { ImportError } from '../import/errors';
import { importFailure, type ImportSummary } from '../import/result';
import { BenchInputError, benchIndexPack, type IndexBenchResult } from '../storage/index-bench';

export const DEFAULT_BRANCH = 'main';
/** How long after a push the sweeper looks for what interrupted uploads left behind. */
export const SWEEP_DELAY_MS = 15 * 60 * 1000;
export const GITDIR = '/';

export interface RepoInfo {
  namespace: string;
  name: string;
  defaultBranch: string;
  createdAt: string;
  /** Last ref change (or creation). */
  updatedAt: string;
  /** Bytes of stored git data (pack files). */
  sizeBytes: number;
  objects: number;
  refs: number;
  readOnly: boolean;
  forkedFrom: string | null;
}

export interface TokenListing {
  id: string;
  scope: Scope;
  createdAt: string;
  expiresAt: string;
  expired: boolean;
}

export type RpcResult<T> = { ok: true; value: T } | { ok: false; status: number; code: string; message: string };
type Failure = { ok: false; status: number; code: string; message: string };

export interface ForkOptions {
  readOnly: boolean;
  defaultBranchOnly: boolean;
}

/** One hosted repository: its store view and its token and event tables. */
interface Hosted {
  key: string;
  store: RepoStore;
  tokens: TokenStore;
  events: EventStore;
}

const notFound = (key?: string): Failure => ({ ok: false, status: 404, code: 'not_found', message: key ? `repository ${key} not found` : 'repository not found' });
const conflict = (key: string): Failure => ({ ok: false, status: 409, code: 'conflict', message: `repository ${key} already exists` });
/** A fork being made reserves its name with a pending link; one older than this was cut off. */
const PENDING_LINK_MS = 60_000;
const READ_ONLY_PUSH = 'this repository is a read-only fork: pushes are refused';

export class RepoObject extends DurableObject<Env> {
  /** The DO's store (shared object store); per-repository views come from hosted(). */
  private root: RepoStore;
  private readonly views = new Map<string, Hosted>();
  /** Webhooks of every hosted repository (rows keyed by repo) and their delivery queue. */
  private webhooks: WebhookStore;
  /** When each alarm-driven job of this DO is due (one alarm serves them all). */
  private jobs: ScheduledJobs;
  /** Names an import is fetching into right now (a second import or create is a conflict). */
  private readonly importing = new Set<string>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    if (env.ARBOR_ACCEL === 'wasm' || env.ARBOR_ACCEL === 'ts' || env.ARBOR_ACCEL === 'auto') setAccelerator(env.ARBOR_ACCEL);
    this.root = new RepoStore(ctx.storage);
    this.webhooks = new WebhookStore(ctx.storage.sql);
    this.jobs = new ScheduledJobs(ctx.storage.sql);
    // Deliveries queued by a push whose alarm was lost (e.g. the object died before it was set).
    if (this.webhooks.nextDue() !== null) {
      ctx.blockConcurrencyWhile(async () => {
        if ((await ctx.storage.getAlarm()) === null) await this.armAlarm();
      }).catch((e) => console.error('webhook alarm', e));
    }
  }

  /** The repository `key` if this DO hosts it, with the hook recording every ref change. */
  private hosted(key: string): Hosted | null {
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
      const repo = nameOf(key);
      let queued = 0;
      for (const body of refUpdateBodies(repo, appended, actor, now)) queued += this.webhooks.enqueue(key, 'ref.update', body, now);
      if (queued > 0) this.ctx.storage.setAlarm(now).catch((e) => console.error('webhook alarm', e)); // earlier than any other job: the alarm re-arms for the rest
    };
    const h = { key, store, tokens, events };
    this.views.set(key, h);
    return h;
  }

  private stubOf(network: string): DurableObjectStub<RepoObject> {
    return this.env.REPO.get(this.env.REPO.idFromString(network));
  }

  /** Where `key` lives when it is not hosted here: a network DO's stub, or null (no such repo). */
  private linked(key: string): DurableObjectStub<RepoObject> | null {
    const net = this.root.link(key);
    return net && !net.startsWith('pending:') ? this.stubOf(net) : null;
  }

  /** Runs `local` on the hosted repository, or forwards to the network hosting it, or 404. */
  private async on<T>(key: string, local: (h: Hosted) => T | Promise<T>, remote: (s: DurableObjectStub<RepoObject>) => Promise<unknown>, missing: () => T): Promise<T> {
    const h = this.hosted(key);
    if (h) return local(h);
    const s = this.linked(key);
    return s ? ((await remote(s)) as T) : missing();
  }

  /**
   * Whether the name `key` is taken (hosted here, linked to a network that hosts it, or being
   * forked right now). A link to a network that no longer hosts the repo is stale: removed.
   */
  private async taken(key: string): Promise<boolean> {
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

  async hostsRepo(key: string): Promise<boolean> {
    return this.root.hosts(key);
  }

  private info(h: Hosted): RepoInfo {
    const m = (k: string) => h.store.meta(k);
    const createdAt = m('created_at')!;
    return {
      namespace: m('namespace')!,
      name: m('name')!,
      defaultBranch: m('default_branch') ?? DEFAULT_BRANCH,
      createdAt,
      updatedAt: m('updated_at') ?? createdAt,
      sizeBytes: h.store.storedBytes(), // a fork reports the object store it shares
      objects: h.store.objects.count(),
      refs: h.store.refs.count(),
      readOnly: m('read_only') === '1',
      forkedFrom: m('forked_from'),
    };
  }

  /** Creates the empty bare repository `namespace/name` and its first write token. */
  async create(namespace: string, name: string, tokenTtl: number): Promise<RpcResult<RepoInfo & { token: string }>> {
    const key = `${namespace}/${name}`;
    if (await this.taken(key)) return conflict(key);
    await this.initLayout();
    if (this.root.hosts(key)) return conflict(key); // created while we awaited
    const store = this.root.forRepo(key);
    const token = this.ctx.storage.transactionSync(() => {
      this.register(store, namespace, name);
      store.setMeta('default_branch', DEFAULT_BRANCH);
      store.refs.setHead(`refs/heads/${DEFAULT_BRANCH}`);
      return new TokenStore(this.ctx.storage.sql, key).issue('write', tokenTtl);
    });
    return { ok: true, value: { ...this.info(this.hosted(key)!), token: token.token } };
  }

  /**
   * Creates repository `namespace/name` from a remote git repository (src/import). The pack
   * streams into a pack file first; the repository (meta, HEAD, refs, objects, shallow boundary,
   * token) comes into existence in one transaction after it proved valid: a failure leaves nothing.
   */
  async import(
    namespace: string,
    name: string,
    opts: { url: string; branch?: string; depth?: number; headers: Record<string, string> },
    tokenTtl: number,
  ): Promise<RpcResult<RepoInfo & { token: string; imported: ImportSummary }>> {
    const key = `${namespace}/${name}`;
    if (await this.taken(key)) return conflict(key);
    this.importing.add(key);
    let fetched: FetchedRemote | null = null;
    try {
      const store = this.root.forRepo(key);
      fetched = await fetchRemote(store, { url: new URL(opts.url), branch: opts.branch, depth: opts.depth, headers: opts.headers });
      if (this.root.hosts(key)) {
        fetched.discard(); // created while we fetched
        return conflict(key);
      }
      await this.initLayout();
      const f = fetched;
      const token = this.ctx.storage.transactionSync(() => {
        this.register(store, namespace, name);
        store.setMeta('default_branch', f.head.slice(11));
        store.refs.setHead(f.head);
        store.shallow().set(f.shallows);
        const updates = f.refs.map((r) => ({ name: r.name, oldOid: ZERO_OID, newOid: r.oid }));
        if (f.pack || updates.length) {
          const results = this.hosted(key)!.store.commitPush(f.pack, updates, true); // with the events hook
          const bad = results.find((r) => !r.ok);
          if (bad) throw new ImportError('invalid_pack', `cannot create ${bad.name}: ${bad.error}`); // rolls back
        }
        return new TokenStore(this.ctx.storage.sql, key).issue('write', tokenTtl);
      });
      const imported = { refs: f.refs.length, objects: f.pack?.objectCount ?? 0, head: f.head, shallow: f.shallows.length, protocol: f.protocol };
      return { ok: true, value: { ...this.info(this.hosted(key)!), token: token.token, imported } };
    } catch (e) {
      this.views.delete(key); // a view made inside the rolled-back transaction
      fetched?.discard();
      return importFailure(e);
    } finally {
      this.importing.delete(key);
    }
  }

  /**
   * A bare repository layout on DOFS (config, HEAD, refs/, objects/), once per DO, so
   * isomorphic-git can work on the store; refs and objects of record live in the indexed tables.
   */
  private async initLayout(): Promise<void> {
    if (this.root.fs.existsSync('/config')) return;
    await git.init({ fs: this.root.fs, dir: GITDIR, gitdir: GITDIR, bare: true, defaultBranch: DEFAULT_BRANCH });
  }

  /** Makes `store`'s repository hosted here (inside the creating transaction). */
  private register(store: RepoStore, namespace: string, name: string): void {
    // Objects already here belong to other repositories of the network, not to this one.
    const others = store.objects.count() > 0;
    store.register();
    store.setMeta('namespace', namespace);
    store.setMeta('name', name);
    store.setMeta('created_at', new Date().toISOString());
    if (others) {
      store.setMeta('all_reachable', '0');
      store.markShared();
    }
  }

  async get(key: string): Promise<RpcResult<RepoInfo>> {
    return this.on<RpcResult<RepoInfo>>(key, (h) => ({ ok: true, value: this.info(h) }), (s) => s.get(key), notFound);
  }

  /**
   * Deletes the repository. Its objects stay while another repository of the network is hosted
   * here (forks keep everything they can reach); the last one out frees the whole store.
   */
  async destroy(key: string): Promise<RpcResult<null>> {
    const h = this.hosted(key);
    if (h) {
      this.views.delete(key);
      const left = this.ctx.storage.transactionSync(() => {
        h.tokens.clear();
        h.events.clear();
        this.webhooks.dropRepo(key);
        return h.store.unregister();
      });
      if (left === 0) {
        await this.root.wipe();
        this.views.clear();
        this.root = new RepoStore(this.ctx.storage); // fresh tables and caches
        this.webhooks = new WebhookStore(this.ctx.storage.sql);
        this.jobs = new ScheduledJobs(this.ctx.storage.sql);
        await this.ctx.storage.deleteAlarm();
      }
      return { ok: true, value: null };
    }
    const s = this.linked(key);
    if (!s) return notFound();
    const r = await s.destroy(key);
    this.root.removeLink(key);
    return r;
  }

  // ---- Forks

  /** The DO (hex id) hosting repository `key`'s network. */
  async networkOf(key: string): Promise<RpcResult<string>> {
    if (this.root.hosts(key)) return { ok: true, value: this.ctx.id.toString() };
    const s = this.linked(key);
    return s ? s.networkOf(key) : notFound(key);
  }

  /**
   * Makes `namespace/name` (this DO's own name) a fork of `source`: reserves the name, finds the
   * source's network and has that DO add the fork, then links the name to it.
   */
  async createFork(namespace: string, name: string, source: string, opts: ForkOptions, tokenTtl: number): Promise<RpcResult<RepoInfo & { token: string }>> {
    const key = `${namespace}/${name}`;
    if (await this.taken(key)) return conflict(key);
    this.root.setLink(`pending:${Date.now()}`, key);
    let keepLink = false;
    try {
      const [srcNs, srcName] = source.split('/');
      const home = this.env.REPO.get(this.env.REPO.idFromName(`${srcNs}/${srcName}`));
      const net = home.id.equals(this.ctx.id) ? await this.networkOf(source) : await home.networkOf(source);
      if (!net.ok) return net;
      if (net.value === this.ctx.id.toString()) {
        this.root.removeLink(key);
        return this.addFork(source, namespace, name, opts, tokenTtl);
      }
      this.root.setLink(net.value, key);
      keepLink = true; // from here on, a failure we cannot see the outcome of keeps the link
      const r = await this.stubOf(net.value).addFork(source, namespace, name, opts, tokenTtl);
      if (!r.ok) keepLink = false;
      return r;
    } finally {
      if (!keepLink) this.root.removeLink(key);
    }
  }

  /** Adds fork `namespace/name` of hosted repository `source`: refs and settings, no objects. */
  async addFork(source: string, namespace: string, name: string, opts: ForkOptions, tokenTtl: number): Promise<RpcResult<RepoInfo & { token: string }>> {
    const src = this.hosted(source);
    if (!src) return notFound(source);
    const key = `${namespace}/${name}`;
    if (this.root.hosts(key)) return conflict(key);
    const store = this.root.forRepo(key);
    const token = this.ctx.storage.transactionSync(() => {
      this.register(store, namespace, name);
      const head = src.store.refs.head();
      store.setMeta('default_branch', src.store.meta('default_branch') ?? DEFAULT_BRANCH);
      store.setMeta('forked_from', source);
      store.markShared(); // from now on, objects by id only as far as each repository's refs reach
      if (opts.readOnly) store.setMeta('read_only', '1');
      store.refs.copyFrom(source, opts.defaultBranchOnly ? ['HEAD', head.target] : undefined);
      store.shallow().set(src.store.shallow().list()); // a fork of a shallow repository is as shallow
      // Same refs as the source reach what the source reaches; a subset may not reach all.
      store.setMeta('all_reachable', !opts.defaultBranchOnly && src.store.allReachable() ? '1' : '0');
      return new TokenStore(this.ctx.storage.sql, key).issue('write', tokenTtl);
    });
    return { ok: true, value: { ...this.info(this.hosted(key)!), token: token.token } };
  }

  // ---- Tokens and events

  async createToken(key: string, scope: Scope, ttlSeconds: number): Promise<RpcResult<{ id: string; token: string; scope: Scope; expiresAt: string }>> {
    return this.on<RpcResult<{ id: string; token: string; scope: Scope; expiresAt: string }>>(
      key,
      (h) => {
        const t = h.tokens.issue(scope, ttlSeconds);
        return { ok: true, value: { id: t.id, token: t.token, scope: t.scope, expiresAt: new Date(t.expiresAt * 1000).toISOString() } };
      },
      (s) => s.createToken(key, scope, ttlSeconds),
      notFound,
    );
  }

  /** Tokens of this repository: ids, scope, times — never the secret or its hash. */
  async listTokens(key: string): Promise<RpcResult<TokenListing[]>> {
    const now = Date.now();
    return this.on<RpcResult<TokenListing[]>>(
      key,
      (h) => ({
        ok: true,
        value: h.tokens.list().map((t) => ({
          id: t.id,
          scope: t.scope as Scope,
          createdAt: new Date(t.created_at * 1000).toISOString(),
          expiresAt: new Date(t.expires_at * 1000).toISOString(),
          expired: t.expires_at * 1000 <= now,
        })),
      }),
      (s) => s.listTokens(key),
      notFound,
    );
  }

  /** Revokes a token: its next request fails (every git request looks the hash up here). */
  async revokeToken(key: string, id: string): Promise<RpcResult<null>> {
    return this.on<RpcResult<null>>(
      key,
      (h) => (h.tokens.revoke(id) ? { ok: true, value: null } : { ok: false, status: 404, code: 'not_found', message: `no token ${id} on this repository` }),
      (s) => s.revokeToken(key, id),
      notFound,
    );
  }

  /** Ref-change events with id > after, oldest first. */
  async listEvents(key: string, after: number, limit: number): Promise<RpcResult<RefEvent[]>> {
    return this.on<RpcResult<RefEvent[]>>(key, (h) => ({ ok: true, value: h.events.list(after, limit) }), (s) => s.listEvents(key, after, limit), notFound);
  }

  /**
   * One alarm, two jobs: the upload sweeper (removes unfinished and unowned pack files, see
   * SWEEP_DELAY_MS) when it is due, and webhook deliveries that are due. Then re-arms for
   * whichever comes next.
   */
  override async alarm(): Promise<void> {
    const sweepAt = this.jobs.due('sweep');
    if (sweepAt !== null && sweepAt <= Date.now()) {
      this.jobs.clear('sweep');
      if (this.root.hostedRepos().length > 0) this.root.sweepUploads();
    }
    await deliverDue(this.webhooks, deliveryPolicy(this.env));
    await this.armAlarm();
  }

  /** Sets the alarm to the earliest due job (or clears it). */
  private async armAlarm(): Promise<void> {
    const next = earliest(this.jobs.due('sweep'), this.webhooks.nextDue());
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(next);
  }

  /** Git smart HTTP. The Worker forwards `/git/<ns>/<name>.git/<rest>`; we look at <rest>. */
  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const m = /^\/git\/([^/]+)\/([^/]+?)(?:\.git)?\/(.*)$/.exec(url.pathname);
    if (!m) return text(404, 'not found');
    const key = `${decodeURIComponent(m[1])}/${decodeURIComponent(m[2])}`;
    const rest = m[3];
    const h = this.hosted(key);
    if (!h) {
      const s = this.linked(key);
      if (s) return s.fetch(request);
    }
    // A missing repository goes through the same checks as one the caller may not see (NO_TOKENS).
    let service: 'git-upload-pack' | 'git-receive-pack' | null = null;
    if (rest === 'info/refs' && request.method === 'GET') {
      const sv = url.searchParams.get('service');
      if (sv !== 'git-upload-pack' && sv !== 'git-receive-pack') {
        return text(403, 'dumb HTTP is not supported: use a smart-HTTP git client');
      }
      service = sv;
    } else if ((rest === 'git-upload-pack' || rest === 'git-receive-pack') && request.method === 'POST') {
      service = rest;
    } else {
      await drainBody(request.body);
      return text(404, 'not found');
    }
    const access = authorize(request, this.env.ARBOR_ADMIN_TOKEN, h?.tokens ?? NO_TOKENS, service === 'git-receive-pack' ? 'write' : 'read');
    const refuse = async (status: number, message: string, headers: Record<string, string> = {}) => {
      await drainBody(request.body); // refusing before the body is read loses the refusal (workerd#1741)
      return text(status, message, headers);
    };
    if (!access.ok) return refuse(access.status, access.message, access.status === 401 ? { 'www-authenticate': 'Basic realm="arbor"' } : {});
    if (!h) return refuse(404, 'repository not found'); // the admin may know
    const idleMs = bodyIdleMs(this.env.ARBOR_BODY_IDLE_TIMEOUT_MS);
    if (service === 'git-receive-pack' && h.store.meta('read_only') === '1') return refuse(403, READ_ONLY_PUSH);
    if (request.method === 'GET') return infoRefs(h.store, service, request);
    if (service === 'git-upload-pack') return uploadPack(h.store, request, idleMs);
    // An interrupted upload leaves an unfinished pack file: sweep it later if no push does.
    this.jobs.set('sweep', Date.now() + SWEEP_DELAY_MS);
    await this.armAlarm();
    return receivePackHttp(h.store.withActor(access.tokenId), request, idleMs);
  }

  // ---- Commit and read API (src/commit): REST via api(), the same service functions as RPC.

  /** REST commit/read routes: the Worker forwards the request with the name of its route. */
  async api(key: string, route: ApiRoute, rest: string, request: Request): Promise<Response> {
    const h = this.hosted(key);
    if (!h) {
      const s = this.linked(key);
      if (s) return s.api(key, route, rest, request);
    }
    const store = h?.store.withActor(null) ?? this.root; // this request's view: ref changes name its token
    const authorizeFor = (need: Scope) => {
      const access = authorize(request, this.env.ARBOR_ADMIN_TOKEN, h?.tokens ?? NO_TOKENS, need);
      if (access.ok) (store as { actor: string | null }).actor = access.tokenId;
      return access;
    };
    const readOnly = h?.store.meta('read_only') === '1';
    return serveRepoApi({ exists: h !== null, readOnly, ctx: { store }, authorize: authorizeFor }, route, rest, request);
  }

  /** Runs a commit/read service function on repository `key` (hosted here or forwarded). */
  private repoCall<T>(key: string, fn: (h: Hosted) => Promise<ServiceResult<T>>, remote: (s: DurableObjectStub<RepoObject>) => Promise<unknown>): Promise<ServiceResult<T>> {
    return this.on<ServiceResult<T>>(key, fn, remote, notFound);
  }

  /** One atomic commit of many file changes (see CommitInput). */
  async commit(key: string, input: CommitInput): Promise<ServiceResult<CommitResult>> {
    return this.repoCall<CommitResult>(
      key,
      (h) =>
        h.store.meta('read_only') === '1'
          ? Promise.resolve({ ok: false, status: 403, code: 'forbidden', message: 'this repository is a read-only fork: commits are refused' })
          : repoCall(true, { store: h.store }, (ctx) => createCommit(ctx, input)),
      (s) => s.commit(key, input),
    );
  }

  /** A file's bytes, sha and mode at a revision. */
  async readFile(key: string, rev: string, path: string): Promise<ServiceResult<FileJson>> {
    return this.repoCall<FileJson>(key, (h) => repoCall(true, { store: h.store }, (ctx) => readFile(ctx, rev, path)), (s) => s.readFile(key, rev, path));
  }

  /** The entries of a directory at a revision (recursive: the whole subtree). */
  async readTree(key: string, rev: string, path = '', opts: { recursive?: boolean } = {}): Promise<ServiceResult<TreeJson>> {
    return this.repoCall<TreeJson>(key, (h) => repoCall(true, { store: h.store }, (ctx) => readTree(ctx, rev, path, opts)), (s) => s.readTree(key, rev, path, opts));
  }

  /** History from a revision, newest first (path filter, first-parent, cursor pages). */
  async log(key: string, rev = 'HEAD', opts: LogOptions = {}): Promise<ServiceResult<LogJson>> {
    return this.repoCall<LogJson>(key, (h) => repoCall(true, { store: h.store }, (ctx) => log(ctx, rev, opts)), (s) => s.log(key, rev, opts));
  }

  // ---- Webhooks (src/repo/webhook-store.ts, webhook-delivery.ts). Input is checked by the service.

  /** Adds a webhook (the secret is stored to sign deliveries and never returned). */
  async createWebhook(key: string, input: { url: string; secret: string; events: WebhookEvent[] }): Promise<RpcResult<WebhookView>> {
    const h = this.hosted(key);
    if (!h) return this.linked(key)?.createWebhook(key, input) ?? notFound();
    const now = Date.now();
    const hook = this.ctx.storage.transactionSync(() => {
      const w = this.webhooks.create(key, input, now);
      if (w && w.events.includes('ping')) {
        const repo = nameOf(key);
        this.webhooks.enqueue(key, 'ping', pingBody(repo, w), now, w.id);
      }
      return w;
    });
    if (!hook) return { ok: false, status: 409, code: 'limit_exceeded', message: `a repository has at most ${MAX_WEBHOOKS_PER_REPO} webhooks` };
    if (hook.events.includes('ping')) await this.ctx.storage.setAlarm(now);
    return { ok: true, value: hook };
  }

  async listWebhooks(key: string): Promise<RpcResult<WebhookView[]>> {
    return this.on<RpcResult<WebhookView[]>>(key, () => ({ ok: true, value: this.webhooks.list(key) }), (s) => s.listWebhooks(key), notFound);
  }

  /** Removes a webhook; its queued deliveries are dropped. */
  async deleteWebhook(key: string, id: string): Promise<RpcResult<null>> {
    return this.on<RpcResult<null>>(
      key,
      () => (this.webhooks.delete(key, id) ? { ok: true, value: null } : { ok: false, status: 404, code: 'not_found', message: `no webhook ${id} on this repository` }),
      (s) => s.deleteWebhook(key, id),
      notFound,
    );
  }

  /** A webhook's recent deliveries, newest first (pending ones included). */
  async listDeliveries(key: string, id: string, limit: number): Promise<RpcResult<DeliveryView[]>> {
    return this.on<RpcResult<DeliveryView[]>>(
      key,
      () =>
        this.webhooks.get(key, id)
          ? { ok: true, value: this.webhooks.deliveries(key, id, limit) }
          : { ok: false, status: 404, code: 'not_found', message: `no webhook ${id} on this repository` },
      (s) => s.listDeliveries(key, id, limit),
      notFound,
    );
  }

  /**
   * Admin benchmark: indexes a raw .pack as a push would (see src/storage/index-bench.ts) in
   * this scratch object, then wipes it. Refused on an object that holds a repository.
   */
  async benchIndex(body: ReadableStream<Uint8Array>): Promise<RpcResult<IndexBenchResult & { idx: Uint8Array }>> {
    if (this.root.hostedRepos().length > 0) {
      await drainBody(body);
      return { ok: false, status: 409, code: 'conflict', message: 'benchmarks run in a scratch object, not in a repository' };
    }
    try {
      const { result, idx } = await benchIndexPack(this.root.forRepo('__bench'), body);
      return { ok: true, value: { ...result, idx } };
    } catch (e) {
      if (e instanceof BenchInputError) return { ok: false, status: 422, code: 'bad_pack', message: e.message };
      throw e;
    } finally {
      await this.root.wipe();
      this.views.clear();
      this.root = new RepoStore(this.ctx.storage); // fresh tables and caches
      this.webhooks = new WebhookStore(this.ctx.storage.sql);
      this.jobs = new ScheduledJobs(this.ctx.storage.sql);
    }
  }

}

/** The namespace and name a repository key `ns/name` is made of (neither contains '/'). */
function nameOf(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

function text(status: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(message + '\n', { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers } });
}
