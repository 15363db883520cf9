// What annotated tags finally point at, for ref advertisements (`^{}` lines, ls-refs `peeled:`,
// include-tag). Peeling a tag means reading and parsing its object: four queries and an inflate
// per tag, 3.35 s per info/refs for a repository with 20,000 tags. A tag object never changes,
// so its peeled target is kept in `tag_peel` (by tag id, for the whole object store): the refs,
// the types of their objects and the known targets then come out of one query. Targets are
// written when a push brings the tags (the ingest parsed them already) and, for any other tag,
// the first time it is advertised.
import { TYPE_NUMBERS } from './object-store';
import { ZERO_OID, type RefUpdate } from './refs';

export const TAG_PEEL_DDL = `CREATE TABLE IF NOT EXISTS tag_peel (oid TEXT PRIMARY KEY, peeled TEXT NOT NULL) WITHOUT ROWID`;

const TAG = TYPE_NUMBERS.tag;

export interface PeeledRef {
  name: string;
  oid: string;
  /** For a ref to an annotated tag: the object the tag (chain) finally points at. */
  peeled: string | null;
}

/** Every direct ref of `repo`, sorted by name, with its peeled target; `peel` peels a tag met for the first time. */
export function refsWithPeeled(sql: SqlStorage, repo: string, peel: (oid: string) => string | null, typeOf?: (oid: string) => number | null): PeeledRef[] {
  const rows = sql
    .exec<{ name: string; oid: string; type: number | null; peeled: string | null }>(
      `SELECT r.name AS name, r.oid AS oid, o.type AS type, p.peeled AS peeled
         FROM repo_refs r LEFT JOIN objects o ON o.oid = r.oid LEFT JOIN tag_peel p ON p.oid = r.oid
        WHERE r.repo = ? AND r.oid IS NOT NULL ORDER BY r.name`,
      repo,
    )
    .toArray();
  return rows.map((r) => {
    // An object of a fork's snapshot has no local row: typeOf asks the snapshot.
    if ((r.type ?? typeOf?.(r.oid) ?? null) !== TAG) return { name: r.name, oid: r.oid, peeled: null };
    let peeled = r.peeled;
    if (peeled === null) {
      peeled = peel(r.oid);
      if (peeled !== null) sql.exec(`INSERT OR IGNORE INTO tag_peel (oid, peeled) VALUES (?, ?)`, r.oid, peeled);
    }
    return { name: r.name, oid: r.oid, peeled };
  });
}

/**
 * Records the targets of the tags that refs moved to by a push, from what the ingest read
 * (`tagTarget`: a tag of the pack -> the object it names); a chain leaving the pack is finished
 * with `peel`. Call inside the push's transaction, after the pack's objects are indexed.
 */
export function rememberPushedTags(
  sql: SqlStorage,
  moved: readonly RefUpdate[],
  tagTarget: (oid: string) => string | undefined,
  peel: (oid: string) => string | null,
): void {
  for (const u of moved) {
    if (u.newOid === ZERO_OID) continue;
    let cur = u.newOid;
    let next = tagTarget(cur);
    if (next === undefined) continue; // not a tag of this pack: peeled when first advertised
    for (let i = 0; i < 50 && next !== undefined; i++) {
      cur = next;
      next = tagTarget(cur);
    }
    const peeled = next === undefined ? (peel(cur) ?? cur) : null;
    if (peeled !== null) sql.exec(`INSERT OR IGNORE INTO tag_peel (oid, peeled) VALUES (?, ?)`, u.newOid, peeled);
  }
}
