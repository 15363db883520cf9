// report-status (pack-protocol.txt, "Report Status"): `unpack ok|<error>`, then `ok <ref>` or
// `ng <ref> <reason>` per command, then a flush. git prints an `ng` reason after the ref
// ("! [remote rejected] main (reason)"), so reasons are the user's error messages.
import { FLUSH, PktReader, ProtocolError, concatBytes, pkt, pktText } from './pktline';

export interface RefStatus {
  name: string;
  ok: boolean;
  error?: string;
}

export interface ReportStatus {
  /** null: `unpack ok`; otherwise the unpack error. */
  unpackError: string | null;
  refs: RefStatus[];
}

/** The report's pkt-lines (to be wrapped in side-band 1 when the client asked for it). */
export function encodeReportStatus(r: ReportStatus): Uint8Array {
  const lines = [pkt(`unpack ${r.unpackError === null ? 'ok' : r.unpackError.replace(/\n/g, ' ')}\n`)];
  for (const s of r.refs) lines.push(pkt(s.ok ? `ok ${s.name}\n` : `ng ${s.name} ${(s.error ?? 'failed').replace(/\n/g, ' ')}\n`));
  lines.push(FLUSH);
  return concatBytes(lines);
}

/** Parses a report (already out of its side-band), as a client reads it. */
export function decodeReportStatus(bytes: Uint8Array): ReportStatus {
  const r = new PktReader(bytes);
  const first = r.next();
  if (!first || first.kind !== 'data') throw new ProtocolError('report-status: missing unpack line');
  const unpack = pktText(first.data);
  if (!unpack.startsWith('unpack ')) throw new ProtocolError(`report-status: bad first line '${unpack.slice(0, 80)}'`);
  const refs: RefStatus[] = [];
  for (let p = r.next(); p !== null && p.kind !== 'flush'; p = r.next()) {
    if (p.kind !== 'data') throw new ProtocolError(`report-status: unexpected ${p.kind} packet`);
    const text = pktText(p.data);
    const m = /^(ok|ng) (\S+)(?: (.*))?$/.exec(text);
    if (!m) throw new ProtocolError(`report-status: bad line '${text.slice(0, 80)}'`);
    refs.push(m[1] === 'ok' ? { name: m[2], ok: true } : { name: m[2], ok: false, error: m[3] ?? '' });
  }
  return { unpackError: unpack === 'unpack ok' ? null : unpack.slice(7), refs };
}
