// Public API of the pack layer: pure functions over bytes for git objects,
// deltas and packfiles. No storage, no HTTP.
export { PackError, NeedMoreInput } from '../codec/errors';
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
export { bytesToHex, hexToBytes, isOid } from '../codec/hex';
export { concatBytes } from '../codec/bytes';
export { parseTree, walkTree, decodeName, treeEntryOffsets, noteTreeEntryOffsets, type TreeEntry, type TreeVisitor } from './tree';
export { parseCommit, parseTag, parseIdent, type Commit, type Tag, type Ident } from './commit';
export { validateObject, type EntryStarts, type ValidateOptions, type TreeEntrySink } from './validate';
export { deltaCopies } from '../codec/delta-copies';
export { inflateAt, deflate } from '../codec/inflate';
export { applyDelta, checkDeltaHeader, deltaResultSize, deltaBaseSize, createDelta, DeltaIndex } from '../codec/delta';
export { crc32, crc32Js } from '../codec/crc32';
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
export { SpecialFiles, checkGitmodules, checkGitattributes, type FsckFinding } from './fsck-gitmodules';
export { parseGitConfig } from './gitconfig';
export { dotfileKinds, isDotGitName, DOT_GITMODULES, DOT_GITATTRIBUTES, DOT_GITIGNORE, DOT_MAILMAP } from './fsck-names';
export { badSubmoduleName, badSubmoduleUrl, normalizeUrl } from './submodule-url';
