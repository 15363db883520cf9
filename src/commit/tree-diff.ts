// Which paths differ between two trees, as git's diff-tree does (recursing into trees that
// differ; a file <-> symlink or file <-> dir change is a delete plus an add or a T): the pairs
// that compare.ts renders, after renames.ts pairs deletes with adds.
import type { RepoContext } from './context';
import { ServiceError } from './errors';
import { readObject } from './rev';
import { isTreeMode, parseDir, type Entry } from './tree-edit';

export type FileStatus = 'A' | 'M' | 'D' | 'R' | 'T';

export interface Side {
  path: string; // byte string
  mode: string; // as stored
  oid: string;
}

export interface Pair {
  status: FileStatus;
  one: Side | null;
  two: Side | null;
  score?: number;
}

export const ZERO = '0'.repeat(40);

export function mode6(mode: string): string {
  return parseInt(mode, 8).toString(8).padStart(6, '0');
}

export function fileType(mode: string): number {
  return parseInt(mode, 8) & 0o170000;
}

function treeEntries(ctx: RepoContext, oid: string | null): [string, Entry][] {
  if (!oid) return [];
  const obj = readObject(ctx, oid);
  if (obj.type !== 'tree') throw new ServiceError(500, 'internal', `object ${oid} is a ${obj.type}, expected a tree`);
  const list = [...parseDir(obj.data).entries];
  const key = (k: string, e: Entry) => (isTreeMode(e.mode) ? k + '/' : k);
  list.sort((x, y) => {
    const a = key(x[0], x[1]);
    const b = key(y[0], y[1]);
    return a < b ? -1 : a > b ? 1 : 0;
  });
  return list;
}

/** Changed files between two trees, in git's order. */
export function diffTrees(ctx: RepoContext, a: string | null, b: string | null, prefix = '', out: Pair[] = []): Pair[] {
  if (a === b) return out;
  const ea = treeEntries(ctx, a);
  const eb = treeEntries(ctx, b);
  const sortKey = (k: string, e: Entry) => (isTreeMode(e.mode) ? k + '/' : k);
  let i = 0;
  let j = 0;
  const side = (name: string, e: Entry): Side => ({ path: prefix + name, mode: e.mode, oid: e.oid });
  const added = (name: string, e: Entry) => {
    if (isTreeMode(e.mode)) diffTrees(ctx, null, e.oid, prefix + name + '/', out);
    else out.push({ status: 'A', one: null, two: side(name, e) });
  };
  const deleted = (name: string, e: Entry) => {
    if (isTreeMode(e.mode)) diffTrees(ctx, e.oid, null, prefix + name + '/', out);
    else out.push({ status: 'D', one: side(name, e), two: null });
  };
  while (i < ea.length || j < eb.length) {
    if (j >= eb.length) {
      deleted(...ea[i++]);
      continue;
    }
    if (i >= ea.length) {
      added(...eb[j++]);
      continue;
    }
    const [na, xa] = ea[i];
    const [nb, xb] = eb[j];
    const ka = sortKey(na, xa);
    const kb = sortKey(nb, xb);
    if (ka < kb) {
      deleted(na, xa);
      i++;
    } else if (kb < ka) {
      added(nb, xb);
      j++;
    } else {
      i++;
      j++;
      if (xa.oid === xb.oid && xa.mode === xb.mode) continue;
      if (isTreeMode(xa.mode)) diffTrees(ctx, xa.oid, xb.oid, prefix + na + '/', out);
      else out.push({ status: fileType(xa.mode) === fileType(xb.mode) ? 'M' : 'T', one: side(na, xa), two: side(nb, xb) });
    }
  }
  return out;
}
