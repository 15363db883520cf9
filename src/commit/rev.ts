// Revision syntax: branch, tag, full or abbreviated sha, HEAD/@, refs/..., and the suffixes
// ~N, ^N, ^{type} and ^{} (e.g. main~2, v1.0^{commit}, HEAD^2). Resolution follows git's
// order: a full sha, then refs (refs/<x>, refs/tags/<x>, refs/heads/<x>, refs/remotes/<x>),
// then an abbreviated sha of at least 4 hex digits.
import { parseCommit, parseTag, type ObjectType } from '../pack';
import { MissingObjectError, type GitObject } from '../storage/object-store';
import type { RepoContext } from './context';
import { ServiceError, badInput, notFound } from './errors';

const FULL_OID = /^[0-9a-fA-F]{40}$/;
const SHORT_OID = /^[0-9a-fA-F]{4,39}$/;
const MAX_REV_LENGTH = 1024;

export function readObject(ctx: RepoContext, oid: string): GitObject {
  try {
    return ctx.store.objects.read(oid);
  } catch (e) {
    if (e instanceof MissingObjectError) throw notFound(`object ${oid} not found`);
    throw e;
  }
}

/** Object ids starting with `prefix` (at most `limit`). */
export function oidsWithPrefix(ctx: RepoContext, prefix: string, limit = 2): string[] {
  if (!ctx.store.sharesObjects()) return ctx.store.objects.withPrefix(prefix.toLowerCase(), limit);
  // Other repositories' objects may share the prefix: look further, keep what this one may serve.
  return ctx.store.objects.withPrefix(prefix.toLowerCase(), 64).filter(ctx.store.visibility()).slice(0, limit);
}

/** Full ref name a short name resolves to (git's dwim order), or null. */
export function dwimRef(ctx: RepoContext, name: string): { ref: string; oid: string } | null {
  const refs = ctx.store.refs;
  if (name === 'HEAD' || name === '@') {
    const h = refs.head();
    return h.oid ? { ref: h.target, oid: h.oid } : null;
  }
  const candidates = name.startsWith('refs/')
    ? [name]
    : [`refs/${name}`, `refs/tags/${name}`, `refs/heads/${name}`, `refs/remotes/${name}`, `refs/remotes/${name}/HEAD`];
  for (const ref of candidates) {
    const oid = refs.get(ref);
    if (oid) return { ref, oid };
  }
  return null;
}

function resolveBase(ctx: RepoContext, name: string, rev: string): string {
  if (name === '') throw badInput(`invalid revision '${rev}'`);
  if (FULL_OID.test(name)) {
    const oid = name.toLowerCase();
    if (!ctx.store.visible(oid)) throw notFound(`unknown revision '${rev}': no object ${oid}`);
    return oid;
  }
  const r = dwimRef(ctx, name);
  if (r) return r.oid;
  if (SHORT_OID.test(name)) {
    const hits = oidsWithPrefix(ctx, name, 2);
    if (hits.length === 1) return hits[0];
    if (hits.length > 1) throw new ServiceError(400, 'ambiguous', `short object id '${name}' is ambiguous`);
  }
  if (name === 'HEAD' || name === '@') throw notFound(`unknown revision '${rev}': HEAD points to an unborn branch`);
  throw notFound(`unknown revision '${rev}'`);
}

/** Follows tags (and, when asked, commits to their tree) until an object of type `want`. */
export function peel(ctx: RepoContext, oid: string, want: ObjectType | null, rev: string): { oid: string; obj: GitObject } {
  let cur = oid;
  for (let i = 0; i < 100; i++) {
    const obj = readObject(ctx, cur);
    if (want === null || obj.type === want) {
      if (want === null && obj.type === 'tag') {
        cur = parseTag(obj.data).object;
        continue;
      }
      return { oid: cur, obj };
    }
    if (obj.type === 'tag') cur = parseTag(obj.data).object;
    else if (obj.type === 'commit' && want === 'tree') cur = parseCommit(obj.data).tree;
    else throw new ServiceError(422, 'wrong_type', `'${rev}' is a ${obj.type}, not a ${want}`);
  }
  throw new ServiceError(422, 'wrong_type', `tag chain too long at '${rev}'`);
}

/** A commit's parents as this repository sees them: none past its shallow boundary (another
 *  repository of the network may hold them, but they are not this one's history). */
function parentsOf(ctx: RepoContext, oid: string, obj: GitObject): string[] {
  return ctx.store.shallowCommits().has(oid) ? [] : parseCommit(obj.data).parents;
}

/** Resolves a revision to an object id (tags are not peeled unless a suffix asks for it). */
export function resolveRev(ctx: RepoContext, rev: string): string {
  if (typeof rev !== 'string' || rev.length === 0) throw badInput('revision is empty');
  if (rev.length > MAX_REV_LENGTH) throw badInput('revision is too long');
  const cut = rev.search(/[~^]/);
  const base = cut < 0 ? rev : rev.slice(0, cut);
  let oid = resolveBase(ctx, base, rev);
  let i = cut < 0 ? rev.length : cut;
  while (i < rev.length) {
    const op = rev[i++];
    if (op === '^' && rev[i] === '{') {
      const close = rev.indexOf('}', i);
      if (close < 0) throw badInput(`invalid revision '${rev}'`);
      const type = rev.slice(i + 1, close);
      i = close + 1;
      if (type === '') oid = peel(ctx, oid, null, rev).oid;
      else if (type === 'commit' || type === 'tree' || type === 'blob' || type === 'tag') oid = peel(ctx, oid, type, rev).oid;
      else if (type === 'object') readObject(ctx, oid);
      else throw badInput(`invalid revision '${rev}': unknown peel type '${type}'`);
      continue;
    }
    let digits = '';
    while (i < rev.length && rev[i] >= '0' && rev[i] <= '9') digits += rev[i++];
    if (digits.length > 6) throw badInput(`invalid revision '${rev}'`);
    const n = digits === '' ? 1 : Number(digits);
    if (op === '^') {
      const c = peel(ctx, oid, 'commit', rev);
      if (n === 0) {
        oid = c.oid;
        continue;
      }
      const parents = parentsOf(ctx, c.oid, c.obj);
      if (n > parents.length) throw notFound(`unknown revision '${rev}': commit ${c.oid.slice(0, 12)} has no parent ${n}`);
      oid = parents[n - 1];
    } else if (op === '~') {
      for (let k = 0; k < n; k++) {
        const c = peel(ctx, oid, 'commit', rev);
        const parents = parentsOf(ctx, c.oid, c.obj);
        if (parents.length === 0) throw notFound(`unknown revision '${rev}': history is shorter than that`);
        oid = parents[0];
      }
    } else {
      throw badInput(`invalid revision '${rev}'`);
    }
  }
  return oid;
}

/** Resolves a revision that must name a commit (tags are peeled). */
export function resolveCommit(ctx: RepoContext, rev: string): string {
  return peel(ctx, resolveRev(ctx, rev), 'commit', rev).oid;
}

/** Resolves a revision to a tree: a commit's tree, or a tree itself. Returns the commit too. */
export function resolveTreeish(ctx: RepoContext, rev: string): { commit: string | null; tree: string } {
  const { oid, obj } = peel(ctx, resolveRev(ctx, rev), null, rev);
  if (obj.type === 'commit') return { commit: oid, tree: parseCommit(obj.data).tree };
  if (obj.type === 'tree') return { commit: null, tree: oid };
  throw new ServiceError(422, 'wrong_type', `'${rev}' is a ${obj.type}, not a commit or tree`);
}

/**
 * Splits "<rev>/<path>" (URL segments, already decoded) where the rev itself may contain
 * slashes (feature/x): the longest prefix that names an existing branch or tag wins,
 * otherwise the first segment is the revision.
 */
export function splitRevPath(ctx: RepoContext, segments: string[]): { rev: string; path: string } {
  if (segments.length === 0) return { rev: 'HEAD', path: '' };
  for (let k = segments.length; k >= 2; k--) {
    const candidate = segments.slice(0, k).join('/');
    const cut = candidate.search(/[~^]/);
    const name = cut < 0 ? candidate : candidate.slice(0, cut);
    if (name.includes('/') && dwimRef(ctx, name)) return { rev: candidate, path: segments.slice(k).join('/') };
  }
  return { rev: segments[0], path: segments.slice(1).join('/') };
}
