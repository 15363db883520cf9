// Keeps the Worker's bundle Latin-1 (issue 22, the isolate's resting heap). V8 holds a module's
// whole source in the isolate as one string, and one character above U+00FF anywhere in it (a
// comment esbuild keeps, a template literal, a regex) makes that string two bytes per
// character: the 1.5 MB bundle took 2.9 MiB of V8 heap instead of 1.45 (heap snapshot of the
// bench isolate: 8.46 -> 7.00 MiB live after a warm-up request once it was Latin-1).
//   node scripts/latin1.mjs          rewrites the known dependency literal (postinstall)
//   node scripts/latin1.mjs --check  bundles as `wrangler deploy` does, lists what is above U+00FF
// isomorphic-git's compareStrings has a regex with a literal U+FFFF; esbuild prints regexes as
// written, and wrangler exposes no esbuild `charset`, so the installed file gets the escape
// (same regex). Our own sources are kept Latin-1 by hand (`&rarr;` in HTML, ASCII in comments).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function patchDependencies() {
  for (const f of ['node_modules/isomorphic-git/index.js', 'node_modules/isomorphic-git/index.cjs']) {
    const file = path.join(ROOT, f);
    if (!fs.existsSync(file)) continue;
    const src = fs.readFileSync(file, 'utf8');
    const out = src.replace('/[\\ud800-\uffff]/', '/[\\ud800-\\uffff]/');
    if (out !== src) fs.writeFileSync(file, out);
  }
}

function check() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arbor-latin1-'));
  try {
    execFileSync('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', dir], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    const src = fs.readFileSync(path.join(dir, 'index.js'), 'utf8');
    const found = [...src.matchAll(/[^\u0000-\u00ff]/g)].map((m) => `U+${m[0].codePointAt(0).toString(16).toUpperCase().padStart(4, '0')} in ${JSON.stringify(src.slice(Math.max(0, m.index - 60), m.index + 20))}`);
    console.log(found.length ? `bundle is not Latin-1 (${found.length}):\n${found.join('\n')}` : `bundle is Latin-1 (${src.length} characters)`);
    return found.length === 0;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--check')) process.exitCode = check() ? 0 : 1;
else patchDependencies();
