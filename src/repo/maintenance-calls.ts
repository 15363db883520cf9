// Housekeeping of the Durable Object's object store (src/storage/housekeeping): requested through
// the control plane (POST/GET/PATCH .../maintenance, RPC twins), started by itself when a ref
// change leaves the store over a threshold, and run by the alarm in slices of ~2 s ('maintenance'
// job): a slice that has more to do re-arms the alarm at once, one that must wait (a clone is
// streaming) a second later. One store per fork network, so the status is the network's.
import { Housekeeper, type HkStatus } from '../storage/housekeeping/run';
import { AUTO, dueRequest } from '../storage/housekeeping/policy';
import type { Task } from '../storage/housekeeping/state';
import type { Traffic } from '../storage/housekeeping/traffic';
import type { RepoStore } from '../storage/repo-store';
import type { RepoHost } from './host';
import { notFound, type RpcResult } from './types';

export interface MaintenanceInput {
  tasks: Task[];
  prune?: 'now' | 'never' | number;
}

export interface MaintenanceSettings {
  gracePeriodSeconds?: number;
  auto?: boolean;
}

export type MaintenanceView = HkStatus & {
  repo: string;
  /** When the alarm next runs housekeeping (a slice of the run, or an automatic check). */
  nextDue: string | null;
  /** This repository's own setting (the network uses the longest of its repositories'). */
  repoGracePeriodSeconds: number | null;
};

export function makeHousekeeper(ctx: DurableObjectState, root: RepoStore, traffic: Traffic, maxRunObjects?: string): Housekeeper {
  const hk = new Housekeeper({
    traffic,
    sql: ctx.storage.sql,
    transaction: (fn) => ctx.storage.transactionSync(fn),
    objects: root.objects,
    uploads: () => root.uploadsInFlight(),
    allocatePackId: () => root.allocatePackId(),
  });
  const cap = Number(maxRunObjects);
  if (Number.isSafeInteger(cap) && cap > 0) hk.maxRunObjects = cap;
  return hk;
}

function view(host: RepoHost, key: string): MaintenanceView {
  const due = host.jobs.due('maintenance');
  const own = host.hosted(key)?.store.meta('gc_grace_seconds');
  return {
    repo: key,
    ...host.housekeeper.status(),
    nextDue: due === null ? null : new Date(due).toISOString(),
    repoGracePeriodSeconds: own === null || own === undefined ? null : Number(own),
  };
}

/** Queues a run (202 by the caller); the alarm starts it within a moment. */
export async function requestMaintenance(host: RepoHost, key: string, input: MaintenanceInput): Promise<RpcResult<MaintenanceView>> {
  const h = host.hosted(key);
  if (!h) return host.linked(key)?.requestMaintenance(key, input) ?? notFound();
  host.housekeeper.request({ tasks: input.tasks, prune: input.prune, trigger: 'request', reason: `requested for ${key}` });
  host.jobs.set('maintenance', Date.now());
  await host.armAlarm();
  return { ok: true, value: view(host, key) };
}

export function maintenanceStatus(host: RepoHost, key: string): Promise<RpcResult<MaintenanceView>> {
  return host.on<RpcResult<MaintenanceView>>(key, () => ({ ok: true, value: view(host, key) }), (s) => s.maintenanceStatus(key), notFound);
}

/** Per-repository settings: the grace period of unreachable objects, automatic runs on or off. */
export async function updateMaintenance(host: RepoHost, key: string, settings: MaintenanceSettings): Promise<RpcResult<MaintenanceView>> {
  const h = host.hosted(key);
  if (!h) return host.linked(key)?.updateMaintenance(key, settings) ?? notFound();
  if (settings.gracePeriodSeconds !== undefined) h.store.setMeta('gc_grace_seconds', String(settings.gracePeriodSeconds));
  if (settings.auto !== undefined) h.store.setMeta('hk_auto', settings.auto ? '1' : '0');
  afterWrite(host);
  return { ok: true, value: view(host, key) };
}

/**
 * After a ref change (inside its transaction): if an automatic run is due and none is scheduled,
 * schedule one shortly (a burst of commits is served first). A few small queries.
 */
export function afterWrite(host: RepoHost): void {
  const now = Date.now();
  if (host.jobs.due('maintenance') !== null) return;
  if (host.housekeeper.state.run() === null && dueRequest(host.ctx.storage.sql, host.housekeeper.state, now, host.housekeeper.maxRunObjects) === null) return;
  host.jobs.set('maintenance', now + AUTO.delayMs);
  host.armAlarm().catch((e) => console.error('maintenance alarm', e));
}

/** The alarm's part: one slice when the job is due, then the job's next time. */
export async function runMaintenanceJob(host: RepoHost): Promise<void> {
  const due = host.jobs.due('maintenance');
  if (due === null || due > Date.now()) return;
  const r = await host.housekeeper.runSlice();
  if (r === 'more') host.jobs.set('maintenance', Date.now());
  else if (r === 'wait') host.jobs.set('maintenance', Date.now() + 1000);
  else host.jobs.clear('maintenance');
}
