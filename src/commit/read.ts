// Read services: refs, commits, trees, files and raw objects, addressed by revision and path.
import { parseCommit, walkTree, bytesToHex, type Ident as PackIdent } from '../pack';
import { type ObjectRow } from '../storage/object-store';
import { display, keyOf } from './bytes';
import type { RepoContext } from './context';
import { ServiceError, badInput, notFound } from './errors';
import { readSegments } from './paths';
import { oidsWithPrefix, readObject, resolveCommit, resolveTreeish } from './rev';
import { isGitlinkMode, isTreeMode, parseDir } from './tree-edit';

export interface IdentJson {
  name: string;
  email: string;
  /** ISO 8601, UTC. */
  date: string;
  timestamp: number;
  timezone: string;
}

export interface CommitJson {
  sha: string;
  tree: string;
  parents: string[];
  author: IdentJson;
  committer: IdentJson;
  message: string;
}

function identJson(i: PackIdent): IdentJson {
  const ms = i.timestamp * 1000;
  return {
    name: i.name,
    email: i.email,
    date: Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : '',
    timestamp: i.timestamp,
    timezone: i.timezone,
  };
}

export function commitJson(sha: string, data: Uint8Array): CommitJson {
  const c = parseCommit(data);
  return { sha, tree: c.tree, parents: c.parents, author: identJson(c.author), committer: identJson(c.committer), message: c.message };
}

export interface RefsJson {
  head: { ref: string; sha: string | null };
  branches: { name: string; ref: string; sha: string }[];
  tags: { name: string; ref: string; sha: string; peeled?: string }[];
}

export function listRefs(ctx: RepoContext): RefsJson {
  const { store } = ctx;
  const h = store.refs.head();
  const out: RefsJson = { head: { ref: h.target, sha: h.oid }, branches: [], tags: [] };
  for (const r of store.refs.list(['refs/heads/', 'refs/tags/'])) {
    if (r.name.startsWith('refs/heads/')) out.branches.push({ name: r.name.slice(11), ref: r.name, sha: r.oid });
    else {
      const peeled = store.peeled(r.oid);
      out.tags.push({ name: r.name.slice(10), ref: r.name, sha: r.oid, ...(peeled ? { peeled } : {}) });
    }
  }
  return out;
}

export function getCommit(ctx: RepoContext, rev: string): CommitJson {
  const oid = resolveCommit(ctx, rev);
  return commitJson(oid, readObject(ctx, oid).data);
}

/** The entry named `name` (a byte string) in tree data, or null. */
export function findInTree(data: Uint8Array, name: string): { mode: string; oid: string } | null {
  let hit: { mode: string; oid: string } | null = null;
  const n = name.length;
  walkTree(data, (_mode, modeStart, nameStart, nameEnd, oidOffset) => {
    if (nameEnd - nameStart !== n) return;
    for (let i = 0; i < n; i++) if (data[nameStart + i] !== name.charCodeAt(i)) return;
    let mode = '';
    for (let i = modeStart; i < nameStart - 1; i++) mode += String.fromCharCode(data[i]);
    hit = { mode, oid: bytesToHex(data, oidOffset) };
    return false;
  });
  return hit;
}

function readTreeData(ctx: RepoContext, oid: string): Uint8Array {
  const obj = readObject(ctx, oid);
  if (obj.type !== 'tree') throw new ServiceError(500, 'internal', `object ${oid} is a ${obj.type}, expected a tree`);
  return obj.data;
}

/** Looks up a path below a tree; the root itself for an empty path. Null if absent. */
export function lookupPath(ctx: RepoContext, tree: string, path: string): { mode: string; oid: string } | null {
  let cur = { mode: '40000', oid: tree };
  for (const seg of readSegments(path)) {
    if (!isTreeMode(cur.mode)) return null;
    const next = findInTree(readTreeData(ctx, cur.oid), keyOf(seg));
    if (!next) return null;
    cur = next;
  }
  return cur;
}

export function entryType(mode: string): 'tree' | 'blob' | 'commit' {
  return isTreeMode(mode) ? 'tree' : isGitlinkMode(mode) ? 'commit' : 'blob';
}

export interface TreeEntryJson {
  path: string;
  name: string;
  mode: string;
  type: 'tree' | 'blob' | 'commit';
  sha: string;
  size?: number;
}

export interface TreeJson {
  commit: string | null;
  sha: string;
  path: string;
  entries: TreeEntryJson[];
  truncated: boolean;
}

export const MAX_TREE_ENTRIES = 200_000;

/** Blob sizes from the object index, in batches. */
function blobSizes(ctx: RepoContext, oids: string[]): Map<string, number> {
  const m = new Map<string, number>();
  const unique = [...new Set(oids)];
  for (const r of ctx.store.objects.rows(unique) as ObjectRow[]) m.set(r.oid, r.size);
  return m;
}

export function readTree(ctx: RepoContext, rev: string, path = '', opts: { recursive?: boolean } = {}): TreeJson {
  const { commit, tree } = resolveTreeish(ctx, rev);
  const cleanPath = readSegments(path).join('/');
  const at = lookupPath(ctx, tree, cleanPath);
  if (!at) throw notFound(`path '${cleanPath}' does not exist in '${rev}'`);
  if (!isTreeMode(at.mode)) throw new ServiceError(400, 'not_a_directory', `'${cleanPath}' is a file, not a directory (use /blob)`);
  const entries: TreeEntryJson[] = [];
  let truncated = false;
  const walk = (oid: string, prefix: string): void => {
    const dir = parseDir(readTreeData(ctx, oid));
    for (const [key, e] of dir.entries) {
      if (entries.length >= MAX_TREE_ENTRIES) {
        truncated = true;
        return;
      }
      const name = display(key);
      const p = prefix ? `${prefix}/${name}` : name;
      entries.push({ path: p, name, mode: e.mode, type: entryType(e.mode), sha: e.oid });
      if (opts.recursive && isTreeMode(e.mode)) walk(e.oid, p);
    }
  };
  walk(at.oid, cleanPath);
  const sizes = blobSizes(ctx, entries.filter((e) => e.type === 'blob').map((e) => e.sha));
  for (const e of entries) if (e.type === 'blob') e.size = sizes.get(e.sha);
  return { commit, sha: at.oid, path: cleanPath, entries, truncated };
}

export interface FileJson {
  commit: string | null;
  path: string;
  sha: string;
  mode: string;
  size: number;
  content: Uint8Array;
}

export function readFile(ctx: RepoContext, rev: string, path: string): FileJson {
  const { commit, tree } = resolveTreeish(ctx, rev);
  const cleanPath = readSegments(path).join('/');
  if (cleanPath === '') throw badInput('a file path is required');
  const at = lookupPath(ctx, tree, cleanPath);
  if (!at) throw notFound(`path '${cleanPath}' does not exist in '${rev}'`);
  if (isTreeMode(at.mode)) throw new ServiceError(400, 'not_a_file', `'${cleanPath}' is a directory (use /tree)`);
  if (isGitlinkMode(at.mode)) throw new ServiceError(400, 'not_a_file', `'${cleanPath}' is a submodule at ${at.oid}`);
  const obj = readObject(ctx, at.oid);
  return { commit, path: cleanPath, sha: at.oid, mode: at.mode, size: obj.data.length, content: obj.data };
}

export interface RawObject {
  sha: string;
  type: string;
  size: number;
  content: Uint8Array;
}

export function readRawObject(ctx: RepoContext, sha: string): RawObject {
  const s = sha.toLowerCase();
  if (!/^[0-9a-f]{4,40}$/.test(s)) throw badInput(`'${sha.slice(0, 60)}' is not an object id`);
  let oid = s;
  if (s.length < 40) {
    const hits = oidsWithPrefix(ctx, s, 2);
    if (hits.length === 0) throw notFound(`object ${s} not found`);
    if (hits.length > 1) throw new ServiceError(400, 'ambiguous', `short object id '${s}' is ambiguous`);
    oid = hits[0];
  } else if (!ctx.store.visible(oid)) {
    throw notFound(`object ${s} not found`);
  }
  const obj = readObject(ctx, oid);
  return { sha: oid, type: obj.type, size: obj.data.length, content: obj.data };
}

