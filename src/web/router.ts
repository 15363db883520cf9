// The repository pages for people (read-only): a route table under /ui/, each handler fetching
// through the read API (data.ts) with the browser's token (session.ts) and rendering pages.ts.
//   GET  /ui/                                namespaces (admin token)
//   GET  /ui/:ns/                            repositories of a namespace (admin token)
//   GET  /ui/:ns/:name/                      branches and the files at HEAD (repository token)
//   GET  /ui/:ns/:name/tree/:rev/*path       a directory
//   GET  /ui/:ns/:name/blob/:rev/*path       a file
//   GET  /ui/:ns/:name/log/:rev?path=        the commit log
//   GET  /ui/:ns/:name/commit/:sha           one commit and its diff against its first parent
//   POST /ui/ and /ui/:ns/:name/             sign in (token=, next=) or out (logout=1)
import { Router, type IRequest } from 'itty-router';
import type { CommitJson, CompareJson, LogJson, RefsJson, TreeJson } from '../commit';
import type { Env } from '../env';
import { listNamespaces, listRepos } from '../service/repos';
import { nameProblem } from '../service/names';
import { safeEqual } from '../auth/tokens';
import { readBytes, readJson, type Fetched } from './data';
import { Safe, html, page } from './html';
import * as P from './pages';
import {
  ADMIN_COOKIE, REPO_COOKIE, adminFrom, clearCookie, normaliseToken, readForm, repoTokenFrom, safeNext, scopePath, setCookie,
} from './session';

/** Files larger than this are not shown in a page (the REST blob route serves them). */
const MAX_SHOWN_BYTES = 1024 * 1024;

type Handler = (req: IRequest, env: Env) => Promise<Response> | Response;

function decode(s: string | undefined): string | null {
  try {
    return s === undefined ? null : decodeURIComponent(s);
  } catch {
    return null;
  }
}

function message(status: number, title: string, text: string, crumbs: Safe = P.crumbs(null)): Response {
  return page(title, crumbs, html`<h2>${title}</h2><p class="err" id="problem">${text}</p>`, status);
}

function redirect(location: string, headers: Record<string, string> = {}): Response {
  return new Response(null, { status: 303, headers: { location, 'cache-control': 'no-store', ...headers } });
}

function pathOf(req: IRequest): string {
  const u = new URL(req.url);
  return u.pathname + u.search;
}

// ------------------------------------------------------------------------------- admin pages

function adminLoginPage(req: IRequest, problem: string | null, next: string = pathOf(req)): Response {
  const form = P.loginForm('/ui/', safeNext(next, '/ui/'), 'The namespace pages need the admin token.', problem);
  return page('Sign in', P.crumbs(null), form, 401);
}

const namespacesPage: Handler = async (req, env) => {
  if (!new URL(req.url).pathname.endsWith('/')) return redirect('/ui/'); // the cookie's path
  if (!adminFrom(req as unknown as Request, env.ARBOR_ADMIN_TOKEN)) return adminLoginPage(req, null);
  const q = new URL(req.url).searchParams;
  const p = await listNamespaces(env, { cursor: q.get('cursor') });
  return page('Namespaces', P.crumbs(null), P.namespaceList(p.namespaces, p.cursor));
};

const reposPage: Handler = async (req, env) => {
  const ns = decode(req.params.ns);
  if (ns === null || nameProblem('namespace', ns)) return message(404, 'Not found', 'no such namespace');
  if (!adminFrom(req as unknown as Request, env.ARBOR_ADMIN_TOKEN)) return adminLoginPage(req, null);
  const q = new URL(req.url).searchParams;
  const p = await listRepos(env, new URL(req.url).origin, ns, { cursor: q.get('cursor') });
  return page(ns, P.crumbs({ ns }), P.repoList(ns, p.repos, p.cursor));
};

const adminLogin: Handler = async (req, env) => {
  const r = req as unknown as Request;
  const form = await readForm(r);
  if (typeof form === 'string') return message(400, 'Bad request', form);
  const scope = scopePath(null, null);
  if (form.get('logout')) return redirect(scope, { 'set-cookie': clearCookie(r, ADMIN_COOKIE, scope) });
  if (!env.ARBOR_ADMIN_TOKEN) return message(503, 'Not configured', 'ARBOR_ADMIN_TOKEN is not set on this server');
  const token = (form.get('token') ?? '').trim();
  if (!safeEqual(token, env.ARBOR_ADMIN_TOKEN)) return adminLoginPage(req, 'invalid admin token', form.get('next') ?? '/ui/');
  return redirect(safeNext(form.get('next'), scope), { 'set-cookie': setCookie(r, ADMIN_COOKIE, token, scope) });
};

// -------------------------------------------------------------------------- repository pages

interface RepoReq extends P.RepoRef {
  token: string;
}

/** The repository a request is for and its token; or the page to answer instead. */
function repoOf(req: IRequest): RepoReq | Response {
  const ns = decode(req.params.ns);
  const name = decode(req.params.name);
  if (ns === null || name === null || nameProblem('namespace', ns) || nameProblem('repository', name)) {
    return message(404, 'Not found', 'repository not found');
  }
  const token = repoTokenFrom(req as unknown as Request);
  if (!token) return repoLoginPage(req, { ns, name }, null);
  return { ns, name, token };
}

function repoLoginPage(req: IRequest, r: P.RepoRef, problem: string | null, next: string = pathOf(req)): Response {
  const form = P.loginForm(P.repoUrl(r), safeNext(next, P.repoUrl(r)), `${r.ns}/${r.name} needs a read token of this repository (or the admin token).`, problem);
  return page('Sign in', P.crumbs(r), form, 401);
}

/** A failed read as a page: a refused token asks for another, the rest say what went wrong. */
function failed(req: IRequest, r: RepoReq, f: Extract<Fetched<unknown>, { ok: false }>): Response {
  if (f.status === 401) {
    const res = repoLoginPage(req, r, f.message);
    res.headers.append('set-cookie', clearCookie(req as unknown as Request, REPO_COOKIE, scopePath(r.ns, r.name)));
    return res;
  }
  const title = f.status === 403 ? 'Forbidden' : f.status === 404 ? 'Not found' : 'Cannot show this';
  return message(f.status >= 400 && f.status < 600 ? f.status : 500, title, f.message, P.crumbs(r));
}

const repoLogin: Handler = async (req, env) => {
  const r = req as unknown as Request;
  const ns = decode(req.params.ns);
  const name = decode(req.params.name);
  if (ns === null || name === null || nameProblem('namespace', ns) || nameProblem('repository', name)) return message(404, 'Not found', 'repository not found');
  const form = await readForm(r);
  if (typeof form === 'string') return message(400, 'Bad request', form);
  const scope = scopePath(ns, name);
  if (form.get('logout')) return redirect(scope, { 'set-cookie': clearCookie(r, REPO_COOKIE, scope) });
  const token = normaliseToken(form.get('token') ?? '');
  const tried = token ? await readJson<RefsJson>(env, ns, name, 'refs', '', token) : { ok: false as const, status: 401, message: 'a token is required' };
  if (!tried.ok) return tried.status === 401 ? repoLoginPage(req, { ns, name }, tried.message, form.get('next') ?? scope) : failed(req, { ns, name, token }, tried);
  return redirect(safeNext(form.get('next'), scope), { 'set-cookie': setCookie(r, REPO_COOKIE, token, scope) });
};

const repoHome: Handler = async (req, env) => {
  const r = repoOf(req);
  if (r instanceof Response) return r;
  if (!new URL(req.url).pathname.endsWith('/')) return redirect(P.repoUrl(r)); // the cookie's path
  const refs = await readJson<RefsJson>(env, r.ns, r.name, 'refs', '', r.token);
  if (!refs.ok) return failed(req, r, refs);
  if (!refs.value.head.sha) return page(r.name, P.crumbs(r), P.emptyRepo(r, `${new URL(req.url).origin}/git/${r.ns}/${r.name}.git`));
  const t = await readJson<TreeJson>(env, r.ns, r.name, 'tree', 'HEAD', r.token);
  if (!t.ok) return failed(req, r, t);
  return page(r.name, P.crumbs(r), html`${P.tabs(r, 'HEAD', 'files')}${P.branches(r, refs.value)}${P.tree(r, 'HEAD', t.value)}`);
};

/** `:rest` of tree/blob URLs: `<rev>/<path>` as the REST routes take it (encoded segments). */
function revPath(rest: string | undefined): { rest: string; rev: string; path: string } | null {
  const raw = (rest ?? '').replace(/\/+$/, '');
  const parts = raw.split('/').map((s) => decode(s));
  if (parts.some((p) => p === null) || !parts[0]) return null;
  return { rest: raw, rev: parts[0]!, path: (parts as string[]).slice(1).join('/') };
}

const treePage: Handler = async (req, env) => {
  const r = repoOf(req);
  if (r instanceof Response) return r;
  const rp = revPath(req.params.rest);
  if (!rp) return message(400, 'Bad request', 'malformed path', P.crumbs(r));
  const t = await readJson<TreeJson>(env, r.ns, r.name, 'tree', rp.rest, r.token);
  if (!t.ok) return failed(req, r, t);
  // A revision with '/' (feature/x) splits differently from the URL: the API's path is the truth.
  const segs = rp.rest.split('/').map((x) => decode(x) ?? x);
  const rev = segs.slice(0, segs.length - (t.value.path ? t.value.path.split('/').length : 0)).join('/');
  return page(`${r.name}/${t.value.path}`, P.crumbs(r, html`<code>${rev}</code>`), html`${P.tabs(r, rev, 'files')}${P.tree(r, rev, t.value)}`);
};

const blobPage: Handler = async (req, env) => {
  const r = repoOf(req);
  if (r instanceof Response) return r;
  const rp = revPath(req.params.rest);
  if (!rp || !rp.path) return message(400, 'Bad request', 'a file path is needed', P.crumbs(r));
  const b = await readBytes(env, r.ns, r.name, rp.rest, r.token, MAX_SHOWN_BYTES);
  if (!b.ok) return failed(req, r, b);
  return page(`${r.name}/${rp.path}`, P.crumbs(r, html`<code>${rp.rev}</code>`), html`${P.tabs(r, rp.rev, 'files')}${P.file(r, rp.rev, rp.path, b.value, b.headers.get('x-git-object-id'))}`);
};

const logPage: Handler = async (req, env) => {
  const r = repoOf(req);
  if (r instanceof Response) return r;
  const rev = decode(req.params.rest) ?? 'HEAD';
  const q = new URL(req.url).searchParams;
  const query: Record<string, string> = { limit: '50' };
  for (const k of ['cursor', 'path']) if (q.get(k)) query[k] = q.get(k)!;
  const l = await readJson<LogJson>(env, r.ns, r.name, 'log', req.params.rest ?? 'HEAD', r.token, query);
  if (!l.ok) return failed(req, r, l);
  return page(`${r.name} commits`, P.crumbs(r, html`<code>${rev}</code>`), html`${P.tabs(r, rev, 'log')}${P.commitLog(r, rev, l.value, q.get('path'))}`);
};

const commitRoute: Handler = async (req, env) => {
  const r = repoOf(req);
  if (r instanceof Response) return r;
  const sha = decode(req.params.sha);
  if (!sha || !/^[0-9a-fA-F]{4,40}$/.test(sha)) return message(400, 'Bad request', 'a commit id is needed', P.crumbs(r));
  const c = await readJson<CommitJson>(env, r.ns, r.name, 'commitInfo', sha, r.token);
  if (!c.ok) return failed(req, r, c);
  const crumb = P.crumbs(r, html`<span class="sha">${c.value.sha.slice(0, 12)}</span>`);
  const nav = P.tabs(r, c.value.sha, null);
  if (c.value.parents.length === 0) {
    const t = await readJson<TreeJson>(env, r.ns, r.name, 'tree', c.value.sha, r.token, { recursive: '1' });
    if (!t.ok) return failed(req, r, t);
    const files = t.value.entries.filter((e) => e.type !== 'tree').map((e) => e.path);
    return page(c.value.sha.slice(0, 12), crumb, html`${nav}${P.commitPage(r, c.value, null, files)}`);
  }
  const d = await readJson<CompareJson>(env, r.ns, r.name, 'compare', `${c.value.parents[0]}..${c.value.sha}`, r.token);
  if (!d.ok) return failed(req, r, d);
  return page(c.value.sha.slice(0, 12), crumb, html`${nav}${P.commitPage(r, c.value, d.value, null)}`);
};

// ------------------------------------------------------------------------------- the table

export const webRouter = Router<IRequest, [Env, ExecutionContext]>({ base: '/ui' });
webRouter
  .get('/', namespacesPage)
  .post('/', adminLogin)
  .get('/:ns/', reposPage)
  .get('/:ns/:name/', repoHome)
  .post('/:ns/:name/', repoLogin)
  .get('/:ns/:name/tree/:rest+', treePage)
  .get('/:ns/:name/blob/:rest+', blobPage)
  .get('/:ns/:name/log', logPage)
  .get('/:ns/:name/log/:rest+', logPage)
  .get('/:ns/:name/commit/:sha', commitRoute)
  .all('*', () => message(404, 'Not found', 'no such page'));
