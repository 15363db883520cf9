// PackIngest gathers small body pieces into runs and hands big ones straight on; every mix of
// piece sizes (BYOB runs of 64-256 KiB, 4 KiB network chunks, single bytes) must store the same
// objects. Incompressible blobs make any byte mixed up a zlib or checksum failure.
import { describe, expect, it } from 'vitest';
import { blob, buildPack, withStore, type Obj } from './helpers';
import { rng, randomBytes } from '../pack/helpers';
import type { RepoStore } from '../../../src/storage/repo-store';

function pieces(pack: Uint8Array, sizes: () => number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let o = 0; o < pack.length; ) {
    const n = Math.max(1, Math.min(pack.length - o, sizes()));
    out.push(pack.slice(o, o + n)); // a fresh buffer per piece, as a stream hands them out
    o += n;
  }
  return out;
}

async function ingestAll(store: RepoStore, parts: Uint8Array[]) {
  const ing = store.beginPack();
  for (const p of parts) ing.write(p);
  return ing.finish();
}

describe('PackIngest piece sizes', () => {
  const r = rng(7);
  const blobs: Obj[] = Array.from({ length: 150 }, () => blob(randomBytes(4096, r)));
  const pack = buildPack(blobs);
  const mixes: Record<string, (rand: () => number) => () => number> = {
    'BYOB runs 64-256 KiB': (rand) => () => 65536 + Math.floor(rand() * 196608),
    '4 KiB chunks': () => () => 4096,
    'mixed 1 B - 300 KiB': (rand) => () => (rand() < 0.5 ? 1 + Math.floor(rand() * 5000) : Math.floor(rand() * 300_000)),
    'around the run size': (rand) => () => 131072 + Math.floor(rand() * 8) - 4,
  };
  for (const [label, mk] of Object.entries(mixes)) {
    it(label, async () => {
      for (let seed = 1; seed <= 6; seed++) {
        await withStore(`runs-${seed}`, async (store) => {
          const ing = await ingestAll(store, pieces(pack, mk(rng(seed))));
          expect(ing.objectCount).toBe(blobs.length);
          for (const b of blobs) expect(ing.has(b.oid)).toBe(true);
        });
      }
    });
  }
});
