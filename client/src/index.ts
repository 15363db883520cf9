// @arbor/client: what a Worker that calls Arbor imports. Types of the RPC binding (./rpc), typed
// errors (./errors), a typed REST client (./rest, generated from the OpenAPI document) and the
// isomorphic-git fs adapter for `repo.fs()` (./isogit-fs). No Node, no Wasm, no server code.
export * from './errors';
export * from './rpc';
export { arborRest, ArborHttpError, type ArborRest, type ArborRestOptions, type RequestOptions } from './rest';
export { isogitFs, type IsogitFsOptions, type PromiseFs, type RemoteStat, type Stats } from './isogit-fs';
export type { components, operations, paths } from './openapi';
