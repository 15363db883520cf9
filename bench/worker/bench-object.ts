// The scratch Durable Object the pack indexing benchmark runs in: one per run (a random name),
// so a run indexes into an empty store exactly as a first push would, then wipes it.
import { DurableObject } from 'cloudflare:workers';
import { RepoStore } from '../../src/storage/repo-store';
import { BenchInputError, benchIndexPack, type IndexBenchResult } from './index-pack';

export type BenchResult<T> = { ok: true; value: T } | { ok: false; status: number; code: string; message: string };

export class BenchObject extends DurableObject {
  async benchIndex(body: ReadableStream<Uint8Array>, opts: { fromMemory?: boolean } = {}): Promise<BenchResult<IndexBenchResult & { idx: Uint8Array }>> {
    const store = new RepoStore(this.ctx.storage);
    try {
      const { result, idx } = await benchIndexPack(store, body, opts);
      return { ok: true, value: { ...result, idx } };
    } catch (e) {
      if (e instanceof BenchInputError) return { ok: false, status: 422, code: 'bad_pack', message: e.message };
      throw e;
    } finally {
      await store.wipe();
    }
  }
}
