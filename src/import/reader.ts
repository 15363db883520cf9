// A remote's response body as the one streaming pkt-line reader (src/protocol/pkt-stream.ts),
// with the import's bounds and errors: no byte for IDLE_TIMEOUT_MS is `upstream_timeout`, more
// than the cap is `pack_too_large`, bad framing is `upstream_not_git`, a dropped connection or a
// corrupt gzip stream `upstream_unreachable`.
import { PktStream, type PktStreamFailure } from '../protocol/pkt-stream';
import { pktText, type Packet } from '../protocol/pktline';
import { ImportError, notGit } from './errors';

/** No byte from the remote for this long ends the import. */
export const IDLE_TIMEOUT_MS = 60_000;

function importFailure(maxBytes: number, idleMs: number) {
  return (kind: PktStreamFailure, message: string): Error => {
    switch (kind) {
      case 'framing': return notGit(message.replace('the stream ended early', 'the answer ended early'));
      case 'idle': return new ImportError('upstream_timeout', `the remote sent nothing for ${Math.round(idleMs / 1000)} s`);
      case 'too_large': return new ImportError('pack_too_large', `the remote's answer exceeds ${maxBytes} bytes`);
      // no detail (reset, TLS...): what failed how would make the import a port scanner
      default: return new ImportError('upstream_unreachable', 'reading from the remote failed');
    }
  };
}

export class RemoteReader extends PktStream {
  constructor(body: ReadableStream<Uint8Array>, maxBytes: number, idleMs = IDLE_TIMEOUT_MS) {
    super(body, { maxBytes, idleMs, fail: importFailure(maxBytes, idleMs) });
  }
}

/** A data packet as text with one trailing LF removed (null for flush, delim, response-end). */
export function lineOf(p: Packet): string | null {
  return p.kind === 'data' ? pktText(p.data) : null;
}
