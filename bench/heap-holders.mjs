// Who holds the ArrayBuffer memory in a V8 heap snapshot (from bench/housekeeping-memory.mjs):
// the live backing stores summed, grouped by the first object of their retainer path that names
// a holder (WorkList, ByteLru, PackFiles...). A snapshot is taken after a full GC, so everything
// in it is live.   node bench/heap-holders.mjs file.heapsnapshot
import { readSnapshot } from './heap-snapshot.mjs';
const { NF, EF, N, E, S, nodeCount, firstEdge, nTypes, eTypes, T, NAME, SELF, ET, EN, TO } = readSnapshot(process.argv[2]);
// retainers
const retainers = Array.from({ length: nodeCount }, () => []);
for (let i = 0; i < nodeCount; i++) for (let e = firstEdge[i]; e < firstEdge[i + 1]; e += EF) {
  const to = E[e + TO] / NF; const et = eTypes[E[e + ET]];
  if (et === 'weak') continue;
  retainers[to].push([i, et === 'element' || et === 'hidden' ? String(E[e + EN]) : S[E[e + EN]]]);
}
const name = (i) => `${nTypes[N[i * NF + T]]}:${S[N[i * NF + NAME]]}`.slice(0, 80);
let total = 0; const bufs = [];
const byName = new Map();
for (let i = 0; i < nodeCount; i++) {
  const nm = S[N[i * NF + NAME]], ty = nTypes[N[i * NF + T]];
  const k = ty + ':' + nm; const s = N[i * NF + SELF];
  const a = byName.get(k) ?? [0, 0]; a[0] += s; a[1]++; byName.set(k, a);
  if (/ArrayBufferData|backing_store|JSArrayBufferData/i.test(nm)) { total += s; bufs.push(i); }
}
console.log('total self size', (N.filter((_, j) => j % NF === SELF).reduce((a, b) => a + b, 0) / 2 ** 20).toFixed(1), 'MiB; array buffer data', (total / 2 ** 20).toFixed(1), 'MiB in', bufs.length);
console.log([...byName].sort((a, b) => b[1][0] - a[1][0]).slice(0, 15).map(([k, [s, c]]) => `${(s / 2 ** 20).toFixed(1)} MiB x${c} ${k.slice(0, 70)}`).join('\n'));
bufs.sort((a, b) => N[b * NF + SELF] - N[a * NF + SELF]);
// group buffers by retainer path signature
const path = (i, depth = 8) => { const out = []; let cur = i; const seen = new Set();
  for (let d = 0; d < depth; d++) { const r = retainers[cur].find(([p]) => !seen.has(p)); if (!r) break; seen.add(r[0]); out.push(`${r[1]}<-${name(r[0])}`); cur = r[0]; } return out.join(' | '); };
const groups = new Map();
for (const b of bufs) { const k = path(b, 6); const g = groups.get(k) ?? [0, 0]; g[0] += N[b * NF + SELF]; g[1]++; groups.set(k, g); }
for (const [k, [s, c]] of [...groups].sort((a, b) => b[1][0] - a[1][0]).slice(0, 12)) console.log(`\n${(s / 2 ** 20).toFixed(1)} MiB x${c}: ${k}`);
const cats = new Map();
for (const [k, [s, c]] of groups) {
  const cat = (/WorkList|PackFiles|ByteLru|PackBuilder|Marker|OidTable|OidIndex|rt<-|Build|ObjectStore|cache/.exec(k) ?? ['other: ' + k.slice(0, 200)])[0];
  const g = cats.get(cat) ?? [0, 0]; g[0] += s; g[1] += c; cats.set(cat, g);
}
console.log('\nBY HOLDER'); for (const [k, [s, c]] of [...cats].sort((a, b) => b[1][0] - a[1][0])) console.log(`${(s / 2 ** 20).toFixed(1)} MiB x${c} ${k}`);
