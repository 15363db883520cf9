// Streaming writes: data is stored chunk by chunk as it arrives, so memory stays
// bounded by one chunk however large the file. The chunks belong to a fresh
// inode that no path points at until close() links it in one transaction,
// which is what makes the replacement atomic and an abandoned stream invisible.
//
// An open stream's inode is recorded in dofs_pending (durable) and in the
// in-memory registry below (this isolate's live streams). sweepOrphans()
// deletes pending inodes that are not live: streams abandoned by an evicted or
// crashed instance, or simply never closed.

import { DofsError } from './errors';
import { deleteChunks, insertChunk } from './chunks';

export interface DofsWriteStream {
  /** Append bytes. Throws EBADF once the stream is closed, aborted or wiped. */
  write(bytes: Uint8Array): void;
  readonly bytesWritten: number;
  /** Make the file visible at its path, atomically replacing any old file. */
  close(): void;
  /** Discard everything written. A no-op once closed or aborted. */
  abort(): void;
}

/** What a stream needs from its DOFS; implemented in dofs.ts. */
export interface StreamHost {
  readonly sql: SqlStorage;
  /** Link `ino` (already holding all chunks) at `path` inside one transaction. */
  commit(ino: number, size: number, csize: number, path: string, displayPath: string, finalChunk: Uint8Array, finalIdx: number): void;
}

/**
 * Live streams per storage object, shared by every DOFS built on the same
 * storage in this isolate, so one instance's sweepOrphans() or wipe() sees
 * another's open streams. A Durable Object runs in one isolate at a time, so
 * after an eviction nothing is live and every pending inode is garbage.
 */
const registry = new WeakMap<object, Map<number, ChunkedWriteStream>>();

export function liveStreams(storage: object): Map<number, ChunkedWriteStream> {
  let m = registry.get(storage);
  if (!m) registry.set(storage, (m = new Map()));
  return m;
}

type State = 'open' | 'closed' | 'aborted' | 'dead';

/** The write buffer's first size. */
const INITIAL_BUFFER = 64 * 1024;

export class ChunkedWriteStream implements DofsWriteStream {
  private buf: Uint8Array;
  private fill = 0;
  private nextIdx = 0;
  private written = 0;
  private state: State = 'open';

  constructor(
    private readonly host: StreamHost,
    private readonly live: Map<number, ChunkedWriteStream>,
    private readonly ino: number,
    private readonly csize: number,
    private readonly path: string,
    private readonly displayPath: string,
  ) {
    // Grown as bytes arrive (up to one chunk): most files written this way are small (a
    // commit's pack is a few hundred bytes) and a zeroed chunk-sized buffer each cost more
    // than writing them.
    this.buf = new Uint8Array(Math.min(csize, INITIAL_BUFFER));
    live.set(ino, this);
  }

  get bytesWritten(): number { return this.written; }

  write(bytes: Uint8Array): void {
    this.assertOpen('write');
    try {
      this.append(bytes);
    } catch (err) {
      this.abort(); // a chunk failed to store: the stream cannot produce a whole file any more
      throw err;
    }
    this.written += bytes.byteLength;
  }

  private append(bytes: Uint8Array): void {
    let off = 0;
    while (off < bytes.byteLength) {
      if (this.fill === 0 && bytes.byteLength - off >= this.csize) {
        // Whole chunk available in the caller's buffer: store it without copying.
        this.flush(bytes.subarray(off, off + this.csize));
        off += this.csize;
        continue;
      }
      const n = Math.min(this.csize - this.fill, bytes.byteLength - off);
      if (this.fill + n > this.buf.length) {
        const grown = new Uint8Array(Math.min(this.csize, Math.max(this.buf.length * 2, this.fill + n)));
        grown.set(this.buf.subarray(0, this.fill));
        this.buf = grown;
      }
      this.buf.set(bytes.subarray(off, off + n), this.fill);
      this.fill += n;
      off += n;
      if (this.fill === this.csize) {
        this.flush(this.buf);
        this.fill = 0;
      }
    }
  }

  close(): void {
    this.assertOpen('close');
    try {
      this.host.commit(this.ino, this.written, this.csize, this.path, this.displayPath,
        this.buf.subarray(0, this.fill), this.nextIdx);
      this.state = 'closed';
      this.live.delete(this.ino);
    } catch (err) {
      this.abort(); // a failed close leaves nothing behind, like an abort
      throw err;
    }
    this.buf = new Uint8Array(0);
  }

  abort(): void {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    this.live.delete(this.ino);
    this.buf = new Uint8Array(0);
    this.discardStorage();
  }

  /** Called by wipe(): the stream's rows are already gone; refuse further use. */
  kill(): void {
    this.state = 'dead';
    this.buf = new Uint8Array(0);
  }

  private flush(chunk: Uint8Array): void {
    insertChunk(this.host.sql, this.ino, this.nextIdx, chunk, 'write', this.displayPath);
    this.nextIdx++;
  }

  private discardStorage(): void {
    // Chunks first, then the pending row: if this is interrupted the pending
    // row survives and sweepOrphans() finishes the job.
    deleteChunks(this.host.sql, this.ino);
    this.host.sql.exec('DELETE FROM dofs_pending WHERE ino = ?', this.ino);
  }

  private assertOpen(syscall: string): void {
    if (this.state !== 'open') {
      throw new DofsError('EBADF', syscall, this.displayPath, undefined, `${syscall} '${this.displayPath}': write stream is ${this.state}`);
    }
  }
}

/**
 * A stream whose path is served by a mount: providers only take whole files, so
 * the data is buffered in memory and handed over on close().
 */
export class MountWriteStream implements DofsWriteStream {
  private parts: Uint8Array[] = [];
  private written = 0;
  private state: State = 'open';

  constructor(private readonly deliver: (data: Uint8Array) => void, private readonly displayPath: string) {}

  get bytesWritten(): number { return this.written; }

  write(bytes: Uint8Array): void {
    this.assertOpen('write');
    this.parts.push(bytes.slice());
    this.written += bytes.byteLength;
  }

  close(): void {
    this.assertOpen('close');
    const all = new Uint8Array(this.written);
    let off = 0;
    for (const p of this.parts) { all.set(p, off); off += p.byteLength; }
    this.parts = [];
    this.state = 'closed';
    this.deliver(all);
  }

  abort(): void {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    this.parts = [];
  }

  private assertOpen(syscall: string): void {
    if (this.state !== 'open') {
      throw new DofsError('EBADF', syscall, this.displayPath, undefined, `${syscall} '${this.displayPath}': write stream is ${this.state}`);
    }
  }
}
