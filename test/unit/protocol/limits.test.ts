// Limits of a Git host, through the Worker in workerd: commands and push options per push and
// refs per repository are refused git-style (report-status `unpack <reason>` + `ng`) before the
// pack is read; a push whose body stops arriving ends with an error and leaves nothing behind;
// malformed percent-encoding is a 400; and a repository that does not exist answers exactly as
// one the caller may not see (no existence oracle), on git and REST routes.
import { env, exports } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { receivePack } from '../../../src/protocol/receive-pack';
import { MAX_PUSH_COMMANDS, MAX_PUSH_OPTIONS } from '../../../src/protocol/push-limits';
import { MAX_REFS_PER_REPO } from '../../../src/storage/ref-limits';
import { RepoStore } from '../../../src/storage/repo-store';
import { buildPack, concat, linearHistory, storageSnapshot, withStore, ZERO } from '../storage/helpers';
import { body, collect, demux, parseLines, show } from './wire';

const worker = (exports as unknown as { default: { fetch(input: string, init?: RequestInit): Promise<Response> } }).default;
const REPO = (env as unknown as { REPO: DurableObjectNamespace }).REPO;
const ADMIN = 'Bearer test-admin-token';
const NS = 'unit';

interface Repo { name: string; token: string; url: (rest: string) => string; stub: DurableObjectStub }

async function createRepo(label: string): Promise<Repo> {
  const name = `${label}-${crypto.randomUUID().slice(0, 8)}`;
  const res = await worker.fetch(`http://x/v1/repos/${NS}/${name}`, { method: 'POST', headers: { authorization: ADMIN } });
  expect(res.status).toBe(201);
  const { token } = (await res.json()) as { token: string };
  return { name, token, url: (rest) => `http://x/git/${NS}/${name}.git/${rest}`, stub: REPO.get(REPO.idFromName(`${NS}/${name}`)) };
}

const h = linearHistory(2, 1_690_000_000);
const [c1, c2] = h.commits;
const pack = buildPack(h.all);

function push(repo: Repo, cmds: [string, string, string][], caps: string, extra: string[] = [], withPack = true) {
  const lines = cmds.map(([o, n, r], i) => (i === 0 ? `${o} ${n} ${r}\0${caps}` : `${o} ${n} ${r}`));
  const payload = concat([body(...lines, null, ...(extra.length ? [...extra, null] : [])), withPack ? pack : new Uint8Array(0)]);
  return worker.fetch(repo.url('git-receive-pack'), {
    method: 'POST',
    headers: { authorization: `Bearer ${repo.token}`, 'content-type': 'application/x-git-receive-pack-request' },
    body: payload,
  });
}

async function report(res: Response): Promise<string[]> {
  expect(res.status).toBe(200);
  const lines = parseLines(new Uint8Array(await res.arrayBuffer()));
  return lines.some((l) => l.kind === 'data' && l.raw[0] === 1) ? show(parseLines(demux(lines).data)) : show(lines);
}

async function snapshot(repo: Repo) {
  return runInDurableObject(repo.stub, (_i, state) => storageSnapshot(new RepoStore(state.storage, `${NS}/${repo.name}`), state));
}

describe('per-push and per-repository limits, refused before the pack is read', () => {
  it(`more than ${MAX_PUSH_COMMANDS} commands in one push`, async () => {
    const repo = await createRepo('many-cmds');
    const before = await snapshot(repo);
    const cmds = Array.from({ length: MAX_PUSH_COMMANDS + 1 }, (_, i): [string, string, string] => [ZERO, c2.oid, `refs/heads/b${i}`]);
    const lines = await report(await push(repo, cmds, 'report-status side-band-64k'));
    expect(lines[0]).toBe(`unpack push refused: more than ${MAX_PUSH_COMMANDS} ref updates in one push (split it into several pushes)`);
    expect(lines[1]).toBe('ng refs/heads/b0 too many ref updates in one push');
    expect(lines.filter((l) => l.startsWith('ng '))).toHaveLength(MAX_PUSH_COMMANDS + 1);
    expect(await snapshot(repo)).toEqual(before); // no pack file either: it was never read
  });

  it(`more than ${MAX_PUSH_OPTIONS} push options, or one too long`, async () => {
    const repo = await createRepo('many-opts');
    const before = await snapshot(repo);
    const opts = Array.from({ length: MAX_PUSH_OPTIONS + 1 }, (_, i) => `ci.variable=V${i}=1`);
    const lines = await report(await push(repo, [[ZERO, c2.oid, 'refs/heads/main']], 'report-status push-options', opts));
    expect(lines[0]).toBe(`unpack push refused: more than ${MAX_PUSH_OPTIONS} push options`);
    expect(lines[1]).toBe('ng refs/heads/main too many push options');
    const long = await report(await push(repo, [[ZERO, c2.oid, 'refs/heads/main']], 'report-status push-options', ['x'.repeat(4097)]));
    expect(long[0]).toBe('unpack push refused: a push option is longer than 4096 bytes');
    expect(await snapshot(repo)).toEqual(before);
    // Within the limits the push goes through.
    const ok = await report(await push(repo, [[ZERO, c2.oid, 'refs/heads/main']], 'report-status push-options', opts.slice(1)));
    expect(ok).toEqual(['unpack ok', 'ok refs/heads/main', '<flush>']);
  });

  it(`a repository holds at most ${MAX_REFS_PER_REPO} refs`, async () => {
    const repo = await createRepo('many-refs');
    expect(await report(await push(repo, [[ZERO, c1.oid, 'refs/heads/main']], 'report-status'))).toEqual(['unpack ok', 'ok refs/heads/main', '<flush>']);
    // Fill up to one below the limit directly (the commands limit stops a push of that many).
    await runInDurableObject(repo.stub, (_i, state) => {
      const store = new RepoStore(state.storage, `${NS}/${repo.name}`);
      const fill = Array.from({ length: MAX_REFS_PER_REPO - 2 }, (_, i) => ({ name: `refs/tags/t${i}`, oldOid: ZERO, newOid: c1.oid }));
      expect(store.refs.update(fill, true).every((r) => r.ok)).toBe(true);
      expect(store.refs.count()).toBe(MAX_REFS_PER_REPO - 1);
    });
    const before = await snapshot(repo);
    const two = await report(await push(repo, [[ZERO, c2.oid, 'refs/heads/x'], [ZERO, c2.oid, 'refs/heads/y']], 'report-status'));
    expect(two[0]).toBe(`unpack push refused: the repository would have ${MAX_REFS_PER_REPO + 1} refs, at most ${MAX_REFS_PER_REPO} are allowed`);
    expect(two.slice(1, 3)).toEqual(['ng refs/heads/x too many refs in the repository', 'ng refs/heads/y too many refs in the repository']);
    expect(await snapshot(repo)).toEqual(before);
    // One more is fine, and so is a deletion with a creation at the limit.
    expect(await report(await push(repo, [[ZERO, c2.oid, 'refs/heads/x']], 'report-status'))).toEqual(['unpack ok', 'ok refs/heads/x', '<flush>']);
    const swap = await report(await push(repo, [[c1.oid, ZERO, 'refs/tags/t0'], [ZERO, c2.oid, 'refs/heads/y']], 'report-status delete-refs'));
    expect(swap).toEqual(['unpack ok', 'ok refs/tags/t0', 'ok refs/heads/y', '<flush>']);
    // Ref updates that do not go through a push (commit API, import) are held by the ref store.
    await runInDurableObject(repo.stub, (_i, state) => {
      const store = new RepoStore(state.storage, `${NS}/${repo.name}`);
      expect(store.refs.update([{ name: 'refs/heads/z', oldOid: ZERO, newOid: c2.oid }], false)).toEqual([
        { name: 'refs/heads/z', ok: false, error: 'too many refs in the repository' },
      ]);
      expect(store.refs.update([{ name: 'refs/heads/x', oldOid: c2.oid, newOid: c1.oid }], false)[0].ok).toBe(true);
    });
  });
});

describe('a request body that stops arriving', () => {
  /** A push body: the commands, then the first part of the pack, then nothing (the stream stays open). */
  function stalled(cut: number): ReadableStream<Uint8Array> {
    const head = body(`${ZERO} ${c2.oid} refs/heads/main\0report-status side-band-64k`, null);
    let sent = false;
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) return new Promise(() => {}); // the client went quiet
        sent = true;
        controller.enqueue(concat([head, pack.subarray(0, cut)]));
      },
    });
  }

  it('ends the push with an error after the idle time, leaving no pack file, stream or ref behind', async () => {
    await withStore('idle-push', async (store, state) => {
      const before = storageSnapshot(store, state);
      const t0 = Date.now();
      const out = await collect(receivePack(store, stalled(pack.length >> 1), { maxPackBytes: 1 << 30, idleTimeoutMs: 300 }));
      expect(Date.now() - t0).toBeLessThan(5000);
      const lines = show(parseLines(demux(parseLines(out)).data));
      expect(lines[0]).toBe('unpack request body stalled: no data for 0.3 s');
      expect(lines[1]).toBe('ng refs/heads/main unpacker error');
      expect(storageSnapshot(store, state)).toEqual(before);
    });
  });

  it('also while the commands are being read (a protocol error, the body is not waited for)', async () => {
    await withStore('idle-head', async (store) => {
      let n = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (n++ > 0) return new Promise(() => {});
          controller.enqueue(new TextEncoder().encode(`0094${ZERO} ${c2.oid} refs/heads/main`)); // a pkt-line cut short
        },
      });
      const err = await collect(receivePack(store, stream, { maxPackBytes: 1 << 30, idleTimeoutMs: 300 })).then(() => null, (e: Error) => e);
      expect(err?.message).toBe('request body stalled: no data for 0.3 s');
    });
  });
});

describe('URLs with malformed percent-encoding answer 400', () => {
  it('git and REST routes', async () => {
    for (const url of [
      'http://x/git/%E0%A4%A/r.git/info/refs?service=git-upload-pack',
      'http://x/git/unit/r%ZZ.git/info/refs?service=git-upload-pack',
      'http://x/v1/repos/%E0%A4%A/r/refs',
      'http://x/v1/repos/unit/%E0%A4%A',
      'http://x/v1/repos/%E0%A4%A',
      'http://x/v1/repos/unit/r/tokens/%E0%A4%A',
    ]) {
      const res = await worker.fetch(url, { method: url.includes('/tokens/') ? 'DELETE' : 'GET', headers: { authorization: ADMIN } });
      expect(res.status, url).toBe(400);
      expect(await res.text(), url).toMatch(/percent-encoding/);
    }
  });
});

describe('no existence oracle: a missing repository answers as one you may not see', () => {
  /** The answer to `url`, with the repository's own name (which a refusal may repeat) as <repo>. */
  async function answer(url: string, init: RequestInit = {}, name = /\/(?:git|v1\/repos)\/[^/]+\/([^/.]+)/.exec(url)![1]): Promise<string> {
    const res = await worker.fetch(url, init);
    const text = (await res.text()).split(name).join('<repo>');
    return JSON.stringify([res.status, res.headers.get('www-authenticate'), res.headers.get('content-type'), text]);
  }

  it('git routes: no credentials, a wrong token, another repository\'s token, dumb HTTP, push', async () => {
    const repo = await createRepo('oracle');
    const other = await createRepo('oracle-other');
    const missing = `http://x/git/${NS}/no-such-${crypto.randomUUID().slice(0, 8)}.git/`;
    const cases: [string, RequestInit][] = [
      ['info/refs?service=git-upload-pack', {}],
      ['info/refs?service=git-receive-pack', {}],
      ['info/refs?service=git-upload-pack', { headers: { authorization: 'Bearer arb_v1_' + '0'.repeat(40) } }],
      ['info/refs?service=git-upload-pack', { headers: { authorization: `Bearer ${other.token}` } }],
      ['info/refs?service=git-upload-pack', { headers: { authorization: 'Basic ' + btoa('x:nonsense') } }],
      ['info/refs', {}],
      ['git-upload-pack', { method: 'POST', body: '0000' }],
      ['git-receive-pack', { method: 'POST', body: '0000', headers: { authorization: `Bearer ${other.token}` } }],
    ];
    for (const [rest, init] of cases) {
      expect(await answer(missing + rest, init), rest).toBe(await answer(repo.url(rest), init));
    }
    // The admin may know: a missing repository is a 404 for it.
    expect((await worker.fetch(missing + 'info/refs?service=git-upload-pack', { headers: { authorization: ADMIN } })).status).toBe(404);
  });

  it('REST read and commit routes', async () => {
    const repo = await createRepo('oracle-rest');
    const other = await createRepo('oracle-rest-other');
    const missing = `no-such-${crypto.randomUUID().slice(0, 8)}`;
    for (const [path, init] of [
      ['refs', {}],
      ['tree/main', { headers: { authorization: `Bearer ${other.token}` } }],
      ['commits', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }],
      ['commits', { method: 'POST', body: '{}', headers: { authorization: `Bearer ${other.token}`, 'content-type': 'application/json' } }],
    ] as [string, RequestInit][]) {
      expect(await answer(`http://x/v1/repos/${NS}/${missing}/${path}`, init), path).toBe(await answer(`http://x/v1/repos/${NS}/${repo.name}/${path}`, init));
    }
    expect((await worker.fetch(`http://x/v1/repos/${NS}/${missing}/refs`, { headers: { authorization: ADMIN } })).status).toBe(404);
  });
});
