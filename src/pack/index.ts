// Public API of the pack layer: pure functions over bytes for git objects,
// deltas and packfiles. No storage, no HTTP.
export { PackError, NeedMoreInput } from './errors';
export {
  type ObjectType,
  type BaseTypeNum,
  type PackTypeNum,
  OBJ_COMMIT,
  OBJ_TREE,
  OBJ_BLOB,
  OBJ_TAG,
  OBJ_OFS_DELTA,
  OBJ_REF_DELTA,
  typeName,
  typeNum,
  isObjectType,
  encodeLooseHeader,
  hashObject,
} from './object';
export { bytesToHex, hexToBytes, isOid } from './hex';
export { concatBytes } from './bytes';
export { parseTree, walkTree, decodeName, type TreeEntry, type TreeVisitor } from './tree';
export { parseCommit, parseTag, parseIdent, type Commit, type Tag, type Ident } from './commit';
export { validateObject, type EntryStarts, type ValidateOptions, type TreeEntrySink } from './validate';
export { deltaCopies } from './delta-copies';
export { inflateAt, deflate } from './inflate';
export { applyDelta, checkDeltaHeader, deltaResultSize, deltaBaseSize, createDelta, DeltaIndex } from './delta';
export { crc32, crc32Js } from './crc32';
export {
  PackParser,
  parsePackStream,
  type PackEntry,
  type PackParserOptions,
  type PackEndResult,
} from './parser';
export { PackWriter, encodeEntryHeader, encodeOfsDistance, type DeltaBase } from './writer';
export { buildIdxV2, IdxColumns, readIdxV2, type IdxEntry, type IdxV2 } from './idx';
export { resolvePackInMemory, type ResolvedObject, type ResolvedPack, type ResolveOptions } from './resolve';
