// A ref update of a fork whose snapshot bytes may not be in memory (storage/snapshot.ts). The
// checks of RepoStore.commitPush read objects synchronously: a branch rule's fast-forward check
// walks commits that may sit in the origin's packs, and a read of bytes not fetched yet throws
// NeedBytes, which would fail a push that is otherwise fine. Here every read those checks make
// is done first, awaiting the bytes it faults for, and its answer is handed to commitPush, so
// the refs move once, after every check is decided, and never on a guess.
import { ffKey, isAncestorIn } from './push-commit';
import type { IngestedPack } from './ingested';
import type { RefUpdate, RefUpdateResult } from './refs';
import type { RepoStore } from './repo-store';
import type { WriteRoute } from './rules';
import { needBytesIn, withSnapshotBytes } from './snapshot';

/** RepoStore.commitPush with the reads its checks make settled first (a no-op for a DO without a snapshot). */
export async function commitPushSettled(
  store: RepoStore,
  pack: IngestedPack | null,
  updates: RefUpdate[],
  atomic: boolean,
  via: WriteRoute = 'push',
): Promise<RefUpdateResult[]> {
  const snap = store.objects.snapshot;
  if (!snap || snap.empty) return store.commitPush(pack, updates, atomic, via);
  const decided = new Map<string, boolean>();
  const rules = store.rules().set();
  const read = (oid: string) => pack?.read(oid) ?? store.objects.find(oid);
  if (!rules.empty) {
    for (const u of updates) {
      // Ask the rules with a probe: only an update they would check needs the walk.
      let asked = false;
      rules.refusal(u, via, () => ((asked = true), true));
      if (!asked || decided.has(ffKey(u))) continue;
      decided.set(ffKey(u), await withSnapshotBytes(snap, () => isAncestorIn(store, u.oldOid, u.newOid, read), false));
    }
  }
  // Without a pack, a new tip must be reachable: the reach walker's first steps read the tips.
  if (!pack) await withSnapshotBytes(snap, () => store.prepareReach(), false);
  // What is left may still fault (a walker resumed further, a tag peeled for the tag cache): a
  // NeedBytes out of commitPush comes from a check or from inside its transaction, which rolled
  // back, so no ref moved and running it again is safe.
  for (let attempt = 0; ; attempt++) {
    try {
      return store.commitPush(pack, updates, atomic, via, decided);
    } catch (e) {
      const need = needBytesIn(e);
      if (!need || attempt >= 50) throw e;
      await snap.fill(need);
    }
  }
}
