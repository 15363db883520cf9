// Typed errors across Workers RPC. RPC keeps an error's message (and the class only for
// built-in Error types), so the type travels in both `name` and a message prefix:
// "NotFound: repository not found". The error class and the caller's side (isArborError,
// arborErrorName, asArborError) live in the client package (client/src/errors.ts), so that the
// server and its callers share one definition; this file maps service errors onto them.
import { HttpError } from '../http/errors';
import { logError } from '../http/log';
import { errorName } from '../service/errors';
import { ArborError } from '../../client/src/errors';

export { ArborError, arborErrorName, asArborError, isArborError, type ArborErrorName } from '../../client/src/errors';

export function rpcError(e: unknown): Error {
  if (e instanceof HttpError) return new ArborError(errorName(e.status), e.message);
  if (e instanceof ArborError) return e;
  logError('unhandled error in RPC', e);
  return new ArborError('Internal', 'internal error');
}
