// The commit graph as the walks read it: an object source (the store, or an in-memory one in
// tests), commits parsed once into {tree, parents, time} and cached, tags peeled.
import { parseCommit, parseTag, type ObjectType } from '../pack';
import type { GitObject } from './object-store';

export interface ObjectSource {
  read(oid: string): GitObject;
  has(oid: string): boolean;
  /** Object size without reading it (blob:limit filters). */
  sizeOf?(oid: string): number;
  /** Object type without reading it; null if absent. */
  typeOf(oid: string): ObjectType | null;
}

export interface CommitInfo {
  tree: string;
  parents: string[];
  time: number; // committer time, seconds
}

export class CommitCache {
  private readonly map = new Map<string, CommitInfo>();
  constructor(private readonly src: ObjectSource) {}

  get(oid: string): CommitInfo {
    let c = this.map.get(oid);
    if (!c) {
      const obj = this.src.read(oid);
      if (obj.type !== 'commit') throw new Error(`${oid} is a ${obj.type}, not a commit`);
      const p = parseCommit(obj.data);
      c = { tree: p.tree, parents: p.parents, time: committerTime(p) };
      if (this.map.size > 200_000) this.map.clear();
      this.map.set(oid, c);
    }
    return c;
  }
}

function committerTime(p: ReturnType<typeof parseCommit>): number {
  const anyP = p as unknown as { committerTime?: number; committer?: string | { timestamp?: number } };
  if (typeof anyP.committerTime === 'number') return anyP.committerTime;
  const c = anyP.committer;
  if (c && typeof c === 'object' && typeof c.timestamp === 'number') return c.timestamp;
  if (typeof c === 'string') {
    const m = / (\d+) [+-]\d{4}$/.exec(c);
    if (m) return Number(m[1]);
  }
  return 0;
}

/** Follows tags down to the object they finally point at. */
export function peel(src: ObjectSource, oid: string): { oid: string; type: string } {
  let cur = oid;
  for (let i = 0; i < 100; i++) {
    const obj = src.read(cur);
    if (obj.type !== 'tag') return { oid: cur, type: obj.type };
    cur = parseTag(obj.data).object;
  }
  throw new Error(`tag chain too long at ${oid}`);
}
