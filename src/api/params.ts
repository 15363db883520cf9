// Path and query parameters of a REST request, parsed with the schemas of its operation
// (./operations.ts) — the schemas the OpenAPI document describes them with. The router has set
// `req.route` (the matched pattern) by the time a handler runs, so `METHOD route` finds the
// operation: handlers need no list of their own parameters.
import type { IRequest } from 'itty-router';
import * as z from 'zod';
import { HttpError } from '../http/errors';
import { GitRepo, Namespace, RepoName, Rest } from '../schema/params';
import { NoQuery } from '../schema/repo-api';
import { parseParams, parseQuery } from '../schema/validate';
import { OPERATIONS, type Operation } from './operations';

/** Path parameters every route names the same way; an operation adds or overrides (op.path). */
const COMMON: Record<string, () => z.ZodType> = { ns: Namespace, name: RepoName, rest: Rest, repo: GitRepo };

/** The schema of each path parameter of route `key` ("METHOD /path/:a/:b+"), built if not yet. */
export function pathParams(key: string, op: Operation): Record<string, z.ZodType> {
  const out: Record<string, z.ZodType> = {};
  for (const m of key.matchAll(/:(\w+)/g)) out[m[1]] = (op.path?.[m[1]] ?? COMMON[m[1]])();
  return out;
}

const compiled = new Map<string, { path: z.ZodObject; query: z.ZodType }>();

function schemasOf(key: string): { path: z.ZodObject; query: z.ZodType } {
  let s = compiled.get(key);
  if (!s) {
    const op = OPERATIONS[key];
    if (!op) throw new Error(`no operation for ${key}`); // the routing table and OPERATIONS disagree
    s = { path: z.strictObject(pathParams(key, op)), query: (op.query ?? NoQuery)() };
    compiled.set(key, s);
  }
  return s;
}

function decode(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    throw new HttpError(400, 'bad_request', 'malformed percent-encoding in the URL');
  }
}

/**
 * The request's path parameters (decoded) and query parameters, typed by its operation's schemas;
 * a 400 naming each bad or unknown one. `P`/`Q`: the shapes the caller expects.
 */
export function requestParams<P = Record<string, string>, Q = Record<string, unknown>>(req: IRequest, opts: { query?: boolean } = {}): { path: P; query: Q } {
  const { path, query } = schemasOf(`${req.method} ${req.route}`);
  const raw: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.params ?? {})) raw[k] = decode(String(v));
  const p = parseParams(path, raw) as P;
  // The forwarded routes' queries are parsed by the Durable Object, after it has authorised the call.
  return { path: p, query: (opts.query === false ? {} : parseQuery(query, new URL(req.url).searchParams)) as Q };
}
