// RepoObject: the Durable Object that owns one repository. Git traffic arrives through fetch()
// (streaming bodies both ways); the control plane calls its RPC methods. All state lives in
// this object's SQLite: DOFS files, the object index, refs and token hashes.
import { DurableObject } from 'cloudflare:workers';
import { setAccelerator } from '../wasm';
import git from 'isomorphic-git';
import type { Env } from '../env';
import type { Scope } from '../auth/tokens';
import { RepoStore } from '../storage/repo-store';
import { authorize } from './auth';
import { drainBody, infoRefs, receivePackHttp, uploadPack } from './git-http';
import { TokenStore } from './token-store';
import { EventStore, type RefEvent } from './event-store';
import { serveRepoApi, type ApiRoute } from '../api/reads';
import { createCommit, log, readFile, readTree, repoCall, type CommitInput, type LogOptions } from '../commit';
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

export class RepoObject extends DurableObject<Env> {
  private store: RepoStore;
  private tokens: TokenStore;
  private events: EventStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    if (env.ARBOR_ACCEL === 'wasm' || env.ARBOR_ACCEL === 'ts' || env.ARBOR_ACCEL === 'auto') setAccelerator(env.ARBOR_ACCEL);
    this.store = this.openStore();
    this.tokens = new TokenStore(ctx.storage.sql);
    this.events = new EventStore(ctx.storage.sql);
  }

  /** The store, with the hook that records every ref change (events + updated time). */
  private openStore(): RepoStore {
    const store = new RepoStore(this.ctx.storage);
    store.onRefChange = (moved, actor) => {
      const now = Date.now();
      this.events.append(moved, actor, now);
      store.setMeta('updated_at', new Date(now).toISOString());
    };
    return store;
  }

  private exists(): boolean {
    return this.store.meta('created_at') !== null;
  }

  private info(): RepoInfo {
    const createdAt = this.store.meta('created_at')!;
    const size = this.ctx.storage.sql.exec<{ n: number | null }>(`SELECT sum(size) AS n FROM packs`).one().n ?? 0;
    return {
      namespace: this.store.meta('namespace')!,
      name: this.store.meta('name')!,
      defaultBranch: this.store.meta('default_branch') ?? DEFAULT_BRANCH,
      createdAt,
      updatedAt: this.store.meta('updated_at') ?? createdAt,
      sizeBytes: size,
      objects: this.store.objects.count(),
      refs: this.store.refs.count(),
      readOnly: this.store.meta('read_only') === '1',
      forkedFrom: this.store.meta('forked_from'),
    };
  }

  /** Creates the empty bare repository and its first write token. */
  async create(namespace: string, name: string, tokenTtl: number): Promise<RpcResult<RepoInfo & { token: string }>> {
    if (this.exists()) return { ok: false, status: 409, code: 'conflict', message: `repository ${namespace}/${name} already exists` };
    // A real bare repository layout on DOFS (config, HEAD, refs/, objects/) so isomorphic-git
    // can work on it; refs and objects of record live in the indexed tables.
    await git.init({ fs: this.store.fs, dir: GITDIR, gitdir: GITDIR, bare: true, defaultBranch: DEFAULT_BRANCH });
    const token = this.ctx.storage.transactionSync(() => {
      this.store.setMeta('namespace', namespace);
      this.store.setMeta('name', name);
      this.store.setMeta('default_branch', DEFAULT_BRANCH);
      this.store.refs.setHead(`refs/heads/${DEFAULT_BRANCH}`);
      this.store.setMeta('created_at', new Date().toISOString());
      return this.tokens.issue('write', tokenTtl);
    });
    return { ok: true, value: { ...this.info(), token: token.token } };
  }

  async get(): Promise<RpcResult<RepoInfo>> {
    if (!this.exists()) return { ok: false, status: 404, code: 'not_found', message: 'repository not found' };
    return { ok: true, value: this.info() };
  }

  /** Deletes the repository and every byte it stored. */
  async destroy(): Promise<RpcResult<null>> {
    if (!this.exists()) return { ok: false, status: 404, code: 'not_found', message: 'repository not found' };
    await this.store.destroy();
    this.store = this.openStore(); // fresh, empty tables for a later re-create
    this.tokens = new TokenStore(this.ctx.storage.sql);
    this.events = new EventStore(this.ctx.storage.sql);
    return { ok: true, value: null };
  }

  async createToken(scope: Scope, ttlSeconds: number): Promise<RpcResult<{ id: string; token: string; scope: Scope; expiresAt: string }>> {
    if (!this.exists()) return { ok: false, status: 404, code: 'not_found', message: 'repository not found' };
    const t = this.tokens.issue(scope, ttlSeconds);
    return { ok: true, value: { id: t.id, token: t.token, scope: t.scope, expiresAt: new Date(t.expiresAt * 1000).toISOString() } };
  }

  /** Tokens of this repository: ids, scope, times — never the secret or its hash. */
  async listTokens(): Promise<RpcResult<TokenListing[]>> {
    if (!this.exists()) return { ok: false, status: 404, code: 'not_found', message: 'repository not found' };
    const now = Date.now();
    return {
      ok: true,
      value: this.tokens.list().map((t) => ({
        id: t.id,
        scope: t.scope as Scope,
        createdAt: new Date(t.created_at * 1000).toISOString(),
        expiresAt: new Date(t.expires_at * 1000).toISOString(),
        expired: t.expires_at * 1000 <= now,
      })),
    };
  }

  /** Revokes a token: its next request fails (every git request looks the hash up here). */
  async revokeToken(id: string): Promise<RpcResult<null>> {
    if (!this.exists()) return { ok: false, status: 404, code: 'not_found', message: 'repository not found' };
    if (!this.tokens.revoke(id)) return { ok: false, status: 404, code: 'not_found', message: `no token ${id} on this repository` };
    return { ok: true, value: null };
  }

  /** Ref-change events with id > after, oldest first. */
  async listEvents(after: number, limit: number): Promise<RpcResult<RefEvent[]>> {
    if (!this.exists()) return { ok: false, status: 404, code: 'not_found', message: 'repository not found' };
    return { ok: true, value: this.events.list(after, limit) };
  }

  /** Git smart HTTP. The Worker forwards `/git/<ns>/<name>.git/<rest>`; we look at <rest>. */
  /** The upload sweeper: removes unfinished and unowned pack files (see SWEEP_DELAY_MS). */
  override async alarm(): Promise<void> {
    if (this.exists()) this.store.sweepUploads();
  }

  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const rest = url.pathname.replace(/^\/git\/[^/]+\/[^/]+?(?:\.git)?\//, '');
    if (!this.exists()) return text(404, 'repository not found');
    let service: 'git-upload-pack' | 'git-receive-pack' | null = null;
    if (rest === 'info/refs' && request.method === 'GET') {
      const s = url.searchParams.get('service');
      if (s !== 'git-upload-pack' && s !== 'git-receive-pack') {
        return text(403, 'dumb HTTP is not supported: use a smart-HTTP git client');
      }
      service = s;
    } else if ((rest === 'git-upload-pack' || rest === 'git-receive-pack') && request.method === 'POST') {
      service = rest;
    } else {
      return text(404, 'not found');
    }
    const access = authorize(request, this.env.ARBOR_ADMIN_TOKEN, this.tokens, service === 'git-receive-pack' ? 'write' : 'read');
    if (!access.ok) {
      await drainBody(request.body); // refusing before the body is read loses the refusal (workerd#1741)
      const h: Record<string, string> = access.status === 401 ? { 'www-authenticate': 'Basic realm="arbor"' } : {};
      return text(access.status, access.message, h);
    }
    if (request.method === 'GET') return infoRefs(this.store, service, request);
    if (service === 'git-upload-pack') return uploadPack(this.store, request);
    // An interrupted upload leaves an unfinished pack file: sweep it later if no push does.
    await this.ctx.storage.setAlarm(Date.now() + SWEEP_DELAY_MS);
    return receivePackHttp(this.store.withActor(access.tokenId), request);
  }

  // ---- Commit and read API (src/commit): REST via api(), the same service functions as RPC.

  /** REST commit/read routes: the Worker forwards the request with the name of its route. */
  async api(route: ApiRoute, rest: string, request: Request): Promise<Response> {
    const store = this.store.withActor(null); // this request's view: ref changes name its token
    const ctx = { store };
    const authorizeFor = (need: Scope) => {
      const access = authorize(request, this.env.ARBOR_ADMIN_TOKEN, this.tokens, need);
      if (access.ok) (store as { actor: string | null }).actor = access.tokenId;
      return access;
    };
    return serveRepoApi({ exists: this.exists(), ctx, authorize: authorizeFor }, route, rest, request);
  }

  /** One atomic commit of many file changes (see CommitInput). */
  async commit(input: CommitInput) {
    return repoCall(this.exists(), { store: this.store }, (ctx) => createCommit(ctx, input));
  }

  /** A file's bytes, sha and mode at a revision. */
  async readFile(rev: string, path: string) {
    return repoCall(this.exists(), { store: this.store }, (ctx) => readFile(ctx, rev, path));
  }

  /** The entries of a directory at a revision (recursive: the whole subtree). */
  async readTree(rev: string, path = '', opts: { recursive?: boolean } = {}) {
    return repoCall(this.exists(), { store: this.store }, (ctx) => readTree(ctx, rev, path, opts));
  }

  /** History from a revision, newest first (path filter, first-parent, cursor pages). */
  async log(rev = 'HEAD', opts: LogOptions = {}) {
    return repoCall(this.exists(), { store: this.store }, (ctx) => log(ctx, rev, opts));
  }

  /**
   * Admin benchmark: indexes a raw .pack as a push would (see src/storage/index-bench.ts) in
   * this scratch object, then wipes it. Refused on an object that holds a repository.
   */
  async benchIndex(body: ReadableStream<Uint8Array>): Promise<RpcResult<IndexBenchResult & { idx: Uint8Array }>> {
    if (this.exists()) {
      await drainBody(body);
      return { ok: false, status: 409, code: 'conflict', message: 'benchmarks run in a scratch object, not in a repository' };
    }
    try {
      const { result, idx } = await benchIndexPack(this.store, body);
      return { ok: true, value: { ...result, idx } };
    } catch (e) {
      if (e instanceof BenchInputError) return { ok: false, status: 422, code: 'bad_pack', message: e.message };
      throw e;
    } finally {
      await this.store.destroy();
      this.store = this.openStore();
    }
  }
}

function text(status: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(message + '\n', { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers } });
}
