// Deterministic synthetic repository via `git fast-import`: `commits` commits, each touching
// `perCommit` files among `files` text files spread over nested directories (so packs have real
// deltas), plus occasional binary blobs. Usage: node gen-repo.mjs <dir> <commits> <files> <perCommit>
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

export function generateRepo(dir, { commits = 1000, files = 2000, perCommit = 8, binBytes = 0, seed = 1 } = {}) {
  mkdirSync(dir, { recursive: true });
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', dir]);
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'iota', 'kappa', 'lambda', 'mu'];
  const contents = new Array(files).fill(null).map((_, i) => {
    const lines = [];
    const n = 20 + Math.floor(rnd() * 60);
    for (let l = 0; l < n; l++) lines.push(`${i}:${l} ${words[Math.floor(rnd() * words.length)]} ${Math.floor(rnd() * 1e6)}`);
    return lines;
  });
  const pathOf = (i) => `src/m${i % 17}/d${i % 5}/file-${i}.txt`;
  const chunks = [];
  let mark = 0;
  let t = 1_600_000_000;
  for (let c = 0; c < commits; c++) {
    const touched = c === 0 ? contents.map((_, i) => i) : Array.from({ length: perCommit }, () => Math.floor(rnd() * files));
    const msg = `commit ${c}\n`;
    chunks.push(`commit refs/heads/main\nmark :${++mark}\ncommitter Bench <bench@example.com> ${t} +0000\ndata ${Buffer.byteLength(msg)}\n${msg}`);
    if (c > 0) chunks.push(`from :${mark - 1}\n`);
    for (const i of touched) {
      const lines = contents[i];
      if (c > 0) lines[Math.floor(rnd() * lines.length)] = `${i} edit ${c} ${words[Math.floor(rnd() * words.length)]}`;
      if (c > 0 && rnd() < 0.3) lines.push(`${i} added ${c}`);
      const body = lines.join('\n') + '\n';
      chunks.push(`M 100644 inline ${pathOf(i)}\ndata ${Buffer.byteLength(body)}\n${body}`);
    }
    if (binBytes > 0) {
      // An incompressible blob per commit (like build artefacts or images in real repositories).
      const bin = Buffer.alloc(binBytes);
      for (let b = 0; b < binBytes; b += 4) bin.writeUInt32LE((Math.imul(s = (Math.imul(s, 1664525) + 1013904223) >>> 0, 2654435761) >>> 0), Math.min(b, binBytes - 4));
      chunks.push(`M 100644 inline assets/a${c % 97}/blob-${c}.bin\ndata ${binBytes}\n`, bin, '\n');
    }
    chunks.push('\n');
    t += 3600;
  }
  const input = Buffer.concat(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)));
  const r = spawnSync('git', ['fast-import', '--quiet'], { cwd: dir, input, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error('fast-import failed: ' + r.stderr);
  execFileSync('git', ['repack', '-adq', '--window=10', '--depth=50'], { cwd: dir });
  return dir;
}

if (process.argv[1] && process.argv[1].endsWith('gen-repo.mjs')) {
  const [dir, commits, files, perCommit, binBytes] = process.argv.slice(2);
  generateRepo(dir, { commits: Number(commits ?? 1000), files: Number(files ?? 2000), perCommit: Number(perCommit ?? 8), binBytes: Number(binBytes ?? 0) });
  console.log(dir);
}
