// pkt-line framing (git Documentation/technical/protocol-common): 4 hex digits of length
// (including the 4 digits) then data. Special packets: 0000 flush, 0001 delim, 0002 response-end.
// Pure functions over bytes; nothing here knows about HTTP or storage.

export const MAX_PKT_LEN = 65520; // git's LARGE_PACKET_MAX, header included
export const MAX_PKT_DATA = MAX_PKT_LEN - 4;

const enc = new TextEncoder();
const dec = new TextDecoder();

export const FLUSH = enc.encode('0000');
export const DELIM = enc.encode('0001');
export const RESPONSE_END = enc.encode('0002');

/** A protocol violation by the client. Callers turn it into `ERR <msg>` or HTTP 400. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

/** One data pkt-line. Strings get no implicit newline: pass it when the protocol wants one. */
export function pkt(data: string | Uint8Array): Uint8Array {
  const body = typeof data === 'string' ? enc.encode(data) : data;
  if (body.length > MAX_PKT_DATA) throw new Error(`pkt-line too long (${body.length} bytes)`);
  const out = new Uint8Array(body.length + 4);
  out.set(enc.encode(hex4(body.length + 4)), 0);
  out.set(body, 4);
  return out;
}

/** `ERR <msg>`: git prints "remote error: <msg>" and stops. */
export function errPkt(message: string): Uint8Array {
  return pkt(`ERR ${message.slice(0, 1000)}\n`); // messages may quote client input: keep them short
}

export { concatBytes } from '../codec/bytes';

export type Packet =
  | { kind: 'data'; data: Uint8Array }
  | { kind: 'flush' }
  | { kind: 'delim' }
  | { kind: 'response-end' };

function parseLen(buf: Uint8Array, pos: number): number {
  let n = 0;
  for (let i = 0; i < 4; i++) {
    const c = buf[pos + i];
    let v: number;
    if (c >= 48 && c <= 57) v = c - 48;
    else if (c >= 97 && c <= 102) v = c - 87;
    else if (c >= 65 && c <= 70) v = c - 55;
    else throw new ProtocolError(`bad pkt-line length ${JSON.stringify(dec.decode(buf.subarray(pos, pos + 4)))}`);
    n = n * 16 + v;
  }
  return n;
}

/**
 * Reads pkt-lines from a byte buffer that holds a whole request (negotiation requests are
 * small and bounded by the HTTP layer). `rest()` returns the bytes after the last packet read,
 * which is where receive-pack's packfile starts.
 */
export class PktReader {
  private pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  get offset(): number {
    return this.pos;
  }

  atEnd(): boolean {
    return this.pos >= this.buf.length;
  }

  /** Next packet, or null at a clean end of input. Throws ProtocolError on malformed framing. */
  next(): Packet | null {
    if (this.pos >= this.buf.length) return null;
    if (this.pos + 4 > this.buf.length) throw new ProtocolError('truncated pkt-line header');
    const len = parseLen(this.buf, this.pos);
    if (len === 0) return (this.pos += 4), { kind: 'flush' };
    if (len === 1) return (this.pos += 4), { kind: 'delim' };
    if (len === 2) return (this.pos += 4), { kind: 'response-end' };
    if (len < 4) throw new ProtocolError(`invalid pkt-line length ${len}`);
    if (len > MAX_PKT_LEN) throw new ProtocolError(`pkt-line length ${len} exceeds ${MAX_PKT_LEN}`);
    if (this.pos + len > this.buf.length) throw new ProtocolError('truncated pkt-line');
    const data = this.buf.subarray(this.pos + 4, this.pos + len);
    this.pos += len;
    return { kind: 'data', data };
  }

  /** The unread remainder of the buffer. */
  rest(): Uint8Array {
    return this.buf.subarray(this.pos);
  }
}

/** A data packet as text with one trailing LF removed. */
export function pktText(data: Uint8Array): string {
  let end = data.length;
  if (end > 0 && data[end - 1] === 10) end--;
  return dec.decode(data.subarray(0, end));
}

/** Splits "cmd args\0cap1 cap2" (v0/v1 first lines) into the line and its capability list. */
export function splitCapabilities(line: string): { line: string; caps: string[] } {
  const nul = line.indexOf('\0');
  if (nul < 0) return { line, caps: [] };
  return { line: line.slice(0, nul), caps: line.slice(nul + 1).split(' ').filter(Boolean) };
}
