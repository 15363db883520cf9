// isomorphic-git on a repository's git directory view inside its Durable Object, for
// bench/isogit-heap.mjs: GET /v1/admin/bench/isogit?key=<ns/name>&op=log|walk|walk-content|
// walk-content-seq (admin token). The bench worker exports this subclass as RepoObject, so the
// inspector's heap sampler (bench/heap.mjs) sees what the command costs the DO's isolate.
import git from 'isomorphic-git';
import { RepoObject as Base } from '../../src/index';
import { requireAdmin } from '../../src/http/admin';
import { badRequest, jsonResponse } from '../../src/http/errors';
import { openGitView } from '../../src/storage/git-view';
import { RepoStore } from '../../src/storage/repo-store';
import type { BenchEnv } from './routes';

export class RepoObject extends Base {
  async isogitBench(key: string, op: string): Promise<Record<string, number>> {
    const { fs, gitdir } = openGitView(new RepoStore(this.ctx.storage).forRepo(key));
    if (op === 'log') {
      const log = await git.log({ fs, gitdir, ref: 'main' });
      return { commits: log.length };
    }
    let entries = 0;
    let bytes = 0;
    const content = op.startsWith('walk-content');
    // isomorphic-git's default walks every directory's children at once (Promise.all);
    // 'walk-content-seq' passes a one-at-a-time iterate, which bounds what is in flight.
    const sequential = async (walk: (c: unknown) => Promise<unknown>, children: IterableIterator<unknown>) => {
      const out = [];
      for (const c of children) out.push(await walk(c));
      return out;
    };
    await git.walk({
      fs,
      gitdir,
      trees: [git.TREE({ ref: 'main' })],
      ...(op === 'walk-content-seq' ? { iterate: sequential as never } : {}),
      map: async (_path, [e]) => {
        if (!e) return undefined;
        entries++;
        if (content && (await e.type()) === 'blob') {
          const data = await e.content(); // not `bytes += await ...`: that reads bytes before the await
          bytes += data?.length ?? 0;
        } else await e.oid();
        return undefined; // not null (null prunes the subtree); keep nothing: the walk itself is measured
      },
      reduce: async () => undefined,
    });
    return { entries, bytes };
  }
}

/** GET /v1/admin/bench/isogit: runs the command in the repository's own Durable Object. */
export async function isogitBench(request: Request, env: BenchEnv): Promise<Response> {
  requireAdmin(request, env.ARBOR_ADMIN_TOKEN);
  const u = new URL(request.url);
  const key = u.searchParams.get('key');
  if (!key) throw badRequest('key=<ns/name> is required');
  const stub = env.REPO.get(env.REPO.idFromName(key)) as unknown as DurableObjectStub<RepoObject>;
  return jsonResponse(await stub.isogitBench(key, u.searchParams.get('op') ?? 'log'));
}
