// The reachability walk of a gc in parts (parts.ts), kept in SQLite instead of memory: a store
// over the run cap (heap-cap.ts) may hold millions of objects, and the in-memory walk (mark.ts)
// lists each one at ~100 bytes. Here the marks are rows of hk_mark (flag, name hash) and the
// objects still to read are rows of hk_queue, so the walk holds nothing between steps and an
// evicted isolate resumes it where the last committed step left it. Each step is one
// transaction (run.ts): its queue pops and its new marks land together or not at all.
//
// Stages, as mark.ts does them in memory:
//   seed   every ref of every repository of the network, remembered in hk_tips (the finish
//          step's race check walks from what moved since, recheck.ts), marked REACHED, queued;
//   walk   pop an object, read it, mark its children not marked yet and queue those that have
//          children of their own (commits, trees, tags); a tree entry names its object (the
//          delta search sorts by name hash);
//   scan   the run's objects in id order, a piece at a time: one not marked and first stored
//          after the cutoff (its cruft time, else its pack's creation) is YOUNG and queued;
//   young  the same walk with flag YOUNG: what a young object reaches stays with it, whatever
//          part it is in (the closure spans the whole store, not a part).
// Cost: a tree's entries are marked in one INSERT OR IGNORE ... RETURNING (the rows returned are
// the new ones), and a popped batch is deleted in one statement. Most entries a tree names were
// marked already (the subtrees and files a commit did not change): a bounded table of recently
// marked ids (`seen`, SEEN_MAX ids, ~24 bytes each) answers those without SQL. On the 142k-object
// repository the walk took 61 s without it, ~6 us an entry. It is only ever a subset of the
// committed marks: the caller drops it when a step fails (its transaction rolled back).
import { bytesToHex, isOid, parseCommit, parseTag, walkTree } from '../../pack';
import { MissingObjectError, type ObjectStore } from '../object-store';
import { OidTable } from '../oid-table';
import { Budget, PER_OBJECT, PER_ROW } from './budget';
import { clearReadCache, readWithin } from './chain-read';
import { GITLINK, recordTips, TREE_MODE } from './mark';
import type { RunState } from './state';
import { stepPart } from './step-trace';
import { nameHash, REACHED, YOUNG } from './work';

/** Queue entries popped per query, and what the query and the batch's delete cost. */
const POP = 64;
const POP_UNITS = 4 * PER_ROW;
/** Marks per INSERT: ~50 bytes each keeps a statement near 50 KB (the limit is 100 KB). */
const MARKS_PER_INSERT = 1000;
/** Objects per scan piece (a bounded range of the id index, whatever it finds in it), and its
 *  cost: an index entry and two lookups each, well under a row written. */
const SCAN_ROWS = 2000;
const SCAN_UNITS = (SCAN_ROWS * PER_ROW) / 4;
/** Ids the recently-marked table holds before it starts again empty (~6 MB). */
const SEEN_MAX = 250_000;
/** What an entry found in it costs (a hash lookup, against PER_ROW for one marked in SQL). */
const PER_SEEN = 16;

/** The recently-marked ids of a run's walk, kept across steps by the caller. */
export class MarkSeen {
  table = new OidTable(1 << 16);

  constructor(readonly runId: string) {}

  /** Remembers ids known to be marked (committed with the step, or marked in an earlier one). */
  add(oids: readonly string[]): void {
    if (this.table.size + oids.length > SEEN_MAX) this.table = new OidTable(1 << 16);
    for (const o of oids) this.table.setHex(o, 1);
  }
}

export type MarkStage = 'seed' | 'walk' | 'scan' | 'young';

export interface MarkState {
  stage: MarkStage;
  /** scan: the last object id scanned. */
  cursor: string;
  /** Objects read by the walks (progress). */
  visited: number;
}

/** A child found while reading an object: its id, whether it has children to walk, its name. */
interface Child {
  oid: string;
  walk: boolean;
  name: number;
}

export class SqlMarker {
  constructor(
    private readonly sql: SqlStorage,
    private readonly objects: ObjectStore,
    private readonly run: RunState,
    private readonly seen: MarkSeen,
  ) {}

  private get state(): MarkState {
    return this.run.mark!;
  }

  /** One budgeted step (inside the caller's transaction); true when every stage is done. */
  step(budget: Budget): boolean {
    const m = this.state;
    if (m.stage === 'seed') {
      this.seed(budget);
      m.stage = 'walk';
      return false;
    }
    if (m.stage === 'walk' || m.stage === 'young') {
      if (!this.walk(budget, m.stage === 'walk' ? REACHED : YOUNG)) return false;
      if (m.stage === 'young') {
        // the walk filled housekeeping's read cache with trees the parts do not read again
        clearReadCache(this.objects);
        return true;
      }
      m.stage = 'scan';
      m.cursor = '';
      return false;
    }
    if (this.scan(budget)) m.stage = 'young';
    return false;
  }

  private seed(budget: Budget): void {
    // (only ids go into the marks' SQL text)
    const tips = recordTips(this.sql).filter(isOid);
    budget.spend(tips.length * PER_ROW * 2);
    // a tip's type is not known: queued (a blob reads as one and has no children)
    this.mark(tips.map((oid) => ({ oid, walk: true, name: 0 })), REACHED);
  }

  /** Pops and reads queued objects within the budget; true when the queue is empty. */
  private walk(budget: Budget, flag: number): boolean {
    for (;;) {
      if (!budget.fits(POP_UNITS)) return false;
      budget.spend(POP_UNITS);
      const batch = this.sql.exec<{ seq: number; oid: string }>(`SELECT seq, oid FROM hk_queue ORDER BY seq DESC LIMIT ${POP}`).toArray();
      stepPart('sql:mark-pop');
      if (batch.length === 0) return true;
      const done: number[] = [];
      for (const q of batch) {
        const children = this.children(q.oid, budget);
        if (children === null) break; // the budget ended inside a chain: read again next step
        done.push(q.seq);
        this.state.visited++;
        if (children.length > 0) this.mark(children, flag, budget);
      }
      if (done.length > 0) this.sql.exec(`DELETE FROM hk_queue WHERE seq IN (${done.join(',')})`);
      stepPart('sql:mark-queue');
      if (done.length < batch.length) return false;
    }
  }

  /** The object's children, [] when it has none or is not stored (beyond a shallow boundary),
   *  null when the budget ended before it was read. */
  private children(oid: string, budget: Budget): Child[] | null {
    let obj;
    try {
      obj = readWithin(this.objects, oid, budget);
    } catch (e) {
      if (e instanceof MissingObjectError) return [];
      throw e;
    }
    if (!obj) return null;
    budget.spend(PER_OBJECT + obj.data.length);
    stepPart('read');
    const seen = this.seen.table;
    if (obj.type === 'commit') {
      const c = parseCommit(obj.data);
      return [c.tree, ...c.parents].filter((o) => seen.getHex(o) === 0).map((oid) => ({ oid, walk: true, name: 0 }));
    }
    if (obj.type === 'tag') return [{ oid: parseTag(obj.data).object, walk: true, name: 0 }];
    if (obj.type !== 'tree') return [];
    const data = obj.data;
    const out: Child[] = [];
    let known = 0;
    walkTree(data, (mode, _m, nameStart, nameEnd, at) => {
      if (mode === GITLINK) return;
      if (seen.get(data, at) !== 0) {
        known++;
        return;
      }
      out.push({ oid: bytesToHex(data, at), walk: (mode & 0o170000) === TREE_MODE, name: nameHash(data, nameStart, nameEnd) });
    });
    budget.spend(known * PER_SEEN);
    return out;
  }

  /** Marks the children not marked yet with `flag` and queues those to walk. */
  private mark(children: Child[], flag: number, budget?: Budget): void {
    for (let k = 0; k < children.length; k += MARKS_PER_INSERT) {
      const part = children.slice(k, k + MARKS_PER_INSERT);
      budget?.spend(part.length * PER_ROW);
      const values = part.map((c) => `('${c.oid}',${flag},${c.name >>> 0})`).join(',');
      const added = this.sql.exec<{ oid: string }>(`INSERT OR IGNORE INTO hk_mark (oid, flag, name_hash) VALUES ${values} RETURNING oid`).toArray();
      stepPart('sql:mark');
      this.seen.add(part.map((c) => c.oid)); // marked now, by this step or an earlier one
      if (added.length === 0) continue;
      const isNew = new Set(added.map((r) => r.oid));
      // once each: a tree may name the same subtree twice
      const queue = new Set(part.filter((c) => c.walk && isNew.has(c.oid)).map((c) => c.oid));
      if (queue.size > 0) this.sql.exec(`INSERT INTO hk_queue (oid) VALUES ${[...queue].map((o) => `('${o}')`).join(',')}`);
    }
  }

  /** One piece of the scan for young objects at a time; true when the run's objects are done. */
  private scan(budget: Budget): boolean {
    const m = this.state;
    const packs = this.run.packs.filter((p) => Number.isInteger(p)).join(',') || 'NULL';
    while (budget.fits(SCAN_UNITS)) {
      budget.spend(SCAN_UNITS);
      const last = this.sql
        .exec<{ m: string | null }>(`SELECT max(oid) AS m FROM (SELECT oid FROM objects WHERE oid > ? ORDER BY oid LIMIT ${SCAN_ROWS})`, m.cursor)
        .one().m;
      if (last === null) return true;
      // the range first (LIMIT keeps the subquery whole): filtered on its own, the query took
      // ~1 s a piece on the 142k-object repository, walking every row of the run's packs
      const young = this.sql
        .exec<{ oid: string; type: number }>(
          `SELECT o.oid, o.type FROM (SELECT oid, pack_id, type FROM objects WHERE oid > ? ORDER BY oid LIMIT ${SCAN_ROWS}) o
             JOIN packs p ON p.id = o.pack_id LEFT JOIN hk_cruft c ON c.oid = o.oid
           WHERE o.pack_id IN (${packs}) AND coalesce(c.time, p.created) > ? AND NOT EXISTS (SELECT 1 FROM hk_mark k WHERE k.oid = o.oid)`,
          m.cursor,
          this.run.cutoff!,
        )
        .toArray();
      stepPart('sql:mark-scan');
      m.cursor = last;
      if (young.length > 0) this.mark(young.map((r) => ({ oid: r.oid, walk: r.type !== 3, name: 0 })), YOUNG, budget);
    }
    return false;
  }
}
