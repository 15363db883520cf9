// What a finished ingest hands its caller (RepoStore.commitPack, the import, git-view): the
// pack's rows for the object index, its roots, and reads of its objects. Apart from ingest.ts
// because it is a view over the ingest's entry columns once nothing more can change, built
// only after the pack passed every check.
import type { ObjectType } from '../pack';
import type { PackEntries } from './entries';
import { type ObjectRow, type ObjectStore, TYPE_NAMES, TYPE_NUMBERS } from './object-store';
import type { PackObjects } from './reach-guide';
import { packTuples } from './row-sql';
import { packRecords } from './row-records';

export interface IngestedPack {
  packId: number;
  objectCount: number;
  checksum: string;
  size: number;
  rows: () => Iterable<ObjectRow>;
  /** The same rows as checked SQL tuples, made from the entry columns (row-sql.ts). */
  tuples: () => Iterable<string>;
  /** The same rows as fixed-width record blobs (row-records.ts): what the push indexes. Each full blob reuses one buffer: use it before taking the next. */
  records: () => Iterable<ArrayBuffer>;
  /**
   * The rows' ids and offsets without a string per object: `order` the entry numbers of the
   * first copies in id order, each entry's raw id at oids[i*20..] and its offset at offsets[i]
   * (entry numbers are pack order). What an .idx is built from.
   */
  ids: () => { order: Int32Array; oids: Uint8Array; offsets: Float64Array };
  /** Objects of the pack that no object in the pack references. */
  roots: string[];
  /** fsck findings git reports without refusing (e.g. a symlinked .gitignore): for the pusher. */
  warnings: string[];
  /** True if the oid is in this pack or stored and usable (see PackIngest.usable). */
  has(oid: string): boolean;
  /** For a tag of this pack: the object it names. */
  tagTarget(oid: string): string | undefined;
  typeOf(oid: string): number | null;
  /** An object of this pack (read back from the pack file), or null if the pack lacks it. */
  read(oid: string): { type: ObjectType; data: Uint8Array } | null;
}

/** The resolved objects of the pack, by id; `reread` rebuilds an entry's content. */
export function objectsView(E: PackEntries, reread: (i: number) => Uint8Array): PackObjects {
  const at = (oid: string) => E.find(oid);
  return {
    commits: function* () {
      for (let i = 0; i < E.count; i++) if (E.type[i] === 1) yield E.oidHex(i);
    },
    holds: (oid) => at(oid) >= 0,
    read: (oid) => {
      const i = at(oid);
      return i >= 0 ? { type: TYPE_NAMES[E.type[i]], data: reread(i) } : null;
    },
  };
}

export interface IngestedParts {
  entries: PackEntries;
  packId: number;
  checksum: string;
  size: number;
  roots: string[];
  warnings: string[];
  store: ObjectStore;
  tagTargets: Map<string, string>;
  usable: (oid: string) => boolean;
  view: PackObjects;
}

export function ingestedPack(p: IngestedParts): IngestedPack {
  const { entries: E, packId, store, tagTargets, usable } = p;
  // The first copies in id order, sorted once for the rows and the .idx (nothing changes now).
  let owners: Int32Array | null = null;
  const inOrder = () => (owners ??= E.ownersInOidOrder());
  // Rows are produced on demand (one object per stored object would double the metadata in
  // memory), in oid order (the order of the table's B-tree: inserts are much cheaper so); the
  // first copy of a duplicated object wins.
  const rows = function* (): Generator<ObjectRow> {
    for (const i of E.ownersInOidOrder()) {
      const rawType = E.rawType[i];
      const baseOid = rawType === 6 ? E.oidHex(E.base[i]) : rawType === 7 ? E.refBase.get(i)! : null;
      yield {
        oid: E.oidHex(i), pack_id: packId, offset: E.offset[i], data_offset: E.dataOffset(i), end_offset: E.end[i],
        type: E.type[i], size: E.size[i], raw_type: rawType, raw_size: E.rawSize[i], base_oid: baseOid, depth: E.depth[i],
      };
    }
  };
  return {
    packId,
    objectCount: E.count,
    checksum: p.checksum,
    size: p.size,
    rows,
    tuples: () => packTuples(E, packId),
    records: () => packRecords(E, inOrder(), true), // bound one by one (insertRecords)
    ids: () => ({ order: inOrder(), oids: E.oids, offsets: E.offset }),
    roots: p.roots,
    warnings: p.warnings,
    has: (oid) => E.find(oid) >= 0 || usable(oid),
    tagTarget: (oid) => tagTargets.get(oid),
    read: p.view.read,
    typeOf: (oid) => {
      const own = E.find(oid);
      if (own >= 0) return E.type[own];
      const t = store.typeOf(oid);
      return t ? TYPE_NUMBERS[t] : null;
    },
  };
}
