// The indexing benchmark's indexer (BenchObject.benchIndex -> PackIngest, the push path) must
// produce the very .idx git wrote for the same pack: git's own index files of the fixtures
// (OFS deltas, REF deltas, a large binary with a delta chain), fed in chunks of random size.
// test/e2e/index-bench.test.ts does the same through the admin route against `git index-pack`.
import { env } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { readIdxV2 } from '../../../src/pack';
import type { BenchObject } from '../../../bench/worker/bench-object';
import arbor from '../../../src/index';
import { fixtureIdx, fixturePack, fixtures, hex } from '../pack/helpers';
import { randomChunks } from '../storage/helpers';

// The unit tests run the bench worker (vitest.config.ts -> bench/wrangler.toml): Arbor plus BENCH.
const BENCH = (env as unknown as { BENCH: DurableObjectNamespace<BenchObject> }).BENCH;

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    type: 'bytes',
    pull(c) {
      if (i < chunks.length) c.enqueue(chunks[i++].slice());
      else c.close();
    },
  });
}

const scratch = () => BENCH.get(BENCH.idFromName(`unit-${crypto.randomUUID()}`));

describe('pack indexing benchmark (BenchObject.benchIndex)', () => {
  for (const name of Object.keys(fixtures)) {
    it(`${name}: the .idx is byte-identical to git's`, async () => {
      const pack = fixturePack(name);
      const stub = scratch();
      const r = await stub.benchIndex(streamOf(randomChunks(pack, 7, 4096)));
      if (!r.ok) throw new Error(r.message);
      expect(r.value.objects).toBe(fixtures[name].objects.length);
      expect(r.value.packBytes).toBe(pack.length);
      expect(r.value.packChecksum).toBe(fixtures[name].checksum);
      expect(hex(r.value.idx)).toBe(hex(fixtureIdx(name)));
      expect(r.value.idxBytes).toBe(r.value.idx.length);
      expect(r.value.idxSha1).toMatch(/^[0-9a-f]{40}$/);
      expect(readIdxV2(r.value.idx).entries.length).toBe(fixtures[name].objects.length);
      for (const p of ['receive', 'resolve', 'index', 'idx'] as const) expect(r.value.phases[p]).toBeGreaterThanOrEqual(0);
      // The scratch object is wiped: nothing stays behind.
      await runInDurableObject(stub, async (_i, state) => {
        const tables = state.storage.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'objects'`).one().n;
        if (tables > 0) expect(state.storage.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM objects`).one().n).toBe(0);
      });
    });
  }

  it('a corrupt pack is refused as bad_pack and leaves nothing behind', async () => {
    const pack = fixturePack('small-ofs').slice();
    pack[pack.length - 1] ^= 1; // trailer checksum
    const stub = scratch();
    const r = await stub.benchIndex(streamOf([pack]));
    expect(r.ok).toBe(false);
    if (!r.ok) expect([r.status, r.code]).toEqual([422, 'bad_pack']);
    const again = await stub.benchIndex(streamOf([fixturePack('small-ofs')]));
    expect(again.ok).toBe(true);
  });

  it('is not part of the production Worker: its routes answer 404 there', async () => {
    const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
    for (const [method, path] of [['POST', '/v1/admin/bench/index'], ['GET', '/v1/admin/bench/wasm']]) {
      const res = await arbor.fetch(new Request(`http://arbor.test${path}`, { method, headers: { authorization: 'Bearer test-admin-token' } }), env as never, ctx);
      expect(res.status).toBe(404);
    }
  });
});
