// Pack indexing benchmark (`POST /v1/admin/bench/index`, `npm run bench`): a raw .pack goes
// through exactly what a push does with it (PackIngest: streamed to DOFS, parsed, hashed,
// resolved, checked; then the rows indexed into SQLite), timed phase by phase, and the .idx v2
// `git index-pack` would write is built from the indexed entries so the bench can compare the
// bytes. Runs in a scratch store that the caller destroys afterwards.
import { bytesToHex, IdxColumns, type PackEntry } from '../../src/pack';
import { createHash } from 'node:crypto';
import { IngestError } from '../../src/storage/ingest';
import type { RepoStore } from '../../src/storage/repo-store';

export interface IndexBenchResult {
  objects: number;
  packBytes: number;
  packChecksum: string;
  /** Everything below, first byte to .idx (what `git index-pack` does). */
  ms: number;
  phases: {
    /** Streaming the body in: parse, hash, resolve what can be, write to DOFS. */
    receive: number;
    /** PackIngest.finish(): deferred deltas, connectivity. */
    resolve: number;
    /** The rows into SQLite (the push's indexing transaction). */
    index: number;
    /** Sorting the entries and writing the .idx bytes. */
    idx: number;
  };
  idxBytes: number;
  idxSha1: string;
  /** How the body arrived: read() calls and the largest chunk (bytes). */
  chunks: { count: number; maxBytes: number };
}

export class BenchInputError extends Error {}

/**
 * Indexes `body` (a whole self-contained .pack) into `store` as a push would, and builds its
 * .idx. Throws BenchInputError for a pack the ingest refuses (the body is drained first).
 */
export async function benchIndexPack(store: RepoStore, body: ReadableStream<Uint8Array>, opts: { fromMemory?: boolean } = {}): Promise<{ result: IndexBenchResult; idx: Uint8Array }> {
  // fromMemory: the whole body is read first, untimed, and the indexer then gets the same 64 KiB
  // pieces from memory, as `git index-pack` reads its pack from a file in the page cache. Streamed,
  // the timed window also holds the wait for the body's bytes: 49-82 ms of ~200-430 ms per run on
  // the 7 MiB bench pack (time spent awaiting read(), measured in this function, 10 runs), which
  // in local workerd is the front Worker handing the body over on the same thread, not indexing.
  const reader = opts.fromMemory ? await memoryReader(body) : bodyReader(body);
  const t0 = performance.now();
  const ingest = store.beginPack();
  // CRC-32 of each entry by offset, in pack order (the ingest does not keep them: a push
  // needs no .idx).
  let offs = new Float64Array(4096);
  let crcs = new Uint32Array(4096);
  let seen = 0;
  ingest.onParsed = (e: PackEntry) => {
    if (seen === offs.length) {
      const o = new Float64Array(seen * 2);
      o.set(offs);
      offs = o;
      const c = new Uint32Array(seen * 2);
      c.set(crcs);
      crcs = c;
    }
    offs[seen] = e.offset;
    crcs[seen++] = e.crc32;
  };
  let chunkCount = 0;
  let maxChunk = 0;
  let tReceived: number;
  let tResolved: number;
  let pack;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      chunkCount++;
      if (value.length > maxChunk) maxChunk = value.length;
      ingest.write(value);
      reader.recycle(value); // as receive-pack does: the ingest keeps no view of a piece
    }
    tReceived = performance.now();
    pack = await ingest.finish();
    tResolved = performance.now();
  } catch (e) {
    ingest.discardFile();
    // Read to the end: a refusal sent while the client still uploads gets lost (workerd#1741).
    try {
      while (!(await reader.read()).done);
    } catch {
      /* the client went away */
    }
    if (e instanceof IngestError) throw new BenchInputError(e.message);
    throw e;
  }
  const results = store.commitPush(pack, [], false);
  if (results.length !== 0) throw new Error('unexpected ref results');
  const tIndexed = performance.now();

  // Entry numbers are pack order, the order onParsed saw the entries in: entry i's CRC-32 is
  // crcs[i]. A second copy of an object in the same pack is not indexed (the first wins), as in
  // the rows; git index-pack would list both (packs from git never do).
  const { order, oids, offsets } = pack.ids();
  const cols = new IdxColumns(order.length);
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    if (i >= seen || offs[i] !== offsets[i]) throw new Error(`no CRC-32 for the entry at ${offsets[i]}`);
    cols.addRaw(oids, i * 20, offsets[i], crcs[i]);
  }
  const idx = cols.build(pack.checksum);
  const tIdx = performance.now();
  return {
    idx,
    result: {
      objects: pack.objectCount,
      packBytes: pack.size,
      packChecksum: pack.checksum,
      ms: round(tIdx - t0),
      phases: { receive: round(tReceived - t0), resolve: round(tResolved - tReceived), index: round(tIndexed - tResolved), idx: round(tIdx - tIndexed) },
      idxBytes: idx.length,
      idxSha1: bytesToHex(createHash('sha1').update(idx).digest()),
      chunks: { count: chunkCount, maxBytes: maxChunk },
    },
  };
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/** What a push reads a pack with (src/protocol/pkt-stream.ts): pieces read in 4 KB would time the reads, not the indexer. */
const READ_AT_LEAST = 64 * 1024;

type Read = { done: false; value: Uint8Array } | { done: true; value?: undefined };

/** The body read whole through bodyReader (pieces as a push reads them), then handed out again. */
async function memoryReader(body: ReadableStream<Uint8Array>): Promise<{ read(): Promise<Read>; recycle(piece: Uint8Array): void }> {
  const from = bodyReader(body);
  const pieces: Uint8Array[] = [];
  for (let r = await from.read(); !r.done; r = await from.read()) pieces.push(r.value);
  let i = 0;
  return {
    recycle: () => {},
    read: async (): Promise<Read> => (i < pieces.length ? { done: false, value: pieces[i++] } : { done: true }),
  };
}

/**
 * The body's reader as receive-pack has it: where the body is a byte stream with workerd's
 * readAtLeast, each read waits for READ_AT_LEAST bytes (workerd hands a body over in ~4 KB
 * pieces, and each read's promise round trip shows in a profile); plain reads elsewhere.
 */
function bodyReader(body: ReadableStream<Uint8Array>): { read(): Promise<Read>; recycle(piece: Uint8Array): void } {
  let byob: ReadableStreamBYOBReader | null = null;
  try {
    byob = body.getReader({ mode: 'byob' });
  } catch {
    byob = null;
  }
  if (byob && typeof byob.readAtLeast === 'function') {
    const r = byob;
    let spare: ArrayBuffer | null = null;
    return {
      recycle: (piece) => {
        if (piece.byteOffset === 0 && piece.buffer instanceof ArrayBuffer) spare = piece.buffer;
      },
      read: async (): Promise<Read> => {
        const into = spare ? new Uint8Array(spare) : new Uint8Array(READ_AT_LEAST);
        spare = null;
        const res = await r.readAtLeast(READ_AT_LEAST, into);
        const value = res.value as Uint8Array | undefined;
        if (res.done && (!value || value.byteLength === 0)) return { done: true };
        return { value: value ?? new Uint8Array(0), done: false };
      },
    };
  }
  byob?.releaseLock();
  const plain = body.getReader();
  return {
    recycle: () => {},
    read: async (): Promise<Read> => {
      const r = await plain.read();
      return r.done ? { done: true } : { done: false, value: r.value };
    },
  };
}
