// The Durable Object side of every commit/read REST route. The Worker (src/api/repo-routes.ts)
// forwards each request with the name of its route to the repository's Durable Object
// (RepoObject.api); here `serveRepoApi` checks the token and turns the request into one service
// call (src/commit) and the result into a response.
//
//   POST .../commits                     many file changes in one atomic commit (JSON body)
//
//   GET .../refs                         {head:{ref,sha}, branches:[{name,ref,sha}], tags:[{name,ref,sha,peeled?}]}
//   GET .../commits/:rev                 {sha, tree, parents, author, committer, message}
//   GET .../tree/:rev/*path?recursive=1  {commit, sha, path, entries:[{path,name,mode,type,sha,size?}], truncated}
//   GET .../blob/:rev/*path              raw bytes; Content-Type/Length, ETag = blob sha, Range, If-None-Match
//   GET .../objects/:sha                 raw object content; X-Git-Object-Type
//   GET .../log/:rev?path=&limit=&cursor=&firstParent=1   {commits:[...], nextCursor}
//   GET .../compare/:base...:head        {base, head, mergeBase, files:[{path,oldPath?,status,...}], additions,
//                                         deletions, diff}; ?format=patch (git diff --binary), ?format=diff
// A revision containing '/' (feature/x) may be written as is or with %2F; '^' must be %5E-encoded.
// Errors: {"error":{"code","message",...details}} (a stale expectedHead also has top-level currentHead).
import type { Scope } from '../auth/tokens';
import type { Access } from './auth';
import {
  compare, getCommit, listRefs, log, readFile, readRawObject, readTree, splitRevPath, ServiceError,
  type FileJson, type RepoContext,
} from '../commit';
import { HttpError, errorResponse, jsonResponse } from '../http/errors';
import { TOKEN_ID_HEADER, logError } from '../http/log';
import { readJsonObject } from '../http/body';
import { createCommit } from '../commit';
import { CommitBody, CompareQuery, LogQuery, NoQuery, RefDeleteQuery, TreeQuery } from '../schema/repo-api';
import { parseBody, parseQuery } from '../schema/validate';
import type * as z from 'zod';
import { MAX_BODY_BYTES, handleMerge, handleRefDelete, handleRefWrite, handleTag } from './rest-writes';
import { withReplay } from './rest-replay';

export type ApiRoute = 'commit' | 'refs' | 'commitInfo' | 'tree' | 'blob' | 'object' | 'log' | 'compare' | 'merge' | 'refWrite' | 'refDelete' | 'tag';

/** Routes that change the repository: a write token, and refused on a read-only fork. */
const WRITE_ROUTES = new Set<ApiRoute>(['commit', 'merge', 'refWrite', 'refDelete', 'tag']);

/** Largest accepted commit request body (JSON, base64 content included). */
export const MAX_COMMIT_BODY_BYTES = 48 * 1024 * 1024;

/** What the Durable Object hands to serveRepoApi. */
export interface ApiHost {
  exists: boolean;
  /** A read-only fork: commits are refused for every token. */
  readOnly: boolean;
  ctx: RepoContext;
  authorize(need: Scope): Access;
}

function decodeSegments(rest: string): string[] {
  try {
    return rest.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
  } catch {
    throw new HttpError(400, 'bad_request', 'malformed percent-encoding in the URL');
  }
}

function serviceErrorResponse(e: ServiceError): Response {
  const body: Record<string, unknown> = { error: { code: e.code, message: e.message, ...e.details } };
  if ('currentHead' in e.details) body.currentHead = e.details.currentHead;
  return jsonResponse(body, e.status);
}

/** DO side: authorise, dispatch, and map errors to JSON. */
export async function serveRepoApi(host: ApiHost, route: ApiRoute, rest: string, request: Request): Promise<Response> {
  try {
    // Authorised first: a missing repository answers as one the caller may not see (no token is
    // its token); only the admin learns it does not exist.
    const writes = WRITE_ROUTES.has(route);
    const access = host.authorize(writes ? 'write' : 'read');
    if (!access.ok) {
      await request.body?.cancel().catch(() => {}); // not going to read it
      const h: Record<string, string> = access.status === 401 ? { 'www-authenticate': 'Basic realm="arbor"' } : {};
      const msg = access.status === 403 && writes ? `this token is read-only: ${route === 'commit' ? 'committing' : 'changing refs'} needs a write token` : access.message;
      return errorResponse(access.status, access.status === 401 ? 'unauthorized' : 'forbidden', msg, h);
    }
    if (!host.exists) {
      await request.body?.cancel().catch(() => {});
      return errorResponse(404, 'not_found', 'repository not found');
    }
    if (writes && host.readOnly) {
      await request.body?.cancel().catch(() => {});
      return errorResponse(403, 'forbidden', `this repository is a read-only fork: ${route === 'commit' ? 'commits' : 'ref changes'} are refused`);
    }
    const max = route === 'commit' ? MAX_COMMIT_BODY_BYTES : MAX_BODY_BYTES;
    const res = await withReplay(host.ctx, request, max, (req) => dispatch(host.ctx, route, rest, req));
    // Names the token in the Worker's log line (the Worker removes the header).
    res.headers.set(TOKEN_ID_HEADER, access.tokenId ?? (access.scope === 'admin' ? 'admin' : '-'));
    return res;
  } catch (e) {
    if (e instanceof ServiceError) return serviceErrorResponse(e);
    if (e instanceof HttpError) return errorResponse(e.status, e.code, e.message, e.headers);
    logError('repo api failed', e, { route });
    return errorResponse(500, 'internal', 'internal error');
  }
}

/** Each route's query parameters (the schemas the OpenAPI document describes them with). */
const QUERIES: Partial<Record<ApiRoute, () => z.ZodType>> = { tree: TreeQuery, log: LogQuery, compare: CompareQuery, refDelete: RefDeleteQuery };

async function dispatch(ctx: RepoContext, route: ApiRoute, rest: string, request: Request): Promise<Response> {
  const q = parseQuery((QUERIES[route] ?? NoQuery)(), new URL(request.url).searchParams) as Record<string, never>;
  switch (route) {
    case 'commit':
      return handleCommit(ctx, request);
    case 'refs':
      return jsonResponse(listRefs(ctx));
    case 'merge':
      return handleMerge(ctx, request);
    case 'refWrite':
      return handleRefWrite(ctx, request);
    case 'refDelete':
      return handleRefDelete(ctx, decodeSegments(rest), request, (q as z.output<ReturnType<typeof RefDeleteQuery>>).expectedOld);
    case 'tag':
      return handleTag(ctx, request);
    case 'commitInfo':
      return jsonResponse(getCommit(ctx, decodeSegments(rest).join('/') || 'HEAD'));
    case 'tree': {
      const { rev, path } = splitRevPath(ctx, decodeSegments(rest));
      return jsonResponse(readTree(ctx, rev, path, { recursive: (q as z.output<ReturnType<typeof TreeQuery>>).recursive ?? false }));
    }
    case 'blob': {
      const { rev, path } = splitRevPath(ctx, decodeSegments(rest));
      return fileResponse(request, readFile(ctx, rev, path), /^[0-9a-f]{40}$/i.test(rev));
    }
    case 'object': {
      const o = readRawObject(ctx, decodeSegments(rest).join('/'));
      return bytesResponse(request, o.content, {
        etag: `"${o.sha}"`,
        'content-type': 'application/octet-stream',
        'x-git-object-type': o.type,
        'x-git-object-id': o.sha,
        'cache-control': 'public, max-age=31536000, immutable, no-transform',
      });
    }
    case 'log': {
      const { path, limit, cursor, firstParent } = q as z.output<ReturnType<typeof LogQuery>>;
      return jsonResponse(log(ctx, decodeSegments(rest).join('/') || 'HEAD', { path, limit, cursor, firstParent }));
    }
    case 'compare': {
      const { format } = q as z.output<ReturnType<typeof CompareQuery>>;
      const out = compare(ctx, decodeSegments(rest).join('/'), { format: format === 'patch' ? 'patch' : 'json' });
      if (format === 'patch') {
        return new Response(out.patch!, { headers: { 'content-type': 'text/x-patch; charset=utf-8', 'cache-control': 'no-store' } });
      }
      if (format === 'diff') {
        return new Response(out.json.diff ?? '', { headers: { 'content-type': 'text/x-diff; charset=utf-8', 'cache-control': 'no-store' } });
      }
      return jsonResponse(out.json);
    }
  }
}

// ----------------------------------------------------------------------------------- bytes

const TYPES: Record<string, string> = {
  txt: 'text/plain', md: 'text/markdown', markdown: 'text/markdown', csv: 'text/csv', tsv: 'text/tab-separated-values',
  html: 'text/html', htm: 'text/html', css: 'text/css', js: 'text/javascript', mjs: 'text/javascript', cjs: 'text/javascript',
  json: 'application/json', map: 'application/json', xml: 'application/xml', yaml: 'application/yaml', yml: 'application/yaml',
  toml: 'application/toml', svg: 'image/svg+xml', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif',
  webp: 'image/webp', avif: 'image/avif', ico: 'image/x-icon', bmp: 'image/bmp', pdf: 'application/pdf', wasm: 'application/wasm',
  zip: 'application/zip', gz: 'application/gzip', tgz: 'application/gzip', tar: 'application/x-tar', woff: 'font/woff',
  woff2: 'font/woff2', ttf: 'font/ttf', otf: 'font/otf', mp3: 'audio/mpeg', mp4: 'video/mp4', webm: 'video/webm',
  wav: 'audio/wav', ts: 'text/plain', tsx: 'text/plain', jsx: 'text/plain', sh: 'text/x-shellscript', py: 'text/x-python',
};

function looksBinary(data: Uint8Array): boolean {
  const n = Math.min(data.length, 8000);
  for (let i = 0; i < n; i++) if (data[i] === 0) return true;
  return false;
}

/** Content-Type for a file: by extension, else text/plain for text and octet-stream for binary. */
export function contentTypeFor(path: string, data: Uint8Array): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  const t = dot > 0 ? TYPES[base.slice(dot + 1).toLowerCase()] : undefined;
  if (t) return t.startsWith('text/') || t === 'application/json' || t.endsWith('+xml') || t === 'application/xml' ? `${t}; charset=utf-8` : t;
  return looksBinary(data) ? 'application/octet-stream' : 'text/plain; charset=utf-8';
}

function fileResponse(request: Request, f: FileJson, immutable: boolean): Response {
  return bytesResponse(request, f.content, {
    etag: `"${f.sha}"`,
    'content-type': contentTypeFor(f.path, f.content),
    'x-git-object-id': f.sha,
    'x-git-mode': f.mode,
    ...(f.commit ? { 'x-git-commit': f.commit } : {}),
    // no-transform: Cloudflare's edge then keeps Content-Length instead of compressing on the fly.
    'cache-control': immutable ? 'public, max-age=31536000, immutable, no-transform' : 'no-cache, no-transform',
  });
}

/** Raw bytes with ETag revalidation and single-range requests. */
function bytesResponse(request: Request, data: Uint8Array, headers: Record<string, string>): Response {
  const base: Record<string, string> = {
    ...headers,
    'accept-ranges': 'bytes',
    'x-content-type-options': 'nosniff',
    // Served from the API origin: never let stored HTML/SVG run scripts there.
    'content-security-policy': "default-src 'none'; sandbox",
  };
  const inm = request.headers.get('if-none-match');
  if (inm && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === headers.etag || t.trim() === '*')) {
    return new Response(null, { status: 304, headers: { etag: headers.etag, 'cache-control': headers['cache-control'] } });
  }
  const size = data.length;
  const range = request.headers.get('range');
  const ifRange = request.headers.get('if-range');
  if (range && (!ifRange || ifRange.trim() === headers.etag)) {
    const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    if (m && (m[1] !== '' || m[2] !== '')) {
      let start: number;
      let end: number;
      if (m[1] === '') {
        const n = Number(m[2]);
        start = Math.max(0, size - n);
        end = size - 1;
        if (n === 0) start = size; // "-0" is unsatisfiable
      } else {
        start = Number(m[1]);
        end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
        if (m[2] !== '' && Number(m[2]) < start) {
          return new Response(null, { status: 416, headers: { ...base, 'content-range': `bytes */${size}` } });
        }
      }
      if (start >= size || end < start) {
        return new Response(null, { status: 416, headers: { ...base, 'content-range': `bytes */${size}` } });
      }
      const part = data.subarray(start, end + 1);
      return new Response(part, {
        status: 206,
        headers: { ...base, 'content-range': `bytes ${start}-${end}/${size}`, 'content-length': String(part.length) },
      });
    }
    // Several ranges or an unknown unit: serve the whole body (allowed by RFC 9110).
  }
  return new Response(data, { status: 200, headers: { ...base, 'content-length': String(size) } });
}

/** Reads the commit request's JSON body and makes the commit. */
async function handleCommit(ctx: RepoContext, request: Request): Promise<Response> {
  const body = parseBody(CommitBody(), await readJsonObject(request, MAX_COMMIT_BODY_BYTES));
  const result = await createCommit(ctx, body);
  const location = `${new URL(request.url).pathname.replace(/\/+$/, '')}/${result.commit}`;
  return jsonResponse(result, 201, { location });
}
