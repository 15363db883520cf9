// Control-plane schemas: repositories, tokens, events, webhooks, rules, import, maintenance
// (src/api/repos.ts, src/api/rules.ts). Request bodies are strict: an unknown field is refused
// (400 naming it) rather than silently ignored.
import * as z from 'zod';
import { PageQuery, Sha } from './common';
import { lazy } from './lazy';

/** Grace periods up to ten years (git's gc.pruneExpire "never" is prune: "never"). */
export const MAX_GRACE_SECONDS = 10 * 365 * 86_400;
const GRACE_MSG = { error: `must be an integer number of seconds from 0 to ${MAX_GRACE_SECONDS}` };

export const Repo = lazy(() =>
  z
    .object({
      namespace: z.string(),
      name: z.string(),
      remote: z.string().describe('the git remote URL'),
      defaultBranch: z.string(),
      createdAt: z.string(),
      updatedAt: z.string().describe('last ref change (or creation)'),
      sizeBytes: z.number().describe('bytes of stored git data (pack files)'),
      packs: z.number(),
      objects: z.number(),
      refs: z.number(),
      readOnly: z.boolean(),
      forkedFrom: z.string().nullable().describe('ns/name of the source of a fork'),
      durableObjectId: z.string().describe('the Durable Object (hex id) serving the repository: every fork has its own'),
    })
    .meta({ id: 'Repo' }),
);

/** GET /v1/repos/:ns/:name/stats (tests, the fork bench). */
export const RequestStats = lazy(() =>
  z.object({
    durableObjectId: z.string().describe("the hex id of the repository name's Durable Object"),
    requests: z.number().describe('requests it served (git, REST, commit and read calls)'),
    busyMs: z.number().describe('their wall time, to the last byte of each answer'),
    databaseBytes: z.number().describe('its SQLite database size'),
  }),
);

export const CreatedRepo = lazy(() =>
  Repo().extend({ token: z.string().describe('a write token for the new repository') }).meta({ id: 'CreatedRepo' }),
);

export const CreateRepoBody = lazy(() => z.strictObject({}).describe('no options yet (an empty body is fine)'));

export const ForkBody = lazy(() =>
  z.strictObject({
    name: z.string().describe('the new repository'),
    namespace: z.string().optional().describe("default: the source's namespace"),
    readOnly: z.boolean().optional().describe('refuse every push and commit (403)'),
    defaultBranchOnly: z.boolean().optional().describe('copy only HEAD and the default branch'),
  }),
);

export const ImportBody = lazy(() =>
  z.strictObject({
    url: z.string().describe('http(s) URL of the remote repository, without credentials'),
    branch: z.string().optional().describe('import only this branch (name or refs/heads/name)'),
    depth: z.int().min(1).optional().describe('keep this many commits of history per tip (shallow)'),
    headers: z.record(z.string(), z.string()).optional().describe('extra request headers for the remote, e.g. Authorization'),
  }),
);

export const ImportedRepo = lazy(() =>
  CreatedRepo().extend({
    imported: z.object({
      refs: z.number(),
      objects: z.number(),
      head: z.string(),
      shallow: z.number().describe('commits at the shallow boundary'),
      protocol: z.number().describe('2, or 0/1 (the fallback)'),
    }),
  }),
);

export const RepoPage = lazy(() =>
  z.object({
    repos: z.array(z.object({ name: z.string(), namespace: z.string(), createdAt: z.string(), remote: z.string() })),
    cursor: z.string().nullable(),
  }),
);

export const NamespacePage = lazy(() =>
  z.object({ namespaces: z.array(z.object({ name: z.string(), createdAt: z.string() })), cursor: z.string().nullable() }),
);

export { PageQuery };

export const Scope = lazy(() => z.enum(['read', 'write']));

// The refusals clients already know (from before the schemas) are kept as the fields' messages.
const SCOPE_MSG = { error: 'scope must be "read" or "write"' };
const TTL_MSG = { error: 'ttlSeconds must be an integer from 60 to 31536000' };
const NAME_MSG = { error: 'name must be a string of 1-100 characters without control characters' };

export const TokenBody = lazy(() =>
  z.strictObject({
    scope: z.enum(['read', 'write'], SCOPE_MSG).optional().describe('default write'),
    ttlSeconds: z.int(TTL_MSG).min(60, TTL_MSG).max(31_536_000, TTL_MSG).optional().describe('default 86400'),
    name: z
      .string(NAME_MSG)
      .max(100, NAME_MSG)
      .regex(/^[^\x00-\x1f\x7f]*$/, NAME_MSG)
      .refine((v) => v.trim() !== '', NAME_MSG)
      .nullable().optional().describe('a note: what the token is for'),
  }),
);

export const IssuedToken = lazy(() =>
  z.object({
    token: z.string().describe('arb_v1_<40 hex><6 base62 CRC-32 checksum>?expires=<unix seconds>'),
    id: z.string(),
    scope: Scope(),
    expiresAt: z.string(),
    name: z.string().nullable(),
  }),
);

export const TokenList = lazy(() =>
  z.object({
    tokens: z.array(
      z.object({
        id: z.string(),
        name: z.string().nullable(),
        scope: Scope(),
        createdAt: z.string(),
        expiresAt: z.string(),
        expired: z.boolean(),
        lastUsedAt: z.string().nullable().describe('to the minute; null: never used'),
      }),
    ),
  }),
);

export { EventsQuery, DeliveriesQuery } from './params';

export const EventPage = lazy(() =>
  z.object({
    repo: z.string(),
    events: z.array(
      z.object({
        id: z.number(),
        ref: z.string(),
        old: Sha().describe('40 zeros when the ref was created'),
        new: Sha().describe('40 zeros when the ref was deleted'),
        actor: z.string().nullable().describe('token id; null for the admin token or a binding call'),
        time: z.string(),
      }),
    ),
    next: z.number().describe('pass as after for the next page'),
  }),
);

export const WebhookEvent = lazy(() => z.enum(['ref.update', 'ping']));

export const WebhookBody = lazy(() =>
  z.strictObject({
    url: z.string().min(1).max(2048).describe('http:// or https://'),
    secret: z.string().min(1).max(256),
    events: z.array(WebhookEvent()).min(1).optional().describe('default ["ref.update"]; "ping" sends one test delivery now'),
  }, { error: 'webhook must be an object {url, secret, events?}' }),
);

export const Webhook = lazy(() =>
  z.object({ id: z.string(), url: z.string(), events: z.array(WebhookEvent()), createdAt: z.string() }).meta({ id: 'Webhook' }),
);

export const WebhookList = lazy(() => z.object({ webhooks: z.array(Webhook()) }));

export const DeliveryList = lazy(() =>
  z.object({
    deliveries: z.array(
      z.object({
        id: z.string(),
        webhookId: z.string(),
        event: z.string(),
        state: z.enum(['pending', 'delivered', 'failed']),
        attempts: z.number(),
        lastStatus: z.number().nullable(),
        lastError: z.string().nullable(),
        nextAttemptAt: z.string().nullable(),
        createdAt: z.string(),
        completedAt: z.string().nullable(),
        payload: z.unknown(),
      }),
    ),
  }),
);

export const Rule = lazy(() =>
  z
    .strictObject({
      pattern: z.string().max(255).describe('e.g. refs/heads/main, refs/heads/release/*, refs/tags/**'),
      allowForcePush: z.boolean().optional().describe('default false'),
      allowDeletion: z.boolean().optional().describe('default false'),
      mergeOnly: z.boolean().optional().describe('default false: changes only through the merge API'),
    })
    .meta({ id: 'RuleInput' }),
);

export const RulesBody = lazy(() => z.strictObject({ rules: z.array(Rule()).max(100, { error: 'at most 100 rules per repository' }) }));

export const RuleList = lazy(() =>
  z.object({
    rules: z.array(z.object({ pattern: z.string(), allowForcePush: z.boolean(), allowDeletion: z.boolean(), mergeOnly: z.boolean() })),
  }),
);

export const MaintenanceBody = lazy(() =>
  z.strictObject({
    tasks: z.array(z.enum(['repack', 'gc'])).min(1),
    prune: z
      .union([z.enum(['now', 'never']), z.int(GRACE_MSG).min(0, GRACE_MSG).max(MAX_GRACE_SECONDS, GRACE_MSG)])
      .optional()
      .describe('gc only: "now" prunes every unreachable object, "never" none, a number is this run\'s grace period in seconds'),
  }),
);

export const MaintenanceSettingsBody = lazy(() =>
  z.strictObject({
    gracePeriodSeconds: z.int(GRACE_MSG).min(0, GRACE_MSG).max(MAX_GRACE_SECONDS, GRACE_MSG).optional().describe('default 1209600 (14 days)'),
    auto: z.boolean().optional().describe('automatic runs (off only when every repository of the network turns them off)'),
  }),
);

const Sizes = lazy(() => z.object({ packs: z.number(), bytes: z.number(), objects: z.number() }));
const Task = lazy(() => z.enum(['repack', 'gc']));

const RunSummary = lazy(() =>
  z.object({
    id: z.string(),
    tasks: z.array(Task()),
    trigger: z.enum(['request', 'auto']),
    reason: z.string(),
    mode: z.string(),
    startedAt: z.string(),
    finishedAt: z.string(),
    outcome: z.enum(['done', 'nothing-to-do', 'failed']),
    before: Sizes(),
    after: Sizes(),
    objectsPruned: z.number(),
    unreachableKept: z.number(),
    newDeltas: z.number(),
    reusedDeltas: z.number(),
    restarts: z.number(),
    parts: z.number().describe('Parts the run went in: 1 unless the store was over the objects a run lists in memory (housekeeping/parts.ts)'),
    longestStepMs: z.number(),
    longestStepIn: z.string(),
    note: z.string().nullable(),
    error: z.string().nullable(),
  }),
);

export const Maintenance = lazy(() =>
  z
    .object({
      repo: z.string(),
      state: z.enum(['idle', 'queued', 'running']),
      running: z
        .object({
          id: z.string(),
          tasks: z.array(z.string()),
          trigger: z.string(),
          reason: z.string(),
          phase: z.string(),
          startedAt: z.string(),
          progress: z.record(z.string(), z.union([z.number(), z.string()])),
        })
        .nullable(),
      queued: z
        .object({ tasks: z.array(Task()), prune: z.union([z.enum(['now', 'never']), z.number()]).optional(), trigger: z.enum(['request', 'auto']), mode: z.enum(['geometric', 'all']).optional(), reason: z.string().optional() })
        .nullable(),
      lastRun: RunSummary().nullable(),
      history: z.array(RunSummary()),
      current: Sizes(),
      gracePeriodSeconds: z.number().describe("the network's grace period for unreachable objects"),
      auto: z.boolean(),
      due: z.object({ tasks: z.array(z.string()), reason: z.string() }).nullable().describe('what an automatic run would do now'),
      nextDue: z.string().nullable().describe('when the alarm next runs housekeeping'),
      repoGracePeriodSeconds: z.number().nullable().describe("this repository's own setting"),
      steps: z
        .record(z.string(), z.object({
            n: z.number(),
            maxMs: z.number(),
            totalMs: z.number(),
            worst: z
              .record(z.string(), z.tuple([z.number(), z.number(), z.number()]))
              .optional()
              .describe("where the longest step of this kind spent its time: part (sql:migrate, read, search...) -> [ms, times run, longest single run ms]; 'rest' is what no part covers"),
          }))
        .optional()
        .describe("this instance's housekeeping steps by kind (count, longest, total ms): each blocks the repository while it runs"),
    })
    .meta({ id: 'Maintenance' }),
);
