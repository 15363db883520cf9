// Git object basics: type names and numbers, the loose header, object ids. Codec-level (the
// accelerator hashes objects); the object model above it re-exports this from src/pack/object.ts.
import { createHash } from 'node:crypto';
import { PackError } from './errors';

export type ObjectType = 'commit' | 'tree' | 'blob' | 'tag';

// Type numbers as stored in pack entry headers (pack-format.txt).
export const OBJ_COMMIT = 1;
export const OBJ_TREE = 2;
export const OBJ_BLOB = 3;
export const OBJ_TAG = 4;
export const OBJ_OFS_DELTA = 6;
export const OBJ_REF_DELTA = 7;

/** A type number of a whole object (not a delta). */
export type BaseTypeNum = 1 | 2 | 3 | 4;
/** Any type number that may appear in a pack entry header. */
export type PackTypeNum = 1 | 2 | 3 | 4 | 6 | 7;

const NAMES: readonly (ObjectType | undefined)[] = [undefined, 'commit', 'tree', 'blob', 'tag'];

/** 'commit' for 1 ... 'tag' for 4; throws PackError for anything else (deltas included). */
export function typeName(n: number): ObjectType {
  const t = NAMES[n];
  if (t === undefined) throw new PackError(`not a base object type number: ${n}`);
  return t;
}

/** 1 for 'commit' ... 4 for 'tag'. */
export function typeNum(t: ObjectType): BaseTypeNum {
  switch (t) {
    case 'commit': return 1;
    case 'tree': return 2;
    case 'blob': return 3;
    case 'tag': return 4;
    default: throw new PackError(`unknown object type: ${String(t)}`);
  }
}

export function isObjectType(s: string): s is ObjectType {
  return s === 'commit' || s === 'tree' || s === 'blob' || s === 'tag';
}

/** The header git hashes in front of object content: "<type> <len>\0". */
export function encodeLooseHeader(type: ObjectType, length: number): Uint8Array {
  const s = `${type} ${length}\0`;
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** The object id (hex SHA-1) of an object with this type and content. */
export function hashObject(type: ObjectType, data: Uint8Array): string {
  return createHash('sha1').update(encodeLooseHeader(type, data.length)).update(data).digest('hex');
}
