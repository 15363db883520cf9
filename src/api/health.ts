// GET /healthz: the Worker answers by itself (no Durable Object, no storage), so a load balancer
// or uptime check sees whether Arbor's front door is up without waking any repository.
import { jsonResponse } from '../http/errors';

export function healthz(): Response {
  return jsonResponse({ ok: true, service: 'arbor', time: new Date().toISOString() });
}
