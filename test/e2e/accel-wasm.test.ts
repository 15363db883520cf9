// Objects written by the commit API with the accelerator forced to Wasm (ARBOR_ACCEL=wasm:
// every zlib stream comes from zig/deflate.zig) are accepted by git: a clone passes
// `git fsck --strict` and `git verify-pack`, and has exactly the committed bytes. The clone's
// pack reuses the stored streams as they are, so git inflates what the Wasm deflater wrote;
// the test checks that it did (some streams differ from zlib's for the same data and level).
import { readFile, readdir } from 'node:fs/promises';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { api, cloneRepo, createRepo, fsckStrict, git, gitOut, randomData, revParse, useArbor, type RepoInfo } from './harness';

useArbor({ vars: { ARBOR_ACCEL: 'wasm' } });

const WHO = { name: 'Arbor E2E', email: 'e2e@arbor.test', date: 1_700_000_000 };

async function apiCommit(repo: RepoInfo, body: Record<string, unknown>) {
  const r = await api('POST', `/v1/repos/${repo.namespace}/${repo.name}/commits`, { body: { branch: 'main', author: WHO, ...body } });
  if (r.status !== 201) throw new Error(`commit: ${r.status} ${r.text.slice(0, 1000)}`);
  return r.json as { commit: string };
}

/** Source-like text that compresses about 3:1, deterministic. */
function sourceText(n: number, seed: number): string {
  const words = ['const', 'return', 'function', 'import', 'export', 'value', 'index', 'data', '=>', '{', '}', '(', ')', 'tree', 'commit'];
  let s = '';
  let x = seed;
  while (s.length < n) {
    x = (x * 1103515245 + 12345) >>> 0;
    s += (x >>> 16) % 9 === 0 ? '\n  ' : `${words[(x >>> 8) % words.length]}${(x >>> 20) % 5 === 0 ? (x >>> 4) % 1000 : ''} `;
  }
  return s.slice(0, n);
}

describe('commit API with ARBOR_ACCEL=wasm', () => {
  test('objects deflated by the Wasm module pass git fsck --strict and verify-pack', async () => {
    const repo = await createRepo('accel-wasm');
    const files: Record<string, Buffer> = {
      'empty.txt': Buffer.alloc(0),
      'one.txt': Buffer.from('x'),
      'zeros.bin': Buffer.alloc(300_000),
      'random.bin': randomData(100_000), // incompressible: stored blocks
      'big.ts': Buffer.from(sourceText(1_200_000, 7)), // many 16 Ki-symbol blocks
    };
    for (let i = 0; i < 60; i++) files[`src/mod${i % 6}/file${i}.ts`] = Buffer.from(sourceText(200 + i * 97, i));
    const first = await apiCommit(repo, {
      message: 'files of every shape',
      changes: Object.entries(files).map(([p, b]) => ({ action: 'create', path: p, content: b.toString('base64'), encoding: 'base64' })),
    });
    // A second commit rewrites trees and adds edited versions of blobs.
    files['big.ts'] = Buffer.from(sourceText(1_200_000, 7).replace(/commit/g, 'COMMIT'));
    files['src/mod1/file1.ts'] = Buffer.from('changed\n');
    const second = await apiCommit(repo, {
      message: 'edits',
      changes: ['big.ts', 'src/mod1/file1.ts'].map((p) => ({ action: 'update', path: p, content: files[p].toString('base64'), encoding: 'base64' })),
    });

    const { dir } = await cloneRepo(repo.remote, { token: repo.token });
    expect(await revParse(dir, 'HEAD')).toBe(second.commit);
    expect(await revParse(dir, 'HEAD~1')).toBe(first.commit);
    await fsckStrict(dir);
    for (const [p, b] of Object.entries(files)) expect((await readFile(path.join(dir, p))).equals(b), p).toBe(true);

    const packDir = path.join(dir, '.git/objects/pack');
    const packs = (await readdir(packDir)).filter((f) => f.endsWith('.pack'));
    expect(packs.length).toBeGreaterThan(0);
    for (const p of packs) await git(['verify-pack', path.join(packDir, p)], { cwd: dir });

    // The clone carries the stored streams byte for byte: at least the big blobs' streams
    // must differ from what zlib writes for the same data at the commit API's level (1).
    const pack = await readFile(path.join(packDir, packs[0]));
    const verbose = await gitOut(dir, ['verify-pack', '-v', path.join(packDir, packs[0])]);
    let differing = 0;
    let whole = 0;
    for (const line of verbose.split('\n')) {
      const m = /^([0-9a-f]{40}) (blob|tree|commit) +(\d+) (\d+) (\d+)$/.exec(line);
      if (!m) continue;
      const [, , , size, packed, offset] = m;
      if (Number(size) < 4096) continue;
      whole++;
      // A whole object's entry is its varint type/size header, then the zlib stream.
      const entry = pack.subarray(Number(offset), Number(offset) + Number(packed));
      let h = 0;
      while (entry[h] & 0x80) h++;
      const stream = entry.subarray(h + 1);
      const data = zlib.inflateSync(stream);
      expect(data.length).toBe(Number(size));
      if (!stream.equals(zlib.deflateSync(data, { level: 1 }))) differing++;
    }
    expect(whole).toBeGreaterThan(0);
    expect(differing).toBeGreaterThan(0);
  });
});
