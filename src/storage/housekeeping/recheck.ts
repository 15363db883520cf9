// A gc's race check before it prunes, in budgeted steps. What the mark phase walked is what the
// refs reached when it ran; since then refs may have moved and packs arrived (pushes, commits,
// folds). Before the old packs' remaining rows become dying, nothing a ref reaches now, and no
// delta stored since, may be among them (git's reasoning for objects racing a prune), else the
// run prunes nothing this time.
//
// The check walks from the refs that moved (not among the mark's tips, hk_tips) through objects
// that arrived since, down to what the new pack keeps, and reads the bases of deltas in packs
// above the run's maxPackAtStart. Done in the finish step at once, both scale with what arrived
// during the run (a 100k-object push during a gc: seconds in one step). Here they advance a
// budget unit at a time (an object read, a 500-row query), across steps, and each step first
// takes in refs that moved and packs that arrived since the last: `step` answers done only when
// a step took in nothing new and finished the walk, so the prune that follows in that same
// synchronous step sees exactly what was checked. What it has walked lives in memory (an
// evicted isolate starts the check again: it only reads).
import { bytesToHex, parseCommit, parseTag, walkTree } from '../../pack';
import type { ObjectStore } from '../object-store';
import { OidTable } from '../oid-table';
import { type Budget, PER_OBJECT, PER_ROW } from './budget';
import { GITLINK, networkTips } from './mark';
import { newPacksOf } from './parts';
import type { RunState } from './state';
import { stepPart } from './step-trace';

const DELTA_ROWS = 500;

export class Recheck {
  readonly runId: string;
  /** Why nothing can be pruned (final once found), or null. */
  conflict: string | null = null;
  private readonly old: Set<number>;
  /** The packs the run wrote (one per part for a run in parts). */
  private readonly mine: Set<number>;
  private readonly tips = new Set<string>();
  /** Objects walked (binary ids: a push of many objects during the run stays small here). */
  private readonly seen = new OidTable(1024);
  private readonly stack: string[] = [];
  /** Packs arrived since the start whose deltas were read, and the one being read (up to offset). */
  private readonly checked = new Set<number>();
  private current: number | null = null;
  private offset = -1;

  constructor(
    private readonly sql: SqlStorage,
    private readonly objects: ObjectStore,
    private readonly run: RunState,
  ) {
    this.runId = run.id;
    this.old = new Set(run.packs);
    this.mine = new Set(newPacksOf(run));
    for (const r of sql.exec<{ oid: string }>(`SELECT oid FROM hk_tips`)) this.tips.add(r.oid);
  }

  /**
   * Takes in the refs that moved since the last step, then walks and reads deltas within the
   * budget; true when nothing is left (or a conflict was found). Nothing else runs during a
   * synchronous step, so a true answer holds until the step ends: the prune goes in the same one.
   */
  step(budget: Budget): boolean {
    if (this.conflict) return true;
    this.takeMovedRefs();
    return this.walk(budget) && this.deltas(budget);
  }

  /** Queues the refs not walked from yet. */
  private takeMovedRefs(): void {
    for (const oid of networkTips(this.sql)) {
      if (this.tips.has(oid)) continue;
      this.tips.add(oid);
      this.stack.push(oid);
    }
    stepPart('sql:refs');
  }

  private dropped(oid: string): boolean {
    const r = this.objects.row(oid);
    return r !== null && this.old.has(r.pack_id);
  }

  /** true when the stack is empty. */
  private walk(budget: Budget): boolean {
    while (this.stack.length > 0) {
      const oid = this.stack[this.stack.length - 1];
      if (this.seen.getHex(oid) !== 0) {
        this.stack.pop();
        continue;
      }
      const row = this.objects.row(oid);
      if (!row) {
        this.stack.pop(); // beyond a shallow boundary
        continue;
      }
      if (this.old.has(row.pack_id)) {
        this.conflict = `a ref now reaches ${oid}, which the run was about to prune`;
        return true;
      }
      if (this.mine.has(row.pack_id) || row.type === 3) {
        this.stack.pop(); // kept with all it reaches
        continue;
      }
      if (!budget.fits(PER_OBJECT + row.size)) return false;
      budget.spend(PER_OBJECT + row.size);
      this.stack.pop();
      this.seen.setHex(oid, 1);
      const obj = this.objects.read(oid);
      if (obj.type === 'commit') {
        const c = parseCommit(obj.data);
        this.stack.push(c.tree, ...c.parents);
      } else if (obj.type === 'tag') {
        this.stack.push(parseTag(obj.data).object);
      } else if (obj.type === 'tree') {
        walkTree(obj.data, (mode, _m, _s, _e, at) => {
          if (mode !== GITLINK) this.stack.push(bytesToHex(obj.data, at));
        });
      }
      stepPart('recheck:walk');
    }
    return true;
  }

  /**
   * true when every pack that arrived since the start is checked. A set, not an id cursor: an
   * upload's id is allocated when it begins, so a slow one can register a lower id than a pack
   * already checked. A pack folded away while being read is checked under its fold's id.
   */
  private deltas(budget: Budget): boolean {
    for (;;) {
      if (this.current === null) {
        const ids = this.sql
          .exec<{ id: number }>(`SELECT id FROM packs WHERE id > ? ORDER BY id`, this.run.maxPackAtStart)
          .toArray()
          .filter((r) => !this.mine.has(r.id));
        const next = ids.find((r) => !this.checked.has(r.id));
        if (!next) return true;
        this.current = next.id;
        this.offset = -1;
      }
      if (!budget.fits(DELTA_ROWS * PER_ROW)) return false;
      budget.spend(DELTA_ROWS * PER_ROW);
      const rows = this.sql
        .exec<{ offset: number; base_oid: string }>(
          `SELECT offset, base_oid FROM objects WHERE pack_id = ? AND offset > ? AND base_oid IS NOT NULL ORDER BY offset LIMIT ${DELTA_ROWS}`,
          this.current,
          this.offset,
        )
        .toArray();
      stepPart('recheck:deltas');
      for (const r of rows) {
        if (this.dropped(r.base_oid)) {
          this.conflict = `a delta stored during the run is based on ${r.base_oid}`;
          return true;
        }
      }
      if (rows.length === DELTA_ROWS) {
        this.offset = rows[rows.length - 1].offset;
        continue;
      }
      this.checked.add(this.current);
      this.current = null;
    }
  }
}
