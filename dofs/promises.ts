// fs.promises-compatible wrappers around DOFS's synchronous core.
//
// Shaped for isomorphic-git's FileSystem wrapper, which
//  - uses `fs.promises` only if it is an own enumerable property (it is: see DOFS),
//  - detects a promise API by calling readFile() with no arguments and checking
//    that it returns a promise, so every method here is `async` and reports
//    even argument errors as rejections, never synchronous throws,
//  - uses rmdir(path, { recursive: true }) to delete trees when `rmdir.length > 1`
//    and there is no `rm`, so rmdir keeps its two declared parameters (an
//    optional parameter without a default counts towards Function.length).

import type { DOFS, MkdirOptions, RmdirOptions } from './dofs';
import type { EncodingOption, FileData, WriteFileOptions } from './encoding';
import type { DofsStats } from './stats';

export interface DofsPromises {
  readFile(path: string, options: 'utf8' | 'utf-8' | { encoding: 'utf8' | 'utf-8' }): Promise<string>;
  readFile(path: string, options?: 'buffer' | null | { encoding?: 'buffer' | null }): Promise<Uint8Array>;
  readFile(path: string, options?: EncodingOption): Promise<Uint8Array | string>;
  writeFile(path: string, data: FileData, options?: WriteFileOptions): Promise<void>;
  appendFile(path: string, data: FileData, options?: WriteFileOptions): Promise<void>;
  unlink(path: string): Promise<void>;
  readdir(path: string, options?: unknown): Promise<string[]>;
  mkdir(path: string, options?: MkdirOptions | number | string): Promise<void>;
  rmdir(path: string, options?: RmdirOptions): Promise<void>;
  stat(path: string, options?: unknown): Promise<DofsStats>;
  lstat(path: string, options?: unknown): Promise<DofsStats>;
  readlink(path: string, options?: 'utf8' | 'utf-8' | { encoding?: 'utf8' | 'utf-8' }): Promise<string>;
  readlink(path: string, options: 'buffer' | { encoding: 'buffer' | null }): Promise<Uint8Array>;
  readlink(path: string, options?: EncodingOption): Promise<string | Uint8Array>;
  symlink(target: string, path: string, type?: string): Promise<void>;
  chmod(path: string, mode: number | string): Promise<void>;
  rename(oldPath: string, newPath: string): Promise<void>;
}

export function createPromises(fs: DOFS): DofsPromises {
  return {
    async readFile(path: string, options?: EncodingOption) { return fs.readFileSync(path, options); },
    async writeFile(path: string, data: FileData, options?: WriteFileOptions) { await fs.writeFileAsync(path, data, options); },
    async appendFile(path: string, data: FileData, options?: WriteFileOptions) { fs.appendFile(path, data, options); },
    async unlink(path: string) { await fs.unlinkAsync(path); },
    async readdir(path: string, _options?: unknown) { return fs.readdirSync(path); },
    async mkdir(path: string, options?: MkdirOptions | number | string) { fs.mkdirSync(path, options); },
    async rmdir(path: string, options?: RmdirOptions) { fs.rmdirSync(path, options); },
    async stat(path: string, _options?: unknown) { return fs.statSync(path); },
    async lstat(path: string, _options?: unknown) { return fs.lstatSync(path); },
    async readlink(path: string, options?: EncodingOption) { return fs.readlinkSync(path, options); },
    async symlink(target: string, path: string, _type?: string) { fs.symlinkSync(target, path); },
    async chmod(path: string, mode: number | string) { fs.chmodSync(path, mode); },
    async rename(oldPath: string, newPath: string) { fs.renameSync(oldPath, newPath); },
  } as DofsPromises;
}
