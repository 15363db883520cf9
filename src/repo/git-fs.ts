// The RPC bridge to a repository's git directory view: `env.ARBOR.repo(ns, name).fs()` hands
// the caller this RpcTarget, with isomorphic-git's promise fs methods over the view at `/`.
// It lives in the repository's Durable Object, one per fs() call, and keeps the view's
// session (the ref values it has served, which make its ref writes compare-and-swap).
//
// Across Workers RPC a thrown error arrives as a plain Error with only its message, so every
// error's message starts with its Node code ("ENOENT: no such file or directory, stat '/x'");
// the client helper (client/src/isogit-fs.ts) puts `.code` back. Stats travel as plain objects.
import { RpcTarget } from 'cloudflare:workers';
import { normalizePath, type DOFS, type DofsStats } from '../../dofs';
import { logError } from '../http/log';
import { retryOnFault, type SnapshotFaults } from './git-fs-faults';

export interface FsStat {
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

type Encoding = 'utf8' | 'utf-8' | 'buffer' | null | undefined | { encoding?: 'utf8' | 'utf-8' | 'buffer' | null };

const CODE = /^(E[A-Z]+|ERR_[A-Z_]+): /;

export class GitFs extends RpcTarget {
  constructor(
    private readonly fs: DOFS,
    /** Where the view is mounted on `fs`; the caller's `/`. */
    private readonly gitdir: string,
    /** A fork's view: a call that faulted for snapshot bytes fetches them and runs again. */
    private readonly faults?: SnapshotFaults,
  ) {
    super();
  }

  /** The caller's path (absolute or relative to `/`; `..` never climbs above it) on our DOFS. */
  private at(path: unknown, syscall: string): string {
    const p = normalizePath(path, syscall);
    return p === '/' ? this.gitdir : this.gitdir + p;
  }

  /** Runs an fs call; errors leave with their code first in the message and our mount point removed. */
  private async run<T>(fn: () => T | Promise<T>): Promise<T> {
    try {
      return await retryOnFault(fn, this.faults);
    } catch (e) {
      const err = e as Error & { code?: unknown };
      const code = typeof err?.code === 'string' ? err.code : null;
      if (!code) {
        logError('git fs: unexpected error', e);
        throw new Error('EIO: i/o error (internal error in the repository view)');
      }
      let message = String(err.message).split(`'${this.gitdir}/`).join(`'/`).split(`'${this.gitdir}'`).join(`'/'`);
      if (!CODE.test(message)) message = `${code}: ${message}`;
      throw new Error(message);
    }
  }

  readFile(path: string, options?: Encoding): Promise<Uint8Array | string> {
    return this.run(() => this.fs.promises.readFile(this.at(path, 'open'), options as never));
  }

  writeFile(path: string, data: Uint8Array | string, options?: Encoding | { flag?: 'w' | 'wx' | 'a' | 'ax'; mode?: number }): Promise<void> {
    return this.run(() => this.fs.promises.writeFile(this.at(path, 'open'), data, options as never));
  }

  unlink(path: string): Promise<void> {
    return this.run(() => this.fs.promises.unlink(this.at(path, 'unlink')));
  }

  readdir(path: string): Promise<string[]> {
    return this.run(() => this.fs.promises.readdir(this.at(path, 'scandir')));
  }

  mkdir(path: string, options?: { recursive?: boolean } | number): Promise<void> {
    return this.run(() => this.fs.promises.mkdir(this.at(path, 'mkdir'), options));
  }

  rmdir(path: string, options?: { recursive?: boolean }): Promise<void> {
    return this.run(() => this.fs.promises.rmdir(this.at(path, 'rmdir'), options));
  }

  stat(path: string): Promise<FsStat> {
    return this.run(async () => plain(await this.fs.promises.stat(this.at(path, 'stat'))));
  }

  lstat(path: string): Promise<FsStat> {
    return this.run(async () => plain(await this.fs.promises.lstat(this.at(path, 'lstat'))));
  }

  readlink(path: string, options?: Encoding): Promise<string | Uint8Array> {
    return this.run(() => this.fs.promises.readlink(this.at(path, 'readlink'), options as never));
  }

  symlink(target: string, path: string): Promise<void> {
    return this.run(() => this.fs.promises.symlink(target, this.at(path, 'symlink')));
  }

  chmod(path: string, mode: number | string): Promise<void> {
    return this.run(() => this.fs.promises.chmod(this.at(path, 'chmod'), mode));
  }
}

function plain(s: DofsStats): FsStat {
  return { type: s.type, mode: s.mode, size: s.size, ino: s.ino, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, uid: s.uid, gid: s.gid, dev: s.dev };
}
