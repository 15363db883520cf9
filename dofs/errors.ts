// Node-style filesystem errors.
//
// isomorphic-git (and most fs consumers) branch on `err.code`, e.g. ENOENT from
// readFile means "absent" and EEXIST from mkdir means "already there", so these
// must look like the errors Node's fs module throws: same code, negative Linux
// errno, syscall, path, and a message of the form
// "ENOENT: no such file or directory, open '/x'".

const ERRNO = {
  EPERM: [-1, 'operation not permitted'],
  ENOENT: [-2, 'no such file or directory'],
  EIO: [-5, 'i/o error'],
  EBADF: [-9, 'bad file descriptor'],
  EBUSY: [-16, 'resource busy or locked'],
  EEXIST: [-17, 'file already exists'],
  EXDEV: [-18, 'cross-device link not permitted'],
  ENOTDIR: [-20, 'not a directory'],
  EISDIR: [-21, 'illegal operation on a directory'],
  EINVAL: [-22, 'invalid argument'],
  EFBIG: [-27, 'file too large'],
  EROFS: [-30, 'read-only file system'],
  ENAMETOOLONG: [-36, 'name too long'],
  ENOTEMPTY: [-39, 'directory not empty'],
  ELOOP: [-40, 'too many symbolic links encountered'],
  ENOTSUP: [-95, 'operation not supported'],
  ESTALE: [-116, 'stale file handle'],
} as const;

export type DofsErrorCode = keyof typeof ERRNO;

export class DofsError extends Error {
  readonly code: DofsErrorCode;
  readonly errno: number;
  readonly syscall: string;
  readonly path?: string;
  readonly dest?: string;

  /**
   * @param detail replaces the "syscall 'path'" tail of the message, for errors
   *   that are not about one path (e.g. a bad constructor option).
   */
  constructor(code: DofsErrorCode, syscall: string, path?: string, dest?: string, detail?: string) {
    const [errno, description] = ERRNO[code];
    let tail = detail ?? syscall;
    if (detail === undefined && path !== undefined) tail += ` '${path}'`;
    if (detail === undefined && dest !== undefined) tail += ` -> '${dest}'`;
    super(`${code}: ${description}, ${tail}`);
    this.name = 'Error'; // Node's fs errors are plain `Error`s
    this.code = code;
    this.errno = errno;
    this.syscall = syscall;
    if (path !== undefined) this.path = path;
    if (dest !== undefined) this.dest = dest;
  }
}

/**
 * Thrown by a mount provider to fail the caller's fs call with a Node-style
 * error: DOFS reports it as a DofsError with this code, the caller's syscall
 * and path, and `reason` appended to the message (e.g. "EROFS: read-only file
 * system, open '/x/y': this repository is read-only").
 */
export class MountRefusal extends Error {
  constructor(readonly code: DofsErrorCode, readonly reason: string) {
    super(`${code}: ${reason}`);
    this.name = 'MountRefusal';
  }
}

/** Node throws TypeError with code ERR_INVALID_ARG_TYPE / ERR_INVALID_ARG_VALUE for bad arguments. */
export function argError(code: 'ERR_INVALID_ARG_TYPE' | 'ERR_INVALID_ARG_VALUE', message: string): TypeError {
  const err = new TypeError(message) as TypeError & { code: string };
  err.code = code;
  return err;
}

export function hasCode(err: unknown, ...codes: string[]): boolean {
  return typeof err === 'object' && err !== null && codes.includes((err as { code?: unknown }).code as string);
}
