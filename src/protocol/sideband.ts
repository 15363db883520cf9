// side-band-64k multiplexing: each pkt-line's first byte names a channel.
// 1 = pack data, 2 = progress (git shows "remote: ..."), 3 = fatal error.
import { MAX_PKT_DATA, pkt } from './pktline';

export const BAND_DATA = 1;
export const BAND_PROGRESS = 2;
export const BAND_ERROR = 3;

const enc = new TextEncoder();

/** Frames `data` on `band`, splitting it into as many packets as the 64k limit needs. */
export function sideband(band: number, data: Uint8Array, max = MAX_PKT_DATA - 1): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let o = 0; o < data.length || (o === 0 && data.length === 0); o += max) {
    const part = data.subarray(o, Math.min(data.length, o + max));
    const body = new Uint8Array(part.length + 1);
    body[0] = band;
    body.set(part, 1);
    out.push(pkt(body));
    if (data.length === 0) break;
  }
  return out;
}

export function progress(message: string): Uint8Array {
  return sideband(BAND_PROGRESS, enc.encode(message))[0];
}

export function fatal(message: string): Uint8Array {
  return sideband(BAND_ERROR, enc.encode(message.endsWith('\n') ? message : message + '\n'))[0];
}
