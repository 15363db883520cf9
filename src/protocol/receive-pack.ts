// receive-pack (push), v0/v1 over stateless HTTP: commands, optional push-options, then the
// pack, streamed straight into storage. Refs move only after every object was hashed, checked
// and found connected, in one compare-and-swap transaction; any failure leaves refs untouched.
import type { RepoStore } from '../storage/repo-store';
import { IngestError, ZERO_OID } from '../storage/repo-store';
import type { RefUpdateResult } from '../storage/refs';
import type { PackIngest } from '../storage/ingest';
import { FLUSH, ProtocolError } from './pktline';
import { PktStream } from './pkt-stream';
import { readPushHead, type PushRequestHead } from './push-request';
import { encodeReportStatus } from './report-status';
import { BAND_DATA, BAND_PROGRESS, sideband } from './sideband';
import { countLine, progressLine, resolvedLine } from './progress';
import { pumped } from './progress-pump';
import type { PackStats } from './upload-pack';
import { logError } from '../http/log';
import { BODY_IDLE_TIMEOUT_MS, BodyStalledError } from '../http/body-idle';
import { pushRefusal } from './push-limits';
import { commitPushSettled } from '../storage/push-settle';

const enc = new TextEncoder();

/** Reads of the push body wait for at least this many bytes where the stream allows (pkt-stream.ts). */
const READ_AT_LEAST = 64 * 1024;

export interface ReceiveOptions {
  maxPackBytes: number;
  /** Learns how many objects the pack carried (for the request's log line). */
  stats?: PackStats;
  /** A body read that brings nothing for this long ends the push (default BODY_IDLE_TIMEOUT_MS). */
  idleTimeoutMs?: number;
}

/**
 * Serves one push. Yields the response body (report-status, inside side-band when asked).
 */
export async function* receivePack(
  store: RepoStore,
  body: ReadableStream<Uint8Array>,
  opts: ReceiveOptions,
): AsyncGenerator<Uint8Array> {
  const idleMs = opts.idleTimeoutMs ?? BODY_IDLE_TIMEOUT_MS;
  // A body that goes quiet ends the push: the reader stops (and cancels the body) rather than
  // holding the request and a half-written pack file for as long as the connection lives.
  const reader = new PktStream(body, {
    readAtLeast: READ_AT_LEAST,
    idleMs,
    fail: (kind, message) => new ProtocolError(kind === 'idle' ? new BodyStalledError(idleMs).message : message),
  });
  try {
    yield* serve(store, reader, opts);
  } finally {
    if (opts.stats) opts.stats.bytesIn = reader.bytesRead; // the request's log line (RequestLog)
  }
}

async function* serve(store: RepoStore, reader: PktStream, opts: ReceiveOptions): AsyncGenerator<Uint8Array> {
  let head: PushRequestHead;
  try {
    head = await readPushHead(reader);
  } catch (e) {
    // Refuse only once the upload is in (bounded): a DO that answers while the request body is
    // still unread loses the answer and can break the next request (workerd#1741).
    await reader.drain();
    throw e;
  }
  const band = head.caps.has('side-band-64k');
  const quiet = head.caps.has('quiet');
  const wrap = (b: Uint8Array): Iterable<Uint8Array> => (band ? sideband(BAND_DATA, b) : [b]);
  const progress = (msg: string): Uint8Array[] => (band && !quiet ? sideband(BAND_PROGRESS, enc.encode(msg)) : []);

  if (head.commands.length === 0) {
    await reader.drain(); // nothing to do: read the rest so the answer is not lost
    return;
  }
  const refusal = pushRefusal(head.commands, head.options, () => store.refs.count());
  if (refusal) {
    await reader.drain();
    const refs = head.commands.map((c) => ({ name: c.name, ok: false, error: refusal.ng }));
    yield* wrap(encodeReportStatus({ unpackError: refusal.unpack, refs }));
    if (band) yield FLUSH;
    return;
  }
  const needsPack = head.commands.some((c) => c.newOid !== ZERO_OID);
  let ingest: PackIngest | null = null;
  let unpackError: string | null = null;
  let pack = null;
  if (needsPack) {
    ingest = store.beginPack(opts.maxPackBytes);
    try {
      let sawBytes = false;
      for (let chunk = await reader.chunk(); chunk !== null; chunk = await reader.chunk()) {
        sawBytes = true;
        ingest.write(chunk);
        reader.recycle(chunk); // the ingest copies what it keeps of a piece
      }
      if (!sawBytes) throw new IngestError('no pack data received');
      // The last objects are still buffered here: finish() parses them. Until then only the count
      // so far is shown, as a line a terminal overwrites; it also starts the answer before the
      // (possibly long) delta resolution.
      const declared = ingest.objectsDeclared;
      if (declared > 0) yield* progress(progressLine('Receiving objects', Math.min(ingest.objectsSeen, declared), declared));
      // Delta resolution reports as it goes (progress-pump.ts), so a long one is never silent. By
      // the first tick every entry was parsed: receiving is done.
      let received = false;
      const receivedLine = (n: number): Uint8Array[] => {
        if (received) return [];
        received = true;
        return progress(progressLine('Receiving objects', n, n, true));
      };
      const ing = ingest;
      pack = yield* pumped((emit) =>
        ing.finish(async (done, total) => {
          const all = ing.deltasSeen; // final once finish() runs: deferred deltas are the last `total`
          await emit([...receivedLine(ing.objectsSeen), ...progress(progressLine('Resolving deltas', all - total + done, all))]);
        }),
      );
      const n = pack.objectCount;
      const deltas = ingest.deltasSeen;
      yield* receivedLine(n);
      if (deltas > 0) yield* progress(resolvedLine(deltas, ingest.localBaseCount));
      yield* progress(countLine('Checking connectivity', n)); // finish() checked every reference
      if (opts.stats) opts.stats.objects = n;
      // fsck findings git only warns about (git prints them even with --quiet)
      if (band) for (const w of pack.warnings) yield* sideband(BAND_PROGRESS, enc.encode(`warning: ${w}\n`));
    } catch (e) {
      ingest.discardFile();
      await reader.drain();
      if (e instanceof IngestError || e instanceof ProtocolError) unpackError = e.message;
      else {
        logError('push failed', e);
        unpackError = 'internal error while reading the pack';
      }
    }
  } else {
    await reader.drain();
  }

  let results: RefUpdateResult[];
  if (unpackError) {
    results = head.commands.map((c) => ({ name: c.name, ok: false, error: 'unpacker error' }));
  } else {
    results = await commitPushSettled(store, pack, head.commands, head.caps.has('atomic'));
    if (pack && !results.some((r) => r.ok)) ingest?.discardFile();
  }
  const report = encodeReportStatus({ unpackError, refs: results });
  if (unpackError) yield* progress(`error: ${unpackError}\n`);
  yield* wrap(report);
  if (band) yield FLUSH;
}

