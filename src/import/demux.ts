// side-band(-64k) demultiplexing of a pack answer: band 1 is pack data (yielded), band 2 is
// progress (dropped), band 3 is a fatal error from the remote. A flush ends the stream.
import { BAND_DATA, BAND_ERROR, BAND_PROGRESS } from '../protocol/sideband';
import { ImportError, notGit } from './errors';
import type { RemoteReader } from './reader';

const dec = new TextDecoder();

/** Yields the pack bytes of a side-band stream; throws on band 3 or bad framing. */
export async function* demuxSideband(reader: RemoteReader): AsyncGenerator<Uint8Array> {
  for (;;) {
    const p = await reader.packet();
    if (p === null) return; // some servers end the stream without the flush
    if (p.kind === 'flush') return;
    if (p.kind !== 'data' || p.data.length === 0) throw notGit('unexpected packet in side-band stream');
    const band = p.data[0];
    const payload = p.data.subarray(1);
    if (band === BAND_DATA) {
      if (payload.length) yield payload;
    } else if (band === BAND_PROGRESS) {
      continue;
    } else if (band === BAND_ERROR) {
      const msg = dec.decode(payload).trim().replace(/^(fatal|error): /, '');
      throw new ImportError('upstream_error', `the remote failed: ${msg.slice(0, 500)}`);
    } else {
      throw notGit(`unknown side-band channel ${band}`);
    }
  }
}
