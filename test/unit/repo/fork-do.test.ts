// Forks in their own Durable Objects (issue 18), through the RepoObject RPC methods: the fork's
// DO reads its origin's packs from the R2 bucket (never the origin's DO), faults for snapshot
// bytes are filled and retried, published packs live exactly as long as a fork names them, and
// fork networks made by earlier versions (forks inside their origin's DO) keep working.
import { env } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { RepoObject } from '../../../src/repo/repo-object';
import { RepoStore } from '../../../src/storage/repo-store';
import { NeedBytes, Snapshot, withSnapshotBytes } from '../../../src/storage/snapshot';
import { snapshotPacks } from '../../../src/storage/publish';
import { OutgoingPack, generatePack } from '../../../src/storage/pack-out';
import type { PendingBytes } from '../../../src/storage/fetch-interface';

const REPO = (env as unknown as { REPO: DurableObjectNamespace<RepoObject> }).REPO;
const PACKS = (env as unknown as { PACKS: R2Bucket }).PACKS;
const author = { name: 'A', email: 'a@example.com' };
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

function ns(): string {
  return `fdo-${crypto.randomUUID().slice(0, 8)}`;
}
const stubOf = (key: string) => REPO.get(REPO.idFromName(key));

async function commit(key: string, path: string, content: string): Promise<string> {
  const r = await stubOf(key).commit(key, { branch: 'main', message: path, author, changes: [{ action: 'create', path, content }] });
  if (!r.ok) throw new Error((r as unknown as { message: string }).message);
  return r.value.commit;
}

async function makeOrigin(n: string): Promise<string> {
  const key = `${n}/origin`;
  const c = await stubOf(key).create(n, 'origin', 3600);
  if (!c.ok) throw new Error((c as unknown as { message: string }).message);
  await commit(key, 'a.txt', `a ${n}\n`);
  await commit(key, 'b.txt', `b ${n}\n`);
  return key;
}

async function forkOf(source: string, n: string, name: string, opts = { readOnly: false, defaultBranchOnly: false }): Promise<string> {
  const r = await stubOf(`${n}/${name}`).createFork(n, name, source, opts, 3600);
  if (!r.ok) throw new Error((r as unknown as { message: string }).message);
  return `${n}/${name}`;
}

async function read(key: string, path: string): Promise<string> {
  const r = await stubOf(key).readFile(key, 'main', path);
  if (!r.ok) throw new Error((r as unknown as { message: string }).message);
  return dec(r.value.content);
}

async function publishedKeys(): Promise<Set<string>> {
  const out = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await PACKS.list({ prefix: 'packs/', cursor });
    for (const o of page.objects) out.add(o.key);
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return out;
}

describe('forks in their own Durable Objects', () => {
  it('a fork lives in its own DO, reads the origin packs from R2, and the origin serves nothing after the fork is made', async () => {
    const n = ns();
    const origin = await makeOrigin(n);
    const f = await forkOf(origin, n, 'fork');
    const info = await stubOf(f).get(f);
    const oinfo = await stubOf(origin).get(origin);
    expect(info.ok && oinfo.ok).toBe(true);
    if (!info.ok || !oinfo.ok) return;
    expect(info.value.durableObjectId).not.toBe(oinfo.value.durableObjectId);
    expect(info.value).toMatchObject({ packs: 0, sizeBytes: 0, forkedFrom: origin });
    const before = (await stubOf(origin).requestStats()).requests;
    expect(await read(f, 'a.txt')).toBe(`a ${n}\n`);
    await commit(f, 'c.txt', 'fork only\n');
    expect(await read(f, 'c.txt')).toBe('fork only\n');
    expect((await stubOf(origin).requestStats()).requests).toBe(before);
    // The origin does not see the fork's commit.
    const missing = await stubOf(origin).readFile(origin, 'main', 'c.txt');
    expect(missing.ok).toBe(false);
  });

  it('reads that fault for snapshot bytes are filled from R2 and retried, in reads and in pack writing', async () => {
    const n = ns();
    const origin = await makeOrigin(n);
    const f = await forkOf(origin, n, 'fault');
    await runInDurableObject(stubOf(f), async (_i, state) => {
      const store = new RepoStore(state.storage, f);
      const snap = new Snapshot(snapshotPacks(state.storage.sql), PACKS, 0); // no prefetch: every byte faults
      store.objects.attachSnapshot(snap);
      await snap.ready();
      const head = store.refs.head().oid!;
      expect(() => store.objects.read(head)).toThrow(NeedBytes);
      const c = await withSnapshotBytes(snap, () => store.objects.read(head));
      expect(c.type).toBe('commit');
      // The pack writer yields a pending read instead of failing, then goes on.
      const fresh = new RepoStore(state.storage, f);
      const snap2 = new Snapshot(snapshotPacks(state.storage.sql).map((p) => ({ ...p })), PACKS, 0);
      fresh.objects.attachSnapshot(snap2);
      await snap2.ready();
      const oids = [...fresh.objects.snapshot!.withPrefix('', 1000)];
      const out: Uint8Array[] = [];
      let pendings = 0;
      for (const piece of OutgoingPack.of(fresh.objects, oids, { ofsDelta: true, thinPack: false, clientHas: new Set() }).chunks()) {
        if (piece instanceof Uint8Array) out.push(piece);
        else {
          pendings++;
          await (piece as PendingBytes).pending;
        }
      }
      // Windows are shared by the isolate: the first fault above may have loaded them all.
      expect(pendings).toBeGreaterThanOrEqual(0);
      const again = [...generatePack(fresh.objects, oids, { ofsDelta: true, thinPack: false, clientHas: new Set() })];
      expect(out.reduce((s, b) => s + b.length, 0)).toBe(again.reduce((s, b) => s + b.length, 0));
    });
  });

  it('published packs stay while any fork names them: origin deleted, middle of a chain deleted; the last release deletes them', async () => {
    const n = ns();
    const origin = await makeOrigin(n);
    const a = await forkOf(origin, n, 'a');
    await commit(a, 'a-own.txt', 'a\n');
    const b = await forkOf(a, n, 'b'); // names the origin's packs and a's own
    const c = await forkOf(origin, n, 'c');
    const bPacks = await runInDurableObject(stubOf(b), (_i, state) => snapshotPacks(state.storage.sql).map((p) => p.key));
    expect(bPacks.length).toBeGreaterThanOrEqual(2);
    const published = await publishedKeys();
    for (const k of bPacks) expect(published.has(k) && published.has(`${k}.idx`)).toBe(true);

    // Origin deleted, then the middle link: b and c still read everything.
    expect((await stubOf(origin).destroy(origin)).ok).toBe(true);
    expect((await stubOf(a).destroy(a)).ok).toBe(true);
    expect(await read(b, 'a.txt')).toBe(`a ${n}\n`);
    expect(await read(b, 'a-own.txt')).toBe('a\n');
    expect(await read(c, 'b.txt')).toBe(`b ${n}\n`);
    const still = await publishedKeys();
    for (const k of bPacks) expect(still.has(k)).toBe(true);

    // The last forks go: nothing of theirs is left in R2.
    expect((await stubOf(b).destroy(b)).ok).toBe(true);
    expect((await stubOf(c).destroy(c)).ok).toBe(true);
    const after = await publishedKeys();
    for (const k of bPacks) {
      expect(after.has(k)).toBe(false);
      expect(after.has(`${k}.idx`)).toBe(false);
    }
  });

  it('publishing is incremental: a second fork uploads nothing, a push adds one pack', async () => {
    const n = ns();
    const origin = await makeOrigin(n);
    await forkOf(origin, n, 'one');
    const first = await publishedKeys();
    await forkOf(origin, n, 'two');
    expect(await publishedKeys()).toEqual(first);
    await commit(origin, 'new.txt', 'new\n');
    await forkOf(origin, n, 'three');
    const third = await publishedKeys();
    expect(third.size).toBe(first.size + 2); // one pack and its index
  });

  it('a fork network of an earlier version (forks in the origin DO) keeps working, and can be forked into its own DO', async () => {
    const n = ns();
    const origin = await makeOrigin(n);
    // The earlier path: the fork is added to the origin's DO.
    const legacy = await stubOf(origin).addFork(origin, n, 'legacy', { readOnly: false, defaultBranchOnly: false }, 3600);
    expect(legacy.ok).toBe(true);
    const lkey = `${n}/legacy`;
    // ... and the fork's own name's DO links to the network (as createFork used to do).
    const network = stubOf(origin).id.toString();
    await runInDurableObject(stubOf(lkey), (_i, state) => new RepoStore(state.storage).setLink(network, lkey));
    expect(await read(lkey, 'a.txt')).toBe(`a ${n}\n`);
    const own = await stubOf(lkey).commit(lkey, { branch: 'main', message: 'l', author, changes: [{ action: 'create', path: 'l.txt', content: 'legacy\n' }] });
    expect(own.ok).toBe(true);
    const l = await stubOf(lkey).readFile(lkey, 'main', 'l.txt');
    expect(l.ok && dec(l.value.content)).toBe('legacy\n');
    // A new fork of the legacy fork is its own DO and sees the legacy fork's commit.
    const r = await stubOf(`${n}/next`).createFork(n, 'next', lkey, { readOnly: false, defaultBranchOnly: false }, 3600);
    expect(r.ok, r.ok ? '' : (r as unknown as { message: string }).message).toBe(true);
    expect(await read(`${n}/next`, 'l.txt')).toBe('legacy\n');
    const missing = await stubOf(origin).readFile(origin, 'main', 'l.txt');
    expect(missing.ok).toBe(false);
  });
});
