// Errors of an import, each with the HTTP status and stable code the REST API answers with
// (documented in src/api/openapi.ts). The remote is "upstream": its failures are 502/504, ours
// are 4xx. Messages never include the request headers the caller gave (they may hold secrets).
import { HttpError } from '../http/errors';

export type ImportErrorCode =
  | 'bad_request' // the URL, branch, depth or headers are unusable (400)
  | 'upstream_unreachable' // DNS, refused connection, TLS failure (502)
  | 'upstream_auth_failed' // the remote answered 401/403 (502)
  | 'upstream_not_found' // the remote answered 404/410 (502)
  | 'upstream_not_git' // an answer that is not smart-HTTP git (HTML, wrong content-type, garbage pkt-lines) (502)
  | 'upstream_error' // the remote reported an error (ERR, side-band 3, 5xx) (502)
  | 'upstream_timeout' // no byte for IDLE_TIMEOUT_MS (504)
  | 'branch_not_found' // `branch` is not a branch of the remote (422)
  | 'invalid_pack' // the pack failed validation (422)
  | 'pack_too_large'; // over the push size limit (413)

const STATUS: Record<ImportErrorCode, number> = {
  bad_request: 400,
  upstream_unreachable: 502,
  upstream_auth_failed: 502,
  upstream_not_found: 502,
  upstream_not_git: 502,
  upstream_error: 502,
  upstream_timeout: 504,
  branch_not_found: 422,
  invalid_pack: 422,
  pack_too_large: 413,
};

/** An HttpError, so the REST handlers and the RPC binding report it as they report any other. */
export class ImportError extends HttpError {
  constructor(code: ImportErrorCode, message: string) {
    super(STATUS[code], code, message);
    this.name = 'ImportError';
  }
}

/** A malformed answer from the remote (bad framing, unexpected packets). */
export const notGit = (msg: string) => new ImportError('upstream_not_git', `the remote did not answer as a git server: ${msg}`);
