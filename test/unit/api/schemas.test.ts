// The REST schemas (src/schema) as validators: unknown JSON fields and wrong types are refused
// with 400 naming them, before anything changes; and the answers of real calls match the
// response schemas the OpenAPI document publishes.
import { exports } from 'cloudflare:workers';
import { describe, expect, test } from 'vitest';
import type { z } from 'zod';
import * as c from '../../../src/schema/control';
import * as r from '../../../src/schema/repo-api';

const worker = (exports as unknown as { default: { fetch(input: string | Request, init?: RequestInit): Promise<Response> } }).default;
const ADMIN = 'test-admin-token';
const AUTHOR = { name: 'A U Thor', email: 'author@example.com', date: 1_700_000_000, timezone: '+0000' };

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${ADMIN}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await worker.fetch(`http://x${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

/** The answer matches the published schema (responses may carry more fields, never fewer); schemas are thunks (src/schema/lazy.ts). */
function conforms(schema: () => z.ZodType, value: unknown): void {
  const p = schema().safeParse(value);
  expect(p.success, p.success ? '' : JSON.stringify(p.error.issues)).toBe(true);
}

const uid = () => crypto.randomUUID().slice(0, 8);

describe('request validation from the schemas', () => {
  test('unknown fields are refused with 400 naming them, and nothing changes', async () => {
    const ns = `sch-${uid()}`;
    const repo = await api('POST', `/v1/repos/${ns}/r`);
    expect(repo.status).toBe(201);
    const first = await api('POST', `/v1/repos/${ns}/r/commits`, { branch: 'main', message: 'one', author: AUTHOR, changes: [{ action: 'create', path: 'a', content: 'a' }] });
    expect(first.status).toBe(201);

    // a misspelled expectedHead would silently drop the compare-and-swap
    const typo = await api('POST', `/v1/repos/${ns}/r/commits`, {
      branch: 'main', message: 'two', author: AUTHOR, expectedHaed: '0'.repeat(40), changes: [{ action: 'create', path: 'b', content: 'b' }],
    });
    expect(typo.status).toBe(400);
    expect(typo.json.error.code).toBe('bad_request');
    expect(typo.json.error.message).toContain('unknown field "expectedHaed"');
    expect((await api('GET', `/v1/repos/${ns}/r/refs`)).json.branches[0].sha).toBe(first.json.commit);

    const nested = await api('POST', `/v1/repos/${ns}/r/commits`, { branch: 'main', message: 'x', author: { ...AUTHOR, mail: 'x' }, changes: [{ action: 'create', path: 'b', content: 'b', contents: 'c' }] });
    expect(nested.status).toBe(400);
    expect(nested.json.error.message).toContain('unknown field "author.mail"');
    expect(nested.json.error.message).toContain('unknown field "changes[0].contents"');

    const fork = await api('POST', `/v1/repos/${ns}/r/fork`, { name: 'f', readonly: true });
    expect(fork.status).toBe(400);
    expect(fork.json.error.message).toContain('"readonly"');
    expect((await api('GET', `/v1/repos/${ns}/f`)).status).toBe(404);

    const create = await api('POST', `/v1/repos/${ns}/other`, { defaultBranch: 'trunk' });
    expect(create.status).toBe(400);
    expect(create.json.error.message).toContain('unknown field "defaultBranch"');

    const rules = await api('PUT', `/v1/repos/${ns}/r/rules`, { rules: [{ pattern: 'refs/heads/main', allowForcepush: true }] });
    expect(rules.status).toBe(400);
    expect(rules.json.error.message).toContain('"rules[0].allowForcepush"');
    expect((await api('GET', `/v1/repos/${ns}/r/rules`)).json.rules).toEqual([]);

    const ref = await api('POST', `/v1/repos/${ns}/r/refs`, { name: 'refs/heads/x', sha: first.json.commit, expected_old: null });
    expect(ref.status).toBe(400);
    expect(ref.json.error.message).toContain('"expected_old"');
  });

  test('wrong types are refused with 400 naming the field', async () => {
    const ns = `sch-${uid()}`;
    expect((await api('POST', `/v1/repos/${ns}/r`)).status).toBe(201);
    const ttl = await api('POST', `/v1/repos/${ns}/r/tokens`, { ttlSeconds: '600' });
    expect(ttl.status).toBe(400);
    expect(ttl.json.error.message).toBe('ttlSeconds must be an integer from 60 to 31536000');
    const scope = await api('POST', `/v1/repos/${ns}/r/tokens`, { scope: 'admin' });
    expect(scope.status).toBe(400);
    expect(scope.json.error.message).toBe('scope must be "read" or "write"');
    const merge = await api('POST', `/v1/repos/${ns}/r/merges`, { base: 'main', head: 7, strategy: 'octopus' });
    expect(merge.status).toBe(400);
    expect(merge.json.error.message).toBe('"head": Invalid input: expected string, received number; "strategy": Invalid option: expected one of "ff-only"|"merge"');
    const changes = await api('POST', `/v1/repos/${ns}/r/commits`, { branch: 'main', message: 'm', author: AUTHOR, changes: 'a' });
    expect(changes.status).toBe(400);
    expect(changes.json.error.message).toMatch(/"changes": /);
    const hooks = await api('POST', `/v1/repos/${ns}/r/maintenance`, { tasks: ['repack'], prune: 'soon' });
    expect(hooks.status).toBe(400);
    expect(hooks.json.error.message).toMatch(/"prune": /);
  });
});

describe('answers match the published response schemas', () => {
  test('control plane and commit/read API', async () => {
    const ns = `sch-${uid()}`;
    const created = await api('POST', `/v1/repos/${ns}/r`);
    conforms(c.CreatedRepo, created.json);
    conforms(c.Repo, (await api('GET', `/v1/repos/${ns}/r`)).json);
    conforms(c.RepoPage, (await api('GET', `/v1/repos/${ns}`)).json);
    conforms(c.NamespacePage, (await api('GET', `/v1/namespaces?limit=5`)).json);
    conforms(c.IssuedToken, (await api('POST', `/v1/repos/${ns}/r/tokens`, { scope: 'read', name: 'ci' })).json);
    conforms(c.TokenList, (await api('GET', `/v1/repos/${ns}/r/tokens`)).json);
    conforms(c.RuleList, (await api('PUT', `/v1/repos/${ns}/r/rules`, { rules: [{ pattern: 'refs/heads/release/*' }] })).json);
    conforms(c.Maintenance, (await api('GET', `/v1/repos/${ns}/r/maintenance`)).json);
    conforms(c.WebhookList, (await api('GET', `/v1/repos/${ns}/r/webhooks`)).json);

    const one = await api('POST', `/v1/repos/${ns}/r/commits`, { branch: 'main', message: 'one', author: AUTHOR, changes: [{ action: 'create', path: 'd/a.txt', content: 'a\n' }] });
    conforms(r.CommitResult, one.json);
    const two = await api('POST', `/v1/repos/${ns}/r/commits`, {
      branch: 'main', message: 'two', author: AUTHOR, expectedHead: one.json.commit, changes: [{ action: 'edit', path: 'd/a.txt', edits: [{ oldString: 'a', newString: 'b' }] }],
    });
    conforms(r.CommitResult, two.json);
    conforms(c.EventPage, (await api('GET', `/v1/repos/${ns}/r/events`)).json);
    conforms(r.RefResult, (await api('POST', `/v1/repos/${ns}/r/refs`, { name: 'refs/heads/topic', sha: one.json.commit, expectedOld: null })).json);
    conforms(r.TagResult, (await api('POST', `/v1/repos/${ns}/r/tags`, { name: 'v1', target: 'main', message: 'v1', tagger: AUTHOR })).json);
    conforms(r.Refs, (await api('GET', `/v1/repos/${ns}/r/refs`)).json);
    conforms(r.Commit, (await api('GET', `/v1/repos/${ns}/r/commits/main`)).json);
    conforms(r.Tree, (await api('GET', `/v1/repos/${ns}/r/tree/main?recursive=1`)).json);
    conforms(r.Log, (await api('GET', `/v1/repos/${ns}/r/log/main`)).json);
    conforms(r.Compare, (await api('GET', `/v1/repos/${ns}/r/compare/topic...main`)).json);
    conforms(r.MergeResult, (await api('POST', `/v1/repos/${ns}/r/merges`, { base: 'topic', head: 'main', strategy: 'ff-only' })).json);
  });
});
