// Partial clone object filters (git's list-objects-filter): blob:none, blob:limit=<n>[kmg],
// tree:<depth>, object:type=<type>, combine:<a>+<b>. Objects a client names in a want are
// always sent; the filter only prunes what the walk discovers.
export type FilterSpec =
  | { kind: 'blob:none' }
  | { kind: 'blob:limit'; bytes: number }
  | { kind: 'tree'; depth: number }
  | { kind: 'object:type'; type: 'commit' | 'tree' | 'blob' | 'tag' }
  | { kind: 'combine'; parts: FilterSpec[] };

export class FilterError extends Error {}

export function parseFilter(spec: string): FilterSpec {
  if (spec === 'blob:none') return { kind: 'blob:none' };
  let m = /^blob:limit=(\d+)([kmg]?)$/i.exec(spec);
  if (m) {
    const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
    return { kind: 'blob:limit', bytes: Number(m[1]) * unit };
  }
  m = /^tree:(\d+)$/.exec(spec);
  if (m) return { kind: 'tree', depth: Number(m[1]) };
  m = /^object:type=(commit|tree|blob|tag)$/.exec(spec);
  if (m) return { kind: 'object:type', type: m[1] as 'commit' | 'tree' | 'blob' | 'tag' };
  if (spec.startsWith('combine:')) {
    const parts = spec.slice(8).split('+');
    if (parts.length < 2 || parts.some((p) => p === '')) throw new FilterError(`invalid filter-spec '${spec.slice(0, 100)}'`);
    return { kind: 'combine', parts: parts.map((p) => parseFilter(decodeURIComponent(p))) };
  }
  if (spec.startsWith('sparse:')) throw new FilterError(`filter '${spec.slice(0, 100)}' is not supported by this server`);
  throw new FilterError(`invalid filter-spec '${spec.slice(0, 100)}'`);
}

/** Whether an object found by the walk at `depth` (root tree = 0) is sent. */
export function filterKeeps(f: FilterSpec, type: 'commit' | 'tree' | 'blob' | 'tag', depth: number, size: () => number): boolean {
  switch (f.kind) {
    case 'blob:none':
      return type !== 'blob';
    case 'blob:limit':
      return type !== 'blob' || size() < f.bytes;
    case 'tree':
      return (type !== 'tree' && type !== 'blob') || depth < f.depth;
    case 'object:type':
      return type === f.type;
    case 'combine':
      return f.parts.every((p) => filterKeeps(p, type, depth, size));
  }
}

/** Whether the walk must look inside a tree at `depth` (false only when nothing below can be kept). */
export function filterDescends(f: FilterSpec, depth: number): boolean {
  switch (f.kind) {
    case 'tree':
      return depth + 1 < f.depth;
    case 'combine':
      return f.parts.every((p) => filterDescends(p, depth));
    case 'object:type':
      return f.type === 'tree' || f.type === 'blob';
    default:
      return true;
  }
}
