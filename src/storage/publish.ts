// Publishing a DO's packs to the R2 bucket for forks (storage/snapshot.ts reads them), and the
// reference counts that keep them there. A pack file never changes once written, so it is
// uploaded once, under a key naming the publishing DO and the pack's checksum (a DO's pack ids
// restart after it is wiped; checksums do not collide): `packs/<do>/<sha1>` and its row index
// `packs/<do>/<sha1>.idx`. Only packs not yet published are uploaded (the first fork after a
// push pays for that push's pack; every other fork costs no upload).
//
// Lifetimes: the publishing DO counts, per key, the forks whose snapshot names it (`refs`,
// raised by each fork's creation, lowered by its deletion, see repo/fork-packs.ts). A key is
// deleted from R2 only when its count drops to 0. Housekeeping never touches R2: a repack that
// drops a local pack leaves the published copy for the forks that name it, and a deleted
// repository's DO keeps its counts (RepoStore.wipe) until the last fork lets go.
import type { DOFS } from '../../dofs';
import type { ObjectRow } from './object-store';
import { packPath } from './pack-files';
import { encodeIndex } from './snapshot-index';
import type { SnapshotPack } from './snapshot';

export interface PublishedPack {
  key: string;
  size: number;
  objects: number;
}

/** Packs up to this size are uploaded from one buffer; bigger ones stream from DOFS. */
const WHOLE_UPLOAD_MAX = 16 * 1024 * 1024;
const STREAM_CHUNK = 1024 * 1024;

/** The DO id a published key names (who counts its references). */
export function publisherOf(key: string): string {
  return key.split('/')[1];
}

/** This DO's local packs as they are now (read synchronously, with the refs that go with them). */
export function localPacks(sql: SqlStorage): { id: number; size: number; checksum: string; objects: number }[] {
  return sql.exec<{ id: number; size: number; checksum: string; objects: number }>(`SELECT id, size, checksum, objects FROM packs ORDER BY id`).toArray();
}

/**
 * Publishes the given local packs for one more fork: each already published is counted at once
 * (before anything is awaited, so a fork being deleted meanwhile cannot drop it), each other is
 * uploaded and then recorded with its first reference. `settled(key)` waits for a deletion of
 * that key still under way (its last fork let go just now) before it is uploaded again.
 */
export async function publishPacks(
  sql: SqlStorage,
  fs: DOFS,
  bucket: R2Bucket,
  doId: string,
  packs: ReturnType<typeof localPacks>,
  settled: (key: string) => Promise<void> = async () => {},
): Promise<PublishedPack[]> {
  const out = packs.map((p) => ({ key: `packs/${doId}/${p.checksum}`, size: p.size, objects: p.objects, id: p.id }));
  const fresh = out.filter((p) => {
    if (!isPublished(sql, p.key)) return true;
    countRefs(sql, [p.key], 1);
    return false;
  });
  for (const p of fresh) {
    await settled(p.key);
    const rows = sql.exec<ObjectRow>(`SELECT * FROM objects WHERE pack_id = ?`, p.id).toArray();
    await bucket.put(`${p.key}.idx`, encodeIndex(rows));
    await bucket.put(p.key, packBody(fs, p.id, p.size));
    sql.exec(
      `INSERT INTO published_packs (key, pack_id, size, objects, refs) VALUES (?, ?, ?, ?, 1) ON CONFLICT(key) DO UPDATE SET refs = refs + 1`,
      p.key, p.id, p.size, p.objects,
    );
  }
  return out.map(({ key, size, objects }) => ({ key, size, objects }));
}

function isPublished(sql: SqlStorage, key: string): boolean {
  return sql.exec(`SELECT 1 FROM published_packs WHERE key = ?`, key).toArray().length > 0;
}

function packBody(fs: DOFS, id: number, size: number): Uint8Array | ReadableStream<Uint8Array> {
  if (size <= WHOLE_UPLOAD_MAX) return fs.read(packPath(id), 0, size);
  const fixed = new FixedLengthStream(size);
  let at = 0;
  const src = new ReadableStream<Uint8Array>({
    pull(c) {
      if (at >= size) return c.close();
      const n = Math.min(STREAM_CHUNK, size - at);
      c.enqueue(fs.read(packPath(id), at, n));
      at += n;
    },
  });
  void src.pipeTo(fixed.writable).catch(() => {});
  return fixed.readable;
}

/** Raises (or lowers) the counts of `keys` this DO published; returns the keys no fork names any more. */
export function countRefs(sql: SqlStorage, keys: string[], delta: 1 | -1): string[] {
  const gone: string[] = [];
  for (const key of keys) {
    const r = sql.exec<{ refs: number }>(`UPDATE published_packs SET refs = max(0, refs + ?) WHERE key = ? RETURNING refs`, delta, key).toArray()[0];
    if (r && r.refs === 0 && delta < 0) {
      sql.exec(`DELETE FROM published_packs WHERE key = ?`, key);
      gone.push(key);
    }
  }
  return gone;
}

/** Removes published packs no fork names any more. */
export async function unpublish(bucket: R2Bucket, keys: string[]): Promise<void> {
  if (keys.length > 0) await bucket.delete(keys.flatMap((k) => [k, `${k}.idx`]));
}

/** The snapshot a fork DO recorded. */
export function snapshotPacks(sql: SqlStorage): SnapshotPack[] {
  return sql.exec<{ seq: number; key: string; size: number; objects: number }>(`SELECT seq, key, size, objects FROM snapshot_packs ORDER BY seq`).toArray();
}

export function recordSnapshot(sql: SqlStorage, packs: PublishedPack[]): void {
  for (const p of packs) sql.exec(`INSERT OR IGNORE INTO snapshot_packs (key, size, objects) VALUES (?, ?, ?)`, p.key, p.size, p.objects);
}
