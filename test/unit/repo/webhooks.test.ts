// Webhooks inside workerd: HMAC signatures (known vectors), the retry schedule, the delivery
// queue (enqueued in the ref-update transaction; a rejected push or commit queues nothing) and
// one alarm run's sending against a fake receiver (order, retries, give-up, timeouts).
import { env } from 'cloudflare:workers';
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { RepoObject } from '../../../src/repo/repo-object';
import { WebhookStore, type DueDelivery } from '../../../src/repo/webhook-store';
import {
  DEFAULT_BACKOFF_MS, MAX_UPDATES_PER_DELIVERY, attempt, deliverDue, deliveryPolicy, parseBackoff, refUpdateBodies, retryDelay, sign,
} from '../../../src/repo/webhook-delivery';
import { checkWebhookInput } from '../../../src/service/webhook-input';
import type { RefEvent } from '../../../src/repo/event-store';

const ZERO = '0'.repeat(40);
const AUTHOR = { name: 'A U Thor', email: 'author@example.com', date: 1_700_000_000, timezone: '+0000' };
const REPO = (env as unknown as { REPO: DurableObjectNamespace<RepoObject> }).REPO;

function fresh(label: string) {
  const name = `${label}-${crypto.randomUUID().slice(0, 8)}`;
  return { name, stub: REPO.get(REPO.idFromName(`unit/${name}`)) };
}

async function rows(stub: DurableObjectStub<RepoObject>) {
  return runInDurableObject(stub, (_i, state) =>
    state.storage.sql.exec<{ state: string; body: string; attempts: number }>(`SELECT state, body, attempts FROM webhook_deliveries ORDER BY seq`).toArray(),
  );
}

describe('signing', () => {
  it('HMAC-SHA256 matches RFC 4231 test case 2 and GitHub\'s documented example', async () => {
    expect(await sign('Jefe', 'what do ya want for nothing?')).toBe('sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    expect(await sign("It's a Secret to Everybody", 'Hello, World!')).toBe('sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17');
  });

  it('signs the exact bytes: a changed body or secret changes the signature; non-ASCII is UTF-8', async () => {
    const a = await sign('s', '{"a":1}');
    expect(await sign('s', '{"a": 1}')).not.toBe(a);
    expect(await sign('t', '{"a":1}')).not.toBe(a);
    // HMAC-SHA256(key "k", "é") computed independently over the UTF-8 bytes c3 a9
    const key = await crypto.subtle.importKey('raw', new Uint8Array([0x6b]), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new Uint8Array([0xc3, 0xa9])));
    expect(await sign('k', 'é')).toBe('sha256=' + [...mac].map((b) => b.toString(16).padStart(2, '0')).join(''));
  });
});

describe('retry schedule', () => {
  it('defaults to 10 s, 30 s, 2 min, 10 min, 1 h, 3 h, 6 h, then gives up (8 attempts)', () => {
    expect(deliveryPolicy({})).toEqual({ backoffMs: DEFAULT_BACKOFF_MS, timeoutMs: 10_000, allowPrivate: false });
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => retryDelay(n, DEFAULT_BACKOFF_MS));
    expect(delays).toEqual([10_000, 30_000, 120_000, 600_000, 3_600_000, 10_800_000, 21_600_000, null]);
  });

  it('ARBOR_WEBHOOK_BACKOFF_MS overrides it; nonsense falls back to the default', () => {
    expect(deliveryPolicy({ ARBOR_WEBHOOK_BACKOFF_MS: '100, 200,400', ARBOR_WEBHOOK_TIMEOUT_MS: '500' })).toEqual({ backoffMs: [100, 200, 400], timeoutMs: 500, allowPrivate: false });
    expect(deliveryPolicy({ ARBOR_ALLOW_PRIVATE_NETWORKS: '1' }).allowPrivate).toBe(true);
    expect([1, 2, 3, 4].map((n) => retryDelay(n, [100, 200, 400]))).toEqual([100, 200, 400, null]);
    for (const bad of ['x', '1,,2', '-5', '1.5', Array(30).fill('1').join(',')]) expect(parseBackoff(bad)).toBe(DEFAULT_BACKOFF_MS);
    expect(retryDelay(1, [])).toBeNull(); // "" → default, but an empty list means one attempt
  });
});

describe('input', () => {
  it('checks url, secret and events', () => {
    expect(checkWebhookInput({ url: 'https://example.com/hook', secret: 's' })).toEqual({ url: 'https://example.com/hook', secret: 's', events: ['ref.update'] });
    const bad: unknown[] = [
      null, [], {}, { url: 'ftp://x/', secret: 's' }, { url: 'javascript:alert(1)', secret: 's' }, { url: 'not a url', secret: 's' },
      { url: 'https://u:p@example.com/', secret: 's' }, { url: 'https://example.com/' + 'a'.repeat(2048), secret: 's' },
      { url: 'https://example.com/', secret: '' }, { url: 'https://example.com/', secret: 'x'.repeat(257) }, { url: 'https://example.com/', secret: 5 },
      { url: 'https://example.com/', secret: 's', events: [] }, { url: 'https://example.com/', secret: 's', events: ['push'] },
    ];
    for (const b of bad) expect(() => checkWebhookInput(b), JSON.stringify(b)).toThrow(/url|secret|events|webhook/);
    expect(checkWebhookInput({ url: 'http://127.0.0.1:9/h', secret: 'x'.repeat(256), events: ['ping', 'ref.update', 'ping'] }, true).events).toEqual(['ping', 'ref.update']);
  });
});

describe('payloads', () => {
  it('one body per ref transaction with every update; split beyond MAX_UPDATES_PER_DELIVERY', () => {
    const ev = (i: number, old: string, nu: string): RefEvent => ({ id: i, ref: `refs/tags/t${i}`, old, new: nu, actor: 'tok_1', time: '' });
    const a = 'a'.repeat(40);
    const [one] = refUpdateBodies({ namespace: 'n', name: 'r' }, [ev(1, ZERO, a), ev(2, a, ZERO), ev(3, a, 'b'.repeat(40))], 'tok_1', 0);
    expect(JSON.parse(one)).toEqual({
      event: 'ref.update', repository: { namespace: 'n', name: 'r' }, actor: 'tok_1', time: '1970-01-01T00:00:00.000Z',
      updates: [
        { eventId: 1, ref: 'refs/tags/t1', before: ZERO, after: a, change: 'create' },
        { eventId: 2, ref: 'refs/tags/t2', before: a, after: ZERO, change: 'delete' },
        { eventId: 3, ref: 'refs/tags/t3', before: a, after: 'b'.repeat(40), change: 'update' },
      ],
    });
    const many = Array.from({ length: MAX_UPDATES_PER_DELIVERY * 2 + 1 }, (_, i) => ev(i + 1, ZERO, a));
    const bodies = refUpdateBodies({ namespace: 'n', name: 'r' }, many, null, 0).map((b) => JSON.parse(b));
    expect(bodies.map((b) => b.updates.length)).toEqual([MAX_UPDATES_PER_DELIVERY, MAX_UPDATES_PER_DELIVERY, 1]);
    expect(bodies[2].updates[0].eventId).toBe(MAX_UPDATES_PER_DELIVERY * 2 + 1);
  });
});

describe('queue: enqueued in the ref-update transaction', () => {
  it('a commit queues one delivery per subscribed webhook and sets the alarm; a CAS-rejected commit queues nothing', async () => {
    const { name, stub } = fresh('wh-q');
    expect((await stub.create('unit', name, 3600)).ok).toBe(true);
    const hook = await stub.createWebhook(`unit/${name}`, { url: 'http://127.0.0.1:9/a', secret: 's1', events: ['ref.update'] });
    const other = await stub.createWebhook(`unit/${name}`, { url: 'http://127.0.0.1:9/b', secret: 's2', events: ['ping'] }); // not subscribed to ref.update
    expect(hook.ok && other.ok).toBe(true);
    // the ping of `other` is queued at creation
    expect((await rows(stub)).map((r) => JSON.parse(r.body).event)).toEqual(['ping']);

    const c = await stub.commit(`unit/${name}`, { branch: 'main', message: 'one', author: AUTHOR, changes: [{ action: 'create', path: 'a.txt', content: 'a' }] });
    expect(c.ok).toBe(true);
    const sha = (c as { value: { commit: string } }).value.commit;
    let r = await rows(stub);
    expect(r).toHaveLength(2);
    expect(r[1].state).toBe('pending');
    const body = JSON.parse(r[1].body);
    expect(body).toMatchObject({ event: 'ref.update', repository: { namespace: 'unit', name }, actor: null, updates: [{ ref: 'refs/heads/main', before: ZERO, after: sha, change: 'create' }] });
    const events = await stub.listEvents(`unit/${name}`, 0, 10);
    expect(body.updates[0].eventId).toBe((events as { value: RefEvent[] }).value[0].id);
    await runInDurableObject(stub, async (_i, state) => {
      const at = await state.storage.getAlarm();
      expect(at).not.toBeNull();
      expect(at!).toBeLessThanOrEqual(Date.now());
    });

    // expectedHead does not match: the commit is refused and nothing is queued
    const stale = await stub.commit(`unit/${name}`, { branch: 'main', message: 'two', author: AUTHOR, expectedHead: ZERO.replace(/0$/, '1'), changes: [{ action: 'create', path: 'b.txt', content: 'b' }] });
    expect(stale.ok).toBe(false);
    expect(await rows(stub)).toHaveLength(2);
  });

  it('a ref update refused by compare-and-swap inside the store queues nothing; a rolled-back transaction leaves no delivery', async () => {
    const { name, stub } = fresh('wh-cas');
    await stub.create('unit', name, 3600);
    await stub.createWebhook(`unit/${name}`, { url: 'http://127.0.0.1:9/a', secret: 's', events: ['ref.update'] });
    const c = await stub.commit(`unit/${name}`, { branch: 'main', message: 'one', author: AUTHOR, changes: [{ action: 'create', path: 'a.txt', content: 'a' }] });
    const sha = (c as { value: { commit: string } }).value.commit;
    expect(await rows(stub)).toHaveLength(1);
    await runInDurableObject(stub, async (inst, state) => {
      const store = (inst as unknown as { host: import('../../../src/repo/host').RepoHost }).host.hosted(`unit/${name}`)!.store;
      // old value wrong: the CAS fails, no ref moves, the hook is not called
      const res = store.commitPush(null, [{ name: 'refs/heads/copy', oldOid: sha, newOid: sha }], false);
      expect(res[0].ok).toBe(false);
      expect(state.storage.sql.exec(`SELECT count(*) AS n FROM webhook_deliveries`).one().n).toBe(1);
      // a transaction that enqueues and then fails rolls the delivery back with everything else
      const hooks = new WebhookStore(state.storage.sql);
      expect(() => state.storage.transactionSync(() => {
        hooks.enqueue(`unit/${name}`, 'ref.update', '{}');
        throw new Error('boom');
      })).toThrow('boom');
      expect(state.storage.sql.exec(`SELECT count(*) AS n FROM webhook_deliveries`).one().n).toBe(1);
      // a good update through the same path does queue
      expect(store.commitPush(null, [{ name: 'refs/heads/copy', oldOid: ZERO, newOid: sha }], false)[0].ok).toBe(true);
      expect(state.storage.sql.exec(`SELECT count(*) AS n FROM webhook_deliveries`).one().n).toBe(2);
    });
  });

  it('at most 20 webhooks per repository; deleting one drops its queue; deleting the repo drops all', async () => {
    const { name, stub } = fresh('wh-lim');
    await stub.create('unit', name, 3600);
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await stub.createWebhook(`unit/${name}`, { url: `http://127.0.0.1:9/${i}`, secret: 's', events: ['ref.update'] });
      expect(r.ok).toBe(true);
      ids.push((r as { value: { id: string } }).value.id);
    }
    const over = await stub.createWebhook(`unit/${name}`, { url: 'http://127.0.0.1:9/x', secret: 's', events: ['ref.update'] });
    expect(over).toMatchObject({ ok: false, status: 409 });
    await stub.commit(`unit/${name}`, { branch: 'main', message: 'one', author: AUTHOR, changes: [{ action: 'create', path: 'a.txt', content: 'a' }] });
    expect(await rows(stub)).toHaveLength(20);
    expect((await stub.deleteWebhook(`unit/${name}`, ids[0])).ok).toBe(true);
    expect(await rows(stub)).toHaveLength(19);
    expect(await stub.deleteWebhook(`unit/${name}`, ids[0])).toMatchObject({ ok: false, status: 404 });
    const listed = await stub.listWebhooks(`unit/${name}`);
    expect((listed as { value: unknown[] }).value).toHaveLength(19);
    expect(JSON.stringify(listed)).not.toContain('"secret"');
    await stub.destroy(`unit/${name}`);
    await runInDurableObject(stub, (_i, state) => {
      expect(state.storage.sql.exec(`SELECT count(*) AS n FROM webhook_deliveries`).one().n).toBe(0);
      expect(state.storage.sql.exec(`SELECT count(*) AS n FROM webhooks`).one().n).toBe(0);
    });
  });
});

describe('sending (fake receiver)', () => {
  type Seen = { url: string; headers: Record<string, string>; body: string };
  function receiver(answers: (number | 'error' | 'hang')[]) {
    const seen: Seen[] = [];
    const send = async (url: string, init: RequestInit): Promise<Response> => {
      seen.push({ url, headers: Object.fromEntries(new Headers(init.headers).entries()), body: String(init.body) });
      const a = answers.length ? answers.shift()! : 200;
      if (a === 'error') throw new TypeError('connection refused');
      if (a === 'hang') {
        return new Promise((_res, rej) => init.signal!.addEventListener('abort', () => rej(new DOMException('timed out', 'TimeoutError'))));
      }
      return new Response('x', { status: a });
    };
    return { seen, send };
  }

  async function withQueue(fn: (hooks: WebhookStore, repo: string, state: DurableObjectState) => Promise<void>) {
    const { name, stub } = fresh('wh-send');
    await stub.create('unit', name, 3600);
    await runInDurableObject(stub, (_i, state) => fn(new WebhookStore(state.storage.sql), `unit/${name}`, state));
  }

  it('signed headers; 500, 500, 200 delivers on the third attempt; later deliveries wait behind a failing one', async () => {
    await withQueue(async (hooks, repo) => {
      const h = hooks.create(repo, { url: 'http://receiver.test/hook', secret: 'topsecret', events: ['ref.update'] })!;
      hooks.enqueue(repo, 'ref.update', '{"n":1}');
      hooks.enqueue(repo, 'ref.update', '{"n":2}');
      const policy = { backoffMs: [0, 0, 0], timeoutMs: 1000 };
      const rx = receiver([500, 500, 200, 200]);
      expect(await deliverDue(hooks, policy, rx.send)).toBe(1); // first try fails: the lane stops
      expect(await deliverDue(hooks, policy, rx.send)).toBe(1);
      expect(await deliverDue(hooks, policy, rx.send)).toBe(2); // n=1 delivered, then n=2
      expect(rx.seen.map((s) => s.body)).toEqual(['{"n":1}', '{"n":1}', '{"n":1}', '{"n":2}']);
      const first = rx.seen[0];
      expect(first.headers['content-type']).toBe('application/json');
      expect(first.headers['x-arbor-event']).toBe('ref.update');
      expect(first.headers['x-arbor-hook-id']).toBe(h.id);
      expect(first.headers['x-arbor-signature-256']).toBe(await sign('topsecret', '{"n":1}'));
      expect(rx.seen[2].headers['x-arbor-delivery']).toBe(first.headers['x-arbor-delivery']); // same id on retries
      const list = hooks.deliveries(repo, h.id, 10);
      expect(list.map((d) => [d.payload, d.state, d.attempts, d.lastStatus])).toEqual([
        [{ n: 2 }, 'delivered', 1, 200],
        [{ n: 1 }, 'delivered', 3, 200],
      ]);
      expect(hooks.nextDue()).toBeNull();
    });
  });

  it('waits for the retry time; gives up after the last delay and goes on with the next one', async () => {
    await withQueue(async (hooks, repo) => {
      const h = hooks.create(repo, { url: 'http://receiver.test/hook', secret: 's', events: ['ref.update'] })!;
      hooks.enqueue(repo, 'ref.update', '{"n":1}');
      hooks.enqueue(repo, 'ref.update', '{"n":2}');
      const rx = receiver([503, 'error', 'hang']);
      const t0 = Date.now();
      expect(await deliverDue(hooks, { backoffMs: [60_000], timeoutMs: 50 }, rx.send)).toBe(1);
      expect(hooks.nextDue()!).toBeGreaterThanOrEqual(t0 + 60_000); // the head waits; n=2 waits behind it
      expect(await deliverDue(hooks, { backoffMs: [60_000], timeoutMs: 50 }, rx.send)).toBe(0);
      const [d] = hooks.deliveries(repo, h.id, 10).filter((x) => (x.payload as { n: number }).n === 1);
      expect(d).toMatchObject({ state: 'pending', attempts: 1, lastStatus: 503, lastError: 'HTTP 503' });
      expect(Date.parse(d.nextAttemptAt!)).toBeGreaterThanOrEqual(t0 + 60_000);

      // with no delays left: a network error fails n=1 for good, then a hang times out n=2
      expect(await deliverDue(hooks, { backoffMs: [], timeoutMs: 50 }, rx.send)).toBe(0); // still not due
      hooks.record(hooks.head(h.id)!.seq, { attempts: 1, delivered: false, status: 503, error: 'HTTP 503', nextAt: 0 });
      expect(await deliverDue(hooks, { backoffMs: [0], timeoutMs: 50 }, rx.send)).toBe(1);
      expect(await deliverDue(hooks, { backoffMs: [], timeoutMs: 50 }, rx.send)).toBe(1);
      const all = hooks.deliveries(repo, h.id, 10);
      expect(all.map((x) => [x.payload, x.state, x.attempts, x.lastStatus, x.lastError])).toEqual([
        [{ n: 2 }, 'failed', 1, null, 'no answer within 50 ms'],
        [{ n: 1 }, 'failed', 2, null, 'connection refused'],
      ]);
      expect(all[0].completedAt).not.toBeNull();
      expect(hooks.nextDue()).toBeNull();
    });
  });

  it('a redirect is not a delivery; one run is bounded', async () => {
    await withQueue(async (hooks, repo) => {
      hooks.create(repo, { url: 'http://receiver.test/a', secret: 's', events: ['ref.update'] });
      const d = { seq: 0, id: 'x', webhookId: 'wh_0', event: 'ref.update', body: '{}', attempts: 0, nextAt: 0, url: 'http://receiver.test/a', secret: 's' } as DueDelivery;
      expect(await attempt(d, 1000, async () => new Response(null, { status: 302, headers: { location: 'http://elsewhere/' } }))).toEqual({ ok: false, status: 302, error: 'HTTP 302' });
      for (let i = 0; i < 60; i++) hooks.enqueue(repo, 'ref.update', `{"n":${i}}`);
      const rx = receiver([]);
      expect(await deliverDue(hooks, { backoffMs: [0], timeoutMs: 1000 }, rx.send)).toBe(10); // per-webhook bound
      expect(rx.seen.map((s) => JSON.parse(s.body).n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });
  });

  it('the alarm sends due deliveries and re-arms for the retry, before the sweeper is due', async () => {
    const { name, stub } = fresh('wh-alarm');
    await stub.create('unit', name, 3600);
    // nothing listens on port 9 (discard): the attempt fails and is retried after 10 s
    await stub.createWebhook(`unit/${name}`, { url: 'http://127.0.0.1:9/hook', secret: 's', events: ['ref.update'] });
    await stub.commit(`unit/${name}`, { branch: 'main', message: 'one', author: AUTHOR, changes: [{ action: 'create', path: 'a.txt', content: 'a' }] });
    const sweepAt = Date.now() + 15 * 60_000;
    await runInDurableObject(stub, (_i, state) => {
      state.storage.sql.exec(`INSERT INTO scheduled_jobs (job, due) VALUES ('sweep', ?)`, sweepAt);
    });
    const t0 = Date.now();
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const [row] = await rows(stub);
    expect(row).toMatchObject({ state: 'pending', attempts: 1 });
    await runInDurableObject(stub, async (_i, state) => {
      const at = (await state.storage.getAlarm())!;
      expect(at).toBeGreaterThanOrEqual(t0 + 10_000);
      expect(at).toBeLessThan(sweepAt);
      expect(state.storage.sql.exec(`SELECT due FROM scheduled_jobs WHERE job = 'sweep'`).one().due).toBe(sweepAt);
    });
  });
});
