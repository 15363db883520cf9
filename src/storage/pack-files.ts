// Random access to stored pack files on DOFS through a small LRU of aligned windows, so that
// reading thousands of small objects in pack order touches each SQLite chunk about once.
import type { DOFS } from '../../dofs';
import type { Snapshot } from './snapshot';

const WINDOW = 256 * 1024;
const MAX_WINDOWS = 32; // 8 MiB

export const PACK_DIR = '/packs';

export function packPath(id: number): string {
  return `${PACK_DIR}/pack-${id}.pack`;
}

/** Removes the pack files no `owned` id names, except `live` uploads'. Returns how many went. */
export function sweepUnownedPacks(fs: DOFS, owned: ReadonlySet<number>, live: ReadonlySet<number>): number {
  if (!fs.existsSync(PACK_DIR)) return 0;
  let removed = 0;
  for (const name of fs.readdirSync(PACK_DIR)) {
    const m = /^pack-(\d+)\.pack$/.exec(name);
    if (!m || owned.has(Number(m[1])) || live.has(Number(m[1]))) continue;
    fs.rmrf(`${PACK_DIR}/${name}`);
    removed++;
  }
  return removed;
}

export class PackFiles {
  private readonly windows = new Map<string, Uint8Array>();
  /** A fork's snapshot: negative pack ids are its packs, read from R2 (storage/snapshot.ts). */
  snapshot: Snapshot | null = null;

  constructor(private readonly fs: DOFS) {}

  /** Bytes [start, end) of pack `id`. */
  read(id: number, start: number, end: number): Uint8Array {
    if (id < 0) return this.readUncached(id, start, end);
    const len = end - start;
    const first = Math.floor(start / WINDOW);
    const last = Math.floor((end - 1) / WINDOW);
    if (len <= 0) return new Uint8Array(0);
    if (first === last) {
      const w = this.window(id, first);
      return w.subarray(start - first * WINDOW, end - first * WINDOW);
    }
    if (len > 4 * WINDOW) return this.readUncached(id, start, end); // big object: bypass cache
    const out = new Uint8Array(len);
    let o = 0;
    for (let i = first; i <= last; i++) {
      const w = this.window(id, i);
      const from = i === first ? start - i * WINDOW : 0;
      const to = i === last ? end - i * WINDOW : w.length;
      out.set(w.subarray(from, to), o);
      o += to - from;
    }
    return out;
  }

  /** Bytes [start, end) of pack `id` read as they are, past the window cache (a big object, a
   *  fork's snapshot pack, or a caller that reads in its own batches, housekeeping/prefetch.ts). */
  readUncached(id: number, start: number, end: number): Uint8Array {
    if (id >= 0) return this.fs.read(packPath(id), start, end - start);
    if (!this.snapshot) throw new Error(`pack ${id} belongs to a snapshot this store does not have`);
    return this.snapshot.read(id, start, end);
  }

  forget(id: number): void {
    for (const k of [...this.windows.keys()]) if (k.startsWith(`${id}:`)) this.windows.delete(k);
  }

  clear(): void {
    this.windows.clear();
  }

  private window(id: number, index: number): Uint8Array {
    const key = `${id}:${index}`;
    let w = this.windows.get(key);
    if (w) {
      this.windows.delete(key); // refresh LRU position
      this.windows.set(key, w);
      return w;
    }
    w = this.fs.read(packPath(id), index * WINDOW, WINDOW);
    this.windows.set(key, w);
    if (this.windows.size > MAX_WINDOWS) this.windows.delete(this.windows.keys().next().value!);
    return w;
  }
}
