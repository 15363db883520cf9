// Webhook delivery: payloads, signatures, the retry schedule and one alarm run's sending.
//
// Payloads: one delivery per ref transaction (a push, a commit API call) per webhook, carrying
// every ref it moved in `updates` (at most MAX_UPDATES_PER_DELIVERY; a larger push is split).
// An atomic push therefore arrives as one request, and a 10,000-tag mirror push costs 100
// queued rows per webhook instead of 10,000.
//
// Each request: POST, `content-type: application/json`, `X-Arbor-Event: ref.update | ping`,
// `X-Arbor-Delivery: <uuid>` (the same on retries), `X-Arbor-Hook-Id: wh_...` and
// `X-Arbor-Signature-256: sha256=<hex HMAC-SHA256 of the exact body, keyed with the secret>`.
// A 2xx answer is success; anything else, a network error or no answer within the timeout is
// retried after the next delay of the schedule; after the last one the delivery is failed.
import type { RefEvent } from './event-store';
import { ZERO_OID } from '../storage/refs';
import type { DueDelivery, WebhookStore, WebhookView } from './webhook-store';
import { destinationProblem, privateNetworksAllowed } from '../net/outbound';

export const MAX_UPDATES_PER_DELIVERY = 100;
/** Delays before the 2nd, 3rd, ... attempt: 8 attempts over about 10 hours. */
export const DEFAULT_BACKOFF_MS = [10_000, 30_000, 120_000, 600_000, 3_600_000, 3 * 3_600_000, 6 * 3_600_000];
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Bounds of one alarm run: attempts in all, per webhook (sent one after another), in parallel. */
export const MAX_ATTEMPTS_PER_RUN = 50;
export const MAX_PER_WEBHOOK_PER_RUN = 10;
export const PARALLEL_WEBHOOKS = 6;

export interface DeliveryPolicy {
  backoffMs: number[];
  timeoutMs: number;
  /** ARBOR_ALLOW_PRIVATE_NETWORKS: else a URL on a private network is not sent to. */
  allowPrivate?: boolean;
}

/**
 * The policy from the environment. ARBOR_WEBHOOK_BACKOFF_MS ("100,200,400": delays in ms, its
 * length + 1 attempts) and ARBOR_WEBHOOK_TIMEOUT_MS are test knobs; unset, the defaults apply.
 */
export function deliveryPolicy(env: { ARBOR_WEBHOOK_BACKOFF_MS?: string; ARBOR_WEBHOOK_TIMEOUT_MS?: string; ARBOR_ALLOW_PRIVATE_NETWORKS?: string }): DeliveryPolicy {
  return {
    backoffMs: parseBackoff(env.ARBOR_WEBHOOK_BACKOFF_MS),
    timeoutMs: parseTimeout(env.ARBOR_WEBHOOK_TIMEOUT_MS),
    allowPrivate: privateNetworksAllowed(env),
  };
}

export function parseBackoff(raw: string | undefined): number[] {
  if (!raw || !raw.trim()) return DEFAULT_BACKOFF_MS;
  const parts = raw.split(',').map((s) => s.trim());
  const list = parts.map(Number);
  if (list.length > 20 || parts.includes('') || list.some((n) => !Number.isInteger(n) || n < 0 || n > 7 * 86_400_000)) {
    console.warn(`ignoring ARBOR_WEBHOOK_BACKOFF_MS=${raw.slice(0, 80)}: want up to 20 comma-separated delays in ms`);
    return DEFAULT_BACKOFF_MS;
  }
  return list;
}

function parseTimeout(raw: string | undefined): number {
  const n = Number(raw);
  return raw && Number.isInteger(n) && n > 0 && n <= 60_000 ? n : DEFAULT_TIMEOUT_MS;
}

/** When to try again after `attempts` failed attempts (ms from now), or null: give up. */
export function retryDelay(attempts: number, backoffMs: number[]): number | null {
  return attempts >= 1 && attempts <= backoffMs.length ? backoffMs[attempts - 1] : null;
}

/** `sha256=<hex>`: HMAC-SHA256 of the body keyed with the webhook's secret (as GitHub does). */
export async function sign(secret: string, body: string): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, enc.encode(body)));
  return 'sha256=' + [...mac].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export interface RepoName {
  namespace: string;
  name: string;
}

/** The bodies for one ref transaction (several when it moved more than MAX_UPDATES_PER_DELIVERY refs). */
export function refUpdateBodies(repository: RepoName, events: RefEvent[], actor: string | null, time: number): string[] {
  const updates = events.map((e) => ({
    eventId: e.id,
    ref: e.ref,
    before: e.old,
    after: e.new,
    change: e.old === ZERO_OID ? 'create' : e.new === ZERO_OID ? 'delete' : 'update',
  }));
  const bodies: string[] = [];
  for (let i = 0; i < updates.length; i += MAX_UPDATES_PER_DELIVERY) {
    bodies.push(JSON.stringify({
      event: 'ref.update',
      repository: { namespace: repository.namespace, name: repository.name },
      actor,
      time: new Date(time).toISOString(),
      updates: updates.slice(i, i + MAX_UPDATES_PER_DELIVERY),
    }));
  }
  return bodies;
}

/** The body of the `ping` sent when a webhook subscribed to it is created. */
export function pingBody(repository: RepoName, hook: WebhookView): string {
  return JSON.stringify({
    event: 'ping',
    repository: { namespace: repository.namespace, name: repository.name },
    webhook: { id: hook.id, url: hook.url, events: hook.events },
    time: hook.createdAt,
  });
}

export interface AttemptResult {
  ok: boolean;
  status: number | null;
  error: string | null;
}

type Fetch = (input: string, init: RequestInit) => Promise<Response>;

/**
 * One POST of a delivery. Never throws: failures come back as a result. The destination is
 * checked again here: the webhook may predate the check or the setting may have changed.
 */
export async function attempt(d: DueDelivery, timeoutMs: number, send: Fetch = fetch, allowPrivate = false): Promise<AttemptResult> {
  let refused: string | null;
  try {
    refused = destinationProblem(new URL(d.url), allowPrivate);
  } catch {
    refused = 'invalid url';
  }
  if (refused) return { ok: false, status: null, error: `not sent: ${refused}` };
  try {
    const res = await send(d.url, {
      method: 'POST',
      body: d.body,
      redirect: 'manual', // a redirect is not a delivery; following it could leave the configured host
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Arbor-Webhooks/1',
        'x-arbor-event': d.event,
        'x-arbor-delivery': d.id,
        'x-arbor-hook-id': d.webhookId,
        'x-arbor-signature-256': await sign(d.secret, d.body),
      },
    });
    await res.body?.cancel().catch(() => {}); // the answer's body is not needed
    const ok = res.status >= 200 && res.status < 300;
    return { ok, status: res.status, error: ok ? null : `HTTP ${res.status}` };
  } catch (e) {
    const err = e as Error;
    const timedOut = err?.name === 'TimeoutError' || err?.name === 'AbortError';
    return { ok: false, status: null, error: timedOut ? `no answer within ${timeoutMs} ms` : String(err?.message ?? e).slice(0, 300) };
  }
}

/**
 * Sends what is due: each webhook's queue in order (a failure stops that queue until its retry
 * time), several webhooks in parallel, at most MAX_ATTEMPTS_PER_RUN attempts in all.
 * Returns the number of attempts made.
 */
export async function deliverDue(store: WebhookStore, policy: DeliveryPolicy, send: Fetch = fetch): Promise<number> {
  const lanes = store.heads().filter((h) => h.nextAt <= Date.now()).map((h) => h.webhookId);
  let budget = MAX_ATTEMPTS_PER_RUN;
  let made = 0;
  const runLane = async (webhookId: string) => {
    for (let i = 0; i < MAX_PER_WEBHOOK_PER_RUN && budget > 0; i++) {
      const d = store.head(webhookId); // re-read: the webhook may have been deleted meanwhile
      if (!d || d.nextAt > Date.now()) break;
      budget--;
      made++;
      const r = await attempt(d, policy.timeoutMs, send, policy.allowPrivate === true);
      const attempts = d.attempts + 1;
      const delay = r.ok ? null : retryDelay(attempts, policy.backoffMs);
      store.record(d.seq, { attempts, delivered: r.ok, status: r.status, error: r.error, nextAt: delay === null ? null : Date.now() + delay });
      if (!r.ok) break; // later deliveries of this webhook wait behind this one
    }
    store.prune(webhookId);
  };
  const queue = [...lanes];
  const workers = Array.from({ length: Math.min(PARALLEL_WEBHOOKS, queue.length) }, async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) await runLane(id);
  });
  await Promise.all(workers);
  return made;
}
