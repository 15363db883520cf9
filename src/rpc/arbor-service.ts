// Workers RPC binding: another Worker binds this entrypoint with a service binding
//   [[services]] binding = "ARBOR", service = "arbor", entrypoint = "ArborService"
// and calls `await env.ARBOR.create("ns", "name")`. Every method calls the same service
// functions as the REST handlers (src/service). Failures throw an Error whose `name` is one of
// ArborErrorName (NotFound, Conflict, BadRequest, ...) and whose message starts with that name,
// e.g. "NotFound: repository not found" — see isArborError() in ./errors. Arguments are checked
// with the REST schemas of the same inputs (src/schema), by the service for the control plane and
// here for the commit/read methods: a bad one is a BadRequest naming the field, like REST's 400.
import { RpcTarget, WorkerEntrypoint } from 'cloudflare:workers';
import type { Env } from '../env';
import * as svc from '../service/repos';
import * as hk from '../service/maintenance';
import * as rulesSvc from '../service/rules';
import type {
  CommitInput, CommitResult, FileJson, LogJson, LogOptions, MergeInput, MergeResult, RefWriteInput, RefWriteResult, TagInput, TagResult, TreeJson,
} from '../commit';
import { rpcError, type ArborErrorName } from './errors';
import { unwrap } from '../service/errors';
import type { GitFs } from '../repo/git-fs';
import { CommitBody, DeleteRefArgs, FsArgs, LogArgs, MergeBody, ReadFileArgs, ReadTreeArgs, RefBody, TagBody } from '../schema/repo-api';
import { parseArgs } from '../schema/validate';

export type { ArborErrorName };
export const DEFAULT_ORIGIN = 'http://localhost:8787';

async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw rpcError(e);
  }
}

/** What commit/readFile/readTree/log return from the DO: a result object; failures throw. */
async function result<T>(p: Promise<{ ok: true; value: T } | { ok: false; status: number; code: string; message: string }>): Promise<T> {
  return unwrap(await p);
}

/** A handle on one repository (returned by ArborService.get / create / repo). */
export class RepoHandle extends RpcTarget {
  constructor(
    private readonly env: Env,
    private readonly origin: string,
    readonly namespace: string,
    readonly name: string,
  ) {
    super();
  }

  private get key(): string {
    return `${this.namespace}/${this.name}`;
  }

  private stub() {
    return svc.repoStub(this.env, this.namespace, this.name);
  }

  /** Forks this repository (shares its objects): see ArborService.fork. */
  fork(opts: { name: string; namespace?: string; readOnly?: boolean; defaultBranchOnly?: boolean }) {
    return call(() => svc.forkRepo(this.env, this.origin, this.namespace, this.name, opts));
  }

  get remote(): string {
    return svc.remoteUrl(this.origin, this.namespace, this.name);
  }

  info() {
    return call(() => svc.getRepo(this.env, this.origin, this.namespace, this.name));
  }

  /** `name`: a note for whoever lists the tokens later (what it is for), up to 100 characters. */
  createToken(scope: 'read' | 'write' = 'write', ttlSeconds: number = svc.DEFAULT_TOKEN_TTL, name?: string) {
    return call(() => svc.createToken(this.env, this.namespace, this.name, scope, ttlSeconds, name));
  }

  listTokens() {
    return call(() => svc.listTokens(this.env, this.namespace, this.name));
  }

  revokeToken(id: string) {
    return call(() => svc.revokeToken(this.env, this.namespace, this.name, id));
  }

  events(opts: { after?: number; limit?: number } = {}) {
    return call(() => svc.listEvents(this.env, this.namespace, this.name, opts));
  }

  delete() {
    return call(() => svc.deleteRepo(this.env, this.namespace, this.name));
  }

  /** Adds a webhook {url, secret, events?}: {id, url, events, createdAt} (never the secret). */
  createWebhook(input: { url: string; secret: string; events?: ('ref.update' | 'ping')[] }) {
    return call(() => svc.createWebhook(this.env, this.namespace, this.name, input));
  }

  listWebhooks() {
    return call(() => svc.listWebhooks(this.env, this.namespace, this.name));
  }

  deleteWebhook(id: string) {
    return call(() => svc.deleteWebhook(this.env, this.namespace, this.name, id));
  }

  /** The branch protection rules: [{pattern, allowForcePush, allowDeletion, mergeOnly}]. */
  rules() {
    return call(() => rulesSvc.getRules(this.env, this.namespace, this.name));
  }

  /** Replaces the branch protection rules (see PUT /v1/repos/:ns/:name/rules); answers them. */
  setRules(rules: { pattern: string; allowForcePush?: boolean; allowDeletion?: boolean; mergeOnly?: boolean }[]) {
    return call(() => rulesSvc.setRules(this.env, this.namespace, this.name, { rules }));
  }

  /** A webhook's recent deliveries, newest first. */
  webhookDeliveries(id: string, opts: { limit?: number } = {}) {
    return call(() => svc.listDeliveries(this.env, this.namespace, this.name, id, opts));
  }

  /**
   * Queues housekeeping of the repository's object store (its fork network's): {tasks:
   * ["repack"|"gc"], prune?: "now"|"never"|seconds}. Returns the status (see maintenance()).
   */
  requestMaintenance(input: { tasks: ('repack' | 'gc')[]; prune?: 'now' | 'never' | number }) {
    return call(() => hk.requestMaintenance(this.env, this.namespace, this.name, input));
  }

  /** Housekeeping status: the run in progress, the last runs, what is due, packs and bytes. */
  maintenance() {
    return call(() => hk.getMaintenance(this.env, this.namespace, this.name));
  }

  /** Housekeeping settings of this repository: {gracePeriodSeconds?, auto?}. */
  updateMaintenance(settings: { gracePeriodSeconds?: number; auto?: boolean }) {
    return call(() => hk.updateMaintenance(this.env, this.namespace, this.name, settings));
  }

  // Commit/read API: the repository DO's own service methods (src/commit).
  commit(input: CommitInput) {
    return call(() => result<CommitResult>(this.stub().commit(this.key, parseArgs(CommitBody(), input) as CommitInput) as never));
  }

  readFile(rev: string, path: string) {
    return call(() => {
      const a = parseArgs(ReadFileArgs(), { rev, path });
      return result<FileJson>(this.stub().readFile(this.key, a.rev, a.path) as never);
    });
  }

  readTree(rev: string, path = '', opts: { recursive?: boolean } = {}) {
    return call(() => {
      const a = parseArgs(ReadTreeArgs(), { rev, path, opts: opts ?? {} });
      return result<TreeJson>(this.stub().readTree(this.key, a.rev, a.path, a.opts) as never);
    });
  }

  log(rev = 'HEAD', opts: LogOptions = {}) {
    return call(() => {
      const a = parseArgs(LogArgs(), { rev, opts: opts ?? {} });
      return result<LogJson>(this.stub().log(this.key, a.rev, a.opts) as never);
    });
  }

  /** Merges `head` into branch `base` ({base, head, strategy?, message?, author?, expectedHead?}): {sha, fastForward, ...}. */
  merge(input: MergeInput) {
    return call(() => result<MergeResult>(this.stub().merge(this.key, parseArgs(MergeBody(), input) as MergeInput) as never));
  }

  /** Creates or moves a ref ({name, sha, expectedOld?}; expectedOld null = must not exist). */
  writeRef(input: RefWriteInput) {
    return call(() => result<RefWriteResult>(this.stub().writeRef(this.key, parseArgs(RefBody(), input) as RefWriteInput) as never));
  }

  /** Deletes a ref (only if it is at `expectedOld`, when given). */
  deleteRef(name: string, expectedOld?: string) {
    return call(() => {
      const a = parseArgs(DeleteRefArgs(), { name, expectedOld });
      return result<void>(this.stub().deleteRef(this.key, a.name, a.expectedOld) as never);
    });
  }

  /** An annotated tag ({name, target, message, tagger}). */
  createTag(input: TagInput) {
    return call(() => result<TagResult>(this.stub().createTag(this.key, parseArgs(TagBody(), input) as TagInput) as never));
  }

  /**
   * isomorphic-git's promise fs over this repository's git directory, at `/` (see
   * client/src/isogit-fs.ts to hand it to isomorphic-git). Reads see every push at once; ref
   * writes are compare-and-swap updates with events and webhooks. `token`: act as that repo
   * token (a read token gives a read-only fs); `readOnly`: refuse writes.
   */
  fs(opts: { token?: string; readOnly?: boolean } = {}): Promise<GitFs> {
    return call(() => result(this.stub().gitFs(this.key, parseArgs(FsArgs(), opts ?? {})) as never));
  }
}

export class ArborService extends WorkerEntrypoint<Env> {
  private get origin(): string {
    return this.env.ARBOR_ORIGIN ?? DEFAULT_ORIGIN;
  }

  /** Creates a repository: its info, remote and a write token. */
  create(namespace: string, name: string) {
    return call(() => svc.createRepo(this.env, this.origin, namespace, name));
  }

  /**
   * Forks `namespace/name` into `opts.namespace ?? namespace`/`opts.name`: a new repository
   * sharing the source's objects (constant time, no copy), with its own refs and a write token.
   */
  fork(namespace: string, name: string, opts: { name: string; namespace?: string; readOnly?: boolean; defaultBranchOnly?: boolean }) {
    return call(() => svc.forkRepo(this.env, this.origin, namespace, name, opts));
  }

  /**
   * Creates a repository from a remote smart-HTTP git URL (see POST /v1/repos/:ns/:name/import):
   * opts {url, branch?, depth?, headers?}. Failures: BadRequest, Conflict, Unprocessable,
   * TooLarge, Upstream (the remote failed: unreachable, auth, not git, timeout).
   */
  import(namespace: string, name: string, opts: { url: string; branch?: string; depth?: number; headers?: Record<string, string> }) {
    return call(() => svc.importRepo(this.env, this.origin, namespace, name, opts));
  }

  /** Info about a repository (NotFound if absent). */
  get(namespace: string, name: string) {
    return call(() => svc.getRepo(this.env, this.origin, namespace, name));
  }

  /** A handle for token/commit/read calls (no round trip until a method is called). */
  repo(namespace: string, name: string): RepoHandle {
    try {
      svc.checkNames(namespace, name);
    } catch (e) {
      throw rpcError(e); // a BadRequest, like every other method's
    }
    return new RepoHandle(this.env, this.origin, namespace, name);
  }

  /** One page of a namespace's repositories, in name order. */
  list(namespace: string, opts: { limit?: number; cursor?: string | null } = {}) {
    return call(() => svc.listRepos(this.env, this.origin, namespace, opts));
  }

  namespaces(opts: { limit?: number; cursor?: string | null } = {}) {
    return call(() => svc.listNamespaces(this.env, opts));
  }

  delete(namespace: string, name: string) {
    return call(() => svc.deleteRepo(this.env, namespace, name));
  }
}
