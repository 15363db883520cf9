// Tells a repository's reach walker which trees a push will need before the push is checked. A
// pushed commit changes a few directories of its parent; everything else it points at (the
// unchanged files and subtrees next to the changed ones, and the old versions that thin-pack
// deltas are made against) sits in the parent's tree under the same paths. So the parent's
// trees along the paths of the pack's new trees are opened first: the references of a push of
// a few changed files then cost a few tree reads, not a walk of the whole tip tree.
import { bytesToHex, decodeName, parseCommit, walkTree, type ObjectType } from '../pack';
import type { ReachWalker } from './reach';
import type { ObjectSource } from './walk';

const TREE_MODE = 0o40000;
/** Tree pairs looked at per push at most: a guide, not a walk (the walker finishes the job). */
const MAX_PAIRS = 10_000;

/** What the guide needs of a pack that is being received. */
export interface PackObjects {
  /** Commits of the pack. */
  commits(): Iterable<string>;
  holds(oid: string): boolean;
  /** An object of the pack, or null if the pack does not hold it. */
  read(oid: string): { type: ObjectType; data: Uint8Array } | null;
}

export function guideByParents(pack: PackObjects, walker: ReachWalker, store: ObjectSource): void {
  const seen = new Set<string>();
  const pending: [string, string][] = [];
  for (const c of pack.commits()) {
    const commit = pack.read(c);
    if (!commit) continue;
    const { tree, parents } = parseCommit(commit.data);
    for (const p of parents) {
      if (pack.holds(p) || !walker.has(p)) continue; // in the pack, or not this repository's
      pending.push([tree, parseCommit(store.read(p).data).tree]);
    }
  }
  while (pending.length > 0 && seen.size < MAX_PAIRS) {
    const [fresh, old] = pending.pop()!;
    const key = fresh + old;
    if (seen.has(key)) continue;
    seen.add(key);
    const oldData = walker.openNow(old);
    const freshData = pack.read(fresh)?.data;
    if (!oldData || !freshData) continue;
    const oldTrees = subtrees(oldData);
    walkTree(freshData, (mode, _m, ns, ne, oidAt) => {
      if (mode !== TREE_MODE) return;
      const oid = bytesToHex(freshData, oidAt);
      const before = oldTrees.get(decodeName(freshData, ns, ne));
      if (before && before !== oid && pack.holds(oid)) pending.push([oid, before]);
    });
  }
}

function subtrees(data: Uint8Array): Map<string, string> {
  const m = new Map<string, string>();
  walkTree(data, (mode, _m, ns, ne, oidAt) => {
    if (mode === TREE_MODE) m.set(decodeName(data, ns, ne), bytesToHex(data, oidAt));
  });
  return m;
}
