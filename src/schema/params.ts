// Path and query parameters of the REST routes, and the plain arguments of the RPC binding that
// mean the same thing (a namespace, a page size, a token id). Like the bodies, they are the one
// description: the Worker and the Durable Object parse requests with them (./validate.ts), the
// RPC binding checks its arguments with them, and the OpenAPI document is built from them.
// Query objects are strict: an unknown parameter (a misspelled `limit`) is refused with a 400
// naming it, as an unknown body field is, instead of being silently ignored.
import * as z from 'zod';
import { lazy } from './lazy';

// Namespace and repository names (DESIGN.md): 1-63 chars of [A-Za-z0-9._-], starting with a
// letter or digit, not ending in ".git" (the suffix belongs to the remote URL).
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export function nameProblem(kind: 'namespace' | 'repository', name: string): string | null {
  if (!NAME_RE.test(name)) {
    return `invalid ${kind} name '${name.slice(0, 80)}': use 1-63 characters from [A-Za-z0-9._-], starting with a letter or digit`;
  }
  if (name.toLowerCase().endsWith('.git')) return `invalid ${kind} name '${name}': must not end in .git`;
  return null;
}

/** A name schema whose refusal is the message clients already know (it names the value). */
const named = (kind: 'namespace' | 'repository', description: string) =>
  z
    .string({ error: `${kind} must be a string` })
    .regex(NAME_RE, { error: (iss) => nameProblem(kind, String(iss.input)) ?? undefined })
    .refine((v) => !v.toLowerCase().endsWith('.git'), { error: (iss) => nameProblem(kind, String(iss.input)) ?? undefined })
    .describe(description);

export const Namespace = lazy(() => named('namespace', 'namespace: 1-63 chars [A-Za-z0-9._-], starting alphanumeric'));
export const RepoName = lazy(() => named('repository', 'repository name (same rules; not ending in .git)'));

/** The path parameters of every /v1/repos/:ns/:name/... route. */
export const RepoPath = lazy(() => z.strictObject({ ns: Namespace(), name: RepoName() }));

export const TokenId = lazy(() =>
  z
    .string()
    .regex(/^tok_[0-9a-f]{16}$/, { error: (iss) => `invalid token id '${String(iss.input).slice(0, 40)}'` })
    .describe('token id (tok_ and 16 hex digits)'),
);

export const WebhookId = lazy(() =>
  z
    .string()
    .regex(/^wh_[0-9a-f]{16}$/, { error: (iss) => `invalid webhook id '${String(iss.input).slice(0, 40)}'` })
    .describe('webhook id (wh_ and 16 hex digits)'),
);

/** Revision and/or path in the URL: checked by the read API itself (it resolves it). */
export const Rest = lazy(() => z.string().describe('revision and/or path; may contain "/" (e.g. main/src/a.ts)'));

export const GitRepo = lazy(() => z.string().describe('repository name, with or without .git'));

/**
 * An integer query parameter (a string in the URL, a number over RPC): `z.coerce` so the document
 * says "integer" and the generated client takes a number. Refused with the field's own message.
 */
export const queryInt = (field: string, min: number, max: number) => {
  const msg = { error: `${field} must be an integer from ${min} to ${max}` };
  return z.coerce.number(msg).int(msg).min(min, msg).max(max, msg);
};

/** A yes/no query parameter: 1/true/yes or 0/false/no (anything else is refused, not guessed). */
export const QueryFlag = lazy(() =>
  z
    .union([z.boolean(), z.enum(['1', 'true', 'yes', '0', 'false', 'no'])], { error: 'must be 1 or 0 (true/false)' })
    .transform((v) => v === true || v === '1' || v === 'true' || v === 'yes'),
);

export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 1000;

/** Pagination parameters: a page size and the cursor of the previous page. */
export const PageQuery = lazy(() =>
  z.strictObject({
    limit: queryInt('limit', 1, MAX_PAGE).optional().describe('1-1000 (default 100)'),
    cursor: z.string().optional().describe('from the previous page'),
  }),
);

export const EventsQuery = lazy(() =>
  z.strictObject({
    after: z.coerce
      .number({ error: 'after must be a non-negative integer (an event id)' })
      .int({ error: 'after must be a non-negative integer (an event id)' })
      .min(0, { error: 'after must be a non-negative integer (an event id)' })
      .optional()
      .describe('event id; only later events (default 0)'),
    limit: queryInt('limit', 1, MAX_PAGE).optional().describe('1-1000 (default 100)'),
  }),
);

export const DeliveriesQuery = lazy(() => z.strictObject({ limit: queryInt('limit', 1, 100).optional().describe('1-100 (default 100)') }));
