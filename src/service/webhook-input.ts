// Validation of webhook input (REST and RPC alike), before anything reaches the repository.
import { badRequest } from '../http/errors';
import { destinationProblem } from '../net/outbound';
import type { WebhookEvent } from '../repo/webhook-store';

export const MAX_URL_LENGTH = 2048;
export const MAX_SECRET_LENGTH = 256;
export const WEBHOOK_EVENTS: readonly WebhookEvent[] = ['ref.update', 'ping'];

/** `allowPrivate`: ARBOR_ALLOW_PRIVATE_NETWORKS (else a URL on a private network is refused). */
export function checkWebhookInput(input: unknown, allowPrivate = false): { url: string; secret: string; events: WebhookEvent[] } {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw badRequest('webhook must be an object {url, secret, events?}');
  const { url, secret, events } = input as Record<string, unknown>;
  if (typeof url !== 'string' || url.length === 0 || url.length > MAX_URL_LENGTH) throw badRequest(`url must be a string of 1-${MAX_URL_LENGTH} characters`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badRequest('url is not a valid absolute URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw badRequest('url must be http:// or https://');
  if (parsed.username || parsed.password) throw badRequest('url must not carry credentials (the secret signs each delivery)');
  const refused = destinationProblem(parsed, allowPrivate);
  if (refused) throw badRequest(`url: ${refused}`);
  if (typeof secret !== 'string' || secret.length === 0 || secret.length > MAX_SECRET_LENGTH) {
    throw badRequest(`secret must be a non-empty string of at most ${MAX_SECRET_LENGTH} characters`);
  }
  let list: WebhookEvent[] = ['ref.update'];
  if (events !== undefined) {
    if (!Array.isArray(events) || events.length === 0 || events.some((e) => !WEBHOOK_EVENTS.includes(e as WebhookEvent))) {
      throw badRequest(`events must be a non-empty array of ${WEBHOOK_EVENTS.map((e) => `"${e}"`).join(', ')}`);
    }
    list = [...new Set(events as WebhookEvent[])];
  }
  return { url: parsed.href, secret, events: list };
}

export function checkWebhookId(id: unknown): string {
  if (typeof id !== 'string' || !/^wh_[0-9a-f]{16}$/.test(id)) throw badRequest(`invalid webhook id '${String(id).slice(0, 40)}'`);
  return id;
}
