// RepoObject: the Durable Object named after a repository (`ns/name`). It hosts that repository;
// a fork is a RepoObject of its own, reading its origin's packs from R2 (forks.ts). Stores of
// earlier versions may host a fork network (forks sharing this DO's object store), and a name
// linked to such a network elsewhere is forwarded to that DO. Git
// traffic arrives through fetch() (streaming bodies both ways); the control plane calls its RPC
// methods, each naming the repository by key. All state lives in this object's SQLite.
//
// A thin class: each method hands the call to the module that owns it —
//   host.ts          hosted repositories, links to other networks, per-repo views
//   lifecycle.ts     create, import, delete          forks.ts         fork networks
//   git-routing.ts   git smart HTTP (auth, service)  commit-calls.ts  commit/read REST + RPC
//   access-calls.ts  tokens, events                  webhook-calls.ts webhooks, the alarm
//   maintenance-calls.ts  housekeeping (repack, gc) of the object store
//   rule-calls.ts    branch protection rules
//   view-calls.ts    isomorphic-git on the repository's git directory view: the RPC fs, merges, ref writes
import { DurableObject } from 'cloudflare:workers';
import { setAccelerator } from '../codec';
import type { Env } from '../env';
import type { Scope } from '../auth/tokens';
import type { CommitInput, CommitResult, FileJson, LogJson, LogOptions, ServiceResult, TreeJson } from '../commit';
import type { MergeInput, MergeResult, RefWriteInput, RefWriteResult, TagInput, TagResult } from '../commit';
import type { ImportSummary } from '../import/result';
import type { RefEvent } from './event-store';
import type { DeliveryView, WebhookEvent, WebhookView } from './webhook-store';
import type { ApiRoute } from './rest-api';
import { RepoHost } from './host';
import * as lifecycle from './lifecycle';
import * as forks from './forks';
import * as access from './access-calls';
import * as hooks from './webhook-calls';
import * as calls from './commit-calls';
import * as maintenance from './maintenance-calls';
import * as rules from './rule-calls';
import type { BranchRule } from '../storage/rules';
import * as views from './view-calls';
import type { GitFs } from './git-fs';
import { serveGit } from './git-routing';
import { logError } from '../http/log';
import { countHere, forkSource, type ForkSource } from './fork-packs';
import { withSnapshotBytes } from '../storage/snapshot';
import { notFound, type ForkOptions, type RepoInfo, type RpcResult, type TokenListing } from './types';

export { DEFAULT_BRANCH, type ForkOptions, type RepoInfo, type RpcResult, type TokenListing } from './types';
export { SWEEP_DELAY_MS } from './git-routing';

export class RepoObject extends DurableObject<Env> {
  private readonly host: RepoHost;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    if (env.ARBOR_ACCEL === 'wasm' || env.ARBOR_ACCEL === 'ts' || env.ARBOR_ACCEL === 'auto') setAccelerator(env.ARBOR_ACCEL);
    this.host = new RepoHost(ctx, env);
    // Deliveries queued by a push, or housekeeping under way, whose alarm was lost (e.g. the
    // object died before it was set).
    if (this.host.webhooks.nextDue() !== null || this.host.jobs.due('maintenance') !== null) {
      ctx.blockConcurrencyWhile(async () => {
        if ((await ctx.storage.getAlarm()) === null) await this.host.armAlarm();
      }).catch((e) => logError('webhook alarm', e));
    }
  }

  // ---- Lifecycle and forks

  async hostsRepo(key: string): Promise<boolean> {
    return this.host.root.hosts(key);
  }

  create(namespace: string, name: string, tokenTtl: number): Promise<RpcResult<RepoInfo & { token: string }>> {
    return lifecycle.create(this.host, namespace, name, tokenTtl);
  }

  import(namespace: string, name: string, opts: lifecycle.ImportOptions, tokenTtl: number): Promise<RpcResult<RepoInfo & { token: string; imported: ImportSummary }>> {
    return lifecycle.importRepo(this.host, namespace, name, opts, tokenTtl);
  }

  get(key: string): Promise<RpcResult<RepoInfo>> {
    return this.host.on<RpcResult<RepoInfo>>(key, (h) => ({ ok: true, value: this.host.info(h) }), (s) => s.get(key), notFound);
  }

  destroy(key: string): Promise<RpcResult<null>> {
    return lifecycle.destroy(this.host, key);
  }

  networkOf(key: string): Promise<RpcResult<string>> {
    return forks.networkOf(this.host, key);
  }

  createFork(namespace: string, name: string, source: string, opts: ForkOptions, tokenTtl: number): Promise<RpcResult<RepoInfo & { token: string }>> {
    return forks.createFork(this.host, namespace, name, source, opts, tokenTtl);
  }

  /** In the origin's DO: what a new fork copies (refs, published pack keys), see fork-packs.ts. */
  forkSource(source: string): Promise<RpcResult<ForkSource>> {
    // Refs and pack keys only, no object read: a fork of a fork need not load its snapshot first.
    return this.count(() => forkSource(this.host, source), false);
  }

  /** In a publishing DO: a fork names (1) or stops naming (-1) these published packs. */
  countPackRefs(keys: string[], delta: 1 | -1): Promise<void> {
    return countHere(this.host, keys, delta);
  }

  /** Requests this DO served, their wall time, and its database size (see RepoHost.countRequest). */
  async requestStats(): Promise<{ requests: number; busyMs: number; databaseBytes: number }> {
    return this.host.requestStats();
  }

  /**
   * Counts a request and, in a fork's DO, runs it with its snapshot ready: indexes loaded, and
   * bytes read from R2 as the synchronous read path faults for them (storage/snapshot.ts).
   */
  private async count<T>(fn: () => Promise<T>, snapshot = true): Promise<T> {
    const t0 = Date.now();
    const done = this.host.traffic.begin(); // housekeeping stands aside meanwhile
    try {
      return await (snapshot ? withSnapshotBytes(this.host.root.objects.snapshot, fn) : fn());
    } finally {
      done();
      this.host.countRequest(Date.now() - t0);
    }
  }

  async addFork(source: string, namespace: string, name: string, opts: ForkOptions, tokenTtl: number): Promise<RpcResult<RepoInfo & { token: string }>> {
    return forks.addFork(this.host, source, namespace, name, opts, tokenTtl);
  }

  // ---- Tokens and events

  createToken(key: string, scope: Scope, ttlSeconds: number, name: string | null = null): Promise<RpcResult<access.IssuedToken>> {
    return access.createToken(this.host, key, scope, ttlSeconds, name);
  }

  listTokens(key: string): Promise<RpcResult<TokenListing[]>> {
    return access.listTokens(this.host, key);
  }

  revokeToken(key: string, id: string): Promise<RpcResult<null>> {
    return access.revokeToken(this.host, key, id);
  }

  listEvents(key: string, after: number, limit: number): Promise<RpcResult<RefEvent[]>> {
    return access.listEvents(this.host, key, after, limit);
  }

  // ---- Branch protection

  getRules(key: string): Promise<RpcResult<BranchRule[]>> {
    return rules.getRules(this.host, key);
  }

  setRules(key: string, list: BranchRule[]): Promise<RpcResult<BranchRule[]>> {
    return rules.setRules(this.host, key, list);
  }

  // ---- Webhooks and the alarm

  createWebhook(key: string, input: { url: string; secret: string; events: WebhookEvent[] }): Promise<RpcResult<WebhookView>> {
    return hooks.createWebhook(this.host, key, input);
  }

  listWebhooks(key: string): Promise<RpcResult<WebhookView[]>> {
    return hooks.listWebhooks(this.host, key);
  }

  deleteWebhook(key: string, id: string): Promise<RpcResult<null>> {
    return hooks.deleteWebhook(this.host, key, id);
  }

  listDeliveries(key: string, id: string, limit: number): Promise<RpcResult<DeliveryView[]>> {
    return hooks.listDeliveries(this.host, key, id, limit);
  }

  // ---- Housekeeping (repack, gc) of the network's object store

  requestMaintenance(key: string, input: maintenance.MaintenanceInput): Promise<RpcResult<maintenance.MaintenanceView>> {
    return maintenance.requestMaintenance(this.host, key, input);
  }

  maintenanceStatus(key: string): Promise<RpcResult<maintenance.MaintenanceView>> {
    return maintenance.maintenanceStatus(this.host, key);
  }

  updateMaintenance(key: string, settings: maintenance.MaintenanceSettings): Promise<RpcResult<maintenance.MaintenanceView>> {
    return maintenance.updateMaintenance(this.host, key, settings);
  }

  override async alarm(): Promise<void> {
    await this.host.root.objects.snapshot?.ready(); // housekeeping of a fork reads its snapshot
    return hooks.runAlarm(this.host);
  }

  // ---- Git smart HTTP; the commit and read API (REST via api(), the same service as RPC)

  override async fetch(request: Request): Promise<Response> {
    // Git traffic streams: only the snapshot's readiness here, no re-run (the steps that may
    // fault settle inside, see FetchSource.settle); busy until the answer's last byte.
    const t0 = Date.now();
    const done = this.host.traffic.begin(); // housekeeping stands aside until the last byte
    const snap = this.host.root.objects.snapshot;
    let res: Response;
    try {
      res = await (snap ? snap.ready().then(() => serveGit(this.host, request)) : serveGit(this.host, request));
    } catch (e) {
      done();
      throw e;
    }
    if (!res.body) {
      done();
      this.host.countRequest(Date.now() - t0);
      return res;
    }
    const host = this.host;
    const end = () => {
      done();
      host.countRequest(Date.now() - t0);
    };
    // cancel: the client went away mid-answer (a newer Streams API hook; Traffic also drops
    // requests it has counted for too long)
    const timed = res.body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ flush: end, cancel: () => done() } as Transformer<Uint8Array, Uint8Array>));
    return new Response(timed, res);
  }

  api(key: string, route: ApiRoute, rest: string, request: Request): Promise<Response> {
    return this.count(() => calls.serveApi(this.host, key, route, rest, request));
  }

  commit(key: string, input: CommitInput): Promise<ServiceResult<CommitResult>> {
    return this.count(() => calls.commit(this.host, key, input));
  }

  readFile(key: string, rev: string, path: string): Promise<ServiceResult<FileJson>> {
    return this.count(() => calls.readFileAt(this.host, key, rev, path));
  }

  readTree(key: string, rev: string, path = '', opts: { recursive?: boolean } = {}): Promise<ServiceResult<TreeJson>> {
    return this.count(() => calls.readTreeAt(this.host, key, rev, path, opts));
  }

  log(key: string, rev = 'HEAD', opts: LogOptions = {}): Promise<ServiceResult<LogJson>> {
    return this.count(() => calls.logFrom(this.host, key, rev, opts));
  }

  // ---- isomorphic-git on the repository's git directory view (src/storage/git-view)

  gitFs(key: string, opts: { token?: string; readOnly?: boolean } = {}): Promise<RpcResult<GitFs>> {
    return this.count(() => views.gitFs(this.host, key, opts));
  }

  merge(key: string, input: MergeInput): Promise<ServiceResult<MergeResult>> {
    return this.count(() => views.merge(this.host, key, input));
  }

  writeRef(key: string, input: RefWriteInput): Promise<ServiceResult<RefWriteResult>> {
    return this.count(() => views.writeRefCall(this.host, key, input));
  }

  deleteRef(key: string, name: string, expectedOld?: string): Promise<ServiceResult<{ name: string; old: string }>> {
    return this.count(() => views.deleteRefCall(this.host, key, name, expectedOld));
  }

  createTag(key: string, input: TagInput): Promise<ServiceResult<TagResult>> {
    return this.count(() => views.createTagCall(this.host, key, input));
  }
}
