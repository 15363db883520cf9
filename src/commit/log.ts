// Commit history, newest first by committer date (git log's default order: a date-ordered queue,
// ties in the order they were queued). With a path, history is simplified like `git log -- path`:
// a commit whose path entry equals that of one of its parents is skipped and only that parent is
// followed; a commit that differs from all (or is a root with the path present) is shown.
// Pages continue from an opaque cursor that holds the walk's queue.
import { DateQueue } from '../storage/date-queue';
import { Buffer } from 'node:buffer';
import { parseCommit } from '../pack';
import type { RepoContext } from './context';
import { badInput } from './errors';
import { commitJson, lookupPath, type CommitJson } from './read';
import { readObject, resolveCommit } from './rev';
import { readSegments } from './paths';

export interface LogOptions {
  path?: string;
  limit?: number;
  cursor?: string;
  firstParent?: boolean;
}

export interface LogJson {
  commits: CommitJson[];
  nextCursor: string | null;
}

export const DEFAULT_LOG_LIMIT = 50;
export const MAX_LOG_LIMIT = 1000;
/** Commits examined per request at most (a path filter can skip many). */
export const MAX_LOG_SCAN = 100_000;

interface Info {
  tree: string;
  parents: string[];
  time: number;
}

export function encodeCursor(queue: string[]): string {
  return Buffer.from(JSON.stringify({ v: 1, q: queue })).toString('base64url');
}

export function decodeCursor(cursor: string): string[] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (v && v.v === 1 && Array.isArray(v.q) && v.q.length > 0 && v.q.every((s: unknown) => typeof s === 'string' && /^[0-9a-f]{40}$/.test(s))) {
      return v.q;
    }
  } catch {
    /* fall through */
  }
  throw badInput('invalid cursor');
}

export function log(ctx: RepoContext, rev: string, opts: LogOptions = {}): LogJson {
  const limit = opts.limit ?? DEFAULT_LOG_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LOG_LIMIT) throw badInput(`limit must be an integer from 1 to ${MAX_LOG_LIMIT}`);
  const path = opts.path ? readSegments(opts.path).join('/') : '';
  const firstParent = !!opts.firstParent;

  const infos = new Map<string, Info>();
  const shallow = ctx.store.shallowCommits();
  const info = (oid: string): Info => {
    let i = infos.get(oid);
    if (!i) {
      const obj = readObject(ctx, oid);
      if (obj.type !== 'commit') throw badInput(`${oid} is a ${obj.type}, not a commit`);
      const c = parseCommit(obj.data);
      // A shallow repository lacks the parents of its boundary commits: history ends there (even
      // when another repository of its network has them).
      i = { tree: c.tree, parents: shallow.has(oid) ? [] : c.parents.filter((p) => ctx.store.objects.has(p)), time: c.committerTime };
      infos.set(oid, i);
    }
    return i;
  };
  const pathKeys = new Map<string, string | null>();
  const pathKey = (oid: string): string | null => {
    if (!pathKeys.has(oid)) {
      const e = lookupPath(ctx, info(oid).tree, path);
      pathKeys.set(oid, e ? `${e.mode} ${e.oid}` : null);
    }
    return pathKeys.get(oid)!;
  };

  const queue = new DateQueue();
  const seen = new Set<string>();
  const starts = opts.cursor ? decodeCursor(opts.cursor) : [resolveCommit(ctx, rev)];
  for (const oid of starts) {
    if (seen.has(oid)) continue;
    seen.add(oid);
    queue.push(oid, info(oid).time);
  }

  const commits: CommitJson[] = [];
  let scanned = 0;
  while (commits.length < limit && scanned < MAX_LOG_SCAN) {
    const node = queue.pop();
    if (!node) break;
    scanned++;
    const c = info(node.oid);
    let parents = firstParent ? c.parents.slice(0, 1) : c.parents;
    let show = true;
    if (path) {
      const mine = pathKey(node.oid);
      if (parents.length === 0) show = mine !== null;
      else {
        const same = parents.find((p) => pathKey(p) === mine);
        if (same !== undefined) {
          show = false;
          parents = [same];
        }
      }
    }
    for (const p of parents) {
      if (seen.has(p)) continue;
      seen.add(p);
      queue.push(p, info(p).time);
    }
    if (show) commits.push(commitJson(node.oid, readObject(ctx, node.oid).data));
  }
  const rest = queue.drain();
  return { commits, nextCursor: rest.length ? encodeCursor(rest) : null };
}
