// Resolves a whole pack in memory: every entry becomes a full object with its
// oid. Only for small packs (tests, tiny pushes): it keeps all object data.
// Large packs are resolved by the storage layer, which can spill to storage.
import { applyDelta } from '../codec/delta';
import { PackError } from '../codec/errors';
import { hashObject, typeName, type BaseTypeNum, type ObjectType, type PackTypeNum } from './object';
import { PackParser, type PackEntry } from './parser';

export interface ResolvedObject {
  oid: string;
  type: ObjectType;
  data: Uint8Array;
  /** Entry position and raw fields as in the pack (entryType 6/7 for deltas). */
  offset: number;
  end: number;
  entryType: PackTypeNum;
  /** The size in the entry header (for deltas: the delta size), as `git verify-pack -v` shows. */
  entrySize: number;
  crc32: number;
  /** Delta chain length (0 for whole objects). */
  depth: number;
  /** For deltas: oid of the base object. */
  baseOid?: string;
}

export interface ResolvedPack {
  checksum: string;
  /** In pack order. */
  objects: ResolvedObject[];
}

export interface ResolveOptions {
  /** Supplies bases a thin pack refers to but does not contain. */
  externalBase?: (oid: string) => { type: ObjectType; data: Uint8Array } | undefined;
}

export function resolvePackInMemory(pack: Uint8Array, opts: ResolveOptions = {}): ResolvedPack {
  const parser = new PackParser();
  const entries: PackEntry[] = parser.push(pack);
  const { checksum, entries: rest } = parser.end();
  for (const e of rest) entries.push(e);

  const objects: (ResolvedObject | undefined)[] = new Array(entries.length);
  const indexByOffset = new Map<number, number>();
  entries.forEach((e, i) => indexByOffset.set(e.offset, i));
  // Deltas waiting for their base, keyed by base offset or base oid.
  const waitingOfs = new Map<number, number[]>();
  const waitingOid = new Map<string, number[]>();
  const byOid = new Map<string, ResolvedObject>();
  const ready: number[] = [];

  const make = (i: number, type: ObjectType, data: Uint8Array, depth: number, baseOid?: string) => {
    const e = entries[i];
    const obj: ResolvedObject = {
      oid: hashObject(type, data),
      type,
      data,
      offset: e.offset,
      end: e.end,
      entryType: e.type,
      entrySize: e.size,
      crc32: e.crc32,
      depth,
    };
    if (baseOid !== undefined) obj.baseOid = baseOid;
    objects[i] = obj;
    ready.push(i);
    if (!byOid.has(obj.oid)) byOid.set(obj.oid, obj);
  };

  entries.forEach((e, i) => {
    if (e.type === 6) {
      const list = waitingOfs.get(e.baseOffset!) ?? [];
      list.push(i);
      waitingOfs.set(e.baseOffset!, list);
    } else if (e.type === 7) {
      const list = waitingOid.get(e.baseOid!) ?? [];
      list.push(i);
      waitingOid.set(e.baseOid!, list);
    } else {
      make(i, typeName(e.type as BaseTypeNum), e.data, 0);
    }
  });

  const drain = () => {
    while (ready.length > 0) {
      const base = objects[ready.pop()!]!;
      const children = [...(waitingOfs.get(base.offset) ?? []), ...(waitingOid.get(base.oid) ?? [])];
      waitingOfs.delete(base.offset);
      waitingOid.delete(base.oid);
      for (const c of children) {
        if (objects[c]) continue;
        make(c, base.type, applyDelta(base.data, entries[c].data), base.depth + 1, base.oid);
      }
    }
  };
  drain();

  // Thin pack: bases from outside the pack.
  if (waitingOid.size > 0 && opts.externalBase) {
    for (const oid of [...waitingOid.keys()]) {
      const ext = opts.externalBase(oid);
      if (!ext) continue;
      for (const c of waitingOid.get(oid)!) {
        make(c, ext.type, applyDelta(ext.data, entries[c].data), 1, oid);
      }
      waitingOid.delete(oid);
      drain();
    }
  }

  const missing = objects.findIndex((o) => o === undefined);
  if (missing >= 0) {
    const e = entries[missing];
    throw new PackError(
      `cannot resolve delta at offset ${e.offset}: base ${e.baseOid ?? `at offset ${e.baseOffset}`} is missing` +
        ' (or the deltas form a cycle)',
    );
  }
  return { checksum, objects: objects as ResolvedObject[] };
}
