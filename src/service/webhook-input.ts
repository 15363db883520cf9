// Validation of webhook input (REST and RPC alike), before anything reaches the repository: the
// shape by the schema (src/schema/control.ts), the URL's destination here.
import { badRequest } from '../http/errors';
import { destinationProblem } from '../net/outbound';
import type { WebhookEvent } from '../repo/webhook-store';
import { WebhookBody } from '../schema/control';
import { parseArgs } from '../schema/validate';

/** `allowPrivate`: ARBOR_ALLOW_PRIVATE_NETWORKS (else a URL on a private network is refused). */
export function checkWebhookInput(input: unknown, allowPrivate = false): { url: string; secret: string; events: WebhookEvent[] } {
  const { url, secret, events } = parseArgs(WebhookBody(), input); // the shape; what follows is about the URL
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
  return { url: parsed.href, secret, events: events ? [...new Set(events)] : ['ref.update'] };
}
