// Paths in commit requests: normalised ("/a/./b/" -> "a/b") and then validated so that no
// request can write something git would refuse or that is dangerous on checkout.
import { Buffer } from 'node:buffer';
import { badInput } from './errors';

export const MAX_PATH_BYTES = 4096;
export const MAX_SEGMENT_BYTES = 255;

/** Would this name be the repository's .git directory on some filesystem (NTFS/HFS+ spellings too)? */
export function isDotGitName(name: string): boolean {
  const n = name.replace(/[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/g, '').toLowerCase();
  if (/^\.git[. ]*$/.test(n) || n.startsWith('.git:')) return true;
  return /^git~1[. ]*$/.test(n);
}

/** Problem with a path, or null. `p` is already normalised. */
export function pathProblem(p: string): string | null {
  if (p === '') return 'path is empty';
  if (p.includes('\0')) return 'path contains a NUL byte';
  if (Buffer.byteLength(p, 'utf8') > MAX_PATH_BYTES) return `path is longer than ${MAX_PATH_BYTES} bytes`;
  for (const seg of p.split('/')) {
    if (seg === '') return 'path has an empty segment';
    if (seg === '..') return "path contains '..'";
    if (seg === '.') return "path contains '.'";
    if (isDotGitName(seg)) return "path contains a '.git' component";
    if (Buffer.byteLength(seg, 'utf8') > MAX_SEGMENT_BYTES) return `a path segment is longer than ${MAX_SEGMENT_BYTES} bytes`;
  }
  if (/[\ud800-\udfff]/.test(p.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''))) return 'path is not valid Unicode';
  return null;
}

/** Normalises and validates a path from a commit request; throws a 400 naming `what`. */
export function normalizePath(input: unknown, what: string): string {
  if (typeof input !== 'string') throw badInput(`${what}: path must be a string`);
  let p = input.replace(/^\/+/, '').replace(/\/+$/, '');
  p = p
    .split('/')
    .filter((s, i, all) => s !== '.' || all.length === 1)
    .join('/');
  const problem = pathProblem(p);
  if (problem) throw badInput(`${what}: ${problem} ('${input.slice(0, 200)}')`);
  return p;
}

/** Segments of a path used for reading (lenient: leading/trailing/double slashes are ignored). */
export function readSegments(p: string): string[] {
  return p.split('/').filter((s) => s !== '' && s !== '.');
}
