// RepoObject's webhook calls (input is checked by src/service) and the alarm that sends the
// deliveries and runs the upload sweeper (one alarm, armed for whichever job is due first).
import type { RepoHost } from './host';
import { deliverDue, deliveryPolicy, pingBody } from './webhook-delivery';
import { MAX_WEBHOOKS_PER_REPO, type DeliveryView, type WebhookEvent, type WebhookView } from './webhook-store';
import { nameOf, notFound, type RpcResult } from './types';
import { runMaintenanceJob } from './maintenance-calls';

/** Adds a webhook (the secret is stored to sign deliveries and never returned). */
export async function createWebhook(host: RepoHost, key: string, input: { url: string; secret: string; events: WebhookEvent[] }): Promise<RpcResult<WebhookView>> {
  const h = host.hosted(key);
  if (!h) return host.linked(key)?.createWebhook(key, input) ?? notFound();
  const now = Date.now();
  const hook = host.ctx.storage.transactionSync(() => {
    const w = host.webhooks.create(key, input, now);
    if (w && w.events.includes('ping')) host.webhooks.enqueue(key, 'ping', pingBody(nameOf(key), w), now, w.id);
    return w;
  });
  if (!hook) return { ok: false, status: 409, code: 'limit_exceeded', message: `a repository has at most ${MAX_WEBHOOKS_PER_REPO} webhooks` };
  if (hook.events.includes('ping')) await host.ctx.storage.setAlarm(now);
  return { ok: true, value: hook };
}

export function listWebhooks(host: RepoHost, key: string): Promise<RpcResult<WebhookView[]>> {
  return host.on<RpcResult<WebhookView[]>>(key, () => ({ ok: true, value: host.webhooks.list(key) }), (s) => s.listWebhooks(key), notFound);
}

const noHook = (id: string) => ({ ok: false as const, status: 404, code: 'not_found', message: `no webhook ${id} on this repository` });

/** Removes a webhook; its queued deliveries are dropped. */
export function deleteWebhook(host: RepoHost, key: string, id: string): Promise<RpcResult<null>> {
  return host.on<RpcResult<null>>(key, () => (host.webhooks.delete(key, id) ? { ok: true, value: null } : noHook(id)), (s) => s.deleteWebhook(key, id), notFound);
}

/** A webhook's recent deliveries, newest first (pending ones included). */
export function listDeliveries(host: RepoHost, key: string, id: string, limit: number): Promise<RpcResult<DeliveryView[]>> {
  return host.on<RpcResult<DeliveryView[]>>(
    key,
    () => (host.webhooks.get(key, id) ? { ok: true, value: host.webhooks.deliveries(key, id, limit) } : noHook(id)),
    (s) => s.listDeliveries(key, id, limit),
    notFound,
  );
}

/**
 * One alarm, three jobs: the upload sweeper (removes unfinished and unowned pack files, see
 * SWEEP_DELAY_MS) when it is due, webhook deliveries that are due, and a slice of housekeeping
 * (maintenance-calls.ts). Then re-arms for whichever comes next.
 */
export async function runAlarm(host: RepoHost): Promise<void> {
  const sweepAt = host.jobs.due('sweep');
  if (sweepAt !== null && sweepAt <= Date.now()) {
    host.jobs.clear('sweep');
    if (host.root.hostedRepos().length > 0) host.root.sweepUploads();
  }
  await deliverDue(host.webhooks, deliveryPolicy(host.env));
  await runMaintenanceJob(host);
  await host.armAlarm();
}
