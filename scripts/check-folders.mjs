#!/usr/bin/env node
// Folder import check (issue 16): the tree's folders must form a one-way graph. Reads every
// import and re-export (type-only ones included) of src/**, dofs/**, client/** and prints the
// folder graph; exits 1 on a folder cycle, on dofs/ importing src/, or on SQL in src/protocol/.
// The Worker entry (src/index.ts) and the Env type file (src/env.ts) sit above everything and
// may import anything, so they are not folders of the graph.
//   node scripts/check-folders.mjs [--graph]
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..');
const TOPS = ['src', 'dofs', 'client'];
const EXEMPT = new Set(['src/index.ts', 'src/env.ts']);

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name === 'node_modules' || name === 'test' || name === 'dist') continue;
      walk(p, out);
    } else if (/\.(ts|mts|js|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The folder a file belongs to: `src/<area>` (deeper folders fold into their area), `dofs`, `client`. */
function folderOf(rel) {
  const parts = rel.split('/');
  if (parts[0] === 'src' && parts.length > 2) return `src/${parts[1]}`;
  return parts[0];
}

function resolveImport(fromFile, spec) {
  if (!spec.startsWith('.')) return null; // a package
  const base = resolve(dirname(fromFile), spec);
  for (const cand of [base, `${base}.ts`, `${base}.js`, join(base, 'index.ts')]) {
    if (existsSync(cand) && statSync(cand).isFile()) return cand;
  }
  return existsSync(base) ? base : null; // e.g. a .wasm file
}

const IMPORT_RE = /(?:^|[;\n])\s*(?:import|export)\s+(?:type\s+)?(?:[\s\S]*?\sfrom\s+)?['"]([^'"]+)['"]/g;
const DYNAMIC_RE = /import\(\s*['"]([^'"]+)['"]\s*\)/g;

const edges = new Map(); // folder -> Map(folder -> [example "file -> file"])
const problems = [];
for (const top of TOPS) {
  const dir = join(ROOT, top);
  if (!existsSync(dir)) continue;
  for (const file of walk(dir)) {
    const rel = relative(ROOT, file);
    const text = readFileSync(file, 'utf8');
    if (rel.startsWith('src/protocol/') && /\bsql\.exec\b|\.sql\b|SqlStorage|transactionSync/.test(text)) problems.push(`${rel}: protocol code touches SQL`);
    if (EXEMPT.has(rel)) continue;
    const from = folderOf(rel);
    for (const re of [IMPORT_RE, DYNAMIC_RE]) {
      for (const m of text.matchAll(re)) {
        const target = resolveImport(file, m[1]);
        if (!target) continue;
        const trel = relative(ROOT, target);
        if (EXEMPT.has(trel) && from !== 'src') {
          if (trel === 'src/index.ts') problems.push(`${rel}: imports the Worker entry`);
          continue; // the Env type file is above the graph
        }
        const to = folderOf(trel);
        if (to === from) continue;
        if (from === 'dofs' && to !== 'dofs') problems.push(`${rel}: dofs/ imports ${trel}`);
        if (!edges.has(from)) edges.set(from, new Map());
        const m2 = edges.get(from);
        if (!m2.has(to)) m2.set(to, []);
        m2.get(to).push(`${rel} -> ${trel}`);
      }
    }
  }
}

// Strongly connected components (Tarjan): any with more than one folder is a cycle.
const nodes = new Set([...edges.keys(), ...[...edges.values()].flatMap((m) => [...m.keys()])]);
let index = 0;
const idx = new Map(), low = new Map(), onStack = new Set(), stack = [], sccs = [];
function strong(v) {
  idx.set(v, index); low.set(v, index); index++;
  stack.push(v); onStack.add(v);
  for (const w of edges.get(v)?.keys() ?? []) {
    if (!idx.has(w)) { strong(w); low.set(v, Math.min(low.get(v), low.get(w))); }
    else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
  }
  if (low.get(v) === idx.get(v)) {
    const comp = [];
    let w;
    do { w = stack.pop(); onStack.delete(w); comp.push(w); } while (w !== v);
    sccs.push(comp);
  }
}
for (const v of [...nodes].sort()) if (!idx.has(v)) strong(v);
const cycles = sccs.filter((c) => c.length > 1);

if (process.argv.includes('--graph')) {
  for (const [from, m] of [...edges].sort()) console.log(`${from} -> ${[...m.keys()].sort().join(', ')}`);
}
for (const c of cycles) {
  const set = new Set(c);
  console.log(`folder cycle: ${c.sort().join(' <-> ')}`);
  for (const from of c) {
    for (const [to, why] of edges.get(from) ?? []) if (set.has(to)) console.log(`  ${from} -> ${to}: ${why.slice(0, 3).join('; ')}${why.length > 3 ? ` (+${why.length - 3})` : ''}`);
  }
}
for (const p of problems) console.log(p);
console.log(`${nodes.size} folders, ${[...edges.values()].reduce((n, m) => n + m.size, 0)} folder arrows, ${cycles.length} folder cycles, ${problems.length} other problems`);
process.exit(cycles.length || problems.length ? 1 : 0);
