// Argument decoding shared by the fs calls: data to bytes, bytes to the
// requested encoding, and Node's option shapes ('utf8' or { encoding, mode, flag }).
// Only UTF-8 and raw bytes are supported: that is all git needs, and it keeps
// the module free of Node's Buffer.

import { argError } from './errors';

export type Encoding = 'utf8' | 'utf-8' | 'buffer' | null;
export type EncodingOption = Encoding | { encoding?: Encoding };
export type WriteFlag = 'w' | 'wx' | 'a' | 'ax';
export type WriteFileOptions = Encoding | { encoding?: Encoding; mode?: number | string; flag?: WriteFlag };
export type FileData = Uint8Array | ArrayBufferView | ArrayBuffer | string;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The encoding asked for; null means raw bytes. */
export function encodingOf(options: unknown): 'utf8' | null {
  const enc = typeof options === 'string' ? options
    : options && typeof options === 'object' ? (options as { encoding?: unknown }).encoding : undefined;
  if (enc === undefined || enc === null || enc === 'buffer') return null;
  if (enc === 'utf8' || enc === 'utf-8') return 'utf8';
  throw argError('ERR_INVALID_ARG_VALUE', `Unsupported encoding ${JSON.stringify(enc)}: DOFS supports 'utf8' and raw bytes`);
}

export function decode(bytes: Uint8Array, encoding: 'utf8' | null): Uint8Array | string {
  return encoding === 'utf8' ? decoder.decode(bytes) : bytes;
}

/** Bytes of `data` without copying when it already is a byte view. */
export function toBytes(data: unknown): Uint8Array {
  if (typeof data === 'string') return encoder.encode(data);
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw argError('ERR_INVALID_ARG_TYPE', 'The "data" argument must be of type string or an instance of Uint8Array');
}

export function utf8Length(s: string): number {
  return encoder.encode(s).byteLength;
}

/** Permission bits from a number or an octal string ('755'), as Node accepts. */
export function parseMode(mode: unknown, fallback: number): number {
  if (mode === undefined || mode === null) return fallback;
  const n = typeof mode === 'string' ? parseInt(mode, 8) : mode;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0o7777) {
    throw argError('ERR_INVALID_ARG_VALUE', `The argument 'mode' must be a 32-bit unsigned integer or an octal string. Received ${String(mode)}`);
  }
  return n;
}

export function parseWriteOptions(options: unknown): { encoding: 'utf8' | null; mode: number | undefined; flag: WriteFlag } {
  const o = options && typeof options === 'object' ? (options as { mode?: unknown; flag?: unknown }) : {};
  const flag = (o.flag ?? 'w') as WriteFlag;
  if (!['w', 'wx', 'a', 'ax'].includes(flag)) {
    throw argError('ERR_INVALID_ARG_VALUE', `Unsupported flag ${JSON.stringify(o.flag)}: DOFS supports 'w', 'wx', 'a' and 'ax'`);
  }
  return { encoding: encodingOf(options), mode: o.mode === undefined ? undefined : parseMode(o.mode, 0o644), flag };
}
