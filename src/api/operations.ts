// The REST operations as the OpenAPI document describes them, keyed by `METHOD path` in
// itty-router syntax (exactly as in the routing table of src/index.ts; the e2e test
// test/e2e/control-plane.test.ts checks the two match). Bodies and responses are the schemas of
// src/schema, which also validate the requests: the document cannot drift from the checks.
// The table holds the schemas as thunks (src/schema/lazy.ts): building it costs a few strings, and
// a schema is built when a request it validates, or the document, first needs it.
import * as z from 'zod';
import * as c from '../schema/control';
import { lazy } from '../schema/lazy';
import * as r from '../schema/repo-api';
import { PageQuery, TokenId, WebhookId } from '../schema/params';

export type Auth = 'admin' | 'repo' | 'none';

/** A schema, built on its first call (src/schema/lazy.ts). */
export type Lazy<T extends z.ZodType = z.ZodType> = () => T;

/** What a success answers: a JSON schema, or another media type described in words. */
export type OkBody = Lazy | { type: string; description: string } | null;

export interface Operation {
  id: string;
  summary: string;
  description?: string;
  tag: string;
  auth?: Auth; // default admin; repo: a repository token or the admin token
  query?: Lazy<z.ZodObject>;
  /** Path parameters other than the usual ones (ns, name, rest, repo: see ./params.ts). */
  path?: Record<string, Lazy>;
  body?: Lazy;
  /** An empty body is accepted as {} (every field optional). */
  bodyOptional?: boolean;
  ok: [number, string, OkBody];
  /** Other statuses a caller should handle (400, 401 and 404 are added where they apply). */
  extra?: number[];
}

const text = (description: string) => ({ type: 'text/plain', description });
const bytes = (description: string) => ({ type: 'application/octet-stream', description });
const git = (type: string) => ({ type, description: 'git smart HTTP' });

export const OPERATIONS: Record<string, Operation> = {
  'GET /': { id: 'getBanner', tag: 'service', summary: 'Service banner', auth: 'none', ok: [200, 'a line of text', text('banner')] },
  'GET /healthz': {
    id: 'healthz', tag: 'service', auth: 'none',
    summary: 'Health check: answered by the Worker without waking any Durable Object',
    ok: [200, 'up', lazy(() => z.object({ ok: z.boolean(), service: z.string(), time: z.string() }))],
  },
  'GET /v1/openapi.json': { id: 'getOpenApi', tag: 'service', auth: 'none', summary: 'This document', ok: [200, 'OpenAPI 3.1 document', lazy(() => z.object({ openapi: z.string() }).catchall(z.unknown()))] },
  'GET /v1/namespaces': { id: 'listNamespaces', tag: 'repositories', summary: 'List namespaces that hold repositories (name order, paginated)', query: PageQuery, ok: [200, 'one page', c.NamespacePage] },
  'GET /v1/repos/:ns': { id: 'listRepos', tag: 'repositories', summary: "List a namespace's repositories (name order, paginated, from the registry)", query: PageQuery, ok: [200, 'one page', c.RepoPage] },
  'POST /v1/repos/:ns/:name': { id: 'createRepo', tag: 'repositories', summary: 'Create a repository', body: c.CreateRepoBody, bodyOptional: true, ok: [201, 'created, with a write token', c.CreatedRepo], extra: [409] },
  'GET /v1/repos/:ns/:name': { id: 'getRepo', tag: 'repositories', summary: 'Repository info', ok: [200, 'the repository', c.Repo] },
  'GET /v1/repos/:ns/:name/stats': {
    id: 'getRequestStats', tag: 'repositories',
    summary: "The repository name's Durable Object: its id, the requests it served, their wall time, its database size",
    ok: [200, 'the counters', c.RequestStats],
  },
  'DELETE /v1/repos/:ns/:name': { id: 'deleteRepo', tag: 'repositories', summary: 'Delete a repository (its objects stay while forks of it need them)', ok: [204, 'deleted', null] },
  'POST /v1/repos/:ns/:name/fork': {
    id: 'forkRepo', tag: 'repositories',
    summary: 'Fork a repository: a new repository sharing its objects (constant time, no copy) with its own refs, tokens and events',
    body: c.ForkBody, ok: [201, 'the fork, with forkedFrom set', c.CreatedRepo], extra: [409],
  },
  'POST /v1/repos/:ns/:name/tokens': { id: 'createToken', tag: 'tokens', summary: 'Issue a repository token', body: c.TokenBody, bodyOptional: true, ok: [201, 'the token (shown once)', c.IssuedToken] },
  'GET /v1/repos/:ns/:name/tokens': {
    id: 'listTokens', tag: 'tokens',
    summary: 'List tokens (never secrets); expired ones until 30 days after expiry, then purged; lastUsedAt to the minute',
    ok: [200, 'the tokens', c.TokenList],
  },
  'DELETE /v1/repos/:ns/:name/tokens/:id': { id: 'revokeToken', tag: 'tokens', path: { id: TokenId }, summary: 'Revoke a token (effective on the next request)', ok: [204, 'revoked', null] },
  'GET /v1/repos/:ns/:name/events': { id: 'listEvents', tag: 'events', summary: 'Ref-change events (push, commit API, ref deletion), oldest first', query: c.EventsQuery, ok: [200, 'one page', c.EventPage] },
  'POST /v1/repos/:ns/:name/webhooks': {
    id: 'createWebhook', tag: 'webhooks',
    summary: 'Add a webhook: every ref change is POSTed to url, signed with secret; at most 20 per repository',
    description: 'Each delivery carries X-Arbor-Signature-256: sha256=<HMAC-SHA256 of the body with the secret>.',
    body: c.WebhookBody, ok: [201, 'the webhook (never the secret)', c.Webhook], extra: [409],
  },
  'GET /v1/repos/:ns/:name/webhooks': { id: 'listWebhooks', tag: 'webhooks', summary: 'List webhooks (never secrets)', ok: [200, 'the webhooks', c.WebhookList] },
  'DELETE /v1/repos/:ns/:name/webhooks/:id': { id: 'deleteWebhook', tag: 'webhooks', path: { id: WebhookId }, summary: 'Remove a webhook and drop its queued deliveries', ok: [204, 'removed', null] },
  'GET /v1/repos/:ns/:name/webhooks/:id/deliveries': {
    id: 'listWebhookDeliveries', tag: 'webhooks', summary: "A webhook's recent deliveries, newest first",
    path: { id: WebhookId }, query: c.DeliveriesQuery, ok: [200, 'the deliveries', c.DeliveryList],
  },
  'GET /v1/repos/:ns/:name/rules': { id: 'getRules', tag: 'rules', summary: "The repository's branch protection rules", ok: [200, 'the rules', c.RuleList] },
  'PUT /v1/repos/:ns/:name/rules': {
    id: 'setRules', tag: 'rules', summary: 'Replace the branch protection rules (an empty list removes them)',
    description: /* prettier-ignore */ 'A rule protects the existing refs its pattern matches (`*` within a path component, `**` across, `?` one character): ' +
      'pushes that are not fast-forwards are refused (`ng <ref> protected branch: force-push refused`) unless allowForcePush, deletions unless ' +
      'allowDeletion (`protected branch: deletion refused`), and with mergeOnly every change except through POST .../merges (push, commit and ref ' +
      'APIs, the isomorphic-git view; 403 protected_branch from the HTTP APIs). Creating a matching ref is allowed. Rules bind every token, the ' +
      'admin token included; forks do not inherit them. At most 100 rules.',
    body: c.RulesBody, ok: [200, 'the rules as stored', c.RuleList],
  },
  'POST /v1/repos/:ns/:name/import': {
    id: 'importRepo', tag: 'repositories', summary: 'Create a repository from a remote smart-HTTP git repository',
    description: 'Protocol v2, v0/v1 fallback. Without branch: every branch and tag, HEAD as the remote\'s; with branch: only that branch (no tags), ' +
      'HEAD on it. depth: a shallow import. headers: sent to the remote only (never stored, logged or echoed), and only to the origin of url. ' +
      'Errors: 400 bad_request (URL not http/https, credentials in the URL, a private or local address unless ARBOR_ALLOW_PRIVATE_NETWORKS=1); ' +
      '409 conflict (name exists); 413 pack_too_large; 422 branch_not_found | invalid_pack; 502 upstream_unreachable | upstream_auth_failed | ' +
      'upstream_not_found | upstream_not_git | upstream_error; 504 upstream_timeout (no byte for 60 s). A failed import creates nothing.',
    body: c.ImportBody, ok: [201, 'the repository, with what was imported', c.ImportedRepo], extra: [409, 413, 422, 502, 504],
  },
  'POST /v1/repos/:ns/:name/maintenance': {
    id: 'requestMaintenance', tag: 'maintenance', summary: "Queue housekeeping of the repository's object store (shared by its fork network)",
    description: 'repack merges packs (geometric progression) and deltifies what is stored whole; gc packs everything into one pack and deletes ' +
      'objects no ref of any repository of the network reaches, once older than the grace period. Runs in the background (Durable Object alarm, ' +
      '~2 s slices); poll GET for the outcome.',
    body: c.MaintenanceBody, ok: [202, 'queued: the status', c.Maintenance],
  },
  'GET /v1/repos/:ns/:name/maintenance': {
    id: 'getMaintenance', tag: 'maintenance', summary: 'Housekeeping status: run in progress, last runs, what is due, next alarm', ok: [200, 'the status', c.Maintenance],
  },
  'PATCH /v1/repos/:ns/:name/maintenance': {
    id: 'updateMaintenance', tag: 'maintenance', summary: 'Housekeeping settings: grace period of unreachable objects, automatic runs on/off',
    body: c.MaintenanceSettingsBody, bodyOptional: true, ok: [200, 'the status', c.Maintenance],
  },
  'POST /v1/repos/:ns/:name/commits': {
    id: 'createCommit', tag: 'commits', auth: 'repo', summary: 'Create one commit from file changes (write token)',
    body: r.CommitBody, ok: [201, 'the commit (Location: its URL)', r.CommitResult], extra: [403, 409, 413, 422],
  },
  'GET /v1/repos/:ns/:name/refs': { id: 'listRefs', tag: 'refs', auth: 'repo', summary: 'Branches, tags and HEAD', ok: [200, 'the refs', r.Refs] },
  'POST /v1/repos/:ns/:name/refs': {
    id: 'writeRef', tag: 'refs', auth: 'repo',
    summary: 'Create or move a ref: compare-and-swap with expectedOld (null: must not exist; absent: no check). Write token',
    description: 'Same checks and events as a push (a branch gets a commit). 201 when created, 200 when moved.',
    body: r.RefBody, ok: [201, 'created (200: moved)', r.RefResult], extra: [403, 409, 422],
  },
  'DELETE /v1/repos/:ns/:name/refs/:rest+': {
    id: 'deleteRef', tag: 'refs', auth: 'repo', summary: 'Delete a ref (rest: heads/<branch>, tags/<tag>, ...); compare-and-swap with expectedOld. Write token',
    query: r.RefDeleteQuery, ok: [204, 'deleted', null], extra: [403, 409],
  },
  'POST /v1/repos/:ns/:name/tags': {
    id: 'createTag', tag: 'refs', auth: 'repo', summary: 'Create an annotated tag; the tag must not exist. Write token',
    body: r.TagBody, ok: [201, 'the tag', r.TagResult], extra: [403, 409],
  },
  'POST /v1/repos/:ns/:name/merges': {
    id: 'mergeBranches', tag: 'commits', auth: 'repo', summary: 'Merge head into branch base, like git merge. Write token',
    description: 'Already contained -> 200 alreadyUpToDate; base an ancestor of head -> fast-forward; otherwise strategy "ff-only" -> 409 ' +
      'not_fast_forward, "merge" (default) -> a merge commit (parents base, head; author required). Conflicts -> 409 merge_conflict with paths, ' +
      'nothing written. expectedHead: compare-and-swap on base (409 stale_head).',
    body: r.MergeBody, ok: [201, 'merged (200: already up to date)', r.MergeResult], extra: [403, 409, 422],
  },
  'GET /v1/repos/:ns/:name/commits/:rest+': { id: 'getCommit', tag: 'read', auth: 'repo', summary: 'One commit', ok: [200, 'the commit', r.Commit] },
  'GET /v1/repos/:ns/:name/tree/:rest+': {
    id: 'getTree', tag: 'read', auth: 'repo', summary: 'Directory listing at a revision',
    query: r.TreeQuery, ok: [200, 'the listing', r.Tree],
  },
  'GET /v1/repos/:ns/:name/blob/:rest+': { id: 'getBlob', tag: 'read', auth: 'repo', summary: 'File bytes at a revision (Range, ETag)', ok: [200, 'the file', bytes('raw bytes')] },
  'GET /v1/repos/:ns/:name/objects/:rest': { id: 'getObject', tag: 'read', auth: 'repo', summary: 'Raw object by sha (X-Git-Object-Type)', ok: [200, 'the object', bytes('raw object content')] },
  'GET /v1/repos/:ns/:name/log/:rest+': {
    id: 'getLog', tag: 'read', auth: 'repo', summary: 'History',
    query: r.LogQuery,
    ok: [200, 'one page', r.Log],
  },
  'GET /v1/repos/:ns/:name/compare/:rest+': {
    id: 'compare', tag: 'read', auth: 'repo', summary: 'Diff base...head (or base..head)',
    query: r.CompareQuery,
    ok: [200, 'the comparison', r.Compare],
  },
  'GET /git/:ns/:repo/info/refs': {
    id: 'gitInfoRefs', tag: 'git', auth: 'repo', summary: 'Git smart HTTP: ref advertisement',
    query: lazy(() => z.object({ service: z.enum(['git-upload-pack', 'git-receive-pack']).describe('which service') })), ok: [200, 'pkt-lines', git('application/x-git-upload-pack-advertisement')],
  },
  'POST /git/:ns/:repo/git-upload-pack': { id: 'gitUploadPack', tag: 'git', auth: 'repo', summary: 'Git smart HTTP: fetch/clone', ok: [200, 'pack', git('application/x-git-upload-pack-result')] },
  'POST /git/:ns/:repo/git-receive-pack': { id: 'gitReceivePack', tag: 'git', auth: 'repo', summary: 'Git smart HTTP: push (write token)', ok: [200, 'report-status', git('application/x-git-receive-pack-result')] },
};
