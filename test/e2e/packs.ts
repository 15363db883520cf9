// Hand-made git objects and packs for e2e tests that must send what no git client would (a tree
// naming an object the sender does not have, a delta against someone else's blob).
import { createHash } from 'node:crypto';
import * as zlib from 'node:zlib';

export type ObjType = 'commit' | 'tree' | 'blob' | 'tag';
const TYPE = { commit: 1, tree: 2, blob: 3, tag: 4 } as const;
const REF_DELTA = 7;

const sha1 = (b: Buffer): Buffer => createHash('sha1').update(b).digest();

export function oidOf(type: ObjType, data: Buffer): string {
  return sha1(Buffer.concat([Buffer.from(`${type} ${data.length}\0`), data])).toString('hex');
}

function entryHeader(type: number, size: number): Buffer {
  const out: number[] = [];
  let b = (type << 4) | (size & 15);
  size = Math.floor(size / 16);
  while (size > 0) {
    out.push(b | 0x80);
    b = size & 127;
    size = Math.floor(size / 128);
  }
  out.push(b);
  return Buffer.from(out);
}

/** A whole object as a pack entry. */
export const whole = (type: ObjType, data: Buffer): Buffer => Buffer.concat([entryHeader(TYPE[type], data.length), zlib.deflateSync(data)]);

/** A REF_DELTA entry against the object `base` (which need not be in the pack). */
export const refDelta = (base: string, delta: Buffer): Buffer =>
  Buffer.concat([entryHeader(REF_DELTA, delta.length), Buffer.from(base, 'hex'), zlib.deflateSync(delta)]);

function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n & 127;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

/** A delta whose result is the first `size` bytes of a base of `baseSize` bytes. */
export function copyDelta(baseSize: number, size: number): Buffer {
  const ops: number[] = [0x80];
  for (let i = 0; i < 3; i++) {
    const b = (size >>> (8 * i)) & 255;
    if (b) {
      ops[0] |= 0x10 << i;
      ops.push(b);
    }
  }
  return Buffer.concat([varint(baseSize), varint(size), Buffer.from(ops)]);
}

export function pack(entries: Buffer[]): Buffer {
  const head = Buffer.alloc(12);
  head.write('PACK', 0, 'latin1');
  head.writeUInt32BE(2, 4);
  head.writeUInt32BE(entries.length, 8);
  const body = Buffer.concat([head, ...entries]);
  return Buffer.concat([body, sha1(body)]);
}

/** Tree data with entries in the given order: [mode, name, oid]. */
export function treeData(entries: [string, string, string][]): Buffer {
  return Buffer.concat(entries.map(([mode, name, oid]) => Buffer.concat([Buffer.from(`${mode} ${name}\0`), Buffer.from(oid, 'hex')])));
}

const IDENT = 'Mallory <mallory@arbor.test> 1700000000 +0000';

export function commitData(tree: string, parents: string[], msg = 'take it\n'): Buffer {
  return Buffer.from(`tree ${tree}\n${parents.map((p) => `parent ${p}\n`).join('')}author ${IDENT}\ncommitter ${IDENT}\n\n${msg}`);
}

export function tagData(object: string, type: ObjType, name: string): Buffer {
  return Buffer.from(`object ${object}\ntype ${type}\ntag ${name}\ntagger ${IDENT}\n\n${name}\n`);
}

/** Objects of a v2 `fetch` response's packfile section: the count in the pack header. */
export function packObjectCountOf(v2Response: Buffer): number | null {
  let i = 0;
  let inPack = false;
  const data: Buffer[] = [];
  while (i + 4 <= v2Response.length) {
    const len = parseInt(v2Response.subarray(i, i + 4).toString('latin1'), 16);
    if (!(len >= 4)) {
      i += 4;
      continue;
    }
    const payload = v2Response.subarray(i + 4, i + len);
    i += len;
    if (!inPack) inPack = payload.toString('latin1') === 'packfile\n';
    else if (payload[0] === 1) data.push(payload.subarray(1));
  }
  const p = Buffer.concat(data);
  return p.length >= 12 && p.subarray(0, 4).toString('latin1') === 'PACK' ? p.readUInt32BE(8) : null;
}
