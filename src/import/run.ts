// An import, inside the repository's Durable Object: list the remote's refs, pick what to take,
// stream the pack into a new pack file through the same PackIngest as a push (bounded memory,
// every object hashed and checked, connectivity proven), and hand back what the caller commits
// in one transaction. Nothing here is visible until that commit; discard() undoes the file.
import type { RepoStore } from '../storage/repo-store';
import { IngestError } from '../storage/repo-store';
import type { IngestedPack, PackIngest } from '../storage/ingest';
import { isValidRefName } from '../storage/refs';
import { MAX_PUSH_BYTES } from '../http/body';
import { ImportError } from './errors';
import { RemoteClient } from './client';
import type { RemoteRef } from './messages';

export interface ImportOptions {
  url: URL;
  /** Full ref name (refs/heads/x): only this branch. Otherwise every branch and tag. */
  branch?: string;
  depth?: number;
  headers: Record<string, string>;
  idleMs?: number;
  /** The HTTP client (tests serve a hand-made remote); the runtime's fetch by default. */
  fetch?: typeof fetch;
  /** Allow private-network destinations, redirects included (ARBOR_ALLOW_PRIVATE_NETWORKS). */
  allowPrivate?: boolean;
}

export interface FetchedRemote {
  protocol: 0 | 1 | 2;
  refs: RemoteRef[];
  /** The ref HEAD should point at (one of refs when any branch was imported). */
  head: string;
  pack: IngestedPack | null;
  /** Commits of the pack whose parents were left out (stored as the shallow boundary). */
  shallows: string[];
  /** Removes the pack file (the commit failed). */
  discard(): void;
}

/** Which remote refs an import takes: branches and tags (or one branch), valid names only. */
export function selectRefs(refs: RemoteRef[], branch?: string): RemoteRef[] {
  const keep = refs.filter((r) => (branch ? r.name === branch : r.name.startsWith('refs/heads/') || r.name.startsWith('refs/tags/')));
  return keep.filter((r) => isValidRefName(r.name));
}

/** HEAD of the new repository: the remote's HEAD target if imported, else main/master/the first branch. */
export function chooseHead(refs: RemoteRef[], remoteHead: string | null, branch?: string): string {
  if (branch) return branch;
  const branches = refs.filter((r) => r.name.startsWith('refs/heads/')).map((r) => r.name);
  if (remoteHead && (branches.includes(remoteHead) || branches.length === 0) && remoteHead.startsWith('refs/heads/') && isValidRefName(remoteHead)) {
    return remoteHead;
  }
  for (const c of ['refs/heads/main', 'refs/heads/master']) if (branches.includes(c)) return c;
  return branches[0] ?? 'refs/heads/main';
}

export async function fetchRemote(store: RepoStore, opts: ImportOptions): Promise<FetchedRemote> {
  const client = new RemoteClient({ url: opts.url, headers: opts.headers, idleMs: opts.idleMs, fetch: opts.fetch, allowPrivate: opts.allowPrivate });
  const prefixes = opts.branch ? ['HEAD', opts.branch] : ['HEAD', 'refs/heads/', 'refs/tags/'];
  const remote = await client.refs(prefixes);
  const refs = selectRefs(remote.refs, opts.branch);
  if (opts.branch && refs.length === 0) throw new ImportError('branch_not_found', `the remote has no branch ${opts.branch.slice(11, 300)}`);
  const head = chooseHead(refs, remote.headTarget, opts.branch);
  const nothing = { protocol: remote.protocol, refs, head, pack: null, shallows: [], discard: () => {} };
  if (refs.length === 0) return nothing; // an empty remote imports as an empty repository
  const wants = [...new Set(refs.map((r) => r.oid))];
  const answer = await remote.fetchPack(wants, opts.depth);
  const shallowSet = new Set([...answer.shallows, ...remote.shallows]);
  const ingest: PackIngest = store.beginPack(MAX_PUSH_BYTES, shallowSet);
  try {
    let bytes = 0;
    for await (const chunk of answer.pack) {
      bytes += chunk.length;
      ingest.write(chunk);
    }
    if (bytes === 0) throw new ImportError('invalid_pack', 'the remote sent no pack');
    const pack = await ingest.finish();
    for (const w of wants) {
      if (!pack.has(w)) throw new ImportError('invalid_pack', `the remote's pack lacks ${w}, which a ref points at`);
    }
    return {
      protocol: remote.protocol,
      refs,
      head,
      pack,
      shallows: [...shallowSet].filter((s) => pack.has(s)),
      discard: () => ingest.discardFile(),
    };
  } catch (e) {
    answer.cancel();
    ingest.discardFile();
    if (e instanceof IngestError) {
      if (/exceeds the \d+-byte limit/.test(e.message)) throw new ImportError('pack_too_large', e.message);
      throw new ImportError('invalid_pack', `the remote's pack is invalid: ${e.message}`);
    }
    throw e;
  }
}
