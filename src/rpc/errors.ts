// Typed errors across Workers RPC. RPC keeps an error's message (and the class only for
// built-in Error types), so the type travels in both `name` and a message prefix:
// "NotFound: repository not found". Callers use isArborError(e, 'NotFound') / arborErrorName(e).
import { HttpError } from '../http/errors';
import { logError } from '../http/log';
import { errorName, type ArborErrorName } from '../service/errors';

export type { ArborErrorName };

export class ArborError extends Error {
  constructor(
    readonly kind: ArborErrorName,
    message: string,
  ) {
    super(`${kind}: ${message}`);
    this.name = kind;
  }
}

export function rpcError(e: unknown): Error {
  if (e instanceof HttpError) return new ArborError(errorName(e.status), e.message);
  if (e instanceof ArborError) return e;
  logError('unhandled error in RPC', e);
  return new ArborError('Internal', 'internal error');
}

const NAMES: ArborErrorName[] = ['BadRequest', 'Unauthorized', 'Forbidden', 'NotFound', 'Conflict', 'Unprocessable', 'Internal', 'TooLarge', 'Upstream'];

/** The ArborErrorName of an error thrown by the binding, or null if it is not one of ours. */
export function arborErrorName(e: unknown): ArborErrorName | null {
  if (!(e instanceof Error)) return null;
  if ((NAMES as string[]).includes(e.name)) return e.name as ArborErrorName;
  const m = /^(\w+): /.exec(e.message);
  return m && (NAMES as string[]).includes(m[1]) ? (m[1] as ArborErrorName) : null;
}

export function isArborError(e: unknown, name?: ArborErrorName): boolean {
  const n = arborErrorName(e);
  return n !== null && (name === undefined || n === name);
}

/**
 * The caller's side: an error from the binding as an ArborError (`name` = its type, one
 * "Type: " prefix), whatever the transport kept. Between two separately running Workers the
 * runtime may deliver a plain Error whose message is "NotFound: NotFound: ..." (it prefixes the
 * custom name once more); inside one Worker the name survives. Other errors come back unchanged.
 */
export function asArborError(e: unknown): unknown {
  const kind = arborErrorName(e);
  if (kind === null || e instanceof ArborError) return e;
  let message = (e as Error).message;
  while (message.startsWith(`${kind}: `)) message = message.slice(kind.length + 2);
  return new ArborError(kind, message);
}
