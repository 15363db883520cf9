// Ref-change events in the repository's own SQLite (table `events`, see storage/schema.ts).
import type { RefUpdate } from '../storage/refs';

export interface RefEvent {
  id: number; // increasing; pass the last one seen as `after`
  ref: string;
  old: string; // ZERO_OID when the ref was created
  new: string; // ZERO_OID when the ref was deleted
  actor: string | null; // token id; null for the admin token or a binding call
  time: string; // ISO 8601
}

type Row = { seq: number; ref: string; old_oid: string; new_oid: string; actor: string | null; time: number };

/** The events of one repository (`repo` = its key; a DO may host a fork network). */
export class EventStore {
  constructor(
    private readonly sql: SqlStorage,
    readonly repo: string,
  ) {}

  /** Appends one event per update (call inside the ref-update transaction); returns them. */
  append(updates: RefUpdate[], actor: string | null, now = Date.now()): RefEvent[] {
    const time = new Date(now).toISOString();
    return updates.map((u) => {
      const { seq } = this.sql
        .exec<{ seq: number }>(
          `INSERT INTO events (ref, old_oid, new_oid, actor, time, repo) VALUES (?, ?, ?, ?, ?, ?) RETURNING seq`,
          u.name, u.oldOid, u.newOid, actor, now, this.repo,
        )
        .one();
      return { id: seq, ref: u.name, old: u.oldOid, new: u.newOid, actor, time };
    });
  }

  /** Events with id > after, oldest first. */
  list(after: number, limit: number): RefEvent[] {
    return this.sql
      .exec<Row>(`SELECT * FROM events WHERE repo = ? AND seq > ? ORDER BY seq LIMIT ?`, this.repo, after, limit)
      .toArray()
      .map((r) => ({ id: r.seq, ref: r.ref, old: r.old_oid, new: r.new_oid, actor: r.actor, time: new Date(r.time).toISOString() }));
  }

  clear(): void {
    this.sql.exec(`DELETE FROM events WHERE repo = ?`, this.repo);
  }
}
