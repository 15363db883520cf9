// Errors of the commit/read service. Each carries the HTTP status it maps to, a stable code and
// optional details (e.g. the current head on a stale expectedHead, the index of a failing change)
// that both the REST handlers and the RPC methods pass on to the caller.
export class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

/** What RPC methods return: structurally an RpcResult (repo-object.ts), plus error details. */
export type ServiceResult<T> =
  | { ok: true; value: T }
  | { ok: false; status: number; code: string; message: string; details?: Record<string, unknown> };

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
