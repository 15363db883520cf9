// The Workers RPC binding's public surface, as types only (no server code, no Node or Wasm
// imports): what `env.ARBOR` offers a calling Worker bound with
//   [[services]] binding = "ARBOR", service = "arbor", entrypoint = "ArborService"
// and typed `interface Env { ARBOR: Service<ArborService> }`. Data shapes are the REST schemas
// (./openapi.ts, generated from the server's schemas), so RPC and REST answer alike. The server
// checks that its ArborService matches this one (test/unit/client/rpc-types.test.ts).
import type { components } from './openapi';
import type { RemoteFs } from './isogit-fs';

type S = components['schemas'];

export type Repo = S['Repo'];
export type CreatedRepo = S['CreatedRepo'];
export type ImportedRepo = S['ImportRepoResponse'];
export type RepoPage = S['ListReposResponse'];
export type NamespacePage = S['ListNamespacesResponse'];
export type IssuedToken = S['CreateTokenResponse'];
export type TokenInfo = S['ListTokensResponse']['tokens'][number];
export type RefEvent = S['ListEventsResponse']['events'][number];
export type Webhook = S['Webhook'];
export type WebhookInput = S['CreateWebhookRequest'];
export type Delivery = S['ListWebhookDeliveriesResponse']['deliveries'][number];
export type RuleInput = S['RuleInput'];
export type Rule = S['GetRulesResponse']['rules'][number];
export type Maintenance = S['Maintenance'];
export type MaintenanceInput = S['RequestMaintenanceRequest'];
export type MaintenanceSettings = S['UpdateMaintenanceRequest'];
export type ForkInput = S['ForkRepoRequest'];
export type ImportInput = S['ImportRepoRequest'];
export type CommitInput = S['CreateCommitRequest'];
export type CommitResult = S['CreateCommitResponse'];
export type Commit = S['Commit'];
export type Tree = S['GetTreeResponse'];
export type Log = S['GetLogResponse'];
export type MergeInput = S['MergeBranchesRequest'];
export type MergeResult = S['MergeBranchesResponse'];
export type RefWriteInput = S['WriteRefRequest'];
export type RefWriteResult = S['WriteRefResponse'];
export type TagInput = S['CreateTagRequest'];
export type TagResult = S['CreateTagResponse'];
export type { RemoteFs };

/** A file as readFile answers it over RPC (the bytes themselves, not base64). */
export interface FileContent {
  commit: string | null;
  path: string;
  sha: string;
  mode: string;
  size: number;
  content: Uint8Array;
}

export interface LogOptions {
  path?: string;
  limit?: number;
  cursor?: string;
  firstParent?: boolean;
}

export interface PageOptions {
  limit?: number;
  cursor?: string | null;
}

/** A handle on one repository: `env.ARBOR.repo(ns, name)` (no round trip until a call). */
export interface RepoHandle extends Rpc.RpcTargetBranded {
  readonly namespace: string;
  readonly name: string;
  readonly remote: string;
  fork(opts: ForkInput): Promise<CreatedRepo>;
  info(): Promise<Repo>;
  /** `name`: a note for whoever lists the tokens later, up to 100 characters. */
  createToken(scope?: 'read' | 'write', ttlSeconds?: number, name?: string): Promise<IssuedToken>;
  listTokens(): Promise<TokenInfo[]>;
  revokeToken(id: string): Promise<void>;
  events(opts?: { after?: number; limit?: number }): Promise<{ events: RefEvent[]; next: number }>;
  delete(): Promise<void>;
  createWebhook(input: WebhookInput): Promise<Webhook>;
  listWebhooks(): Promise<Webhook[]>;
  deleteWebhook(id: string): Promise<void>;
  webhookDeliveries(id: string, opts?: { limit?: number }): Promise<Delivery[]>;
  rules(): Promise<Rule[]>;
  setRules(rules: RuleInput[]): Promise<Rule[]>;
  requestMaintenance(input: MaintenanceInput): Promise<Maintenance>;
  maintenance(): Promise<Maintenance>;
  updateMaintenance(settings: MaintenanceSettings): Promise<Maintenance>;
  commit(input: CommitInput): Promise<CommitResult>;
  readFile(rev: string, path: string): Promise<FileContent>;
  readTree(rev: string, path?: string, opts?: { recursive?: boolean }): Promise<Tree>;
  log(rev?: string, opts?: LogOptions): Promise<Log>;
  merge(input: MergeInput): Promise<MergeResult>;
  writeRef(input: RefWriteInput): Promise<RefWriteResult>;
  deleteRef(name: string, expectedOld?: string): Promise<void>;
  createTag(input: TagInput): Promise<TagResult>;
  /** isomorphic-git's promise fs over the repository's git directory at `/`: wrap it with isogitFs(). */
  fs(opts?: { token?: string; readOnly?: boolean }): Promise<RemoteFs>;
}

/** The entrypoint `ArborService`: type the binding as `Service<ArborService>`. */
export interface ArborService extends Rpc.WorkerEntrypointBranded {
  /** Creates a repository: its info, remote and a write token. */
  create(namespace: string, name: string): Promise<CreatedRepo>;
  /** A new repository sharing the source's objects (constant time, no copy), with a write token. */
  fork(namespace: string, name: string, opts: ForkInput): Promise<CreatedRepo>;
  /** A new repository from a remote smart-HTTP git URL. */
  import(namespace: string, name: string, opts: ImportInput): Promise<ImportedRepo>;
  get(namespace: string, name: string): Promise<Repo>;
  repo(namespace: string, name: string): RepoHandle;
  list(namespace: string, opts?: PageOptions): Promise<RepoPage>;
  namespaces(opts?: PageOptions): Promise<NamespacePage>;
  delete(namespace: string, name: string): Promise<void>;
}
