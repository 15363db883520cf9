// Builds the pack sent to a fetching client, reusing stored entries wherever git would:
// a stored whole object is copied compressed as it is; a stored delta is copied as a delta when
// its base is in this pack (OFS_DELTA if the client accepts it and the base is already written,
// else REF_DELTA) or when the client has the base and accepts thin packs. Only deltas whose base
// the client will not have are re-inflated and sent whole.
import { wholeRows, type WholeRows } from './snapshot-whole';
import { concatBytes, PackWriter } from '../pack';
import { accel } from '../codec';
import type { ObjectRow, ObjectStore } from './object-store';
import type { PackOut, PackTotals, PendingBytes } from './fetch-interface';
import { needBytesIn } from './snapshot';

export interface PackOutOptions {
  ofsDelta: boolean;
  thinPack: boolean;
  clientHas: Set<string>;
  /** Candidate delta bases the client has (same path), for objects stored whole. */
  deltaBases?: Map<string, string>;
  /** Filled in as entries are written: what git's "Total ..." line reports. */
  totals?: PackTotals;
}

/** git's pack-objects leaves objects under 50 bytes out of its delta search. */
const MIN_DELTA_CANDIDATE_BYTES = 50;

const MAX_FRESH_DELTA_BYTES = 4 * 1024 * 1024;

/** Pieces of a pack file sent as it is: above PackFiles' 1 MiB cache bypass, so one pass over the file does not flush the windows. */
const VERBATIM_PIECE = 2 * 1024 * 1024;

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
  yield* bytesOnly(OutgoingPack.of(store, oids, opt).chunks());
}

/** The pieces of a pack that must not wait for bytes (no snapshot, or tests). */
function* bytesOnly(chunks: Iterable<Uint8Array | PendingBytes>): Generator<Uint8Array> {
  for (const c of chunks) {
    if (!(c instanceof Uint8Array)) throw new Error('pack needs snapshot bytes not in memory');
    yield c;
  }
}

/**
 * A pack about to be sent, its rows loaded: what git's progress reports before the first byte
 * (how many objects, how many are delta-search candidates) is known before writing starts.
 */
export class OutgoingPack implements PackOut {
  readonly totals: PackTotals = { total: 0, deltas: 0, reused: 0, reusedDeltas: 0 };
  private readonly opt: PackOutOptions;

  private constructor(
    private readonly store: ObjectStore,
    private readonly rows: ObjectRow[] | null, // null: every stored object, streamed
    private readonly sending: Set<string> | null,
    readonly count: number,
    opt: PackOutOptions,
  ) {
    this.opt = { ...opt, totals: this.totals };
  }

  /** The objects `oids`, in pack order; throws if the repository lacks one. */
  static of(store: ObjectStore, oids: string[], opt: PackOutOptions): OutgoingPack {
    const rows = store.rows(oids);
    if (rows.length !== new Set(oids).size) {
      const found = new Set(rows.map((r) => r.oid));
      const missing = oids.find((o) => !found.has(o));
      throw new Error(`object ${missing} is missing from the repository`);
    }
    // Pack order: reading stored packs sequentially keeps the window cache hot.
    rows.sort((a, b) => a.pack_id - b.pack_id || a.offset - b.offset);
    return new OutgoingPack(store, rows, new Set(oids), rows.length, opt);
  }

  /** Every stored object, each once (see generateWholePack, snapshot-whole.ts). */
  static whole(store: ObjectStore, opt: PackOutOptions, all: WholeRows = wholeRows(store)): OutgoingPack {
    const out = new OutgoingPack(store, null, null, all.count, opt);
    out.all = all;
    return out;
  }

  private all: WholeRows | null = null;

  /**
   * git's "Compressing objects" total: the objects that are not sent as a stored delta and have
   * at least 50 bytes, i.e. what pack-objects would put through its delta search. (Arbor searches
   * fresh deltas only for thin fetches; the rest are sent as stored, already compressed.)
   */
  deltaCandidates(): number {
    if (this.rows === null) return this.all!.candidates(MIN_DELTA_CANDIDATE_BYTES);
    let n = 0;
    for (const r of this.rows) if (!reusesDelta(r, this.sending, this.opt) && r.size >= MIN_DELTA_CANDIDATE_BYTES) n++;
    return n;
  }

  chunks(): Generator<Uint8Array | PendingBytes> {
    if (this.rows === null) {
      // (a fork's whole clone, snapshot-whole.ts, has a snapshot: verbatimPack() is null there)
      const file = this.opt.ofsDelta ? this.store.verbatimPack() : null;
      if (file && this.store.count() === this.count) return this.verbatim(file.id, file.size);
    }
    return writeRows(this.store, this.rows ?? this.all!.rows(), this.count, this.sending, this.opt);
  }

  /**
   * Every stored object when they are exactly one stored pack: its file as it is, header and
   * trailer included (git's pack reuse). A clone's profile spent most of its time reading every
   * row (two 40-char ids each) and re-framing entries this file already holds in this order;
   * its OFS_DELTA offsets and REF_DELTA bases all point inside it. Held as a reader, as
   * writeRows is, so housekeeping leaves the file alone while it streams.
   */
  private *verbatim(id: number, size: number): Generator<Uint8Array> {
    const store = this.store;
    const reader = {};
    store.readers.set(reader, Date.now());
    try {
      for (let at = 0; at < size; at += VERBATIM_PIECE) {
        yield store.packs.read(id, at, Math.min(size, at + VERBATIM_PIECE));
        store.readers.set(reader, Date.now());
      }
      const whole = store.countWhole(0);
      this.totals.total = this.count;
      this.totals.reused = this.count;
      this.totals.deltas = this.totals.reusedDeltas = this.count - whole;
    } finally {
      store.readers.delete(reader);
    }
  }
}

/** Whether a stored delta goes out as that delta: its base is in the pack or the client has it. */
function reusesDelta(r: ObjectRow, sending: Set<string> | null, opt: PackOutOptions): boolean {
  if (r.base_oid === null) return false;
  return sending === null || sending.has(r.base_oid) || (opt.thinPack && opt.clientHas.has(r.base_oid));
}

/**
 * Every stored object, in storage order: a full clone of a repository whose objects are all
 * reachable needs no object walk at all (git's pack reuse).
 */
export function* generateWholePack(store: ObjectStore, opt: PackOutOptions): Generator<Uint8Array> {
  yield* bytesOnly(OutgoingPack.whole(store, opt).chunks());
}

/** While a pack streams, housekeeping leaves index rows and pack files alone (ObjectStore.readers). */
function* writeRows(store: ObjectStore, rows: Iterable<ObjectRow>, count: number, sending: Set<string> | null, opt: PackOutOptions): Generator<Uint8Array | PendingBytes> {
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
): Generator<Uint8Array | PendingBytes> {
  const written = new Map<string, number>(); // oid -> offset in this pack
  const t = opt.totals ?? { total: 0, deltas: 0, reused: 0, reusedDeltas: 0 };
  const w = new PackWriter(count);
  let n = 0;
  let buf: Uint8Array[] = [w.header()];
  let bufBytes = buf[0].length;
  for (const r of rows) {
    const startOffset = w.offset;
    let piece: Uint8Array = EMPTY;
    // Every read of an entry happens before the writer or the totals move: an entry whose bytes
    // are not in memory yet (a fork's snapshot) is simply tried again once they are.
    for (let tries = 0; piece === EMPTY; tries++) {
      try {
        const candidate = opt.thinPack ? opt.deltaBases?.get(r.oid) : undefined;
        const fresh = candidate && opt.clientHas.has(candidate) && r.base_oid === null
          ? freshDelta(store, r, candidate, r.end_offset - r.data_offset)
          : null;
        if (fresh) {
          piece = w.rawEntry(7, fresh.size, fresh.z, { oid: candidate! });
          t.deltas++;
        } else if (r.base_oid === null) {
          piece = w.rawEntry(r.type as 1 | 2 | 3 | 4, r.size, store.compressedEntry(r));
          t.reused++;
        } else if (opt.ofsDelta && written.has(r.base_oid)) {
          piece = w.rawEntry(6, r.raw_size, store.compressedEntry(r), { ofs: startOffset - written.get(r.base_oid)! });
          t.deltas++;
          t.reused++;
          t.reusedDeltas++;
        } else if (reusesDelta(r, sending, opt)) {
          piece = w.rawEntry(7, r.raw_size, store.compressedEntry(r), { oid: r.base_oid });
          t.deltas++;
          t.reused++;
          t.reusedDeltas++;
        } else {
          piece = w.object(r.type as 1 | 2 | 3 | 4, store.content(r));
        }
      } catch (e) {
        const need = needBytesIn(e);
        if (!need || !store.snapshot || tries > 50) throw e;
        yield { pending: store.snapshot.fill(need) };
      }
    }
    t.total++;
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


const EMPTY = new Uint8Array(0);

export type { ObjectRow };
