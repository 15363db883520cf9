// Summarizes a V8 heap snapshot (from bench/heap-rest.mjs or the inspector) by what holds the
// memory: totals by node type, the largest constructors, compiled code and bytecode by script,
// and the retained size (dominator tree) of the biggest holders.
//   node bench/heap-summary.mjs file.heapsnapshot [top]
import { readSnapshot } from './heap-snapshot.mjs';
const { NF, EF, N, E, S, nodeCount: n, firstEdge: first, nTypes, eTypes, T, NAME, SELF, ET, EN, TO } = readSnapshot(process.argv[2]);
const TOP = Number(process.argv[3] ?? 25);
const MiB = (b) => (b / 2 ** 20).toFixed(2);
const type = (i) => nTypes[N[i * NF + T]];
const nm = (i) => S[N[i * NF + NAME]];
const self = (i) => N[i * NF + SELF];
const edgeName = (e) => { const t = eTypes[E[e + ET]]; return t === 'element' || t === 'hidden' ? String(E[e + EN]) : S[E[e + EN]]; };
let total = 0;
const byType = new Map(), byName = new Map();
for (let i = 0; i < n; i++) {
  const s = self(i); total += s;
  byType.set(type(i), (byType.get(type(i)) ?? 0) + s);
  const k = `${type(i)}:${nm(i).slice(0, 60)}`;
  const a = byName.get(k) ?? [0, 0]; a[0] += s; a[1]++; byName.set(k, a);
}
console.log(`${n} nodes, ${MiB(total)} MiB self size in all`);
console.log('\nBY NODE TYPE'); for (const [k, s] of [...byType].sort((a, b) => b[1] - a[1])) console.log(`${MiB(s).padStart(8)}  ${k}`);
console.log('\nBY TYPE:NAME'); for (const [k, [s, c]] of [...byName].sort((a, b) => b[1][0] - a[1][0]).slice(0, TOP)) console.log(`${MiB(s).padStart(8)}  x${c}  ${k}`);

// Dominator tree (Cooper-Harvey-Kennedy over a post-order), root = node 0; weak edges ignored.
const preds = Array.from({ length: n }, () => []);
for (let i = 0; i < n; i++) for (let e = first[i]; e < first[i + 1]; e += EF) {
  if (eTypes[E[e + ET]] === 'weak') continue;
  preds[E[e + TO] / NF].push(i);
}
const po = new Int32Array(n).fill(-1), order = [];
{ const stack = [[0, first[0]]]; const seen = new Uint8Array(n); seen[0] = 1;
  while (stack.length) { const top = stack[stack.length - 1]; const [i] = top;
    if (top[1] < first[i + 1]) { const e = top[1]; top[1] += EF; if (eTypes[E[e + ET]] === 'weak') continue; const t = E[e + TO] / NF; if (!seen[t]) { seen[t] = 1; stack.push([t, first[t]]); } }
    else { po[i] = order.length; order.push(i); stack.pop(); } } }
const idom = new Int32Array(n).fill(-1); idom[0] = 0;
const intersect = (a, b) => { while (a !== b) { while (po[a] < po[b]) a = idom[a]; while (po[b] < po[a]) b = idom[b]; } return a; };
for (let changed = true; changed;) { changed = false;
  for (let k = order.length - 2; k >= 0; k--) { const i = order[k]; let d = -1;
    for (const p of preds[i]) { if (po[p] < 0 || idom[p] < 0) continue; d = d < 0 ? p : intersect(p, d); }
    if (d >= 0 && idom[i] !== d) { idom[i] = d; changed = true; } } }
const retained = new Float64Array(n);
for (const i of order) { retained[i] += self(i); if (i !== 0) retained[idom[i]] += retained[i]; }
const label = (i) => `${type(i)}:${nm(i).slice(0, 70)}`;
// the holders: nodes whose retained size is big and whose dominator is a root-ish node
console.log('\nLARGEST RETAINED (not counting (GC roots)-level synthetic nodes)');
const cand = [];
for (let i = 1; i < n; i++) if (type(i) !== 'synthetic' && retained[i] > 100 * 1024) cand.push(i);
cand.sort((a, b) => retained[b] - retained[a]);
const shown = [];
for (const i of cand) {
  // skip nodes dominated by an already shown one (nested)
  let d = idom[i], nested = false; while (d !== 0 && d !== idom[d]) { if (shown.includes(d)) { nested = true; break; } d = idom[d]; }
  if (nested) continue;
  shown.push(i);
  // a retainer path for context
  const via = preds[i].slice(0, 2).map((p) => label(p)).join(' / ');
  console.log(`${MiB(retained[i]).padStart(8)}  ${label(i)}   <- ${via}`);
  if (shown.length >= TOP) break;
}
// compiled code by script: each SharedFunctionInfo's own size plus the self sizes of the code
// objects it points to (bytecode, baseline/optimized code, scope info, feedback metadata), by
// the script it belongs to
console.log('\nCODE (SharedFunctionInfo + its bytecode/code/scope/feedback objects, self sizes) BY SCRIPT');
const scriptOf = new Map();
const counted = new Uint8Array(n);
for (let i = 0; i < n; i++) {
  if (!nm(i).startsWith('system / SharedFunctionInfo')) continue;
  let script = null;
  let sub = self(i);
  for (let e = first[i]; e < first[i + 1]; e += EF) {
    const t = E[e + TO] / NF;
    const en = edgeName(e);
    if (en === 'script' || en === 'script_or_debug_info') script = t;
    // the outer scope's info is shared by every function of that scope: counted once, below
    else if (type(t) === 'code' && !(en.startsWith('raw_outer_scope_info') && nm(t).endsWith('ScopeInfo')) && !counted[t]) {
      counted[t] = 1;
      sub += self(t);
    }
  }
  const key = script === null ? '(no script)' : nm(script).split('/').slice(-2).join('/') || '(anon)';
  const a = scriptOf.get(key) ?? [0, 0];
  a[0] += sub;
  a[1]++;
  scriptOf.set(key, a);
}
for (const [k, [s, c]] of [...scriptOf].sort((a, b) => b[1][0] - a[1][0]).slice(0, TOP)) console.log(`${MiB(s).padStart(8)}  x${c}  ${k}`);
