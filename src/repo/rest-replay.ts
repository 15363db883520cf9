// A fork's REST call may fault for snapshot bytes anywhere in its reads (storage/snapshot.ts:
// NeedBytes) and runs again once they are fetched, instead of answering 500. A body can be read
// only once, so a fork's request body is read first, with the limit its handler applies, and
// every run gets its own copy.
import { readRestBody } from '../http/body';
import { withSnapshotBytes } from '../storage/snapshot';
import type { RepoContext } from '../commit';

export async function withReplay(ctx: RepoContext, request: Request, max: number, run: (req: Request) => Promise<Response>): Promise<Response> {
  const snap = ctx.store.objects.snapshot;
  if (!snap) return run(request);
  if (!request.body) return withSnapshotBytes(snap, () => run(request), false);
  const bytes = await readRestBody(request, max);
  const headers = new Headers(request.headers);
  headers.delete('content-encoding'); // decoded above
  headers.delete('content-length');
  return withSnapshotBytes(snap, () => run(new Request(request.url, { method: request.method, headers, body: bytes })), false);
}
