// The commit service: many file changes -> one commit -> one compare-and-swap ref update.
//
// The base tree is loaded lazily (only directories on changed paths), the changes are applied
// in order, changed directories are rewritten bottom-up, and the new objects go into the store
// as one pack through the same ingest (hashing, fsck checks, connectivity) and the same ref
// compare-and-swap that a `git push` uses. If anything fails, no ref moves and the pack file is
// removed.
import { hashObject, hexToBytes, isOid, parseCommit, PackWriter, OBJ_BLOB, OBJ_COMMIT, OBJ_TREE, type ObjectType } from '../pack';
import { IngestError } from '../storage/ingest';
import type { Presolved } from '../storage/ingest-resolve';
import { isNameConflict, isValidRefName, ZERO_OID } from '../storage/refs';
import { isProtectionRefusal } from '../storage/rules';
import { commitPushSettled } from '../storage/push-settle';
import { decodeBase64, keyOf, utf8 } from './bytes';
import type { RepoContext } from './context';
import { applyEdits, EditError, validateEdits, type EditSpec } from './edits';
import { ServiceError, badInput, notFound, unprocessable } from './errors';
import { cleanupMessage, commitBody, parseIdentInput, type Ident } from './ident';
import { normalizePath } from './paths';
import { readObject, resolveCommit } from './rev';
import { deltaAgainstStored } from './thin-delta';
import { isGitlinkMode, isTreeMode, MODE_EXEC, MODE_FILE, MODE_LINK, PathConflict, TreeEditor, type Entry } from './tree-edit';

export const MAX_CHANGES = 1000;
export const MAX_FILE_BYTES = 10 * 1024 * 1024;
export const MAX_MESSAGE_BYTES = 1024 * 1024;

export type ChangeAction = 'create' | 'update' | 'edit' | 'delete' | 'rename';

export interface ChangeInput {
  action: ChangeAction;
  path: string;
  content?: string | null;
  encoding?: 'utf-8' | 'utf8' | 'base64';
  mode?: '100644' | '100755' | '120000';
  edits?: EditSpec[];
  newPath?: string;
}

export interface CommitInput {
  branch: string;
  message: string;
  author: { name: string; email: string; date?: string | number; timezone?: string };
  committer?: { name: string; email: string; date?: string | number; timezone?: string };
  /** Compare-and-swap: the branch must currently point here; null = the branch must not exist. */
  expectedHead?: string | null;
  /** Start point when the branch does not exist yet (ignored when it does). */
  createBranchFrom?: string;
  changes: ChangeInput[];
}

export interface CommitResult {
  commit: string;
  tree: string;
  branch: string;
  parents: string[];
}

interface Change {
  index: number;
  action: ChangeAction;
  path: string;
  keys: string[];
  content: Uint8Array | null;
  mode: string | null;
  edits: EditSpec[] | null;
  newPath: string | null;
  newKeys: string[] | null;
}

const ACTIONS = new Set<ChangeAction>(['create', 'update', 'edit', 'delete', 'rename']);
const MODES = new Set(['100644', '100755', '120000']);

function describe(c: { index: number; action: string; path: string }): string {
  return `changes[${c.index}] (${c.action} ${c.path})`;
}

function changeError(c: Change, msg: string, status = 422, code = 'unprocessable'): ServiceError {
  return new ServiceError(status, code, `${describe(c)}: ${msg}`, { change: c.index, action: c.action, path: c.path });
}

function decodeContent(raw: Record<string, unknown>, what: string): Uint8Array {
  const enc = raw.encoding ?? 'utf-8';
  if (typeof raw.content !== 'string') throw badInput(`${what}: content must be a string`);
  if (raw.content.length > MAX_FILE_BYTES * 2) throw new ServiceError(413, 'too_large', `${what}: content exceeds ${MAX_FILE_BYTES} bytes`);
  let data: Uint8Array | null;
  if (enc === 'utf-8' || enc === 'utf8') data = utf8(raw.content);
  else if (enc === 'base64') {
    data = decodeBase64(raw.content);
    if (!data) throw badInput(`${what}: content is not valid base64`);
  } else throw badInput(`${what}: encoding must be "utf-8" or "base64"`);
  if (data.length > MAX_FILE_BYTES) throw new ServiceError(413, 'too_large', `${what}: content exceeds ${MAX_FILE_BYTES} bytes`);
  return data;
}

function parseChange(v: unknown, index: number): Change {
  const where = `changes[${index}]`;
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw badInput(`${where} must be an object`);
  const raw = v as Record<string, unknown>;
  const action = raw.action as ChangeAction;
  if (!ACTIONS.has(action)) throw badInput(`${where}: action must be one of create, update, edit, delete, rename`);
  const path = normalizePath(raw.path, `${where}.path`);
  const what = `${where} (${action} ${path})`;
  const c: Change = { index, action, path, keys: path.split('/').map(keyOf), content: null, mode: null, edits: null, newPath: null, newKeys: null };
  if (raw.mode !== undefined && raw.mode !== null) {
    if (typeof raw.mode !== 'string' || !MODES.has(raw.mode)) throw badInput(`${what}: mode must be "100644", "100755" or "120000"`);
    if (action === 'delete') throw badInput(`${what}: delete takes no mode`);
    c.mode = raw.mode;
  }
  const hasContent = raw.content !== undefined && raw.content !== null;
  switch (action) {
    case 'create':
    case 'update':
      if (!hasContent) throw badInput(`${what}: content is required`);
      c.content = decodeContent(raw, what);
      break;
    case 'edit': {
      if (hasContent) throw badInput(`${what}: edit takes edits, not content (use update to replace the file)`);
      const edits = validateEdits(raw.edits);
      if (typeof edits === 'string') throw badInput(`${what}: ${edits}`);
      c.edits = edits;
      break;
    }
    case 'delete':
      if (hasContent) throw badInput(`${what}: delete takes no content`);
      break;
    case 'rename':
      c.newPath = normalizePath(raw.newPath, `${where}.newPath`);
      c.newKeys = c.newPath.split('/').map(keyOf);
      if (hasContent) c.content = decodeContent(raw, what);
      break;
  }
  if (action !== 'rename' && raw.newPath !== undefined) throw badInput(`${what}: newPath is only for rename`);
  if (action !== 'edit' && raw.edits !== undefined) throw badInput(`${what}: edits are only for edit`);
  return c;
}

export interface ParsedCommitInput {
  ref: string;
  branch: string;
  message: string;
  author: Ident;
  committer: Ident;
  expectedHead: string | null | undefined;
  createBranchFrom: string | null;
  changes: Change[];
}

export function parseCommitInput(v: unknown, nowMs: number): ParsedCommitInput {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw badInput('request body must be a JSON object');
  const o = v as Record<string, unknown>;
  if (typeof o.branch !== 'string' || o.branch === '') throw badInput('branch must be a non-empty string');
  const branch = o.branch.replace(/^refs\/heads\//, '');
  const ref = `refs/heads/${branch}`;
  if (!isValidRefName(ref)) throw badInput(`invalid branch name '${o.branch.slice(0, 200)}'`);
  if (typeof o.message !== 'string') throw badInput('message must be a string');
  if (o.message.length > MAX_MESSAGE_BYTES) throw badInput(`message is longer than ${MAX_MESSAGE_BYTES} bytes`);
  if (o.message.includes('\0')) throw badInput('message contains a NUL character');
  const message = cleanupMessage(o.message);
  if (message === '') throw badInput('message is empty');
  const author = parseIdentInput(o.author, 'author', nowMs);
  const committer = o.committer === undefined || o.committer === null ? { ...author } : parseIdentInput(o.committer, 'committer', nowMs);
  let expectedHead: string | null | undefined;
  if ('expectedHead' in o && o.expectedHead !== undefined) {
    if (o.expectedHead === null) expectedHead = null;
    else if (typeof o.expectedHead === 'string' && isOid(o.expectedHead.toLowerCase())) expectedHead = o.expectedHead.toLowerCase();
    else throw badInput('expectedHead must be a full 40-hex commit id or null');
  }
  let createBranchFrom: string | null = null;
  if (o.createBranchFrom !== undefined && o.createBranchFrom !== null) {
    if (typeof o.createBranchFrom !== 'string' || o.createBranchFrom === '') throw badInput('createBranchFrom must be a ref name or commit id');
    createBranchFrom = o.createBranchFrom;
  }
  if (!Array.isArray(o.changes)) throw badInput('changes must be an array');
  if (o.changes.length === 0) throw badInput('changes must not be empty');
  if (o.changes.length > MAX_CHANGES) throw new ServiceError(413, 'too_many_changes', `at most ${MAX_CHANGES} changes per commit (got ${o.changes.length})`);
  const changes = o.changes.map((c, i) => parseChange(c, i));
  return { ref, branch, message, author, committer, expectedHead, createBranchFrom, changes };
}

/**
 * Collects the objects of a commit in memory (deduplicated, skipping what the repository already
 * reaches: an object only another repository of its network has is written again, or the new
 * commit would name an object this repository may not use).
 */
class ObjectBatch {
  readonly objects = new Map<string, NewObject>();
  readonly known: (oid: string) => boolean;
  constructor(private readonly ctx: RepoContext) {
    this.known = ctx.store.visibility();
  }

  /** `base`: the object this one replaces at its path (a delta base, see thin-delta.ts). */
  add(type: ObjectType, data: Uint8Array, base: string | null = null): string {
    const oid = hashObject(type, data);
    if (!this.objects.has(oid) && !this.known(oid)) this.objects.set(oid, { type, data, base });
    return oid;
  }

  content(oid: string): Uint8Array {
    return this.objects.get(oid)?.data ?? readObject(this.ctx, oid).data;
  }
}

const TYPE_NUM = { commit: OBJ_COMMIT, tree: OBJ_TREE, blob: OBJ_BLOB } as const;

interface NewObject {
  type: ObjectType;
  data: Uint8Array;
  base?: string | null;
  /** A delta from `base` to this object, when making it gave one for free (trees: see raw-dir.ts). */
  delta?: Uint8Array | null;
  /** Its id, when already hashed (trees), and the entry offsets of `base` (a stored tree) if known. */
  oid?: string;
  baseStarts?: Int32Array | null;
}
const PACK_CHUNK = 1 << 20;

/** Writes objects as one pack through the ingest path; returns the ingest (for discard) and pack. */
async function ingestObjects(ctx: RepoContext, objects: Iterable<NewObject>, count: number, usable: (oid: string) => boolean) {
  const ingest = ctx.store.beginPack();
  try {
    const w = new PackWriter(count, { level: 1 });
    let buf: Uint8Array[] = [w.header()];
    let n = buf[0].length;
    const flush = () => {
      if (buf.length === 1) ingest.write(buf[0]);
      else {
        const out = new Uint8Array(n);
        let o = 0;
        for (const b of buf) {
          out.set(b, o);
          o += b.length;
        }
        ingest.write(out);
      }
      buf = [];
      n = 0;
    };
    // A tree written as a delta: the ingest takes the tree this commit already put together and
    // hashed instead of applying the delta and hashing it again (it still validates it).
    const presolved = new Map<number, Presolved>();
    ingest.presolved = (i) => presolved.get(i);
    let entry = 0;
    for (const obj of objects) {
      const thin = deltaAgainstStored(ctx.store.objects, obj.type, obj.data, obj.base, usable, obj.delta);
      if (thin && obj.oid) {
        const baseStarts = thin.base === obj.base ? obj.baseStarts ?? undefined : undefined;
        presolved.set(entry, { base: thin.base, data: obj.data, oid: hexToBytes(obj.oid), baseStarts });
      }
      entry++;
      const bytes = thin ? w.refDelta(thin.base, thin.delta) : w.object(TYPE_NUM[obj.type as 'commit' | 'tree' | 'blob'], obj.data);
      buf.push(bytes);
      n += bytes.length;
      if (n >= PACK_CHUNK) flush();
    }
    buf.push(w.finish());
    n += 20;
    flush();
    const pack = await ingest.finish();
    return { ingest, pack };
  } catch (e) {
    ingest.discardFile();
    if (e instanceof IngestError) throw new ServiceError(422, 'invalid_object', `the new objects were rejected: ${e.message}`);
    throw e;
  }
}

function staleHead(branch: string, current: string | null, expected: string | null | undefined): ServiceError {
  const msg =
    current === null
      ? `branch '${branch}' does not exist but expectedHead is ${expected}`
      : `branch '${branch}' is at ${current}, not at the expected ${expected === null ? 'null (branch must not exist)' : expected}`;
  return new ServiceError(409, 'stale_head', msg, { currentHead: current });
}

function applyChange(tree: TreeEditor, batch: ObjectBatch, c: Change): void {
  const existing = tree.get(c.keys);
  const isFile = (e: Entry | null) => !!e && !isTreeMode(e.mode);
  try {
    switch (c.action) {
      case 'create': {
        if (existing) throw changeError(c, isTreeMode(existing.mode) ? 'a directory exists at this path' : 'file already exists');
        tree.set(c.keys, { mode: c.mode ?? MODE_FILE, oid: batch.add('blob', c.content!) });
        return;
      }
      case 'update': {
        if (!existing) throw changeError(c, 'file does not exist');
        if (!isFile(existing)) throw changeError(c, 'path is a directory');
        if (isGitlinkMode(existing.mode) && !c.mode) throw changeError(c, 'path is a submodule');
        tree.set(c.keys, { mode: c.mode ?? existing.mode, oid: batch.add('blob', c.content!, existing.oid) });
        return;
      }
      case 'edit': {
        if (!existing) throw changeError(c, 'file does not exist');
        if (!isFile(existing) || isGitlinkMode(existing.mode)) throw changeError(c, 'path is not a file');
        let text: string;
        try {
          text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(batch.content(existing.oid));
        } catch {
          throw changeError(c, 'file is not UTF-8 text; use update with base64 content');
        }
        let out: string;
        try {
          out = applyEdits(text, c.edits!);
        } catch (e) {
          if (e instanceof EditError) throw changeError(c, e.message);
          throw e;
        }
        const data = utf8(out);
        if (data.length > MAX_FILE_BYTES) throw changeError(c, `result exceeds ${MAX_FILE_BYTES} bytes`, 413, 'too_large');
        tree.set(c.keys, { mode: c.mode ?? existing.mode, oid: batch.add('blob', data, existing.oid) });
        return;
      }
      case 'delete': {
        if (!existing) throw changeError(c, 'path does not exist');
        tree.remove(c.keys);
        return;
      }
      case 'rename': {
        if (!existing) throw changeError(c, 'path does not exist');
        if (c.newPath === c.path) throw changeError(c, 'newPath is the same as path');
        if (tree.get(c.newKeys!)) throw changeError(c, `newPath '${c.newPath}' already exists`);
        if (isTreeMode(existing.mode) && (c.content || c.mode)) throw changeError(c, 'cannot set content or mode when renaming a directory');
        tree.remove(c.keys);
        const moved: Entry = { ...existing };
        if (c.content) moved.oid = batch.add('blob', c.content, isTreeMode(existing.mode) ? null : existing.oid);
        if (c.mode) moved.mode = c.mode;
        tree.set(c.newKeys!, moved);
        return;
      }
    }
  } catch (e) {
    if (e instanceof PathConflict) throw changeError(c, e.message);
    throw e;
  }
}

/** Creates one commit on a branch from a list of changes. Throws ServiceError. */
export async function createCommit(ctx: RepoContext, body: unknown, nowMs = Date.now()): Promise<CommitResult> {
  const input = parseCommitInput(body, nowMs);
  const { store } = ctx;
  const current = store.refs.get(input.ref);
  if (input.expectedHead !== undefined && input.expectedHead !== current) throw staleHead(input.branch, current, input.expectedHead);

  let parent: string | null;
  if (current) parent = current;
  else if (input.createBranchFrom) parent = resolveCommit(ctx, input.createBranchFrom);
  else if (input.expectedHead === null || store.refs.count() === 0) parent = null;
  else {
    throw notFound(
      `branch '${input.branch}' does not exist: pass createBranchFrom to branch off an existing revision, or expectedHead: null to start a new root commit`,
    );
  }
  const baseTree = parent ? parseCommit(readObject(ctx, parent).data).tree : null;

  const batch = new ObjectBatch(ctx);
  const readTree = (oid: string) => {
    const obj = readObject(ctx, oid);
    if (obj.type !== 'tree') throw new ServiceError(500, 'internal', `object ${oid} is a ${obj.type}, expected a tree`);
    return obj.data;
  };
  const tree = new TreeEditor(readTree, baseTree);
  for (const c of input.changes) applyChange(tree, batch, c);

  // Only blobs that end up in the new trees are written (a file created then deleted is not).
  const usedBlobs = new Set<string>();
  const trees = new Map<string, NewObject>();
  const treeOid = tree.write(
    (type, data, base, delta, baseStarts) => {
      const oid = hashObject(type, data);
      if (!trees.has(oid) && !batch.known(oid)) trees.set(oid, { type, data, base, delta, oid, baseStarts });
      return oid;
    },
    (e) => usedBlobs.add(e.oid),
  );
  const parents = parent ? [parent] : [];
  const commitData = utf8(commitBody(treeOid, parents, input.author, input.committer, input.message));
  const commitOid = hashObject('commit', commitData);

  const objects: NewObject[] = [];
  for (const [oid, o] of batch.objects) if (usedBlobs.has(oid)) objects.push(o);
  for (const t of trees.values()) objects.push(t);
  objects.push({ type: 'commit', data: commitData });

  const { ingest, pack } = await ingestObjects(ctx, objects, objects.length, batch.known);
  // Cached before the ref update, which reads the new commit back (its fast-forward check):
  // from here, not from the pack file just written. A cache entry is keyed by the id of its
  // bytes and read only for an indexed object, so one left by a refused update is harmless.
  store.objects.remember(commitOid, commitData);
  for (const [oid, t] of trees) store.objects.remember(oid, t.data);
  const [res] = await commitPushSettled(store, pack, [{ name: input.ref, oldOid: current ?? ZERO_OID, newOid: commitOid }], false, 'commit');
  if (!res.ok) {
    ingest.discardFile();
    const now = store.refs.get(input.ref);
    if (now !== current) throw staleHead(input.branch, now, current);
    if (isNameConflict(res.error)) throw new ServiceError(409, 'ref_conflict', `branch '${input.branch}' cannot be created: ${res.error}`);
    if (isProtectionRefusal(res.error)) throw new ServiceError(403, 'protected_branch', `branch '${input.branch}': ${res.error}`);
    throw new ServiceError(422, 'rejected', `ref update rejected: ${res.error ?? 'unknown reason'}`);
  }
  return { commit: commitOid, tree: treeOid, branch: input.branch, parents };
}

