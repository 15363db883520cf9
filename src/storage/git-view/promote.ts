// A ref write through the view: the pending loose objects the new tip needs become one pack,
// ingested by the same path as a push (PackIngest: hashing, fsck checks, connectivity), and
// the ref moves with the same compare-and-swap, events and webhooks (RepoStore.commitPush).
import { parseCommit, parseTag, walkTree, bytesToHex, PackWriter, typeNum } from '../../pack';
import type { IngestedPack, PackIngest } from '../ingest';
import type { RepoStore } from '../repo-store';
import { parseLoose } from './loose';
import type { PendingObjects } from './pending';

const GITLINK = 0o160000; // a submodule's commit lives in another repository
const PACK_CHUNK = 1 << 20;
/** What one ref write may carry from the pending objects (the view's own limit on memory). */
export const MAX_PROMOTE_OBJECTS = 100_000;

export class MissingObject extends Error {
  constructor(readonly oid: string) {
    super(`missing object ${oid}`);
  }
}

/**
 * The pending objects reachable from `tip` that the store lacks, in an order fit for a pack
 * (any order is: no deltas). Stops at stored objects, whose closure the store vouches for.
 * Throws MissingObject when something is neither pending nor stored.
 */
export function pendingClosure(store: RepoStore, pending: PendingObjects, tip: string, maxSize: number): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const stack = [tip];
  while (stack.length > 0) {
    const oid = stack.pop()!;
    if (seen.has(oid)) continue;
    seen.add(oid);
    if (store.objects.has(oid)) continue;
    const loose = pending.read(oid);
    if (!loose) throw new MissingObject(oid);
    if (out.length >= MAX_PROMOTE_OBJECTS) throw new Error(`a ref update through the view may bring at most ${MAX_PROMOTE_OBJECTS} new objects`);
    out.push(oid);
    const { type, data } = parseLoose(loose, maxSize);
    if (type === 'commit') {
      const c = parseCommit(data);
      stack.push(c.tree, ...c.parents);
    } else if (type === 'tag') {
      stack.push(parseTag(data).object);
    } else if (type === 'tree') {
      walkTree(data, (mode, _m, _n, _e, at) => {
        if (mode !== GITLINK) stack.push(bytesToHex(data, at));
      });
    }
  }
  return out;
}

/** Writes the given pending objects as one pack through the push's ingest path. */
export async function ingestPending(store: RepoStore, pending: PendingObjects, oids: string[], maxSize: number): Promise<{ ingest: PackIngest; pack: IngestedPack }> {
  const ingest = store.beginPack();
  try {
    const w = new PackWriter(oids.length, { level: 1 });
    let parts: Uint8Array[] = [w.header()];
    let n = 12;
    const flush = () => {
      const out = new Uint8Array(n);
      let o = 0;
      for (const p of parts) {
        out.set(p, o);
        o += p.length;
      }
      ingest.write(out);
      parts = [];
      n = 0;
    };
    for (const oid of oids) {
      const { type, data } = parseLoose(pending.read(oid)!, maxSize);
      const entry = w.object(typeNum(type), data);
      parts.push(entry);
      n += entry.length;
      if (n >= PACK_CHUNK) flush();
    }
    const trailer = w.finish();
    parts.push(trailer);
    n += trailer.length;
    flush();
  } catch (e) {
    ingest.abort();
    throw e;
  }
  const pack = await ingest.finish(); // removes its file itself when it fails
  return { ingest, pack };
}
