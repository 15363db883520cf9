// Typed errors of the Arbor RPC binding, for the calling Worker. RPC keeps an error's message
// (and the class only for built-in Error types), so the type travels in both `name` and a message
// prefix: "NotFound: repository not found". Between two separately running Workers the runtime
// may hand over a plain Error (name "Error") whose message is "NotFound: NotFound: ...": the
// message prefix is what these functions read. No imports: the server (src/rpc/errors.ts) uses
// these same functions.

/** The error types the binding throws (the HTTP status each stands for, in comments). */
export const ARBOR_ERROR_NAMES = [
  'BadRequest', // 400
  'Unauthorized', // 401
  'Forbidden', // 403
  'NotFound', // 404
  'Conflict', // 409
  'Unprocessable', // 422
  'Internal', // 500
  'TooLarge', // 413
  'Upstream', // 502/504: an import's remote failed
] as const;

export type ArborErrorName = (typeof ARBOR_ERROR_NAMES)[number];

/** An error of the binding: `name` is its type, the message has one "Type: " prefix. */
export class ArborError extends Error {
  constructor(
    readonly kind: ArborErrorName,
    message: string,
  ) {
    super(`${kind}: ${message}`);
    this.name = kind;
  }
}

const isName = (s: string): s is ArborErrorName => (ARBOR_ERROR_NAMES as readonly string[]).includes(s);

/** The ArborErrorName of an error thrown by the binding, or null if it is not one of ours. */
export function arborErrorName(e: unknown): ArborErrorName | null {
  if (!(e instanceof Error)) return null;
  if (isName(e.name)) return e.name;
  const m = /^(\w+): /.exec(e.message);
  return m && isName(m[1]) ? m[1] : null;
}

/** True for an error of the binding (of type `name`, when given). */
export function isArborError(e: unknown, name?: ArborErrorName): e is Error {
  const n = arborErrorName(e);
  return n !== null && (name === undefined || n === name);
}

/**
 * An error from the binding as an ArborError (`name` = its type, one "Type: " prefix), whatever
 * the transport kept. Other errors come back unchanged.
 */
export function asArborError(e: unknown): unknown {
  const kind = arborErrorName(e);
  if (kind === null || e instanceof ArborError) return e;
  let message = (e as Error).message;
  while (message.startsWith(`${kind}: `)) message = message.slice(kind.length + 2);
  return new ArborError(kind, message);
}
