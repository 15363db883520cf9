// Git objects: type names and numbers, loose headers and ids (src/codec/object-id.ts), with the
// content parsers (tree.ts, commit.ts) and fsck-style checks (validate.ts) re-exported here so
// callers can import one module.
export * from '../codec/object-id';
export { bytesToHex, hexToBytes, isOid } from '../codec/hex';
export { parseTree, walkTree, type TreeEntry } from './tree';
export { parseCommit, parseTag, parseIdent, type Commit, type Tag, type Ident } from './commit';
export { validateObject, type ValidateOptions } from './validate';
