// Client-side helpers for protocol tests: read a server response as pkt-lines, demultiplex
// side-band, and collect generator output.
import { PktReader, concatBytes, pkt, FLUSH, DELIM } from '../../../src/protocol/pktline';

export type Line = { kind: 'data'; text: string; raw: Uint8Array } | { kind: 'flush' } | { kind: 'delim' } | { kind: 'response-end' };

export async function collect(gen: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of gen as AsyncIterable<Uint8Array>) parts.push(p);
  return concatBytes(parts);
}

const dec = new TextDecoder();

export function parseLines(bytes: Uint8Array): Line[] {
  const r = new PktReader(bytes);
  const out: Line[] = [];
  for (let p = r.next(); p !== null; p = r.next()) {
    if (p.kind === 'data') {
      let end = p.data.length;
      if (end > 0 && p.data[end - 1] === 10) end--;
      out.push({ kind: 'data', text: dec.decode(p.data.subarray(0, end)), raw: p.data });
    } else out.push({ kind: p.kind });
  }
  return out;
}

/** Compact view: data lines as text, specials as '<flush>' etc. Side-band packets as '<band N>'. */
export function show(lines: Line[]): string[] {
  return lines.map((l) => {
    if (l.kind !== 'data') return `<${l.kind}>`;
    const b = l.raw[0];
    if (b === 1 || b === 2 || b === 3) return `<band ${b}>`;
    return l.text;
  });
}

export interface Demuxed {
  data: Uint8Array;
  progress: string;
  error: string;
  packetSizes: number[];
}

/** Joins side-band packets (lines whose first byte is 1/2/3) found in `lines`. */
export function demux(lines: Line[]): Demuxed {
  const data: Uint8Array[] = [];
  let progress = '';
  let error = '';
  const packetSizes: number[] = [];
  for (const l of lines) {
    if (l.kind !== 'data') continue;
    const band = l.raw[0];
    if (band !== 1 && band !== 2 && band !== 3) continue;
    packetSizes.push(l.raw.length + 4);
    if (band === 1) data.push(l.raw.subarray(1));
    else if (band === 2) progress += dec.decode(l.raw.subarray(1));
    else error += dec.decode(l.raw.subarray(1));
  }
  return { data: concatBytes(data), progress, error, packetSizes };
}

/** A request body from lines (null = flush, 'DELIM' = delim); lines get a trailing LF. */
export function body(...parts: (string | null | Uint8Array)[]): Uint8Array {
  return concatBytes(
    parts.map((p) => (p === null ? FLUSH : p === 'DELIM' ? DELIM : typeof p === 'string' ? pkt(p + '\n') : p)),
  );
}
