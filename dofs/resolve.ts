// Path lookup: canonical path -> mount, existing node, or "absent but creatable".
//
// The common case costs one primary-key lookup: nodes are keyed by their real
// canonical path, so an existing entry reached without symlinks is found
// directly. Only on a miss do we look at the ancestors (one batched query) to
// tell ENOENT from ENOTDIR and to find a symlinked directory in the middle of
// the path, which is then spliced in and the lookup retried.

import type { DofsError, DofsErrorCode } from './errors';
import type { MountHit, MountTable } from './mounts';
import { ancestors, dirname, resolveLinkTarget } from './paths';
import type { NodeRow } from './schema';
import { getNode, getNodes, ROOT } from './schema';

/** Builds the error for the call being made; `reason` (from a mount provider) is appended to the message. */
export type Fail = (code: DofsErrorCode, reason?: string) => DofsError;

/** Linux's limit on symlinks followed in one lookup. */
const MAX_SYMLINK_HOPS = 40;

export type Target =
  /** Served by a mount provider. */
  | { at: 'mount'; path: string; mount: MountHit }
  /** An existing node (a symlink only when not following the last component). */
  | { at: 'node'; path: string; node: NodeRow }
  /** Does not exist, but its parent is an existing directory: it can be created at `path`. */
  | { at: 'absent'; path: string };

/**
 * Resolve canonical `path`. Symlinks in leading components are always followed;
 * the last component only when `follow` (stat vs lstat). Throws ENOENT when a
 * leading directory is missing, ENOTDIR when one is a file, ELOOP on cycles.
 * `fail` builds those errors, labelled as the caller wants (Node reports the
 * caller's own spelling of the path, and rename reports both paths).
 */
export function resolve(sql: SqlStorage, mounts: MountTable, path: string, follow: boolean, fail: Fail): Target {
  for (let hops = 0; hops <= MAX_SYMLINK_HOPS; hops++) {
    const mount = mounts.size ? mounts.find(path) : null;
    if (mount) return { at: 'mount', path, mount };

    const node = getNode(sql, path);
    if (node) {
      if (node.kind === 'symlink' && follow) {
        path = resolveLinkTarget(path, node.target ?? '');
        continue;
      }
      return { at: 'node', path, node };
    }

    // Missing: find the deepest ancestor that exists (the root always does).
    const chain = ancestors(path);
    const found = getNodes(sql, chain);
    let anc: NodeRow = ROOT;
    for (let i = chain.length - 1; i >= 0; i--) {
      const n = found.get(chain[i]);
      if (n) { anc = n; break; }
    }
    if (anc.kind === 'dir') {
      if (anc.path === dirname(path)) return { at: 'absent', path };
      throw fail('ENOENT');
    }
    if (anc.kind === 'file') throw fail('ENOTDIR');
    // A symlink in the middle of the path: continue from where it points.
    path = resolveLinkTarget(anc.path, anc.target ?? '') + path.slice(anc.path.length);
    path = path.startsWith('//') ? path.slice(1) : path; // link to '/' + '/rest'
  }
  throw fail('ELOOP');
}
