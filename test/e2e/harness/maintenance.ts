// Housekeeping through the REST API (POST/GET .../maintenance), and what the housekeeping tests
// compare before and after a run: every object of a clone, and a mirror clone judged by fsck.
import { expect } from 'vitest';
import { api, type RepoInfo } from './admin-api';
import { gitOut } from './git';
import { fsckStrict } from './inspect';
import { cloneRepo } from './local-repos';
import { sleep } from './util';

export const maintenancePath = (repo: { namespace: string; name: string }) => `/v1/repos/${repo.namespace}/${repo.name}/maintenance`;

/** Queues housekeeping and waits until it is idle again; returns the status with the run's summary. */
export async function maintain(repo: { namespace: string; name: string }, body: Record<string, unknown>): Promise<any> {
  const r = await api('POST', maintenancePath(repo), { body });
  expect(r.status, r.text).toBe(202);
  return waitIdle(repo);
}

export async function waitIdle(repo: { namespace: string; name: string }): Promise<any> {
  for (let i = 0; i < 600; i++) {
    const st = (await api('GET', maintenancePath(repo))).json;
    if (st.state === 'idle' && st.nextDue === null && st.lastRun) return st;
    await sleep(250);
  }
  throw new Error('housekeeping did not finish');
}

/** Every object of a local repository: id and a hash of its content. */
export async function objectContents(dir: string): Promise<Map<string, string>> {
  const ids = (await gitOut(dir, ['cat-file', '--batch-all-objects', '--batch-check=%(objectname) %(objecttype) %(objectsize)'])).split('\n').filter(Boolean);
  return new Map(ids.map((l) => [l.split(' ')[0], l]));
}

/** A mirror clone, fsck --strict clean. */
export async function mirrorChecked(repo: RepoInfo, label: string): Promise<string> {
  const { dir } = await cloneRepo(repo.remote, { token: repo.token, label, args: ['--mirror'] });
  await fsckStrict(dir);
  return dir;
}
