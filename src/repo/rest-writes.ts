// Merge and ref writes (REST), Durable Object side: the Worker forwards each with the name of its
// route (src/api/repo-routes.ts), serveRepoApi (rest-api.ts) authorises it, and these handlers
// read the request and call the service (src/commit/merge.ts, refs-write.ts), the same functions
// the RPC twins call.
//
//   POST   .../merges  {"base","head","strategy":"ff-only"|"merge","message"?,"author"?,"expectedHead"?}
//                      -> 201 {"sha","fastForward","alreadyUpToDate","branch",("parents","tree")}
//                         (200 when nothing moved); 409 merge_conflict {paths,...}, not_fast_forward, stale_head
//   POST   .../refs    {"name","sha","expectedOld"?} -> 201 (created) / 200 (moved) {"name","sha","old","created"}
//   DELETE .../refs/*name?expectedOld=<sha>         -> 204 (query parsed by serveRepoApi)
//   POST   .../tags    {"name","target","message","tagger"} -> 201 {"name","sha","target","targetType"}
import { createTag, deleteRef, mergeBranches, writeRef, type RepoContext } from '../commit';
import { readJsonObject } from '../http/body';
import { HttpError, jsonResponse } from '../http/errors';
import { MergeBody, RefBody, TagBody } from '../schema/repo-api';
import { parseBody } from '../schema/validate';

/** Largest JSON body of these routes (a merge message is the biggest field). */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;

export async function handleMerge(ctx: RepoContext, request: Request): Promise<Response> {
  const r = await mergeBranches(ctx, parseBody(MergeBody(), await readJsonObject(request, MAX_BODY_BYTES)));
  return jsonResponse(r, r.alreadyUpToDate ? 200 : 201);
}

export async function handleRefWrite(ctx: RepoContext, request: Request): Promise<Response> {
  const r = await writeRef(ctx, parseBody(RefBody(), await readJsonObject(request, MAX_BODY_BYTES)));
  return jsonResponse(r, r.created ? 201 : 200);
}

/** `expectedOld`: the query parameter, parsed by serveRepoApi (src/schema/repo-api.ts RefDeleteQuery). */
export async function handleRefDelete(ctx: RepoContext, segments: string[], request: Request, expectedOld?: string): Promise<Response> {
  await request.body?.cancel().catch(() => {});
  if (segments.length === 0) throw new HttpError(400, 'bad_request', 'name the ref: DELETE .../refs/heads/<branch>');
  await deleteRef(ctx, `refs/${segments.join('/')}`, expectedOld);
  return new Response(null, { status: 204 });
}

export async function handleTag(ctx: RepoContext, request: Request): Promise<Response> {
  return jsonResponse(await createTag(ctx, parseBody(TagBody(), await readJsonObject(request, MAX_BODY_BYTES))), 201);
}
