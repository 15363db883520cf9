// What RepoObject's RPC methods answer: shapes shared by its modules and the callers (src/service).
import type { Scope } from '../auth/tokens';
import type { Failure, ServiceResult } from '../commit/errors';

export type { Failure };
/** The one result type of RepoObject's RPC methods (the commit service's ServiceResult). */
export type RpcResult<T> = ServiceResult<T>;

export const DEFAULT_BRANCH = 'main';

export interface RepoInfo {
  namespace: string;
  name: string;
  defaultBranch: string;
  createdAt: string;
  /** Last ref change (or creation). */
  updatedAt: string;
  /** Bytes of stored git data (pack files). */
  sizeBytes: number;
  /** Pack files holding them (housekeeping merges them: GET .../maintenance). */
  packs: number;
  objects: number;
  refs: number;
  readOnly: boolean;
  forkedFrom: string | null;
  /** The Durable Object (hex id) serving this repository: every fork has its own. */
  durableObjectId: string;
}

/** A token as the control plane lists it: never the secret or its hash. */
export interface TokenListing {
  id: string;
  /** The note given when it was issued (null: none). */
  name: string | null;
  scope: Scope;
  createdAt: string;
  expiresAt: string;
  expired: boolean;
  /** Last successful use, to the minute (null: never used). */
  lastUsedAt: string | null;
}

export interface ForkOptions {
  readOnly: boolean;
  defaultBranchOnly: boolean;
}

export const notFound = (key?: string): Failure => ({ ok: false, status: 404, code: 'not_found', message: key ? `repository ${key} not found` : 'repository not found' });
export const conflict = (key: string): Failure => ({ ok: false, status: 409, code: 'conflict', message: `repository ${key} already exists` });

/** The namespace and name a repository key `ns/name` is made of (neither contains '/'). */
export function nameOf(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
