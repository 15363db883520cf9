// A V8 heap snapshot file read for the bench's summaries (heap-holders.mjs, heap-summary.mjs):
// the flat node and edge arrays with their field offsets, and each node's first edge index.
import fs from 'node:fs';

export function readSnapshot(file) {
  const snap = JSON.parse(fs.readFileSync(file, 'utf8'));
  const m = snap.snapshot.meta;
  const NF = m.node_fields.length, EF = m.edge_fields.length;
  const fi = (n) => m.node_fields.indexOf(n), ei = (n) => m.edge_fields.indexOf(n);
  const N = snap.nodes;
  const nodeCount = N.length / NF;
  const EC = fi('edge_count');
  const firstEdge = new Uint32Array(nodeCount + 1);
  for (let i = 0; i < nodeCount; i++) firstEdge[i + 1] = firstEdge[i] + N[i * NF + EC] * EF;
  return {
    NF, EF, N, E: snap.edges, S: snap.strings, nodeCount, firstEdge,
    nTypes: m.node_types[0], eTypes: m.edge_types[0],
    T: fi('type'), NAME: fi('name'), SELF: fi('self_size'), EC, ID: fi('id'),
    ET: ei('type'), EN: ei('name_or_index'), TO: ei('to_node'),
  };
}
