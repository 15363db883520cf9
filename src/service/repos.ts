// The control-plane service: every repository operation, called by both the REST handlers
// (src/api/repos.ts) and the Workers RPC binding (src/rpc/). Validates, then talks to the
// repository's Durable Object and the registry. Throws service errors (status + code).
import type { Env } from '../env';
import type { Scope } from '../auth/tokens';
import { badRequest } from '../http/errors';
import { repoKey } from './names';
import { DeliveriesQuery, EventsQuery, Namespace, PageQuery, RepoName, TokenId, WebhookId } from '../schema/params';
import { ForkBody, ImportBody, TokenBody } from '../schema/control';
import { parseArgs } from '../schema/validate';
import type { RepoInfo, RpcResult, TokenListing } from '../repo/types';
import type { RefEvent } from '../repo/event-store';
import type { RegistryEntry } from '../registry/registry-object';
import { namespaceIndex, registryFor } from './registry';
import { parseBranch, parseDepth, parseHeaders, parseRemoteUrl } from '../import/remote-url';
import type { ImportSummary } from '../import/result';
import { unwrap } from './errors';
import type { DeliveryView, WebhookView } from '../repo/webhook-store';
import { checkWebhookInput } from './webhook-input';
import { destinationProblem, privateNetworksAllowed } from '../net/outbound';

export const DEFAULT_TOKEN_TTL = 86_400;
const DEFAULT_PAGE = 100;

export type RepoView = RepoInfo & { remote: string };
export type CreatedRepo = RepoView & { token: string };
export interface IssuedTokenView {
  id: string;
  token: string;
  scope: Scope;
  expiresAt: string;
  name: string | null;
}
export interface RepoPage {
  repos: (RegistryEntry & { namespace: string; remote: string })[];
  cursor: string | null;
}
export interface NamespacePage {
  namespaces: RegistryEntry[];
  cursor: string | null;
}

/** Where git remotes live: the request's origin for REST, ARBOR_ORIGIN (or a default) for RPC. */
export function remoteUrl(origin: string, ns: string, name: string): string {
  return `${origin.replace(/\/+$/, '')}/git/${ns}/${name}.git`;
}

// Shapes (names, ids, pages, bodies) are checked with the REST schemas (src/schema), here where
// REST and RPC calls meet, so a bad RPC argument is refused with the same message as a bad
// request field. What stays hand-written below are rules about the world (a URL's destination).
export function checkNamespace(ns: unknown): string {
  return parseArgs(Namespace(), ns);
}

export function checkNames(ns: unknown, name: unknown): void {
  parseArgs(Namespace(), ns);
  parseArgs(RepoName(), name);
}

/** A page request; RPC callers may pass the previous page's `cursor: null` (first page) as is. */
function pageArgs(opts: unknown) {
  const o = opts && typeof opts === 'object' && (opts as { cursor?: unknown }).cursor === null ? { ...opts, cursor: undefined } : opts;
  return parseArgs(PageQuery(), o ?? {});
}

function stub(env: Env, ns: string, name: string) {
  checkNames(ns, name);
  return env.REPO.get(env.REPO.idFromName(repoKey(ns, name)));
}

/** Creates an empty repository (and its first write token) and registers it in its namespace. */
export async function createRepo(env: Env, origin: string, ns: string, name: string): Promise<CreatedRepo> {
  return registered(env, origin, ns, name, await stub(env, ns, name).create(ns, name, DEFAULT_TOKEN_TTL));
}

/**
 * The registry step after a DO made repository `ns/name` (create, fork). The repo DO is the
 * authority on existence; the registry follows it. A 409 still (re)registers the name, so a
 * create whose registry step failed is repaired by retrying it.
 */
async function registered(env: Env, origin: string, ns: string, name: string, r: RpcResult<RepoInfo & { token: string }>): Promise<CreatedRepo> {
  if (!r.ok && r.status !== 409) unwrap(r);
  await register(env, ns, name, r.ok ? Date.parse(r.value.createdAt) : Date.now());
  return { ...unwrap(r), remote: remoteUrl(origin, ns, name) };
}

async function register(env: Env, ns: string, name: string, createdAt: number): Promise<void> {
  const { added, count } = await registryFor(env, ns).add(name, createdAt);
  if (added && count === 1) await namespaceIndex(env).add(ns);
}

export async function getRepo(env: Env, origin: string, ns: string, name: string): Promise<RepoView> {
  const info = unwrap(await stub(env, ns, name).get(repoKey(ns, name)));
  return { ...info, remote: remoteUrl(origin, ns, name) };
}

/** The Durable Object named after `ns/name`: its id, requests served, busy time and database size (tests, the bench). */
export async function requestCount(env: Env, ns: string, name: string): Promise<{ durableObjectId: string; requests: number; busyMs: number; databaseBytes: number }> {
  checkNames(ns, name);
  const s = stub(env, ns, name);
  return { durableObjectId: s.id.toString(), ...(await s.requestStats()) };
}

/** Deletes a repository and every byte it stored; unregisters it. */
export async function deleteRepo(env: Env, ns: string, name: string): Promise<void> {
  const r = await stub(env, ns, name).destroy(repoKey(ns, name));
  // As in create: a 404 still unregisters, so retrying a half-done delete repairs the registry.
  const { removed, count } = await registryFor(env, ns).remove(name);
  if (removed && count === 0) await namespaceIndex(env).remove(ns);
  unwrap(r);
}

/** One page of a namespace's repositories in name order (from the registry, not the repos). */
export async function listRepos(env: Env, origin: string, ns: string, opts: unknown = {}): Promise<RepoPage> {
  checkNamespace(ns);
  const q = pageArgs(opts);
  const page = await registryFor(env, ns).list(q.limit ?? DEFAULT_PAGE, q.cursor || null);
  return {
    repos: page.entries.map((e) => ({ ...e, namespace: ns, remote: remoteUrl(origin, ns, e.name) })),
    cursor: page.cursor,
  };
}

/** One page of the namespaces that hold at least one repository. */
export async function listNamespaces(env: Env, opts: unknown = {}): Promise<NamespacePage> {
  const q = pageArgs(opts);
  const page = await namespaceIndex(env).list(q.limit ?? DEFAULT_PAGE, q.cursor || null);
  return { namespaces: page.entries, cursor: page.cursor };
}

export async function createToken(
  env: Env, ns: string, name: string, scope: unknown = 'write', ttlSeconds: unknown = DEFAULT_TOKEN_TTL, tokenName?: unknown,
): Promise<IssuedTokenView> {
  const b = parseArgs(TokenBody(), { scope, ttlSeconds, name: tokenName });
  return unwrap(await stub(env, ns, name).createToken(repoKey(ns, name), b.scope ?? 'write', b.ttlSeconds ?? DEFAULT_TOKEN_TTL, b.name ?? null));
}

export async function listTokens(env: Env, ns: string, name: string): Promise<TokenListing[]> {
  return unwrap(await stub(env, ns, name).listTokens(repoKey(ns, name)));
}

export async function revokeToken(env: Env, ns: string, name: string, id: string): Promise<void> {
  parseArgs(TokenId(), id);
  unwrap(await stub(env, ns, name).revokeToken(repoKey(ns, name), id));
}

/** Ref-change events after `after` (an event id; 0 = from the start), oldest first. */
export async function listEvents(env: Env, ns: string, name: string, opts: unknown = {}): Promise<{ events: RefEvent[]; next: number }> {
  const q = parseArgs(EventsQuery(), opts ?? {});
  const after = q.after ?? 0;
  const events = unwrap(await stub(env, ns, name).listEvents(repoKey(ns, name), after, q.limit ?? DEFAULT_PAGE));
  return { events, next: events.length ? events[events.length - 1].id : after };
}

export type ImportedRepo = CreatedRepo & { imported: ImportSummary };

/**
 * Creates a repository from a remote smart-HTTP git repository (src/import): every branch and
 * tag (or one `branch`, without tags), optionally shallow (`depth`). `headers` go to the remote
 * only. Registered only once the repository exists: a failed import leaves nothing.
 */
export async function importRepo(
  env: Env,
  origin: string,
  ns: string,
  name: string,
  input: unknown,
): Promise<ImportedRepo> {
  checkNames(ns, name);
  const opts = parseArgs(ImportBody(), input ?? {});
  const parsed = parseRemoteUrl(opts.url);
  const refused = destinationProblem(parsed, privateNetworksAllowed(env));
  if (refused) throw badRequest(`url: ${refused}`);
  const url = parsed.toString();
  const branch = parseBranch(opts.branch);
  const depth = parseDepth(opts.depth);
  const headers = parseHeaders(opts.headers);
  const r = unwrap(await stub(env, ns, name).import(ns, name, { url, branch, depth, headers }, DEFAULT_TOKEN_TTL));
  await register(env, ns, name, Date.parse(r.createdAt));
  return { ...r, remote: remoteUrl(origin, ns, name) };
}

/** A stub of the repository's Durable Object, for the commit/read methods (RPC repo handle). */
export function repoStub(env: Env, ns: string, name: string) {
  return stub(env, ns, name);
}

/**
 * Forks `ns/name` into `namespace/name` of the request (namespace defaults to the source's).
 * The fork shares the source's objects (same fork network, same DO): constant time, no copy.
 */
export async function forkRepo(env: Env, origin: string, ns: string, name: string, input: unknown): Promise<CreatedRepo> {
  checkNames(ns, name);
  const req = parseArgs(ForkBody(), input);
  const destNs = req.namespace ?? ns;
  checkNames(destNs, req.name);
  const opts = { readOnly: req.readOnly === true, defaultBranchOnly: req.defaultBranchOnly === true };
  return registered(env, origin, destNs, req.name, await stub(env, destNs, req.name).createFork(destNs, req.name, repoKey(ns, name), opts, DEFAULT_TOKEN_TTL));
}

/** Adds a webhook: {url, secret, events?}. The answer never carries the secret. */
export async function createWebhook(env: Env, ns: string, name: string, input: unknown): Promise<WebhookView> {
  const hook = checkWebhookInput(input, privateNetworksAllowed(env));
  return unwrap(await stub(env, ns, name).createWebhook(repoKey(ns, name), hook));
}

export async function listWebhooks(env: Env, ns: string, name: string): Promise<WebhookView[]> {
  return unwrap(await stub(env, ns, name).listWebhooks(repoKey(ns, name)));
}

/** Removes a webhook; deliveries still queued for it are dropped. */
export async function deleteWebhook(env: Env, ns: string, name: string, id: string): Promise<void> {
  unwrap(await stub(env, ns, name).deleteWebhook(repoKey(ns, name), parseArgs(WebhookId(), id)));
}

/** A webhook's recent deliveries, newest first: state, attempts, last answer, next attempt. */
export async function listDeliveries(env: Env, ns: string, name: string, id: string, opts: unknown = {}): Promise<DeliveryView[]> {
  const q = parseArgs(DeliveriesQuery(), opts ?? {});
  return unwrap(await stub(env, ns, name).listDeliveries(repoKey(ns, name), parseArgs(WebhookId(), id), q.limit ?? 100));
}
