// Limits of one push, checked once its commands and push options are read and before a byte of
// its pack is: a refused push costs the server nothing but reading (and dropping) the body.
//   - ref updates per push: 10,000. GitHub answers a push of ~10k ref updates with an error and
//     takes 5k; another host caps them at 25k. A mirror of a bigger repository pushes in batches.
//   - push options: 100 per push, 4,096 bytes each (git sends each as one pkt-line; hosts use
//     a handful, e.g. ci.skip or merge_request.create).
//   - refs per repository: see storage/ref-limits.ts.
import { MAX_REFS_PER_REPO, TOO_MANY_REFS, refCountAfter } from '../storage/ref-limits';
import { ZERO_OID, type RefUpdate } from '../storage/refs';

export const MAX_PUSH_COMMANDS = 10_000;
export const MAX_PUSH_OPTIONS = 100;
export const MAX_PUSH_OPTION_BYTES = 4096;

export interface PushRefusal {
  /** For `unpack <reason>`: what git prints as "remote unpack failed". */
  unpack: string;
  /** For `ng <ref> <reason>` on every command. */
  ng: string;
}

/**
 * Why a push must be refused before its pack is read, or null. `commands` holds at most
 * MAX_PUSH_COMMANDS + 1 entries (readPushHead stops collecting there), `options` likewise.
 */
export function pushRefusal(commands: readonly RefUpdate[], options: readonly string[], refCount: () => number): PushRefusal | null {
  if (commands.length > MAX_PUSH_COMMANDS) {
    return { unpack: `push refused: more than ${MAX_PUSH_COMMANDS} ref updates in one push (split it into several pushes)`, ng: 'too many ref updates in one push' };
  }
  if (options.length > MAX_PUSH_OPTIONS) return { unpack: `push refused: more than ${MAX_PUSH_OPTIONS} push options`, ng: 'too many push options' };
  if (options.some((o) => o.length > MAX_PUSH_OPTION_BYTES)) {
    return { unpack: `push refused: a push option is longer than ${MAX_PUSH_OPTION_BYTES} bytes`, ng: 'push option too long' };
  }
  if (commands.some((c) => c.oldOid === ZERO_OID && c.newOid !== ZERO_OID)) {
    const after = refCountAfter(refCount(), commands);
    if (after > MAX_REFS_PER_REPO) {
      return { unpack: `push refused: the repository would have ${after} refs, at most ${MAX_REFS_PER_REPO} are allowed`, ng: TOO_MANY_REFS };
    }
  }
  return null;
}
