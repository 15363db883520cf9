// What an import reports, and how its failures become RpcResults (status + stable code).
import { ImportError } from './errors';
import { logError } from '../http/log';

export interface ImportSummary {
  /** Refs created (branches and tags). */
  refs: number;
  /** Objects stored from the remote's pack. */
  objects: number;
  /** HEAD of the new repository (e.g. refs/heads/main). */
  head: string;
  /** Commits at the shallow boundary (0 unless `depth` was given or the remote is shallow). */
  shallow: number;
  /** The protocol the remote spoke: 2, or 0/1 (the fallback). */
  protocol: number;
}

export type ImportFailure = { ok: false; status: number; code: string; message: string };

export function importFailure(e: unknown): ImportFailure {
  if (e instanceof ImportError) return { ok: false, status: e.status, code: e.code, message: e.message };
  logError('import failed', e instanceof Error ? e.message : String(e)); // the message only: never the request headers
  return { ok: false, status: 500, code: 'internal', message: 'internal error during import' };
}
