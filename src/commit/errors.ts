// Errors of the commit/read service: HttpErrors (the HTTP status it maps to, a stable code) with
// optional details (e.g. the current head on a stale expectedHead, the index of a failing change)
// that both the REST handlers and the RPC methods pass on to the caller.
import { HttpError } from '../http/errors';

export class ServiceError extends HttpError {
  constructor(
    status: number,
    code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(status, code, message);
    this.name = 'ServiceError';
  }
}

/** A failure as RPC methods answer it (no exception crosses a DO boundary with its class). */
export type Failure = { ok: false; status: number; code: string; message: string; details?: Record<string, unknown> };
/** What every RepoObject RPC method returns: the value, or the failure. */
export type ServiceResult<T> = { ok: true; value: T } | Failure;

export const badInput = (msg: string, details?: Record<string, unknown>) => new ServiceError(400, 'bad_request', msg, details);
export const notFound = (msg: string, details?: Record<string, unknown>) => new ServiceError(404, 'not_found', msg, details);
export const unprocessable = (msg: string, details?: Record<string, unknown>) =>
  new ServiceError(422, 'unprocessable', msg, details);

/** Runs a service call and turns ServiceErrors into a failed result (other errors propagate). */
export async function toResult<T>(fn: () => T | Promise<T>): Promise<ServiceResult<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    if (e instanceof ServiceError) {
      const r: ServiceResult<T> = { ok: false, status: e.status, code: e.code, message: e.message };
      if (Object.keys(e.details).length > 0) r.details = e.details;
      return r;
    }
    throw e;
  }
}
