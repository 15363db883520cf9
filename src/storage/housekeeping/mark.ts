// The reachability walk of a gc, in steps: from the given tips (every ref of every repository of
// the network, then the objects still within the grace period) through commits, trees and tags,
// setting a flag on each listed object reached. Objects outside the list (packs that arrived
// after the run started) are walked through but only remembered as visited. While walking, each
// tree entry gives its object a name hash (the delta search sorts by it).
import { bytesToHex, isOid, parseCommit, parseTag, walkTree } from '../../pack';
import { MissingObjectError, type ObjectStore } from '../object-store';
import { OidTable } from '../oid-table';
import { Budget, PER_OBJECT } from './budget';
import { readWithin } from './chain-read';
import { NAMED, nameHash, REACHED, YOUNG, type WorkList } from './work';

export const GITLINK = 0o160000;
export const TREE_MODE = 0o040000;

/** What every ref of every repository of the network points at now (symbolic refs left out). */
export function networkTips(sql: SqlStorage): string[] {
  return sql.exec<{ oid: string }>(`SELECT DISTINCT oid FROM repo_refs WHERE oid IS NOT NULL`).toArray().map((r) => r.oid);
}

/**
 * Every ref of every repository of the network, remembered in hk_tips so that the end of a gc can
 * tell what moved since (recheck.ts); returns them, the tips its walk starts from.
 */
export function recordTips(sql: SqlStorage): string[] {
  const tips = networkTips(sql);
  sql.exec(`DELETE FROM hk_tips`);
  for (let k = 0; k < tips.length; k += 200) {
    const part = tips.slice(k, k + 200).filter(isOid);
    if (part.length) sql.exec(`INSERT OR IGNORE INTO hk_tips (oid) VALUES ${part.map((t) => `('${t}')`).join(',')}`);
  }
  return tips;
}

export class Marker {
  private readonly stack: string[] = [];
  /** Objects outside the list already walked (commits, trees and tags only). */
  private readonly other = new OidTable(1024);
  private flag = REACHED;
  visited = 0;

  constructor(
    private readonly store: ObjectStore,
    private readonly work: WorkList,
  ) {}

  /** Queues tips to walk from; everything they reach gets `flag` (REACHED first, then YOUNG). */
  seed(tips: Iterable<string>, flag: number): void {
    this.flag = flag;
    for (const t of tips) this.visit(t, 0);
  }

  get done(): boolean {
    return this.stack.length === 0;
  }

  /** Walks until the budget is spent; true when nothing is left. */
  step(budget: Budget): boolean {
    while (this.stack.length > 0 && !budget.over) {
      const oid = this.stack[this.stack.length - 1];
      let obj;
      try {
        obj = readWithin(this.store, oid, budget); // a chain is read across steps
      } catch (e) {
        if (!(e instanceof MissingObjectError)) throw e;
        this.stack.pop(); // beyond a shallow boundary
        continue;
      }
      if (!obj) break;
      this.stack.pop();
      this.visited++;
      budget.spend(PER_OBJECT + obj.data.length);
      if (obj.type === 'commit') {
        const c = parseCommit(obj.data);
        this.visit(c.tree, 2);
        for (const p of c.parents) this.visit(p, 1);
      } else if (obj.type === 'tag') {
        this.visit(parseTag(obj.data).object, 0);
      } else if (obj.type === 'tree') {
        this.tree(obj.data);
      }
    }
    return this.stack.length === 0;
  }

  private tree(data: Uint8Array): void {
    const W = this.work;
    walkTree(data, (mode, _m, nameStart, nameEnd, at) => {
      if (mode === GITLINK) return;
      const dir = (mode & 0o170000) === TREE_MODE;
      const i = W.find(data, at);
      if (i >= 0) {
        if (!(W.flags[i] & NAMED)) {
          W.nameHash[i] = nameHash(data, nameStart, nameEnd);
          W.flags[i] |= NAMED;
        }
        if (W.flags[i] & (REACHED | YOUNG)) return;
        W.flags[i] |= this.flag;
        if (dir) this.stack.push(W.oidHex(i));
        return;
      }
      if (!dir) return; // a blob outside the list has nothing below it
      if (this.other.get(data, at) !== 0) return;
      this.other.set(data, at, 1);
      this.stack.push(bytesToHex(data, at));
    });
  }

  /** type: 1 commit, 2 tree, 0 unknown (a tag's target or a tip). */
  private visit(oid: string, type: number): void {
    const W = this.work;
    const i = W.findHex(oid);
    if (i >= 0) {
      if (W.flags[i] & (REACHED | YOUNG)) return;
      W.flags[i] |= this.flag;
      if (W.type[i] !== 3) this.stack.push(oid);
      return;
    }
    if (this.other.getHex(oid) !== 0) return;
    if (type === 0) {
      const t = this.store.typeOf(oid);
      if (t === null || t === 'blob') return;
    }
    this.other.setHex(oid, 1);
    this.stack.push(oid);
  }
}
