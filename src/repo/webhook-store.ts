// Webhooks and their delivery queue in the repository Durable Object's SQLite (tables
// `webhooks`, `webhook_deliveries`, see storage/schema.ts). Every row carries the repository
// key `ns/name`, so one object can later hold several repositories. The sending itself (HTTP,
// signatures, backoff) is in ./webhook-delivery.ts; this file is only SQL.

export const MAX_WEBHOOKS_PER_REPO = 20;
/** Pending deliveries one webhook may pile up (a receiver down for hours); later ones fail at once. */
export const MAX_PENDING_PER_WEBHOOK = 1000;
/** Finished deliveries kept per webhook for GET .../deliveries. */
export const KEEP_FINISHED_PER_WEBHOOK = 100;

export type WebhookEvent = 'ref.update' | 'ping';
export type DeliveryState = 'pending' | 'delivered' | 'failed';

export interface WebhookView {
  id: string;
  url: string;
  events: WebhookEvent[];
  createdAt: string;
}

export interface DeliveryView {
  id: string;
  webhookId: string;
  event: string;
  state: DeliveryState;
  attempts: number;
  lastStatus: number | null; // HTTP status of the last attempt (null: no answer)
  lastError: string | null;
  nextAttemptAt: string | null; // pending only
  createdAt: string;
  completedAt: string | null;
  payload: unknown;
}

/** A pending delivery with what sending it needs. */
export interface DueDelivery {
  seq: number;
  id: string;
  webhookId: string;
  event: string;
  body: string;
  attempts: number;
  nextAt: number;
  url: string;
  secret: string;
}

type HookRow = { id: string; repo: string; url: string; secret: string; events: string; created_at: number };
type DeliveryRow = {
  seq: number; id: string; repo: string; webhook_id: string; event: string; body: string; state: DeliveryState;
  attempts: number; next_at: number | null; last_status: number | null; last_error: string | null;
  created_at: number; done_at: number | null;
};
type DueRow = DeliveryRow & { url: string; secret: string };

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function hookView(r: HookRow): WebhookView {
  return { id: r.id, url: r.url, events: JSON.parse(r.events) as WebhookEvent[], createdAt: new Date(r.created_at).toISOString() };
}

function due(r: DueRow): DueDelivery {
  return { seq: r.seq, id: r.id, webhookId: r.webhook_id, event: r.event, body: r.body, attempts: r.attempts, nextAt: r.next_at ?? 0, url: r.url, secret: r.secret };
}

function randomHex(bytes: number): string {
  return [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export class WebhookStore {
  constructor(private readonly sql: SqlStorage) {}

  count(repo: string): number {
    return this.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM webhooks WHERE repo = ?`, repo).one().n;
  }

  /** Adds a webhook; null when the repository already has MAX_WEBHOOKS_PER_REPO. */
  create(repo: string, input: { url: string; secret: string; events: WebhookEvent[] }, now = Date.now()): WebhookView | null {
    if (this.count(repo) >= MAX_WEBHOOKS_PER_REPO) return null;
    const row: HookRow = { id: `wh_${randomHex(8)}`, repo, url: input.url, secret: input.secret, events: JSON.stringify(input.events), created_at: now };
    this.sql.exec(
      `INSERT INTO webhooks (id, repo, url, secret, events, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
      row.id, row.repo, row.url, row.secret, row.events, row.created_at,
    );
    return hookView(row);
  }

  list(repo: string): WebhookView[] {
    return this.sql.exec<HookRow>(`SELECT * FROM webhooks WHERE repo = ? ORDER BY created_at, id`, repo).toArray().map(hookView);
  }

  get(repo: string, id: string): WebhookView | null {
    const r = this.sql.exec<HookRow>(`SELECT * FROM webhooks WHERE repo = ? AND id = ?`, repo, id).toArray()[0];
    return r ? hookView(r) : null;
  }

  /** Removes a webhook and everything queued or recorded for it. */
  delete(repo: string, id: string): boolean {
    const gone = this.sql.exec(`DELETE FROM webhooks WHERE repo = ? AND id = ?`, repo, id).rowsWritten > 0;
    if (gone) this.sql.exec(`DELETE FROM webhook_deliveries WHERE repo = ? AND webhook_id = ?`, repo, id);
    return gone;
  }

  /** Removes every webhook and delivery of one repository (repository deletion). */
  dropRepo(repo: string): void {
    this.sql.exec(`DELETE FROM webhook_deliveries WHERE repo = ?`, repo);
    this.sql.exec(`DELETE FROM webhooks WHERE repo = ?`, repo);
  }

  /**
   * Queues `body` for every webhook of `repo` subscribed to `event` (or only for `onlyHook`).
   * Call inside the transaction that made the event, so both commit or neither does.
   * Returns how many deliveries are pending (a webhook over its queue limit gets a failed one).
   */
  enqueue(repo: string, event: WebhookEvent, body: string, now = Date.now(), onlyHook?: string): number {
    let queued = 0;
    for (const h of this.sql.exec<HookRow>(`SELECT id, events FROM webhooks WHERE repo = ?`, repo).toArray()) {
      if (onlyHook !== undefined && h.id !== onlyHook) continue;
      if (!(JSON.parse(h.events) as string[]).includes(event)) continue;
      const pending = this.sql.exec<{ n: number }>(
        `SELECT count(*) AS n FROM webhook_deliveries WHERE state = 'pending' AND webhook_id = ?`, h.id,
      ).one().n;
      const full = pending >= MAX_PENDING_PER_WEBHOOK;
      this.sql.exec(
        `INSERT INTO webhook_deliveries (id, repo, webhook_id, event, body, state, next_at, last_error, created_at, done_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        crypto.randomUUID(), repo, h.id, event, body,
        full ? 'failed' : 'pending', full ? null : now,
        full ? `not sent: ${MAX_PENDING_PER_WEBHOOK} deliveries already waiting for this webhook` : null,
        now, full ? now : null,
      );
      if (!full) queued++;
    }
    return queued;
  }

  /**
   * The oldest pending delivery of each webhook (only a queue's head may be sent, which keeps
   * each webhook's deliveries in order), with its webhook's url and secret.
   */
  heads(): DueDelivery[] {
    return this.sql
      .exec<DueRow>(
        `SELECT d.*, w.url AS url, w.secret AS secret
           FROM (SELECT webhook_id, MIN(seq) AS head FROM webhook_deliveries WHERE state = 'pending' GROUP BY webhook_id) q
           JOIN webhook_deliveries d ON d.seq = q.head
           JOIN webhooks w ON w.id = d.webhook_id
          ORDER BY d.next_at, d.seq`,
      )
      .toArray()
      .map(due);
  }

  /** The head of one webhook's queue. */
  head(webhookId: string): DueDelivery | null {
    const r = this.sql
      .exec<DueRow>(
        `SELECT d.*, w.url AS url, w.secret AS secret FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
          WHERE d.state = 'pending' AND d.webhook_id = ? ORDER BY d.seq LIMIT 1`,
        webhookId,
      )
      .toArray()[0];
    return r ? due(r) : null;
  }

  /** When the next delivery attempt is due (ms), or null when nothing is queued. */
  nextDue(): number | null {
    const heads = this.heads();
    return heads.length ? Math.min(...heads.map((h) => h.nextAt)) : null;
  }

  /** Records an attempt's outcome. nextAt null with delivered=false means: give up. */
  record(seq: number, outcome: { attempts: number; delivered: boolean; status: number | null; error: string | null; nextAt: number | null }, now = Date.now()): void {
    const state: DeliveryState = outcome.delivered ? 'delivered' : outcome.nextAt === null ? 'failed' : 'pending';
    this.sql.exec(
      `UPDATE webhook_deliveries SET state = ?, attempts = ?, last_status = ?, last_error = ?, next_at = ?, done_at = ? WHERE seq = ?`,
      state, outcome.attempts, outcome.status, outcome.error, state === 'pending' ? outcome.nextAt : null,
      state === 'pending' ? null : now, seq,
    );
  }

  /** Keeps the newest `keep` finished deliveries of a webhook. */
  prune(webhookId: string, keep = KEEP_FINISHED_PER_WEBHOOK): void {
    const edge = this.sql
      .exec<{ seq: number }>(
        `SELECT seq FROM webhook_deliveries WHERE webhook_id = ? AND state != 'pending' ORDER BY seq DESC LIMIT 1 OFFSET ?`,
        webhookId, keep,
      )
      .toArray()[0];
    if (edge) this.sql.exec(`DELETE FROM webhook_deliveries WHERE webhook_id = ? AND state != 'pending' AND seq <= ?`, webhookId, edge.seq);
  }

  /** A webhook's deliveries, newest first. */
  deliveries(repo: string, webhookId: string, limit: number): DeliveryView[] {
    return this.sql
      .exec<DeliveryRow>(`SELECT * FROM webhook_deliveries WHERE repo = ? AND webhook_id = ? ORDER BY seq DESC LIMIT ?`, repo, webhookId, limit)
      .toArray()
      .map((r) => ({
        id: r.id,
        webhookId: r.webhook_id,
        event: r.event,
        state: r.state,
        attempts: r.attempts,
        lastStatus: r.last_status,
        lastError: r.last_error,
        nextAttemptAt: r.state === 'pending' ? iso(r.next_at) : null,
        createdAt: new Date(r.created_at).toISOString(),
        completedAt: iso(r.done_at),
        payload: JSON.parse(r.body),
      }));
  }
}
