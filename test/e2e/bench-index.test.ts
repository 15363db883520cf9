// The pack indexing benchmark route (POST /v1/admin/bench/index): packs written by the real git
// (OFS deltas, REF deltas, deep chains, no deltas) go through Arbor's push indexer, and the .idx
// it answers must be byte for byte what `git index-pack --threads=1` writes for the same pack.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { adminToken, api, commitFiles, fastImportCommits, git, gitOut, initRepo, origin, randomData, tmpDir, useArbor } from './harness';

useArbor({ config: 'bench/wrangler.toml' }); // the bench worker: Arbor plus the benchmark routes

/** A repository whose packs have real deltas: text files edited over many commits, binaries. */
async function deltaRichRepo(): Promise<string> {
  const dir = await initRepo('idx');
  const lines = Array.from({ length: 300 }, (_, i) => `line ${i}: ${'lorem ipsum dolor sit amet '.repeat(1 + (i % 4))}`);
  const bin = randomData(40_000);
  for (let c = 0; c < 12; c++) {
    lines[(c * 37) % lines.length] = `edited in commit ${c}`;
    lines.splice((c * 53) % lines.length, 0, `inserted in commit ${c}`);
    bin.writeUInt32LE(c, (c * 997) % (bin.length - 4));
    await commitFiles(dir, {
      'src/big.txt': lines.join('\n') + '\n',
      [`src/part${c % 3}.txt`]: lines.slice(c * 10, c * 10 + 120).join('\n') + '\n',
      'assets/data.bin': { content: bin },
    }, `commit ${c}`);
  }
  await git(['tag', '-a', 'v1', '-m', 'release'], { cwd: dir });
  await fastImportCommits(dir, { count: 200, file: 'history.txt' });
  return dir;
}

/** `git pack-objects` over every object of the repository, to a file outside it. */
async function makePack(dir: string, out: string, args: string[]): Promise<Buffer> {
  const list = await gitOut(dir, ['rev-list', '--objects', '--all']);
  const r = await git(['pack-objects', '--stdout', '-q', '--threads=1', ...args], { cwd: dir, input: list + '\n' });
  await fs.writeFile(out, r.stdoutBuf);
  return r.stdoutBuf;
}

async function indexWithArbor(pack: Buffer, query = ''): Promise<{ idx: Buffer; stats: any }> {
  const res = await fetch(`${origin()}/v1/admin/bench/index${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken()}`, accept: 'application/octet-stream' },
    body: pack,
  });
  const idx = Buffer.from(await res.arrayBuffer());
  expect(res.status, idx.toString('utf8', 0, 300)).toBe(200);
  return { idx, stats: JSON.parse(res.headers.get('x-arbor-bench')!) };
}

describe('POST /v1/admin/bench/index', () => {
  test("the .idx of git's packs is byte-identical to `git index-pack --threads=1`'s", async () => {
    const dir = await deltaRichRepo();
    const work = await tmpDir('idx-packs');
    const kinds: Record<string, string[]> = {
      'ofs-deltas': ['--delta-base-offset', '--window=10', '--depth=50'],
      'ref-deltas': ['--window=10', '--depth=50'],
      'deep-chains': ['--delta-base-offset', '--window=250', '--depth=4095'],
      'no-deltas': ['--window=0', '--no-reuse-delta'],
    };
    for (const [kind, args] of Object.entries(kinds)) {
      const packPath = path.join(work, `${kind}.pack`);
      const pack = await makePack(dir, packPath, args);
      // git's own index, written outside any repository
      await git(['index-pack', '--threads=1', '-o', path.join(work, `${kind}.idx`), packPath], { cwd: work });
      const gitIdx = await fs.readFile(path.join(work, `${kind}.idx`));
      const verify = await gitOut(work, ['verify-pack', '-v', path.join(work, `${kind}.idx`)]);
      const deltas = [...verify.matchAll(/^[0-9a-f]{40} \w+\s+\d+ \d+ \d+ \d+ [0-9a-f]{40}$/gm)].length;
      if (kind === 'no-deltas') expect(deltas, kind).toBe(0);
      else expect(deltas, kind).toBeGreaterThan(20);

      const { idx, stats } = await indexWithArbor(pack);
      expect(idx.equals(gitIdx), `${kind}: .idx differs from git's`).toBe(true);
      expect(stats.objects).toBe(gitIdx.readUInt32BE(8 + 255 * 4));
      expect(stats.packBytes).toBe(pack.length);
      expect(stats.packChecksum).toBe(pack.subarray(pack.length - 20).toString('hex'));
      expect(stats.idxBytes).toBe(gitIdx.length);
      expect(stats.ms).toBeGreaterThan(0);
      // The judged runs' mode (the body read whole before the clock starts) indexes the same.
      const fromMemory = await indexWithArbor(pack, '?from=memory');
      expect(fromMemory.idx.equals(gitIdx), `${kind}: .idx from memory differs from git's`).toBe(true);
      expect(fromMemory.stats.chunks.count).toBe(stats.chunks.count);
    }
    // The JSON form answers the same digest.
    const pack = await fs.readFile(path.join(work, 'ref-deltas.pack'));
    const res = await fetch(`${origin()}/v1/admin/bench/index`, { method: 'POST', headers: { authorization: `Bearer ${adminToken()}` }, body: pack });
    const json = (await res.json()) as { idxSha1: string; phases: Record<string, number> };
    const { createHash } = await import('node:crypto');
    expect(json.idxSha1).toBe(createHash('sha1').update(await fs.readFile(path.join(work, 'ref-deltas.idx'))).digest('hex'));
    expect(Object.keys(json.phases).sort()).toEqual(['idx', 'index', 'receive', 'resolve']);
  });

  test('admin only; a broken pack is a 422 with a JSON error', async () => {
    const body = randomData(200_000);
    const anon = await fetch(`${origin()}/v1/admin/bench/index`, { method: 'POST', body });
    expect(anon.status).toBe(401);
    expect(((await anon.json()) as any).error.code).toBe('unauthorized');
    const wrong = await fetch(`${origin()}/v1/admin/bench/index`, { method: 'POST', headers: { authorization: 'Bearer nope' }, body });
    expect(wrong.status).toBe(401);

    const bad = await api('POST', '/v1/admin/bench/index', { body: 'PACK not really', headers: { 'content-type': 'application/x-git-pack' } });
    expect(bad.status, bad.text).toBe(422);
    expect(bad.json.error.code).toBe('bad_pack');
  });
});
