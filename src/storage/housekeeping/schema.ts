// Tables of the housekeeping runs (repack, gc), next to the object store's own (storage/schema.ts).
export const HK_SCHEMA = [
  // The run in progress (key 'run', JSON RunState) and the queued request (key 'request').
  `CREATE TABLE IF NOT EXISTS hk_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  // The new pack's index rows, in write order, until they replace the old ones (migrate phase).
  // cruft_time: set for objects kept only because of the grace period (their first-stored time).
  `CREATE TABLE IF NOT EXISTS hk_work (
     seq INTEGER PRIMARY KEY, oid TEXT NOT NULL, offset INTEGER NOT NULL, data_offset INTEGER NOT NULL,
     end_offset INTEGER NOT NULL, type INTEGER NOT NULL, size INTEGER NOT NULL, raw_type INTEGER NOT NULL,
     raw_size INTEGER NOT NULL, base_oid TEXT, depth INTEGER NOT NULL, cruft_time INTEGER)`,
  // The few rows with a cruft_time, for the finish step: without it, that step scanned every row
  // of hk_work (one per object the run keeps: 142k for the large bench repository).
  `CREATE INDEX IF NOT EXISTS hk_work_cruft ON hk_work (seq) WHERE cruft_time IS NOT NULL`,
  // Ref tips a gc's mark phase started from: at the end, refs that moved elsewhere are walked
  // again so nothing they reach is pruned (git's reasoning for objects racing a prune).
  `CREATE TABLE IF NOT EXISTS hk_tips (oid TEXT PRIMARY KEY) WITHOUT ROWID`,
  // Unreachable objects kept by the grace period, with the time they were first stored (git's
  // cruft-pack .mtimes): rewriting them into a new pack must not make them young again.
  `CREATE TABLE IF NOT EXISTS hk_cruft (oid TEXT PRIMARY KEY, time INTEGER NOT NULL) WITHOUT ROWID`,
  // A gc in parts (parts.ts): its reachability marks (REACHED/YOUNG, work.ts) with the name hash
  // the tree entry that reached the object gave it, and the objects still to read (mark-sql.ts).
  `CREATE TABLE IF NOT EXISTS hk_mark (oid TEXT PRIMARY KEY, flag INTEGER NOT NULL, name_hash INTEGER NOT NULL) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS hk_queue (seq INTEGER PRIMARY KEY, oid TEXT NOT NULL)`,
  // Packs written by housekeeping (already deltified); the others came from pushes and commits.
  `CREATE TABLE IF NOT EXISTS hk_packs (id INTEGER PRIMARY KEY)`,
  // Finished runs, newest last (the last few are kept).
  `CREATE TABLE IF NOT EXISTS hk_history (
     id INTEGER PRIMARY KEY AUTOINCREMENT, run TEXT NOT NULL, tasks TEXT NOT NULL, trigger TEXT NOT NULL,
     started INTEGER NOT NULL, finished INTEGER NOT NULL, summary TEXT NOT NULL)`,
];

export function ensureHkSchema(sql: SqlStorage): void {
  for (const s of HK_SCHEMA) sql.exec(s);
}
