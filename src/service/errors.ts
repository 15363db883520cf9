// Errors of the control-plane service. They are HttpErrors (status + stable code; the commit
// service's ServiceError is one too), so REST handlers need nothing more than toErrorResponse;
// the RPC binding maps them to named errors.
import { HttpError } from '../http/errors';

import type { ArborErrorName } from '../../client/src/errors';

export type { ArborErrorName };

export function errorName(status: number): ArborErrorName {
  switch (status) {
    case 400: return 'BadRequest';
    case 401: return 'Unauthorized';
    case 403: return 'Forbidden';
    case 404: return 'NotFound';
    case 409: return 'Conflict';
    case 422: return 'Unprocessable';
    case 413: return 'TooLarge';
    case 502: case 504: return 'Upstream'; // a remote (import) failed
    default: return 'Internal';
  }
}

/** A failed RpcResult from a Durable Object becomes a thrown service error. */
export function unwrap<T>(r: { ok: true; value: T } | { ok: false; status: number; code: string; message: string }): T {
  if (!r.ok) throw new HttpError(r.status, r.code, r.message);
  return r.value;
}
