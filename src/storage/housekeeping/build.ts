// The part of a run that lives in memory: list the objects of the selected packs, mark what is
// reachable (gc) or just name the objects (repack), then write the new pack. It advances in
// steps; its only durable traces are the pack file being written (invisible until closed, swept
// if the isolate dies) and the new index rows in hk_work. If the isolate is evicted meanwhile,
// the run starts this part again (run.ts).
import type { DofsWriteStream } from '../../../dofs';
import { walkTree } from '../../pack';
import type { ObjectRow, ObjectStore } from '../object-store';
import { packPath } from '../pack-files';
import { Budget, PER_OBJECT, PER_ROW } from './budget';
import { clearReadCache, readWithin } from './chain-read';
import { Marker, recordTips } from './mark';
import { PackBuilder, type BuildStats, type BuiltEntry } from './pack-builder';
import { NAMED, nameHash, REACHED, WorkList, YOUNG } from './work';
import type { RunState } from './state';
import { stepPart } from './step-trace';

/**
 * A geometric run does not walk a big tree stored as a delta on another listed tree for names:
 * it names little beyond its base (a version of a growing directory adds an entry or two). In
 * the 10,000-commit loop, walking every version of a 10,000-entry log/ (read through its delta,
 * then 10,000 entries looked up) was 111 s of 147 s of housekeeping, and kept one run going for
 * 1,300 commits. What only such versions name keeps name hash 0 (sorted by size in the search);
 * a full repack or gc walks every tree.
 */
const NAMES_SKIP_BYTES = 16 << 10;
const ROWS_PER_QUERY = 500; // collect steps of 1,000-row queries reached 74 ms at load 5-7 on 2 cores
const HK_WORK_COLUMNS = 'seq, oid, offset, data_offset, end_offset, type, size, raw_type, raw_size, base_oid, depth, cruft_time';

type Stage = 'collect' | 'mark' | 'young' | 'names' | 'write';
/** An `objects` row as a part lists it: its marks (null: not reached) and cruft time. */
type PartRow = ObjectRow & { mflag: number | null; mname: number | null; ctime: number | null };

export class Build {
  readonly work = new WorkList(1024);
  stage: Stage = 'collect';
  private packIdx = 0;
  private lastOffset = -1;
  private readonly created = new Map<number, number>();
  private cruft = new Map<string, number>();
  private marker: Marker | null = null;
  private namePos = 0;
  private builder: PackBuilder | null = null;
  private stream: DofsWriteStream | null = null;
  private rows: string[] = [];
  private seq: number;
  /** Objects read or written so far (progress). */
  progress = 0;
  /** A part (parts.ts): where its listing stopped, i.e. the next part's start; null at the end. */
  end: [number, number] | null = null;

  constructor(
    readonly run: RunState,
    private readonly sql: SqlStorage,
    private readonly objects: ObjectStore,
  ) {
    for (const p of sql.exec<{ id: number; created: number }>(`SELECT id, created FROM packs`)) this.created.set(p.id, p.created);
    // a part reads its objects' cruft times and marks with their rows (the store's may not fit)
    if (!run.parts) for (const c of sql.exec<{ oid: string; time: number }>(`SELECT oid, time FROM hk_cruft`)) this.cruft.set(c.oid, c.time);
    // a part's rows follow the rows of the parts before it
    this.seq = run.parts ? run.rows : 0;
    if (run.parts) [this.packIdx, this.lastOffset] = run.parts.from;
  }

  private get prune(): boolean {
    return this.run.cutoff !== null;
  }

  /** Whether item i goes into the new pack. */
  keep(i: number): boolean {
    return !this.prune || (this.work.flags[i] & (REACHED | YOUNG)) !== 0;
  }

  /** One step; returns the finished pack's stats once written (the caller makes it durable). */
  step(budget: Budget): BuildStats | null {
    switch (this.stage) {
      case 'collect':
        this.collect(budget);
        return null;
      case 'mark':
      case 'young':
        this.mark(budget);
        return null;
      case 'names':
        this.names(budget);
        return null;
      case 'write':
        return this.write(budget);
    }
  }

  private collect(budget: Budget): void {
    const packs = this.run.packs;
    const parts = this.run.parts;
    const cap = parts?.cap ?? Infinity;
    if (this.work.n === 0) this.work.reserve(Math.min(this.listed(packs), cap));
    while (this.packIdx < packs.length && this.work.n < cap && budget.fits(ROWS_PER_QUERY * PER_ROW)) {
      const id = packs[this.packIdx];
      const limit = Math.min(ROWS_PER_QUERY, cap - this.work.n);
      const rows = parts ? this.partRows(id, limit) : this.sql
        .exec<ObjectRow>(`SELECT * FROM objects WHERE pack_id = ? AND offset > ? ORDER BY offset LIMIT ?`, id, this.lastOffset, limit)
        .toArray();
      stepPart('sql:collect');
      for (const r of rows) {
        const i = this.work.add(r, (r as PartRow).ctime ?? this.cruft.get(r.oid) ?? this.created.get(id) ?? 0);
        if (i >= 0 && parts) this.marked(i, r as PartRow);
      }
      stepPart('js:collect');
      budget.spend(rows.length * PER_ROW);
      if (rows.length < limit) {
        this.packIdx++;
        this.lastOffset = -1;
      } else {
        this.lastOffset = rows[rows.length - 1].offset;
      }
    }
    const full = parts !== undefined && this.work.n >= cap;
    if (this.packIdx < packs.length && !full) return;
    // a part stops at the cap: the next one lists from here (a pack just finished: the next one)
    this.end = this.packIdx < packs.length ? [this.packIdx, this.lastOffset] : null;
    this.work.linkBases();
    this.cruft = new Map();
    this.progress = this.work.n;
    if (!this.prune) {
      this.stage = 'names';
      return;
    }
    if (parts) {
      this.stage = 'write'; // marked and named in SQLite over the whole store (mark-sql.ts)
      return;
    }
    const tips = recordTips(this.sql);
    this.marker = new Marker(this.objects, this.work);
    this.marker.seed(tips, REACHED);
    this.stage = 'mark';
  }

  /** A part's next rows of pack `id`, with their marks and cruft times. */
  private partRows(id: number, limit: number): PartRow[] {
    return this.sql
      .exec<PartRow & Record<string, SqlStorageValue>>(
        `SELECT o.*, m.flag AS mflag, m.name_hash AS mname, c.time AS ctime FROM objects o
           LEFT JOIN hk_mark m ON m.oid = o.oid LEFT JOIN hk_cruft c ON c.oid = o.oid
         WHERE o.pack_id = ? AND o.offset > ? ORDER BY o.offset LIMIT ?`,
        id,
        this.lastOffset,
        limit,
      )
      .toArray();
  }

  /** Item i's marks from the walk in SQLite (a gc in parts); unmarked: dropped. */
  private marked(i: number, r: PartRow): void {
    const W = this.work;
    if (r.mflag === null) return;
    W.flags[i] |= r.mflag & (REACHED | YOUNG);
    if (r.mname) {
      W.nameHash[i] = r.mname;
      W.flags[i] |= NAMED;
    }
  }

  /** How many objects the selected packs hold (the snapshot's packs of a fork: not counted). */
  private listed(packs: readonly number[]): number {
    const own = packs.filter((id) => Number.isInteger(id) && id > 0); // inlined: can be over 100 ids
    if (own.length === 0) return 0;
    const r = this.sql.exec<{ n: number | null }>(`SELECT SUM(objects) AS n FROM packs WHERE id IN (${own.join(',')})`).one();
    return Math.min(r.n ?? 0, 1 << 24);
  }

  private mark(budget: Budget): void {
    if (!this.marker!.step(budget)) return;
    if (this.stage === 'mark') {
      // Objects within the grace period are kept with everything they reach (git's recent
      // objects); their closure must stay whole, or a later reference to them would dangle.
      const cutoff = this.run.cutoff!;
      const W = this.work;
      const young: string[] = [];
      for (let i = 0; i < W.n; i++) if (!(W.flags[i] & REACHED) && W.time[i] > cutoff) young.push(W.oidHex(i));
      this.marker!.seed(young, YOUNG);
      this.stage = 'young';
      return;
    }
    this.progress = this.marker!.visited;
    this.marker = null;
    // The walk filled housekeeping's cache with trees the write does not read again (it reads
    // packs in search order): held through the write for nothing. (The store's own cache is left
    // alone: the walk did not fill it, and it holds the commit API's last trees.)
    clearReadCache(this.objects);
    this.stage = 'write'; // the walk named what kept trees hold; the rest keep name hash 0
  }

  /** Without a walk (repack only): each listed tree names the listed objects it holds. */
  private names(budget: Budget): void {
    const W = this.work;
    if (this.prune) return;
    const skipBig = this.run.mode === 'geometric';
    while (!budget.over && this.namePos < W.n) {
      const i = this.namePos;
      if (W.type[i] !== 2 || (skipBig && W.size[i] > NAMES_SKIP_BYTES && W.baseIdx[i] >= 0)) {
        this.namePos++;
        continue;
      }
      // a chain is read across steps; the tree's walk counts in the read's first unit
      const obj = readWithin(this.objects, W.oidHex(i), budget, PER_OBJECT + W.size[i]);
      stepPart('read');
      if (!obj) return;
      this.namePos++;
      const data = obj.data;
      budget.spend(PER_OBJECT + data.length);
      walkTree(data, (_mode, _m, nameStart, nameEnd, at) => {
        const j = W.find(data, at);
        if (j >= 0 && !(W.flags[j] & NAMED)) {
          W.nameHash[j] = nameHash(data, nameStart, nameEnd);
          W.flags[j] |= NAMED;
        }
      });
      stepPart('js:names');
    }
    if (this.namePos >= W.n) this.stage = 'write';
  }

  private write(budget: Budget): BuildStats | null {
    if (!this.builder) {
      this.stream = this.objects.fs.createWriteStream(packPath(this.run.newPack!));
      const stream = this.stream;
      // a geometric run (background, of recent packs) reuses thin deltas; a full one searches them
      const reuseRef = this.run.mode === 'geometric' && !this.prune;
      this.builder = new PackBuilder(this.objects, this.work, (i) => this.keep(i), (b) => stream.write(b), (e) => this.row(e), reuseRef);
    }
    const stats = this.builder.step(budget);
    this.builder.flush();
    stepPart('file:write');
    this.flushRows();
    stepPart('sql:hk_work');
    this.progress = this.seq;
    if (!stats) return null;
    this.stream!.close(); // the pack file appears, complete; the caller indexes it in this same step
    stepPart('file:close');
    this.stream = null;
    return stats;
  }

  /** How many listed objects the new pack leaves out (gc: unreachable and old). */
  dropped(): number {
    let n = 0;
    for (let i = 0; i < this.work.n; i++) if (!this.keep(i)) n++;
    return n;
  }

  /** Kept only for the grace period: not reachable from any ref. */
  unreachableKept(): number {
    if (!this.prune) return 0;
    let n = 0;
    for (let i = 0; i < this.work.n; i++) if ((this.work.flags[i] & (REACHED | YOUNG)) === YOUNG) n++;
    return n;
  }

  private row(e: BuiltEntry): void {
    const W = this.work;
    const i = e.item;
    const base = e.base >= 0 ? `'${W.oidHex(e.base)}'` : 'NULL';
    const cruft = this.prune && (W.flags[i] & (REACHED | YOUNG)) === YOUNG ? Math.floor(W.time[i]) : 'NULL';
    this.rows.push(`(${this.seq++},'${W.oidHex(i)}',${e.offset},${e.dataOffset},${e.end},${W.type[i]},${W.size[i]},${e.rawType},${e.rawSize},${base},${e.depth},${cruft})`);
    if (this.rows.length >= 400) this.flushRows();
  }

  private flushRows(): void {
    if (this.rows.length === 0) return;
    this.sql.exec(`INSERT INTO hk_work (${HK_WORK_COLUMNS}) VALUES ${this.rows.join(',')}`);
    this.rows = [];
  }

  /** Drops what this build wrote: the unfinished pack file and its rows (a restart or an abandon). */
  discard(): void {
    try {
      this.stream?.abort();
    } catch {
      /* already gone */
    }
    this.stream = null;
    this.builder = null;
  }
}
