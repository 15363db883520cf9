// GET /v1/openapi.json: the OpenAPI 3.1 document, generated from the operation table
// (./operations.ts) and its zod schemas (src/schema) — the same schemas that validate requests.
// Shared schemas (with a `.meta({ id })`) become components; each operation's request and
// response bodies are named after its operationId. Built once per isolate, on the first request
// for it (the schemas too: src/schema/lazy.ts).
import * as z from 'zod';
import { jsonResponse } from '../http/errors';
import { Commit, ErrorBody, Ident, IdentInput } from '../schema/common';
import { CreatedRepo, Maintenance, Repo, Rule, Webhook } from '../schema/control';
import { Change } from '../schema/repo-api';
import { OPERATIONS, type Operation } from './operations';
import { pathParams } from './params';

const TAGS: Record<string, string> = {
  service: 'The service itself',
  repositories: 'Create, fork, import, list and delete repositories (admin token)',
  tokens: 'Repository tokens (admin token)',
  events: 'Ref-change events (admin token)',
  webhooks: 'Webhooks on ref changes (admin token)',
  rules: 'Branch protection (admin token)',
  maintenance: 'Housekeeping of the object store (admin token)',
  commits: 'Commits and merges without a clone (repository token)',
  refs: 'Branches and tags (repository token)',
  read: 'Reading commits, trees, files and diffs (repository token)',
  git: 'Git smart HTTP, for git clients',
};

/** itty-router path → OpenAPI path (`:rest+` → `{rest}`). */
export function openApiPath(route: string): string {
  return route.replace(/:(\w+)\+?/g, '{$1}');
}

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const errorContent = { 'application/json': { schema: ref('Error') } };

/** A schema as a component reference: its own id if it has one, else `fallback`. */
function named(schema: z.ZodType, fallback: string, out: Map<z.ZodType, string>): { $ref: string } {
  const id = (z.globalRegistry.get(schema) as { id?: string } | undefined)?.id ?? out.get(schema) ?? fallback;
  out.set(schema, id);
  return ref(id);
}

function operation(key: string, op: Operation, schemas: Map<z.ZodType, string>) {
  const route = key.slice(key.indexOf(' ') + 1);
  const path = Object.entries(pathParams(key, op));
  const names = path.map(([n]) => n);
  const [status, description, ok] = op.ok;
  const success: Record<string, unknown> = { description };
  if (typeof ok === 'function') success.content = { 'application/json': { schema: named(ok(), `${cap(op.id)}Response`, schemas) } };
  else if (ok) success.content = { [ok.type]: { schema: { type: 'string', description: ok.description } } };
  const responses: Record<string, unknown> = { [String(status)]: success };
  if (op.body || op.query || names.length) responses['400'] = { description: 'bad request: unknown or ill-typed fields are named', content: errorContent };
  if (op.auth !== 'none') responses['401'] = { description: 'authentication required', content: errorContent };
  if (names.length) responses['404'] = { description: 'not found', content: errorContent };
  for (const s of op.extra ?? []) responses[String(s)] ??= { description: 'see the description', content: errorContent };
  const query = op.query ? Object.entries(op.query().shape) : [];
  const out: Record<string, unknown> = {
    operationId: op.id,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    tags: [op.tag],
    parameters: [
      ...path.map(([name, s]) => ({ name, in: 'path', required: true, description: s.description, schema: inline(s) })),
      ...query.map(([name, s]) => ({
        name,
        in: 'query',
        required: !(s as z.ZodType).safeParse(undefined).success,
        description: (s as z.ZodType).description,
        schema: inline(s as z.ZodType),
      })),
    ],
    responses,
    security: op.auth === 'none' ? [] : op.auth === 'repo' ? [{ admin: [] }, { repoToken: [] }] : [{ admin: [] }],
  };
  if (op.body) out.requestBody = { required: !op.bodyOptional, content: { 'application/json': { schema: named(op.body(), `${cap(op.id)}Request`, schemas) } } };
  return { path: openApiPath(route), method: key.slice(0, key.indexOf(' ')).toLowerCase(), out };
}

const cap = (s: string) => s[0].toUpperCase() + s.slice(1);

/** JSON Schema of a small schema, inline (query parameters). */
function inline(s: z.ZodType): unknown {
  const j = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete j.$schema;
  delete j.description;
  return j;
}

/** Component schemas: every named schema, with references between them kept as $ref. */
function components(schemas: Map<z.ZodType, string>): Record<string, unknown> {
  const reg = z.registry<{ id: string }>();
  for (const [schema, id] of schemas) reg.add(schema, { id });
  // Shared pieces (Ident, Commit, ...) carry their id in the global registry: listed here so
  // that they become components of their own instead of nested definitions.
  for (const schema of SHARED.map((s) => s())) {
    const id = (z.globalRegistry.get(schema) as { id?: string } | undefined)?.id;
    if (id && !reg.has(schema)) reg.add(schema, { id });
  }
  const { schemas: out } = z.toJSONSchema(reg, { io: 'input', unrepresentable: 'any', uri: (id) => `#/components/schemas/${id}` }) as {
    schemas: Record<string, Record<string, unknown>>;
  };
  for (const s of Object.values(out)) {
    delete s.$schema;
    delete s.$id;
    delete s.id;
  }
  return out;
}

const SHARED: (() => z.ZodType)[] = [ErrorBody, IdentInput, Ident, Commit, Change, Rule, Repo, CreatedRepo, Webhook, Maintenance];

let built: Record<string, unknown> | null = null;

export function openApiDocument(origin?: string): Record<string, unknown> {
  if (!built) {
    const paths: Record<string, Record<string, unknown>> = {};
    const schemas = new Map<z.ZodType, string>([[ErrorBody(), 'Error']]);
    for (const [key, op] of Object.entries(OPERATIONS)) {
      const { path, method, out } = operation(key, op, schemas);
      (paths[path] ??= {})[method] = out;
    }
    built = {
      openapi: '3.1.0',
      info: {
        title: 'Arbor',
        version: '1.0.0',
        description: 'Versioned storage that speaks Git: control plane, commit/read API and git smart HTTP.',
      },
      tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
      paths,
      components: {
        securitySchemes: {
          admin: { type: 'http', scheme: 'bearer', description: 'ARBOR_ADMIN_TOKEN' },
          repoToken: { type: 'http', scheme: 'bearer', description: 'arb_v1_... repository token (also accepted as the Basic password)' },
        },
        schemas: components(schemas),
      },
    };
  }
  return origin ? { ...built, servers: [{ url: origin }] } : built;
}

export function getOpenApi(req: Request): Response {
  return jsonResponse(openApiDocument(new URL(req.url).origin));
}
