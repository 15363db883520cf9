// Shared pieces of the REST schemas (src/schema): the error body, idents, object ids. The
// schemas in this folder are the one description of the REST surface: the Worker and the
// Durable Object validate request bodies with them (./validate.ts), and the OpenAPI document
// (src/api/openapi.ts) is generated from them, so the two cannot drift apart.
import * as z from 'zod';
import { lazy } from './lazy';

export const Sha = lazy(() => z.string().regex(/^[0-9a-f]{40}$/).describe('a 40-hex object id'));

export const ErrorBody = lazy(() =>
  z.object({
    error: z
      .object({ code: z.string().describe('machine-readable: bad_request, not_found, conflict, stale_head, ...'), message: z.string() })
      .catchall(z.unknown())
      .describe('further fields by code, e.g. paths for merge_conflict'),
    currentHead: z.string().nullable().optional().describe('stale_head: where the branch is now'),
  })
  .meta({ id: 'Error' }),
);

/** An author, committer or tagger as a request gives it. */
export const IdentInput = lazy(() =>
  z.strictObject({
    name: z.string(),
    email: z.string(),
    date: z.union([z.string(), z.number()]).optional().describe('unix seconds, "@<seconds> +HHMM" or ISO 8601'),
    timezone: z.string().optional().describe('"+HHMM" / "-HHMM" (default +0000)'),
  })
  .meta({ id: 'IdentInput' }),
);

/** An ident as the read API answers it. */
export const Ident = lazy(() =>
  z.object({ name: z.string(), email: z.string(), date: z.string().describe('ISO 8601, UTC'), timestamp: z.number(), timezone: z.string() }).meta({ id: 'Ident' }),
);

export const Commit = lazy(() =>
  z.object({ sha: Sha(), tree: Sha(), parents: z.array(Sha()), author: Ident(), committer: Ident(), message: z.string() }).meta({ id: 'Commit' }),
);

export { PageQuery } from './params';
