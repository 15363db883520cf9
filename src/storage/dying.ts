// Packs whose remaining index rows a gc has pruned but not yet deleted. Deleting the rows of the
// objects a gc drops takes ~10 us a row (cleanup's measured rate), so a gc dropping 100k objects
// would hold the object for about a second in one transaction. Instead the gc's finish step, in
// the same transaction as its race check, lists the old packs here (O(packs)); from then on every
// lookup of the object store treats their rows as absent, and housekeeping's cleanup deletes the
// rows, then the files, in budgeted pieces (housekeeping/swap.ts).
//
// An object stored again while its old row is dying (a push re-sending something the gc dropped)
// takes the row over: the object store's inserts upsert a dying row (UPSERT_DYING below) and
// leave every live row as it is (git's first copy wins, as with INSERT OR IGNORE).

/** The list is read once and kept; whoever changes the table calls forget() (and after a failed
 *  transaction that may have changed it: the kept copy may hold rows that were rolled back). */
export class DyingPacks {
  private ids: number[] | null = null;
  private clause = '';

  constructor(private readonly sql: SqlStorage) {}

  /** ` AND pack_id NOT IN (...)` while packs are dying, else '' (ids are integers from SQLite). */
  filter(): string {
    this.load();
    return this.clause;
  }

  forget(): void {
    this.ids = null;
  }

  private load(): number[] {
    if (this.ids) return this.ids;
    const ids = this.sql.exec<{ id: number }>(`SELECT id FROM dying_packs ORDER BY id`).toArray().map((r) => Number(r.id));
    this.ids = ids;
    this.clause = ids.length > 0 ? ` AND pack_id NOT IN (${ids.join(',')})` : '';
    return ids;
  }
}

export const DYING_SCHEMA = `CREATE TABLE IF NOT EXISTS dying_packs (id INTEGER PRIMARY KEY)`;

/** The tail of an object-row insert: a conflict with a dying row replaces it, with a live row keeps it. */
export const UPSERT_DYING =
  ` ON CONFLICT(oid) DO UPDATE SET pack_id = excluded.pack_id, offset = excluded.offset, data_offset = excluded.data_offset,` +
  ` end_offset = excluded.end_offset, type = excluded.type, size = excluded.size, raw_type = excluded.raw_type,` +
  ` raw_size = excluded.raw_size, base_oid = excluded.base_oid, depth = excluded.depth` +
  ` WHERE objects.pack_id IN (SELECT id FROM dying_packs)`;
