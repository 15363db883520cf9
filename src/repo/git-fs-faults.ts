// The RPC fs of a fork (git-fs.ts): its view reads the origin's packs from R2 as the synchronous
// read path faults for them (storage/snapshot.ts). The caller's isomorphic-git would take a
// failed read for "not found", so a call that faulted never answers: the bytes are fetched and
// the call runs again. Every fs call is one step of the view that faults before it changes
// anything (object writes check first; a ref write decides its checks before the ref moves,
// storage/push-settle.ts), so running it again is safe.
import type { GitView } from '../storage/git-view';
import { needBytesIn, type Snapshot } from '../storage/snapshot';

export interface SnapshotFaults {
  snapshot: Snapshot;
  view: GitView;
}

/** Bound on fetches for one call (each brings a read-ahead of windows). */
const MAX_FILLS = 200;

export async function retryOnFault<T>(fn: () => T | Promise<T>, faults: SnapshotFaults | undefined): Promise<T> {
  if (!faults) return fn();
  await faults.snapshot.ready();
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const need = needBytesIn(e);
      if (!need || attempt >= MAX_FILLS) throw e;
      faults.view.fault = null; // answered below: the call runs again on the fetched bytes
      await faults.snapshot.fill(need);
    }
  }
}
