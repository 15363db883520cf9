// SHA-1 per input size inside workerd, every way the platform offers it against the Wasm one
// (issue 22: drop a Wasm function where the native one wins at every size). Each way computes a
// git object id (the "blob <n>\0" header, then the data), the work the indexer does per object:
//   wasm      wasmObjectId: header and data copied into the module's memory, hashed there
//   oneshot   objectIdNative: header and data copied into one buffer, the native one-shot digest
//             under node:crypto's Hash (native-sha1.ts; createHash from 8 KiB up)
//   createHash node:crypto's createHash('sha1').update(header).update(data).digest()
//   subtle    crypto.subtle.digest('SHA-1', header + data), awaited one at a time (async: the
//             ingest's per-object checks are synchronous, so this can only be a reference)
// GET /v1/admin/bench/sha1 (bench worker only), driven by bench/sha1-sizes.mjs.
import { createHash } from 'node:crypto';
import { encodeLooseHeader } from '../../src/codec/object-id';
import { objectIdNative } from '../../src/codec/native-sha1';
import { wasmObjectId } from '../../src/codec/wasm/hash';

export const SHA1_SIZES = [64, 256, 512, 1024, 2048, 4096, 16384, 65536, 1 << 20];
const WAYS = ['wasm', 'oneshot', 'createHash', 'subtle'] as const;

export interface Sha1SizeRow {
  size: number;
  /** µs per object id, best round, by way. */
  us: Record<(typeof WAYS)[number], number>;
}

let sink = 0;

function sample(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 255;
  }
  return out;
}

/** Best µs per call over `rounds` rounds of at least `minMs` each (after one untimed round). */
async function best(objs: Uint8Array[], one: (o: Uint8Array) => number | Promise<number>, rounds: number, minMs: number): Promise<number> {
  const round = async (): Promise<[number, number]> => {
    let calls = 0;
    const t0 = performance.now();
    let el = 0;
    do {
      for (const o of objs) sink += await one(o);
      calls += objs.length;
      el = performance.now() - t0;
    } while (el < minMs);
    return [el, calls];
  };
  await round();
  let b = Infinity;
  for (let r = 0; r < rounds; r++) {
    const [el, calls] = await round();
    if (el > 0) b = Math.min(b, (el * 1000) / calls);
  }
  return b;
}

export async function sha1Sizes(rounds = 7, minMs = 40): Promise<Sha1SizeRow[]> {
  const rows: Sha1SizeRow[] = [];
  for (const size of SHA1_SIZES) {
    const count = Math.max(4, Math.min(512, Math.floor((4 << 20) / size)));
    const objs = Array.from({ length: count }, (_, i) => sample(size, size + i));
    // All four must agree before any is timed.
    for (const o of objs.slice(0, 4)) {
      const want = wasmObjectId('blob', o)!;
      const head = encodeLooseHeader('blob', o.length);
      const both = new Uint8Array(head.length + o.length);
      both.set(head);
      both.set(o, head.length);
      const others = [objectIdNative('blob', o), new Uint8Array(createHash('sha1').update(head).update(o).digest()), new Uint8Array(await crypto.subtle.digest('SHA-1', both))];
      for (const got of others) if (got.length !== 20 || got.some((x, i) => x !== want[i])) throw new Error(`sha1 ways disagree at ${size} B`);
    }
    const sync = (f: (o: Uint8Array) => Uint8Array) => (o: Uint8Array) => f(o)[0];
    const us = {
      wasm: await best(objs, sync((o) => wasmObjectId('blob', o)!), rounds, minMs),
      oneshot: await best(objs, sync((o) => objectIdNative('blob', o)), rounds, minMs),
      createHash: await best(objs, sync((o) => createHash('sha1').update(encodeLooseHeader('blob', o.length)).update(o).digest()), rounds, minMs),
      subtle: await best(objs, async (o) => {
        const head = encodeLooseHeader('blob', o.length);
        const both = new Uint8Array(head.length + o.length);
        both.set(head);
        both.set(o, head.length);
        return new Uint8Array(await crypto.subtle.digest('SHA-1', both))[0];
      }, rounds, minMs),
    };
    // Wasm again after the others (warm-up and GC spread over both sides), the better of the two.
    us.wasm = Math.min(us.wasm, await best(objs, sync((o) => wasmObjectId('blob', o)!), 2, minMs));
    rows.push({ size, us });
  }
  if (sink === 0.5) console.log(sink);
  return rows;
}
