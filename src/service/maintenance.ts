// Housekeeping requests (POST/GET/PATCH /v1/repos/:ns/:name/maintenance and the RPC twins):
// checks the input, then hands it to the repository's Durable Object (src/repo/maintenance-calls.ts).
import type { Env } from '../env';
import { badRequest } from '../http/errors';
import type { MaintenanceInput, MaintenanceSettings, MaintenanceView } from '../repo/maintenance-calls';
import { unwrap } from './errors';
import { repoKey } from './names';
import { repoStub } from './repos';

export type { MaintenanceView };

const TASKS = new Set(['repack', 'gc']);
/** Grace periods up to ten years (git's gc.pruneExpire "never" is prune: "never"). */
export const MAX_GRACE_SECONDS = 10 * 365 * 86_400;

function graceSeconds(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_GRACE_SECONDS) {
    throw badRequest(`${what} must be an integer number of seconds from 0 to ${MAX_GRACE_SECONDS}`);
  }
  return v;
}

/** {"tasks": ["repack"|"gc", ...], "prune"?: "now" | "never" | seconds} */
export function checkMaintenanceInput(body: unknown): MaintenanceInput {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the body must be a JSON object {"tasks": ["repack", "gc"], "prune"?}');
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b)) if (k !== 'tasks' && k !== 'prune') throw badRequest(`unknown field "${k.slice(0, 40)}" (expected tasks, prune)`);
  if (!Array.isArray(b.tasks) || b.tasks.length === 0 || b.tasks.some((t) => typeof t !== 'string' || !TASKS.has(t))) {
    throw badRequest('tasks must be a non-empty array of "repack" and "gc"');
  }
  const tasks = [...new Set(b.tasks as ('repack' | 'gc')[])];
  if (b.prune === undefined || b.prune === null) return { tasks };
  if (!tasks.includes('gc')) throw badRequest('prune applies to the gc task: add "gc" to tasks');
  if (b.prune === 'now' || b.prune === 'never') return { tasks, prune: b.prune };
  return { tasks, prune: graceSeconds(b.prune, 'prune (a grace period)') };
}

/** {"gracePeriodSeconds"?: n, "auto"?: boolean} */
export function checkMaintenanceSettings(body: unknown): MaintenanceSettings {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the body must be a JSON object {"gracePeriodSeconds"?, "auto"?}');
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b)) if (k !== 'gracePeriodSeconds' && k !== 'auto') throw badRequest(`unknown field "${k.slice(0, 40)}" (expected gracePeriodSeconds, auto)`);
  const out: MaintenanceSettings = {};
  if (b.gracePeriodSeconds !== undefined) out.gracePeriodSeconds = graceSeconds(b.gracePeriodSeconds, 'gracePeriodSeconds');
  if (b.auto !== undefined) {
    if (typeof b.auto !== 'boolean') throw badRequest('auto must be true or false');
    out.auto = b.auto;
  }
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
