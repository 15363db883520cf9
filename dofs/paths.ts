// Path normalisation. Every path DOFS stores is absolute and canonical
// ('/a/b': no '.', '..', empty or trailing segments), so a node has exactly one
// key and the parent of a key is a string operation, not a lookup.

import { argError, DofsError } from './errors';

/** Linux PATH_MAX; also keeps every path comfortably inside SQLite value and statement limits. */
export const MAX_PATH_BYTES = 4096;

const encoder = new TextEncoder();

/**
 * Canonicalise `input` (absolute or relative to '/'). Throws like Node for a
 * non-string (TypeError), an embedded NUL, an empty string (ENOENT) or an
 * over-long path (ENAMETOOLONG). `syscall` only labels the error.
 */
export function normalizePath(input: unknown, syscall: string): string {
  if (typeof input !== 'string') {
    throw argError('ERR_INVALID_ARG_TYPE', `The "path" argument must be of type string. Received ${describe(input)}`);
  }
  if (input.includes('\0')) {
    throw argError('ERR_INVALID_ARG_VALUE', `The argument 'path' must be a string without null bytes. Received ${JSON.stringify(input)}`);
  }
  if (input === '') throw new DofsError('ENOENT', syscall, input);
  const out: string[] = [];
  for (const seg of input.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop(); // '..' above the root stays at the root, as in POSIX
    else out.push(seg);
  }
  const path = '/' + out.join('/');
  if (path.length > MAX_PATH_BYTES / 3 && encoder.encode(path).length > MAX_PATH_BYTES) {
    throw new DofsError('ENAMETOOLONG', syscall, input);
  }
  return path;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  return `type ${typeof v}`;
}

/** Parent of a canonical path; the root is its own parent. */
export function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** Last segment of a canonical path ('' for the root). */
export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function joinPath(dir: string, name: string): string {
  return dir === '/' ? '/' + name : dir + '/' + name;
}

/** True when `path` is `prefix` or lies below it. */
export function isAtOrUnder(path: string, prefix: string): boolean {
  if (prefix === '/') return true;
  return path === prefix || (path.startsWith(prefix) && path.charCodeAt(prefix.length) === 47 /* '/' */);
}

/**
 * Proper ancestors of `path`, excluding the root, shallowest first:
 * '/a/b/c' -> ['/a', '/a/b'].
 */
export function ancestors(path: string): string[] {
  const out: string[] = [];
  for (let i = path.indexOf('/', 1); i !== -1; i = path.indexOf('/', i + 1)) out.push(path.slice(0, i));
  return out;
}

/**
 * Key range [lo, hi) holding every strict descendant of `dir`: all keys that
 * start with dir + '/'. '0' is the character after '/', so no LIKE (whose
 * wildcards and case folding would misfire on real file names) is needed and
 * the primary-key index serves the range.
 */
export function descendantRange(dir: string): [string, string] {
  return dir === '/' ? ['/', '0'] : [dir + '/', dir + '0'];
}

/** Where a symlink stored at `linkPath` with `target` points, canonicalised. */
export function resolveLinkTarget(linkPath: string, target: string): string {
  return normalizePath(target.startsWith('/') ? target : joinPath(dirname(linkPath), target), 'readlink');
}
