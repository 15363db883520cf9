// Request validation with the REST schemas: one 400 naming the offending fields (up to five),
// in the error body the API already uses: {"error":{"code":"bad_request","message"}}.
import * as z from 'zod';
import en from 'zod/v4/locales/en.js';
import { HttpError } from '../http/errors';

// zod sets its English messages as a side effect of its entry module, which the bundler drops
// (the package declares no side effects): without this, every message would be "Invalid input".
z.config(en());

/** `where.to.field` for an issue path (array items as [i]). */
function fieldName(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}

/** One readable line per problem: unknown fields by name, wrong types with the field named. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((i) => {
    const at = fieldName(i.path);
    if (i.code === 'unrecognized_keys') {
      const keys = i.keys.map((k) => `"${at ? `${at}.` : ''}${k}"`).join(', ');
      return `unknown field${i.keys.length > 1 ? 's' : ''} ${keys}`;
    }
    // A field's own refusal text already names it ("ttlSeconds must be an integer ...").
    return !at || i.message.startsWith(`${at} `) ? i.message : `"${at}": ${i.message}`;
  });
}

/** The body as the schema's type, or a 400 naming what is wrong (unknown fields, wrong types). */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  throw new HttpError(400, 'bad_request', describeIssues(r.error.issues).slice(0, 5).join('; '));
}

/**
 * A URL's query parameters as the schema's type, or a 400 naming each bad or unknown parameter.
 * An empty value (`?limit=`) counts as absent; a parameter given twice is refused rather than one
 * of its values silently chosen.
 */
export function parseQuery<S extends z.ZodType>(schema: S, params: URLSearchParams): z.output<S> {
  const seen = new Map<string, string | undefined>();
  for (const [k, v] of params) {
    if (seen.has(k)) throw new HttpError(400, 'bad_request', `query parameter "${k.slice(0, 40)}" is given twice`);
    seen.set(k, v === '' ? undefined : v);
  }
  const raw = Object.fromEntries(seen); // own properties only: "__proto__" is just a name here
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const lines = describeIssues(r.error.issues).map((l) => l.replace(/^unknown field(s?) /, 'unknown query parameter$1 '));
  throw new HttpError(400, 'bad_request', lines.slice(0, 5).join('; '));
}

/** Path parameters (already decoded) as the schema's type, or a 400 naming the bad one. */
export function parseParams<S extends z.ZodType>(schema: S, params: Record<string, string>): z.output<S> {
  return parseBody(schema, params);
}

/** Arguments of an RPC method, checked with the REST schema of the same input: a 400 (BadRequest over RPC) naming the field. */
export const parseArgs = parseBody;
