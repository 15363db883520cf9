// Ref and tag writes: POST /v1/repos/:ns/:name/refs, DELETE .../refs/*name, POST .../tags, and
// their RPC twins. Each is one compare-and-swap ref update through the repository's git
// directory view (src/storage/git-view), i.e. RepoStore.commitPush: the same checks (the object
// exists and this repository may see it, a branch gets a commit), event and webhooks as a push.
// Annotated tags are made by isomorphic-git's annotatedTag on the view.
import git from 'isomorphic-git';
import { isOid } from '../pack';
import { openGitView } from '../storage/git-view';
import { isValidRefName, ZERO_OID } from '../storage/refs';
import { MAX_MESSAGE_BYTES } from './commit';
import type { RepoContext } from './context';
import { ServiceError, badInput, notFound } from './errors';
import { cleanupMessage, parseIdentInput, type IdentInput } from './ident';
import { resolveRev } from './rev';
import { fromViewError, isoIdent } from './view-errors';

export interface RefWriteInput {
  /** Full ref name: refs/heads/x, refs/tags/x, ... */
  name: string;
  /** Full 40-hex object id the ref gets. */
  sha: string;
  /** Compare-and-swap: the ref's current value, or null for "must not exist". Absent: no check. */
  expectedOld?: string | null;
}

export interface RefWriteResult {
  name: string;
  sha: string;
  /** The value it had (null: it was created). */
  old: string | null;
  created: boolean;
}

export interface TagInput {
  /** Tag name (v1.0) or refs/tags/v1.0; it must not exist yet. */
  name: string;
  /** Any revision: what the tag points at. */
  target: string;
  message: string;
  tagger: IdentInput;
}

export interface TagResult {
  name: string;
  /** The tag object's id (what refs/tags/<name> now holds). */
  sha: string;
  target: string;
  targetType: string;
}

function refName(v: unknown, what = 'name'): string {
  if (typeof v !== 'string' || !v.startsWith('refs/') || !isValidRefName(v)) throw badInput(`${what} must be a full, valid ref name (refs/heads/<branch>, refs/tags/<tag>, ...)`);
  return v;
}

function optionalOid(v: unknown, what: string): string | null | undefined {
  if (v === undefined) return undefined;
  if (v === null) return null;
  if (typeof v !== 'string' || !isOid(v.toLowerCase())) throw badInput(`${what} must be a full 40-hex object id or null`);
  return v.toLowerCase();
}

function stale(name: string, current: string | null, expected: string | null): ServiceError {
  return new ServiceError(409, 'stale_ref', `${name} is ${current ? `at ${current}` : 'absent'}, not ${expected ? `at the expected ${expected}` : 'absent as expected'}`, { current });
}

/** Creates or moves a ref (a branch, a lightweight tag, ...). */
export async function writeRef(ctx: RepoContext, body: unknown): Promise<RefWriteResult> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badInput('request body must be a JSON object');
  const o = body as Record<string, unknown>;
  const name = refName(o.name);
  const sha = optionalOid(o.sha, 'sha');
  if (!sha) throw badInput('sha must be a full 40-hex object id');
  const expectedOld = optionalOid(o.expectedOld, 'expectedOld');
  const current = ctx.store.refs.get(name);
  if (expectedOld !== undefined && expectedOld !== current) throw stale(name, current, expectedOld);
  if (!ctx.store.visible(sha)) throw notFound(`object ${sha} not found`);
  const { view } = openGitView(ctx.store);
  try {
    await view.updateRef(name, sha, current ?? ZERO_OID);
  } catch (e) {
    throw fromViewError(e, name, name, ctx, 'stale_ref');
  }
  return { name, sha, old: current, created: current === null };
}

/** Deletes a ref; with `expectedOld`, only if it is still there. */
export async function deleteRef(ctx: RepoContext, name: string, expectedOld?: string): Promise<{ name: string; old: string }> {
  refName(name);
  const exp = optionalOid(expectedOld, 'expectedOld') ?? undefined;
  const current = ctx.store.refs.get(name);
  if (!current) throw notFound(`ref ${name} does not exist`);
  if (exp !== undefined && exp !== current) throw stale(name, current, exp);
  const { view } = openGitView(ctx.store);
  try {
    await view.updateRef(name, ZERO_OID, current);
  } catch (e) {
    throw fromViewError(e, name, name, ctx, 'stale_ref');
  }
  return { name, old: current };
}

/** An annotated tag made by isomorphic-git's annotatedTag on the view. */
export async function createTag(ctx: RepoContext, body: unknown, nowMs = Date.now()): Promise<TagResult> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badInput('request body must be a JSON object');
  const o = body as Record<string, unknown>;
  if (typeof o.name !== 'string' || o.name === '') throw badInput('name must be a tag name');
  const short = o.name.replace(/^refs\/tags\//, '');
  const ref = `refs/tags/${short}`;
  if (!isValidRefName(ref)) throw badInput(`invalid tag name '${o.name.slice(0, 200)}'`);
  if (typeof o.target !== 'string' || o.target === '') throw badInput('target must be a revision');
  if (typeof o.message !== 'string') throw badInput('message must be a string');
  if (o.message.length > MAX_MESSAGE_BYTES) throw badInput(`message is longer than ${MAX_MESSAGE_BYTES} bytes`);
  if (o.message.includes('\0')) throw badInput('message contains a NUL character');
  const message = cleanupMessage(o.message);
  if (message === '') throw badInput('message is empty');
  const tagger = parseIdentInput(o.tagger, 'tagger', nowMs);
  const target = resolveRev(ctx, o.target);
  if (ctx.store.refs.get(ref)) throw new ServiceError(409, 'already_exists', `tag '${short}' already exists`);
  const { fs, gitdir, view } = openGitView(ctx.store);
  try {
    // isomorphic-git writes "<message>\n": without our trailing newline the object is git tag -a's.
    await git.annotatedTag({ fs, gitdir, ref: short, object: target, message: message.replace(/\n$/, ''), tagger: isoIdent(tagger) });
  } catch (e) {
    view.discardUnused();
    if (view.fault) throw view.fault; // isomorphic-git read it as "not found": fetched, run again
    if ((e as { code?: string }).code === 'AlreadyExistsError') throw new ServiceError(409, 'already_exists', `tag '${short}' already exists`);
    throw fromViewError(e, ref, ref, ctx, 'stale_ref');
  }
  const sha = ctx.store.refs.get(ref)!;
  return { name: ref, sha, target, targetType: ctx.store.objects.typeOf(target) ?? 'unknown' };
}
