// Shared helpers for the storage and protocol tests: git objects built by hand in the exact
// formats git writes, packs built with our PackWriter, and a RepoStore inside a real Durable
// Object (workerd SQLite + DOFS).
import { env } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { concatBytes as concat, createDelta, hashObject, hexToBytes, PackWriter, type ObjectType } from '../../../src/pack';
import { RepoStore } from '../../../src/storage/repo-store';
import type { IngestedPack } from '../../../src/storage/ingest';
import { rng, sameBytes } from '../pack/helpers';

export { rng, sameBytes };
export { concat };

export const ZERO = '0000000000000000000000000000000000000000';
export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

export interface Obj {
  type: ObjectType;
  data: Uint8Array;
  oid: string;
}

export function obj(type: ObjectType, data: Uint8Array): Obj {
  return { type, data, oid: hashObject(type, data) };
}

export function blob(content: string | Uint8Array): Obj {
  return obj('blob', typeof content === 'string' ? enc(content) : content);
}

export interface TreeEntrySpec {
  mode: string; // '100644', '100755', '40000', '120000', '160000'
  name: string;
  oid: string;
}

/** A tree in git's canonical order (directories compare as if their name ended in '/'). */
export function tree(entries: TreeEntrySpec[], opts: { sort?: boolean } = {}): Obj {
  const key = (e: TreeEntrySpec) => (e.mode === '40000' ? e.name + '/' : e.name);
  const list = opts.sort === false ? entries : [...entries].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const parts: Uint8Array[] = [];
  for (const e of list) {
    parts.push(enc(`${e.mode} ${e.name}\0`), hexToBytes(e.oid));
  }
  return obj('tree', concat(parts));
}

export function commit(o: { tree: string; parents?: string[]; time: number; message?: string; author?: string }): Obj {
  const who = o.author ?? 'A U Thor <author@example.com>';
  let s = `tree ${o.tree}\n`;
  for (const p of o.parents ?? []) s += `parent ${p}\n`;
  s += `author ${who} ${o.time} +0000\ncommitter ${who} ${o.time} +0000\n\n${o.message ?? `commit at ${o.time}`}\n`;
  return obj('commit', enc(s));
}

export function tag(o: { object: string; type: ObjectType; name: string; time: number }): Obj {
  const s = `object ${o.object}\ntype ${o.type}\ntag ${o.name}\ntagger T Agger <t@example.com> ${o.time} +0000\n\nrelease ${o.name}\n`;
  return obj('tag', enc(s));
}

const TYPE_NUM: Record<ObjectType, 1 | 2 | 3 | 4> = { commit: 1, tree: 2, blob: 3, tag: 4 };

/** One pack entry: a whole object, or a delta against another object (by oid or earlier entry). */
export type PackItem =
  | Obj
  | { obj: Obj; refDelta: Obj }
  | { obj: Obj; ofsDelta: Obj } // the base must be an earlier whole/delta entry of the same pack
  | { raw: (w: PackWriter) => Uint8Array }; // anything else, written by hand

export function buildPack(items: PackItem[]): Uint8Array {
  const w = new PackWriter(items.length);
  const parts: Uint8Array[] = [w.header()];
  const offsets = new Map<string, number>();
  for (const it of items) {
    const at = w.offset;
    if ('raw' in it) {
      parts.push(it.raw(w));
    } else if ('refDelta' in it) {
      parts.push(w.refDelta(it.refDelta.oid, createDelta(it.refDelta.data, it.obj.data)));
      offsets.set(it.obj.oid, at);
    } else if ('ofsDelta' in it) {
      const baseAt = offsets.get(it.ofsDelta.oid);
      if (baseAt === undefined) throw new Error('ofs-delta base must come earlier in the pack');
      parts.push(w.ofsDelta(baseAt, createDelta(it.ofsDelta.data, it.obj.data)));
      offsets.set(it.obj.oid, at);
    } else {
      parts.push(w.object(TYPE_NUM[it.type], it.data));
      offsets.set(it.oid, at);
    }
  }
  parts.push(w.finish());
  return concat(parts);
}

/** Splits bytes into chunks of random sizes (1..max), deterministic per seed. */
export function randomChunks(bytes: Uint8Array, seed: number, max = 257): Uint8Array[] {
  const r = rng(seed);
  const out: Uint8Array[] = [];
  let o = 0;
  while (o < bytes.length) {
    const n = 1 + (r() % max);
    out.push(bytes.subarray(o, Math.min(bytes.length, o + n)));
    o += n;
  }
  return out;
}

const REPO = (env as unknown as { REPO: DurableObjectNamespace }).REPO;

export function repoStub(label: string): DurableObjectStub {
  return REPO.get(REPO.idFromName(`unit-${label}-${crypto.randomUUID()}`));
}

/** Runs fn with a RepoStore over a fresh Durable Object's storage. */
export async function withStore<T>(
  label: string,
  fn: (store: RepoStore, state: DurableObjectState) => T | Promise<T>,
  stub: DurableObjectStub = repoStub(label),
): Promise<T> {
  return runInDurableObject(stub, async (_inst, state) => fn(new RepoStore(state.storage), state));
}

/** Streams a pack into the store in random-size chunks. On failure, aborts like a caller must. */
export async function ingestPack(store: RepoStore, pack: Uint8Array, seed = 1, max = 257): Promise<IngestedPack> {
  const ing = store.beginPack();
  try {
    for (const c of randomChunks(pack, seed, max)) ing.write(c);
  } catch (e) {
    ing.abort();
    throw e;
  }
  return ing.finish(); // finish cleans up after itself when it fails
}

/** Ingests and moves refs (create-only updates); throws if any update fails. */
export async function pushPack(store: RepoStore, pack: Uint8Array, refs: Record<string, string>, seed = 1): Promise<IngestedPack> {
  const p = await ingestPack(store, pack, seed);
  const updates = Object.entries(refs).map(([name, newOid]) => ({ name, oldOid: store.refs.get(name) ?? ZERO, newOid }));
  const res = store.commitPush(p, updates, true);
  if (!res.every((r) => r.ok)) throw new Error(`push failed: ${JSON.stringify(res)}`);
  return p;
}

/** Everything that proves a failed ingest left nothing behind. */
export function storageSnapshot(store: RepoStore, state: DurableObjectState) {
  const sql = state.storage.sql;
  const packsDir = store.fs.existsSync('/packs') ? store.fs.readdirSync('/packs') : [];
  return {
    refs: store.refs.list(),
    objects: sql.exec<{ oid: string }>('SELECT oid FROM objects ORDER BY oid').toArray().map((r) => r.oid),
    packRows: sql.exec<{ id: number }>('SELECT id FROM packs ORDER BY id').toArray().map((r) => r.id),
    packFiles: packsDir,
    pendingStreams: sql.exec<{ n: number }>('SELECT count(*) AS n FROM dofs_pending').one().n,
    orphanChunks: sql
      .exec<{ n: number }>('SELECT count(*) AS n FROM dofs_chunks WHERE ino NOT IN (SELECT ino FROM dofs_nodes)')
      .one().n,
  };
}

/** A small repository history used by several tests. Times are committer seconds. */
export interface Linear {
  commits: Obj[]; // c1..cN, oldest first
  all: Obj[]; // every object, in a valid pack order
  reach: (c: Obj) => Set<string>; // oids reachable from a commit (commit, trees, blobs, ancestors)
}

/**
 * A linear history c1 <- c2 <- ... <- cN. Each commit changes `file<i>.txt`, keeps a shared
 * `dir/common.txt`, and adds `dir/n<i>.txt`, so consecutive trees share some objects.
 */
export function linearHistory(n: number, t0 = 1_000_000): Linear {
  const common = blob('shared by every commit\n');
  const commits: Obj[] = [];
  const all: Obj[] = [common];
  const byOid = new Map<string, Obj>([[common.oid, common]]);
  const reachOf = new Map<string, Set<string>>();
  const dirEntries: TreeEntrySpec[] = [{ mode: '100644', name: 'common.txt', oid: common.oid }];
  let parent: Obj | null = null;
  for (let i = 1; i <= n; i++) {
    const file = blob(`version ${i} of the top file\n`.repeat(3));
    const added = blob(`new in ${i}\n`);
    dirEntries.push({ mode: '100644', name: `n${i}.txt`, oid: added.oid });
    const dir = tree(dirEntries);
    const root = tree([
      { mode: '40000', name: 'dir', oid: dir.oid },
      { mode: '100644', name: 'file.txt', oid: file.oid },
    ]);
    const c = commit({ tree: root.oid, parents: parent ? [parent.oid] : [], time: t0 + i * 1000 });
    for (const o of [file, added, dir, root, c]) {
      if (!byOid.has(o.oid)) {
        byOid.set(o.oid, o);
        all.push(o);
      }
    }
    const r = new Set<string>(parent ? reachOf.get(parent.oid)! : []);
    for (const o of [common, file, dir, root, c]) r.add(o.oid);
    for (const e of dirEntries) r.add(e.oid);
    reachOf.set(c.oid, r);
    commits.push(c);
    parent = c;
  }
  return { commits, all, reach: (c) => reachOf.get(c.oid)! };
}
