// Public surface of the dofs module: a filesystem on Durable Object SQLite.
// See README.md for the API, schema, limits and atomicity guarantees.

export { DOFS } from './dofs';
export type { DofsOptions, DofsStorage, MkdirOptions, RmdirOptions } from './dofs';
export type { DofsPromises } from './promises';
export type { DofsMount } from './mounts';
export type { DofsWriteStream } from './write-stream';
export { DofsStats } from './stats';
export type { DofsFileType } from './stats';
export { DofsError, MountRefusal } from './errors';
export type { DofsErrorCode } from './errors';
export type { EncodingOption, FileData, WriteFileOptions } from './encoding';
export { normalizePath } from './paths';
