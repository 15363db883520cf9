// Housekeeping through the Durable Object: POST/GET/PATCH .../maintenance, the alarm running it
// in slices, the repository info reporting packs, reads of every commit after the repack.
import { runDurableObjectAlarm } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { ADMIN, call, commitOk, create, newRepo, snapshot, worker, type Repo } from '../commit/helpers';

const admin = (repo: Repo, method: string, body?: unknown) =>
  worker.fetch(`http://x/v1/repos/unit-commit/${repo.name}/maintenance`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs the alarm until housekeeping is idle with nothing due; returns the status. A run scheduled
 * for later (the auto trigger's delay, a slice that waits 1 s for an upload) is due only then: wait
 * for it as the alarm would. workerd also fires a due alarm by itself: while that slice runs there
 * is no alarm to run (runDurableObjectAlarm answers false) and the status still shows the old due
 * time, so wait for the slice instead of polling in a tight loop. (That loop was the flake: up to
 * 500 rounds of GET + no-op spent in the ~2 s of one slice under load, "never idle".)
 */
async function drain(repo: Repo): Promise<any> {
  const deadline = Date.now() + 50_000;
  let st: any;
  while (Date.now() < deadline) {
    st = await (await admin(repo, 'GET')).json<any>();
    if (st.state === 'idle' && st.nextDue === null) return st;
    const wait = st.nextDue === null ? 0 : Date.parse(st.nextDue) - Date.now();
    if (wait > 0) await sleep(Math.min(wait + 5, 5_000));
    if (!(await runDurableObjectAlarm(repo.stub))) await sleep(25);
  }
  throw new Error(`housekeeping did not finish: ${JSON.stringify(st)}`);
}

describe('maintenance API', () => {
  it('repack and gc on request: one pack, every commit still readable, packs in the repo info', async () => {
    const repo = await newRepo('hk-api');
    expect((await admin(repo, 'PATCH', { auto: false })).status).toBe(200);
    const commits: string[] = [];
    const state = (i: number) => JSON.stringify({ step: i, items: Array.from({ length: 60 }, (_, k) => `item ${k} ${k === i % 60 ? 'changed' : 'same'}`) }, null, 1);
    for (let i = 0; i < 24; i++) {
      commits.push(await commitOk(repo, [create(`log/${i}.txt`, `entry ${i}\n`), i === 0 ? create('state.json', state(i)) : { action: 'update', path: 'state.json', content: state(i) }]));
    }
    const before = await snapshot(repo, commits[10]);
    const info0 = await (await worker.fetch(`http://x/v1/repos/unit-commit/${repo.name}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json<any>();
    expect(info0.packs).toBe(24);

    const res = await admin(repo, 'POST', { tasks: ['repack', 'gc'], prune: 'now' });
    expect(res.status).toBe(202);
    const queued = await res.json<any>();
    expect(queued.state).toBe('queued');
    expect(queued.nextDue).not.toBeNull();
    const st = await drain(repo);
    expect(st.lastRun.outcome).toBe('done');
    expect(st.lastRun.before.packs).toBe(24);
    expect(st.lastRun.after.packs).toBe(1);
    expect(st.lastRun.after.bytes).toBeLessThan(st.lastRun.before.bytes);
    expect(st.lastRun.objectsPruned).toBe(0);
    expect(st.current.packs).toBe(1);
    const info = await (await worker.fetch(`http://x/v1/repos/unit-commit/${repo.name}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json<any>();
    expect(info.packs).toBe(1);
    expect(info.sizeBytes).toBe(st.current.bytes);
    expect(await snapshot(repo, commits[10])).toEqual(before);
    const log = await call(repo, 'GET', 'log/main?limit=100');
    expect(log.json.commits.map((c: any) => c.sha)).toEqual([...commits].reverse());
    // the next commit after a repack lands as usual
    await commitOk(repo, [{ action: 'update', path: 'state.json', content: state(99) }]);
  });

  it('runs by itself once commits leave too many packs', async () => {
    const repo = await newRepo('hk-auto');
    for (let i = 0; i < 12; i++) await commitOk(repo, [create(`f${i}.txt`, `file ${i}\n`)]);
    const st = await drain(repo);
    expect(st.lastRun?.trigger).toBe('auto');
    expect(st.current.packs).toBeLessThan(12);
  });

  it('refuses bad input with 400', async () => {
    const repo = await newRepo('hk-bad');
    for (const body of [{}, { tasks: [] }, { tasks: ['compact'] }, { tasks: ['repack'], prune: 'now' }, { tasks: ['gc'], prune: -1 }, { tasks: ['gc'], prune: 'soon' }, { tasks: ['gc'], x: 1 }]) {
      const r = await admin(repo, 'POST', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
    }
    expect((await admin(repo, 'PATCH', { gracePeriodSeconds: 1.5 })).status).toBe(400);
    expect((await admin(repo, 'PATCH', { auto: 'no' })).status).toBe(400);
    const ok = await (await admin(repo, 'PATCH', { gracePeriodSeconds: 3600 })).json<any>();
    expect(ok.repoGracePeriodSeconds).toBe(3600);
    expect(ok.gracePeriodSeconds).toBe(3600);
    const none = await worker.fetch(`http://x/v1/repos/unit-commit/missing-${repo.name}/maintenance`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(none.status).toBe(404);
    const anon = await worker.fetch(`http://x/v1/repos/unit-commit/${repo.name}/maintenance`);
    expect(anon.status).toBe(401);
  });
});
