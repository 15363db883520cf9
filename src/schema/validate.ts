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
