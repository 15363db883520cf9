// GET /v1/openapi.json: an OpenAPI 3.1 description of the REST surface. The e2e test
// (test/e2e/control-plane.test.ts) checks it against the route table in src/index.ts: every
// route documented, every documented route answers.
import { jsonResponse } from '../http/errors';

type Op = {
  summary: string;
  auth?: 'admin' | 'repo' | 'none'; // repo: a repository token or the admin token
  query?: Record<string, string>; // name -> description
  body?: Record<string, unknown>; // JSON schema of the request body
  ok: [number, string]; // status, description
  extra?: number[]; // other documented statuses
};

const err = { $ref: '#/components/schemas/Error' };
const pathParam = (name: string, description: string) => ({ name, in: 'path', required: true, schema: { type: 'string' }, description });
const PARAMS: Record<string, ReturnType<typeof pathParam>> = {
  ns: pathParam('ns', 'namespace: 1-63 chars [A-Za-z0-9._-], starting alphanumeric'),
  name: pathParam('name', 'repository name (same rules; not ending in .git)'),
  id: pathParam('id', 'token id (tok_...) or webhook id (wh_...)'),
  rest: pathParam('rest', 'revision and/or path; may contain "/" (e.g. main/src/a.ts)'),
  repo: pathParam('repo', 'repository name, with or without .git'),
};

/** Documented operations, keyed by `METHOD path` in itty-router syntax (as in src/index.ts). */
export const OPERATIONS: Record<string, Op> = {
  'GET /': { summary: 'Service banner', auth: 'none', ok: [200, 'plain text'] },
  'GET /healthz': { summary: 'Health check: answered by the Worker without waking any Durable Object', auth: 'none', ok: [200, '{"ok":true,...}'] },
  'GET /v1/openapi.json': { summary: 'This document', auth: 'none', ok: [200, 'OpenAPI 3.1 document'] },
  'GET /v1/namespaces': {
    summary: 'List namespaces that hold repositories (name order, paginated)',
    query: { limit: '1-1000 (default 100)', cursor: 'from the previous page' },
    ok: [200, '{namespaces:[{name,createdAt}], cursor}'],
  },
  'GET /v1/repos/:ns': {
    summary: "List a namespace's repositories (name order, paginated, from the registry)",
    query: { limit: '1-1000 (default 100)', cursor: 'from the previous page' },
    ok: [200, '{repos:[{name,namespace,createdAt,remote}], cursor}'],
  },
  'POST /v1/repos/:ns/:name': {
    summary: 'Create a repository',
    body: { type: 'object' },
    ok: [201, '{namespace,name,remote,token,defaultBranch,createdAt,updatedAt,sizeBytes,packs,objects,refs,readOnly,forkedFrom,durableObjectId}'],
    extra: [409],
  },
  'GET /v1/repos/:ns/:name': { summary: 'Repository info', ok: [200, 'as create, without token'], extra: [404] },
  'GET /v1/admin/requests/:ns/:name': { summary: "The repository name's Durable Object (hex id) and how many requests it served", ok: [200, '{durableObjectId,requests,busyMs,databaseBytes}'], extra: [400] },
  'DELETE /v1/repos/:ns/:name': { summary: 'Delete a repository (its objects stay while forks of it need them)', ok: [204, 'deleted'], extra: [404] },
  'POST /v1/repos/:ns/:name/fork': {
    summary: 'Fork a repository: a new repository sharing its objects (constant time, no copy) with its own refs, tokens and events',
    body: {
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: 'string', description: 'the new repository' },
        namespace: { type: 'string', description: "default: the source's namespace" },
        readOnly: { type: 'boolean', description: 'refuse every push and commit (403)' },
        defaultBranchOnly: { type: 'boolean', description: 'copy only HEAD and the default branch' },
      },
    },
    ok: [201, 'as create, with forkedFrom set'],
    extra: [400, 404, 409],
  },
  'POST /v1/repos/:ns/:name/tokens': {
    summary: 'Issue a repository token',
    body: {
      type: 'object',
      properties: {
        scope: { enum: ['read', 'write'] },
        ttlSeconds: { type: 'integer', minimum: 60, maximum: 31536000 },
        name: { type: 'string', minLength: 1, maxLength: 100, description: 'a note: what the token is for' },
      },
    },
    ok: [201, '{token,id,scope,expiresAt,name}: token is arb_v1_<40 hex><6 base62 CRC-32 checksum>?expires=<unix seconds>'],
  },
  'GET /v1/repos/:ns/:name/tokens': {
    summary: 'List tokens (never secrets); expired ones until 30 days after expiry, then purged; lastUsedAt to the minute',
    ok: [200, '{tokens:[{id,name,scope,createdAt,expiresAt,expired,lastUsedAt}]}'],
  },
  'DELETE /v1/repos/:ns/:name/tokens/:id': { summary: 'Revoke a token (effective on the next request)', ok: [204, 'revoked'], extra: [404] },
  'GET /v1/repos/:ns/:name/events': {
    summary: 'Ref-change events (push, commit API, ref deletion), oldest first',
    query: { after: 'event id; only later events (default 0)', limit: '1-1000 (default 100)' },
    ok: [200, '{repo, events:[{id,ref,old,new,actor,time}], next}'],
  },
  'POST /v1/repos/:ns/:name/webhooks': {
    summary: 'Add a webhook: every ref change is POSTed to url, signed with secret (X-Arbor-Signature-256: sha256=HMAC-SHA256 of the body); at most 20 per repository',
    body: {
      type: 'object',
      required: ['url', 'secret'],
      properties: {
        url: { type: 'string', format: 'uri', maxLength: 2048, description: 'http:// or https://' },
        secret: { type: 'string', minLength: 1, maxLength: 256 },
        events: { type: 'array', items: { enum: ['ref.update', 'ping'] }, description: 'default ["ref.update"]; "ping" sends one test delivery now' },
      },
    },
    ok: [201, '{id,url,events,createdAt} (never the secret)'],
    extra: [409],
  },
  'GET /v1/repos/:ns/:name/webhooks': { summary: 'List webhooks (never secrets)', ok: [200, '{webhooks:[{id,url,events,createdAt}]}'] },
  'DELETE /v1/repos/:ns/:name/webhooks/:id': { summary: 'Remove a webhook and drop its queued deliveries', ok: [204, 'removed'], extra: [404] },
  'GET /v1/repos/:ns/:name/webhooks/:id/deliveries': {
    summary: "A webhook's recent deliveries, newest first",
    query: { limit: '1-100 (default 100)' },
    ok: [200, '{deliveries:[{id,event,state,attempts,lastStatus,lastError,nextAttemptAt,createdAt,completedAt,payload}]}'],
  },
  'GET /v1/repos/:ns/:name/rules': {
    summary: "The repository's branch protection rules",
    ok: [200, '{rules:[{pattern,allowForcePush,allowDeletion,mergeOnly}]}'],
  },
  'PUT /v1/repos/:ns/:name/rules': {
    summary:
      'Replace the branch protection rules (an empty list removes them). A rule protects the existing refs its pattern matches ' +
      '(`*` within a path component, `**` across, `?` one character): pushes that are not fast-forwards are refused ' +
      '(`ng <ref> protected branch: force-push refused`) unless allowForcePush, deletions unless allowDeletion ' +
      '(`protected branch: deletion refused`), and with mergeOnly every change except through POST .../merges (push, commit ' +
      'and ref APIs, the isomorphic-git view; 403 protected_branch from the HTTP APIs). Creating a matching ref is allowed. Rules bind every token, the admin token included; forks do not inherit them. ' +
      'At most 100 rules.',
    body: {
      type: 'object',
      required: ['rules'],
      properties: {
        rules: {
          type: 'array',
          maxItems: 100,
          items: {
            type: 'object',
            required: ['pattern'],
            additionalProperties: false,
            properties: {
              pattern: { type: 'string', maxLength: 255, description: 'e.g. refs/heads/main, refs/heads/release/*, refs/tags/**' },
              allowForcePush: { type: 'boolean', description: 'default false' },
              allowDeletion: { type: 'boolean', description: 'default false' },
              mergeOnly: { type: 'boolean', description: 'default false: changes only through the merge API' },
            },
          },
        },
      },
    },
    ok: [200, '{rules:[{pattern,allowForcePush,allowDeletion,mergeOnly}]} (as stored)'],
  },
  'POST /v1/repos/:ns/:name/import': {
    summary:
      'Create a repository from a remote smart-HTTP git repository (protocol v2, v0/v1 fallback). Without branch: every branch and tag, ' +
      "HEAD as the remote's; with branch: only that branch (no tags), HEAD on it. depth: a shallow import. headers: sent to the remote only " +
      '(never stored, logged or echoed), and only to the origin of url (not after a redirect elsewhere). Errors: 400 bad_request (URL not ' +
      'http/https, credentials in the URL, a loopback/private/link-local/CGNAT/reserved address or local name unless ' +
      'ARBOR_ALLOW_PRIVATE_NETWORKS=1, bad headers/depth/branch); ' +
      '409 conflict (name exists); 413 pack_too_large; 422 branch_not_found | invalid_pack; 502 upstream_unreachable | upstream_auth_failed ' +
      '(remote 401/403) | upstream_not_found (remote 404) | upstream_not_git | upstream_error (also: a redirect to a refused destination, ' +
      'more than 5 redirects); 504 upstream_timeout (no byte for 60 s). ' +
      'A failed import creates nothing.',
    body: {
      type: 'object',
      required: ['url'],
      properties: {
        url: { type: 'string', description: 'http(s) URL of the remote repository, without credentials' },
        branch: { type: 'string', description: 'import only this branch (name or refs/heads/name)' },
        depth: { type: 'integer', minimum: 1, description: 'keep this many commits of history per tip (shallow)' },
        headers: { type: 'object', additionalProperties: { type: 'string' }, description: 'extra request headers for the remote, e.g. Authorization' },
      },
    },
    ok: [201, 'as create, plus imported:{refs,objects,head,shallow,protocol}'],
    extra: [409, 413, 422, 502, 504],
  },
  'POST /v1/repos/:ns/:name/maintenance': {
    summary:
      'Queue housekeeping of the repository\'s object store (shared by its fork network): repack merges packs (geometric progression) and ' +
      'deltifies what is stored whole; gc packs everything into one pack and deletes objects no ref of any repository of the network reaches, ' +
      'once older than the grace period. Runs in the background (Durable Object alarm, ~2 s slices); poll GET for the outcome.',
    body: {
      type: 'object',
      required: ['tasks'],
      properties: {
        tasks: { type: 'array', items: { enum: ['repack', 'gc'] }, minItems: 1 },
        prune: {
          oneOf: [{ enum: ['now', 'never'] }, { type: 'integer', minimum: 0 }],
          description: 'gc only: "now" prunes every unreachable object, "never" none, a number is this run\'s grace period in seconds (default: the repository setting, 14 days)',
        },
      },
    },
    ok: [202, '{repo,state,running,queued,lastRun,history,current:{packs,bytes,objects},gracePeriodSeconds,auto,due,nextDue}'],
  },
  'GET /v1/repos/:ns/:name/maintenance': {
    summary: 'Housekeeping status: run in progress, last runs (packs, bytes and objects before/after, objects pruned), what is due, next alarm',
    ok: [200, 'as POST'],
  },
  'PATCH /v1/repos/:ns/:name/maintenance': {
    summary: 'Housekeeping settings of the repository: grace period of unreachable objects (the network uses the longest), automatic runs on/off',
    body: {
      type: 'object',
      properties: {
        gracePeriodSeconds: { type: 'integer', minimum: 0, description: 'default 1209600 (14 days)' },
        auto: { type: 'boolean', description: 'automatic runs (off only when every repository of the network turns them off)' },
      },
    },
    ok: [200, 'as GET'],
  },
  'POST /v1/repos/:ns/:name/commits': {
    summary: 'Create one commit from file changes',
    auth: 'repo',
    body: { type: 'object', required: ['changes'] },
    ok: [201, '{commit, ...}'],
    extra: [409, 422],
  },
  'GET /v1/repos/:ns/:name/refs': { summary: 'Branches, tags and HEAD', auth: 'repo', ok: [200, '{head,branches,tags}'] },
  'POST /v1/repos/:ns/:name/refs': {
    summary: 'Create or move a ref (a branch, a lightweight tag, ...): compare-and-swap with expectedOld (null: must not exist; absent: no check). Same checks and events as a push (a branch gets a commit). Write token',
    auth: 'repo',
    body: {
      type: 'object',
      required: ['name', 'sha'],
      properties: {
        name: { type: 'string', description: 'full ref name: refs/heads/<branch>, refs/tags/<tag>, ...' },
        sha: { type: 'string', pattern: '^[0-9a-f]{40}$' },
        expectedOld: { type: ['string', 'null'], description: 'the current value, or null for "must not exist"' },
      },
    },
    ok: [201, '{name,sha,old,created} (201 created, 200 moved)'],
    extra: [403, 409, 422],
  },
  'DELETE /v1/repos/:ns/:name/refs/:rest+': {
    summary: 'Delete a ref (rest: heads/<branch>, tags/<tag>, ...); compare-and-swap with expectedOld. Write token',
    auth: 'repo',
    query: { expectedOld: 'delete only if the ref is at this sha' },
    ok: [204, 'deleted'],
    extra: [403, 409],
  },
  'POST /v1/repos/:ns/:name/tags': {
    summary: 'Create an annotated tag (isomorphic-git annotatedTag on the repository view); the tag must not exist. Write token',
    auth: 'repo',
    body: {
      type: 'object',
      required: ['name', 'target', 'message', 'tagger'],
      properties: {
        name: { type: 'string', description: 'v1.0 or refs/tags/v1.0' },
        target: { type: 'string', description: 'any revision (branch, sha, ...)' },
        message: { type: 'string' },
        tagger: { type: 'object', required: ['name', 'email'], properties: { name: { type: 'string' }, email: { type: 'string' }, date: { type: ['string', 'integer'] }, timezone: { type: 'string' } } },
      },
    },
    ok: [201, '{name,sha,target,targetType}'],
    extra: [403, 409],
  },
  'POST /v1/repos/:ns/:name/merges': {
    summary:
      'Merge head into branch base with isomorphic-git on the repository view, like git merge: already contained -> 200 alreadyUpToDate; ' +
      'base an ancestor of head -> fast-forward; otherwise strategy "ff-only" -> 409 not_fast_forward, "merge" (default) -> a merge commit ' +
      '(parents base, head; author required). Conflicts -> 409 merge_conflict with paths, nothing written. expectedHead: compare-and-swap on base (409 stale_head). Write token',
    auth: 'repo',
    body: {
      type: 'object',
      required: ['base', 'head'],
      properties: {
        base: { type: 'string', description: 'branch to merge into (it moves)' },
        head: { type: 'string', description: 'revision to merge' },
        strategy: { enum: ['ff-only', 'merge'] },
        message: { type: 'string' },
        author: { type: 'object', required: ['name', 'email'], properties: { name: { type: 'string' }, email: { type: 'string' }, date: { type: ['string', 'integer'] }, timezone: { type: 'string' } } },
        expectedHead: { type: 'string', pattern: '^[0-9a-f]{40}$' },
      },
    },
    ok: [201, '{sha,fastForward,alreadyUpToDate,branch,parents?,tree?}'],
    extra: [403, 409, 422],
  },
  'GET /v1/repos/:ns/:name/commits/:rest+': { summary: 'One commit', auth: 'repo', ok: [200, '{sha,tree,parents,author,committer,message}'] },
  'GET /v1/repos/:ns/:name/tree/:rest+': { summary: 'Directory listing at a revision', auth: 'repo', query: { recursive: '1 for the whole subtree' }, ok: [200, '{commit,sha,path,entries,truncated}'] },
  'GET /v1/repos/:ns/:name/blob/:rest+': { summary: 'File bytes at a revision', auth: 'repo', ok: [200, 'raw bytes (Range, ETag)'] },
  'GET /v1/repos/:ns/:name/objects/:rest': { summary: 'Raw object by sha', auth: 'repo', ok: [200, 'raw object content'] },
  'GET /v1/repos/:ns/:name/log/:rest+': { summary: 'History', auth: 'repo', query: { path: 'path filter', limit: 'page size', cursor: 'next page', firstParent: '1' }, ok: [200, '{commits,nextCursor}'] },
  'GET /v1/repos/:ns/:name/compare/:rest+': { summary: 'Diff base...head', auth: 'repo', query: { format: 'patch | diff' }, ok: [200, '{base,head,mergeBase,files,additions,deletions,diff}'] },
  'GET /git/:ns/:repo/info/refs': { summary: 'Git smart HTTP: ref advertisement', auth: 'repo', query: { service: 'git-upload-pack | git-receive-pack' }, ok: [200, 'pkt-lines'] },
  'POST /git/:ns/:repo/git-upload-pack': { summary: 'Git smart HTTP: fetch/clone', auth: 'repo', ok: [200, 'pack'] },
  'POST /git/:ns/:repo/git-receive-pack': { summary: 'Git smart HTTP: push (write token)', auth: 'repo', ok: [200, 'report-status'] },
};

/** itty-router path → OpenAPI path (`:rest+` → `{rest}`). */
export function openApiPath(route: string): string {
  return route.replace(/:(\w+)\+?/g, '{$1}');
}

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [key, op] of Object.entries(OPERATIONS)) {
    const sp = key.indexOf(' ');
    const method = key.slice(0, sp).toLowerCase();
    const route = key.slice(sp + 1);
    const names = [...route.matchAll(/:(\w+)/g)].map((m) => m[1]);
    const responses: Record<string, unknown> = {
      [String(op.ok[0])]: { description: op.ok[1] },
      '400': { description: 'bad request', content: { 'application/json': { schema: err } } },
    };
    if (op.auth !== 'none') responses['401'] = { description: 'authentication required', content: { 'application/json': { schema: err } } };
    for (const s of op.extra ?? []) responses[String(s)] = { description: 'error', content: { 'application/json': { schema: err } } };
    if (names.length && !responses['404']) responses['404'] = { description: 'not found', content: { 'application/json': { schema: err } } };
    const operation: Record<string, unknown> = {
      summary: op.summary,
      operationId: `${method}${route.replace(/[^A-Za-z0-9]+(\w)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      parameters: [
        ...names.map((n) => PARAMS[n]),
        ...Object.entries(op.query ?? {}).map(([name, description]) => ({ name, in: 'query', required: false, schema: { type: 'string' }, description })),
      ],
      responses,
      security: op.auth === 'none' ? [] : op.auth === 'repo' ? [{ admin: [] }, { repoToken: [] }] : [{ admin: [] }],
    };
    if (op.body) operation.requestBody = { required: false, content: { 'application/json': { schema: op.body } } };
    (paths[openApiPath(route)] ??= {})[method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Arbor', version: '1.0.0', description: 'Versioned storage that speaks Git: control plane, commit/read API and git smart HTTP.' },
    paths,
    components: {
      securitySchemes: {
        admin: { type: 'http', scheme: 'bearer', description: 'ARBOR_ADMIN_TOKEN' },
        repoToken: { type: 'http', scheme: 'bearer', description: 'arb_v1_... repository token (also accepted as the Basic password)' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } },
        },
      },
    },
  };
}

export function getOpenApi(): Response {
  return jsonResponse(openApiDocument());
}
