// Bench-only Worker entry (bench/isogit-heap.wrangler.toml): Arbor as deployed, plus
// GET /bench/isogit?key=<ns/name>&op=log|walk|walk-content (admin token), which runs
// isomorphic-git on the repository's git directory view inside its Durable Object, so the
// inspector's heap sampler (bench/heap.mjs) sees what that costs the DO's isolate.
import git from 'isomorphic-git';
import worker, { RepoObject as Base } from '../src/index';
import { openGitView } from '../src/storage/git-view';
import { RepoStore } from '../src/storage/repo-store';
import type { Env } from '../src/env';

export { RegistryObject, ArborService } from '../src/index';

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

export default {
  async fetch(req: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const u = new URL(req.url);
    if (u.pathname !== '/bench/isogit') return worker.fetch(req, env, ctx);
    if (req.headers.get('authorization') !== `Bearer ${env.ARBOR_ADMIN_TOKEN}`) return new Response('admin only', { status: 401 });
    const key = u.searchParams.get('key')!;
    const stub = env.REPO.get(env.REPO.idFromName(key)) as unknown as DurableObjectStub<RepoObject>;
    return Response.json(await stub.isogitBench(key, u.searchParams.get('op') ?? 'log'));
  },
};
