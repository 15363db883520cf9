// Housekeeping requests (POST/GET/PATCH /v1/repos/:ns/:name/maintenance and the RPC twins):
// checks the input (src/schema), then hands it to the repository's Durable Object (src/repo/maintenance-calls.ts).
import type { Env } from '../env';
import { badRequest } from '../http/errors';
import type { MaintenanceInput, MaintenanceSettings, MaintenanceView } from '../repo/maintenance-calls';
import { MaintenanceBody, MaintenanceSettingsBody } from '../schema/control';
import { parseArgs } from '../schema/validate';
import { unwrap } from './errors';
import { repoKey } from './names';
import { repoStub } from './repos';

export type { MaintenanceView };

export { MAX_GRACE_SECONDS } from '../schema/control';

/** {"tasks": ["repack"|"gc", ...], "prune"?: "now" | "never" | seconds}: the shape by the schema, then its rule. */
export function checkMaintenanceInput(body: unknown): MaintenanceInput {
  const b = parseArgs(MaintenanceBody(), body);
  const tasks = [...new Set(b.tasks)];
  if (b.prune === undefined) return { tasks };
  if (!tasks.includes('gc')) throw badRequest('prune applies to the gc task: add "gc" to tasks');
  return { tasks, prune: b.prune };
}

/** {"gracePeriodSeconds"?: n, "auto"?: boolean} */
export function checkMaintenanceSettings(body: unknown): MaintenanceSettings {
  const b = parseArgs(MaintenanceSettingsBody(), body ?? {});
  const out: MaintenanceSettings = {};
  if (b.gracePeriodSeconds !== undefined) out.gracePeriodSeconds = b.gracePeriodSeconds;
  if (b.auto !== undefined) out.auto = b.auto;
  return out;
}

/** Queues a repack and/or gc of the repository's object store (its fork network's). */
export async function requestMaintenance(env: Env, ns: string, name: string, body: unknown): Promise<MaintenanceView> {
  const input = checkMaintenanceInput(body);
  return unwrap(await repoStub(env, ns, name).requestMaintenance(repoKey(ns, name), input));
}

/** Last runs, the run in progress, what is due, packs and bytes now. */
export async function getMaintenance(env: Env, ns: string, name: string): Promise<MaintenanceView> {
  return unwrap(await repoStub(env, ns, name).maintenanceStatus(repoKey(ns, name)));
}

export async function updateMaintenance(env: Env, ns: string, name: string, body: unknown): Promise<MaintenanceView> {
  const settings = checkMaintenanceSettings(body);
  return unwrap(await repoStub(env, ns, name).updateMaintenance(repoKey(ns, name), settings));
}
