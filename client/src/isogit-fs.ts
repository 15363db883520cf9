// isomorphic-git over an Arbor repository, from another Worker:
//
//   import git from 'isomorphic-git';
//   import { isogitFs } from 'arbor-client/isogit-fs';
//   const fs = isogitFs(await env.ARBOR.repo('agents', 'session-42').fs());
//   await git.commit({ fs, gitdir: '/', ref: 'refs/heads/main', message, author, tree });
//
// `repo(ns, name).fs()` returns an RPC stub with isomorphic-git's promise fs methods over the
// repository's git directory at `/` (refs and objects are the repository's own: no clone).
// Across Workers RPC, stats arrive as plain objects and errors as plain Errors whose message
// starts with the Node code ("ENOENT: ..."); this wrapper gives stats their is*() methods and
// errors their `.code` back, which is what isomorphic-git looks at. No Node or Wasm imports:
// it runs in any Worker.

/** A stat as it crosses RPC. */
export interface RemoteStat {
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  size: number;
  ino: number;
  mtimeMs: number;
  ctimeMs: number;
  uid: number;
  gid: number;
  dev: number;
}

/** What `env.ARBOR.repo(ns, name).fs()` returns (structurally; any object with these methods). */
export interface RemoteFs {
  readFile(path: string, options?: unknown): Promise<Uint8Array | string>;
  writeFile(path: string, data: Uint8Array | string, options?: unknown): Promise<void>;
  unlink(path: string): Promise<void>;
  readdir(path: string): Promise<string[]>;
  mkdir(path: string, options?: unknown): Promise<void>;
  rmdir(path: string, options?: unknown): Promise<void>;
  stat(path: string): Promise<RemoteStat>;
  lstat(path: string): Promise<RemoteStat>;
  readlink(path: string, options?: unknown): Promise<Uint8Array | string>;
  symlink(target: string, path: string): Promise<void>;
  chmod(path: string, mode: number | string): Promise<void>;
}

export interface Stats extends RemoteStat {
  mtime: Date;
  ctime: Date;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

export interface PromiseFs {
  readFile(path: string, options?: unknown): Promise<Uint8Array | string>;
  writeFile(path: string, data: Uint8Array | string, options?: unknown): Promise<void>;
  unlink(path: string): Promise<void>;
  readdir(path: string, options?: unknown): Promise<string[]>;
  mkdir(path: string, options?: unknown): Promise<void>;
  rmdir(path: string, options?: unknown): Promise<void>;
  stat(path: string, options?: unknown): Promise<Stats>;
  lstat(path: string, options?: unknown): Promise<Stats>;
  readlink(path: string, options?: unknown): Promise<Uint8Array | string>;
  symlink(target: string, path: string, type?: unknown): Promise<void>;
  chmod(path: string, mode: number | string): Promise<void>;
}

const CODE = /^(?:Error: )?(E[A-Z]+|ERR_[A-Z_]+): /;

/** An error from the remote fs with its Node `code` restored from the message. */
export function withCode(e: unknown): unknown {
  if (!(e instanceof Error)) return e;
  const m = CODE.exec(e.message);
  if (m && (e as { code?: unknown }).code === undefined) {
    try {
      (e as Error & { code: string }).code = m[1];
    } catch {
      const copy = new Error(e.message) as Error & { code: string };
      copy.code = m[1];
      return copy;
    }
  }
  return e;
}

function stats(s: RemoteStat): Stats {
  return {
    ...s,
    mtime: new Date(s.mtimeMs),
    ctime: new Date(s.ctimeMs),
    isFile: () => s.type === 'file',
    isDirectory: () => s.type === 'dir',
    isSymbolicLink: () => s.type === 'symlink',
  };
}

/** A plain, exactly sized Uint8Array (a Buffer may be a view of a larger shared pool). */
function bytes(data: Uint8Array | string): Uint8Array | string {
  if (typeof data === 'string') return data;
  const out = new Uint8Array(data.byteLength);
  out.set(data);
  return out;
}

async function call<T>(p: () => Promise<T>): Promise<T> {
  try {
    return await p();
  } catch (e) {
    throw withCode(e);
  }
}

/** `objects/ab/<38 hex>` (a loose object path): its content never changes, so it may be cached. */
const OBJECT_PATH = /(?:^|\/)objects\/[0-9a-f]{2}\/[0-9a-f]{38}$/;

/**
 * Object files by path, least recently used first out, up to `max` bytes. Git objects are
 * immutable, so a cached one is never stale; walks that meet the same commits again
 * (findMergeBase, isDescendent, log after log) then cost no round trip.
 */
class ObjectCache {
  private readonly map = new Map<string, Uint8Array>();
  private bytes = 0;
  constructor(private readonly max: number) {}
  get(path: string): Uint8Array | undefined {
    const v = this.map.get(path);
    if (v) {
      this.map.delete(path);
      this.map.set(path, v);
    }
    return v;
  }
  set(path: string, v: Uint8Array): void {
    if (v.byteLength > this.max / 8 || this.map.has(path)) return;
    this.map.set(path, v);
    this.bytes += v.byteLength;
    for (const [k, old] of this.map) {
      if (this.bytes <= this.max) break;
      this.map.delete(k);
      this.bytes -= old.byteLength;
    }
  }
}

export interface IsogitFsOptions {
  /** Bytes of loose objects kept in this Worker's memory (default 16 MiB; 0 turns the cache off). */
  cacheBytes?: number;
}

/** isomorphic-git's `fs` for a repository's remote fs (pass it as `fs`, with `gitdir: '/'`). */
export function isogitFs(remote: RemoteFs, opts: IsogitFsOptions = {}): { promises: PromiseFs } {
  const cache = new ObjectCache(opts.cacheBytes ?? 16 << 20);
  const readFile = async (path: string, options?: unknown): Promise<Uint8Array | string> => {
    const cacheable = (options === undefined || options === null || options === 'buffer') && OBJECT_PATH.test(path);
    const hit = cacheable ? cache.get(path) : undefined;
    if (hit) return hit;
    const data = await call(() => remote.readFile(path, options));
    if (cacheable && data instanceof Uint8Array) cache.set(path, data);
    return data;
  };
  const promises: PromiseFs = {
    // isomorphic-git probes readFile() with no argument to detect a promise API: answer locally.
    readFile: (path, options) => (path === undefined ? Promise.reject(new TypeError('path is required')) : readFile(path, options)),
    writeFile: (path, data, options) => call(() => remote.writeFile(path, bytes(data), options)),
    unlink: (path) => call(() => remote.unlink(path)),
    readdir: (path) => call(() => remote.readdir(path)),
    mkdir: (path, options) => call(() => remote.mkdir(path, options)),
    // Two declared parameters: isomorphic-git then deletes trees with rmdir(path, { recursive: true }).
    rmdir: (path, options) => call(() => remote.rmdir(path, options)),
    stat: async (path) => stats(await call(() => remote.stat(path))),
    lstat: async (path) => stats(await call(() => remote.lstat(path))),
    readlink: (path, options) => call(() => remote.readlink(path, options)),
    symlink: (target, path) => call(() => remote.symlink(target, path)),
    chmod: (path, mode) => call(() => remote.chmod(path, mode)),
  };
  return { promises };
}
