// JSON errors for HTTP (non-git) clients: {"error":{"code","message"}} with the right status.
import { logError } from './log';
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

export function errorResponse(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return jsonResponse({ error: { code, message } }, status, headers);
}

export function toErrorResponse(e: unknown): Response {
  if (e instanceof HttpError) return errorResponse(e.status, e.code, e.message, e.headers);
  // decodeURIComponent of a route parameter: the client's URL is malformed, not the server.
  if (e instanceof URIError) return errorResponse(400, 'bad_request', 'malformed percent-encoding in the URL');
  logError('unhandled error', e);
  return errorResponse(500, 'internal', 'internal error');
}

export const badRequest = (msg: string) => new HttpError(400, 'bad_request', msg);
export const notFound = (msg = 'not found') => new HttpError(404, 'not_found', msg);
export const conflict = (msg: string) => new HttpError(409, 'conflict', msg);
export const unauthorized = (msg = 'authentication required') =>
  new HttpError(401, 'unauthorized', msg, { 'www-authenticate': 'Basic realm="arbor"' });
export const forbidden = (msg: string) => new HttpError(403, 'forbidden', msg);
