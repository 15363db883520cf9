// Builds the pack sent to a fetching client, reusing stored entries wherever git would:
// a stored whole object is copied compressed as it is; a stored delta is copied as a delta when
// its base is in this pack (OFS_DELTA if the client accepts it and the base is already written,
// else REF_DELTA) or when the client has the base and accepts thin packs. Only deltas whose base
// the client will not have are re-inflated and sent whole.
import { concatBytes, PackWriter } from '../pack';
import { accel } from '../codec';
import type { ObjectRow, ObjectStore } from './object-store';

export interface PackOutOptions {
  ofsDelta: boolean;
  thinPack: boolean;
  clientHas: Set<string>;
  /** Candidate delta bases the client has (same path), for objects stored whole. */
  deltaBases?: Map<string, string>;
}

const MAX_FRESH_DELTA_BYTES = 4 * 1024 * 1024;

/**
 * A fresh REF_DELTA against an object the client has, if it is smaller than `wholeBytes`:
 * returns the compressed delta and its inflated size, or null.
 */
function freshDelta(store: ObjectStore, r: ObjectRow, baseOid: string, wholeBytes: number): { z: Uint8Array; size: number } | null {
  if (r.size > MAX_FRESH_DELTA_BYTES || r.type === 1 || r.type === 4) return null;
  const base = store.row(baseOid);
  if (!base || base.type !== r.type || base.size > MAX_FRESH_DELTA_BYTES) return null;
  const delta = accel.createDelta(store.content(base), store.content(r), wholeBytes);
  if (!delta) return null;
  const z = accel.deflate(delta);
  return z.length < wholeBytes ? { z, size: delta.length } : null;
}

/** Yields the pack in pieces (each at most ~1 MiB) so the caller can stream it. */
export function* generatePack(store: ObjectStore, oids: string[], opt: PackOutOptions): Generator<Uint8Array> {
  const rows = store.rows(oids);
  if (rows.length !== new Set(oids).size) {
    const found = new Set(rows.map((r) => r.oid));
    const missing = oids.find((o) => !found.has(o));
    throw new Error(`object ${missing} is missing from the repository`);
  }
  // Pack order: reading stored packs sequentially keeps the window cache hot.
  rows.sort((a, b) => a.pack_id - b.pack_id || a.offset - b.offset);
  yield* writeRows(store, rows, rows.length, new Set(oids), opt);
}

/**
 * Every stored object, in storage order: a full clone of a repository whose objects are all
 * reachable needs no object walk at all (git's pack reuse).
 */
export function* generateWholePack(store: ObjectStore, opt: PackOutOptions): Generator<Uint8Array> {
  const count = store.count();
  yield* writeRows(store, store.allRows(), count, null, opt);
}

/** While a pack streams, housekeeping leaves index rows and pack files alone (ObjectStore.readers). */
function* writeRows(store: ObjectStore, rows: Iterable<ObjectRow>, count: number, sending: Set<string> | null, opt: PackOutOptions): Generator<Uint8Array> {
  const reader = {};
  store.readers.set(reader, Date.now());
  try {
    for (const piece of writeEntries(store, rows, count, sending, opt)) {
      yield piece;
      store.readers.set(reader, Date.now());
    }
  } finally {
    store.readers.delete(reader);
  }
}

function* writeEntries(
  store: ObjectStore,
  rows: Iterable<ObjectRow>,
  count: number,
  sending: Set<string> | null, // null: every stored object is sent
  opt: PackOutOptions,
): Generator<Uint8Array> {
  const written = new Map<string, number>(); // oid -> offset in this pack
  const w = new PackWriter(count);
  let n = 0;
  let buf: Uint8Array[] = [w.header()];
  let bufBytes = buf[0].length;
  for (const r of rows) {
    const startOffset = w.offset;
    let piece: Uint8Array;
    const candidate = opt.thinPack ? opt.deltaBases?.get(r.oid) : undefined;
    const fresh = candidate && opt.clientHas.has(candidate) && r.base_oid === null
      ? freshDelta(store, r, candidate, r.end_offset - r.data_offset)
      : null;
    if (fresh) {
      piece = w.rawEntry(7, fresh.size, fresh.z, { oid: candidate! });
    } else if (r.base_oid === null) {
      piece = w.rawEntry(r.type as 1 | 2 | 3 | 4, r.size, store.compressedEntry(r));
    } else if (opt.ofsDelta && written.has(r.base_oid)) {
      piece = w.rawEntry(6, r.raw_size, store.compressedEntry(r), { ofs: startOffset - written.get(r.base_oid)! });
    } else if (sending === null || sending.has(r.base_oid) || (opt.thinPack && opt.clientHas.has(r.base_oid))) {
      piece = w.rawEntry(7, r.raw_size, store.compressedEntry(r), { oid: r.base_oid });
    } else {
      piece = w.object(r.type as 1 | 2 | 3 | 4, store.content(r));
    }
    written.set(r.oid, startOffset);
    n++;
    buf.push(piece);
    bufBytes += piece.length;
    if (bufBytes >= 1024 * 1024) {
      yield concatBytes(buf, bufBytes);
      buf = [];
      bufBytes = 0;
    }
  }
  if (n !== count) throw new Error(`pack promised ${count} objects but found ${n}`);
  buf.push(w.finish());
  yield concatBytes(buf, bufBytes + 20);
}


export type { ObjectRow };
