// Cross-fork reads through writes (issue 20, item 2). A repository and its forks share one object
// store, so every route that takes an object id from a client must judge it by what THIS
// repository reaches (its refs, plus what the push itself brings), never by what the shared store
// holds: a push naming a sibling's commit, a tree or tag entry naming a sibling's blob, a thin-pack
// delta against a sibling's blob, a commit API start point, fetch wants and `have` lines. Each
// attack below is made with fork A's write token against secrets fork B pushed; each must be
// refused exactly as if the object did not exist (no existence oracle), leaving A unchanged.
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  api, buildSampleRepo, cloneRepo, commitFiles, createRepo, DELIM, FLUSH, fsckStrict, git, gitOut, lsRemote, NS, parseReportStatus, pkt,
  pushAll, rawService, receivePackBody, revParse, uniqueName, useArbor, ZERO_OID, type RepoInfo,
  forkRepo,
} from './harness';
import { commitData, copyDelta, oidOf, pack, packObjectCountOf, refDelta, tagData, treeData, whole } from './packs';

useArbor();

const fork = (src: RepoInfo, name: string) => forkRepo(src, { name });

const randomOid = () => randomBytes(20).toString('hex');

let origin: RepoInfo;
let a: RepoInfo; // the attacker's fork
let b: RepoInfo; // the victim's fork
let secret: { commit: string; tree: string; blob: string; size: number; content: string; dirTree: string };
let aMain: string;
let aRefsBefore: string[];

beforeAll(async () => {
  origin = await createRepo('fr-origin');
  const src = await buildSampleRepo('fr-src');
  await pushAll(src, origin.remote, origin.token);
  a = await fork(origin, uniqueName('fr-a'));
  b = await fork(origin, uniqueName('fr-b'));
  // B's secret: a commit on its own branch, with a new blob in a new directory.
  const { dir } = await cloneRepo(b.remote, { token: b.token, label: 'fr-b' });
  const content = `B's secret ${randomOid()}\n`;
  const commit = await commitFiles(dir, { 'private/secret.txt': content }, 'secret work');
  await git(['push', 'origin', 'HEAD:refs/heads/secret'], { cwd: dir, token: b.token });
  secret = {
    commit,
    tree: await revParse(dir, 'HEAD^{tree}'),
    blob: await revParse(dir, 'HEAD:private/secret.txt'),
    dirTree: await revParse(dir, 'HEAD:private'),
    size: Buffer.byteLength(content),
    content,
  };
  aRefsBefore = await lsRemote(a.remote, { token: a.token });
  aMain = aRefsBefore.find((l) => l.endsWith('\trefs/heads/main'))!.split('\t')[0];
}, 180_000);

/** A push to A; returns the parsed report. */
async function pushToA(commands: { old: string; new: string; ref: string }[], packBytes?: Buffer) {
  const r = await rawService(a.remote, 'git-receive-pack', receivePackBody(commands, ['report-status'], packBytes), { token: a.token });
  expect(r.status, r.text).toBe(200);
  return parseReportStatus(r.body);
}

/** The report with every occurrence of `oid` replaced, to compare refusals for different ids. */
const masked = (report: unknown, ...oids: string[]) => {
  let s = JSON.stringify(report);
  for (const o of oids) s = s.split(o).join('<oid>');
  return s;
};

async function expectAUnchanged(): Promise<void> {
  expect(await lsRemote(a.remote, { token: a.token })).toEqual(aRefsBefore);
}

describe('a fork cannot read a sibling fork through a push', () => {
  test('push command naming a sibling commit, with an empty pack: refused like a missing object', async () => {
    const stolen = await pushToA([{ old: ZERO_OID, new: secret.commit, ref: 'refs/heads/stolen' }]);
    expect(stolen.ng['refs/heads/stolen']).toBe('missing necessary objects');
    const unknown = randomOid();
    const missing = await pushToA([{ old: ZERO_OID, new: unknown, ref: 'refs/heads/stolen' }]);
    expect(masked(stolen, secret.commit)).toBe(masked(missing, unknown));
    // The secret commit is a fast-forward of A's main: moving main there is refused too.
    const ff = await pushToA([{ old: aMain, new: secret.commit, ref: 'refs/heads/main' }]);
    expect(ff.ng['refs/heads/main']).toBe('missing necessary objects');
    // Same for a tag ref (no type rule applies there) and for the secret tree and blob.
    const tags = await pushToA([
      { old: ZERO_OID, new: secret.tree, ref: 'refs/tags/stolen-tree' },
      { old: ZERO_OID, new: secret.blob, ref: 'refs/tags/stolen-blob' },
    ]);
    expect(tags.ng).toEqual({ 'refs/tags/stolen-tree': 'missing necessary objects', 'refs/tags/stolen-blob': 'missing necessary objects' });
    await expectAUnchanged();
    const f = await git(['fetch', a.remote, 'refs/heads/stolen'], { cwd: (await cloneRepo(a.remote, { token: a.token })).dir, token: a.token, allowFail: true });
    expect(f.code).not.toBe(0);
  });

  test('tree entries and tag objects naming a sibling object: the pack is refused, the blob route shows nothing', async () => {
    const attempts: [string, Buffer[], string][] = [];
    // A new tree whose entry names B's blob, in a commit on top of A's main.
    const tree1 = treeData([['100644', 'secret.txt', secret.blob]]);
    const c1 = commitData(oidOf('tree', tree1), [aMain]);
    attempts.push(['refs/heads/stolen-blob', [whole('tree', tree1), whole('commit', c1)], oidOf('commit', c1)]);
    // ... naming B's directory tree.
    const tree2 = treeData([['40000', 'private', secret.dirTree]]);
    const c2 = commitData(oidOf('tree', tree2), [aMain]);
    attempts.push(['refs/heads/stolen-dir', [whole('tree', tree2), whole('commit', c2)], oidOf('commit', c2)]);
    // A commit whose root tree is B's, or whose parent is B's commit.
    const c3 = commitData(secret.tree, [aMain]);
    attempts.push(['refs/heads/stolen-root', [whole('commit', c3)], oidOf('commit', c3)]);
    const t0 = treeData([]);
    const c4 = commitData(oidOf('tree', t0), [secret.commit]);
    attempts.push(['refs/heads/stolen-parent', [whole('tree', t0), whole('commit', c4)], oidOf('commit', c4)]);
    // An annotated tag of B's commit.
    const tg = tagData(secret.commit, 'commit', 'stolen');
    attempts.push(['refs/tags/stolen', [whole('tag', tg)], oidOf('tag', tg)]);

    for (const [ref, entries, tip] of attempts) {
      const r = await pushToA([{ old: ZERO_OID, new: tip, ref }], pack(entries));
      expect(r.unpack, ref).toMatch(/^missing object [0-9a-f]{40} referenced by the pack$/);
      expect(r.ng[ref], ref).toBe('unpacker error');
    }
    // The refusal reads exactly as for an object that exists nowhere.
    const unknown = randomOid();
    const fake = treeData([['100644', 'secret.txt', unknown]]);
    const cf = commitData(oidOf('tree', fake), [aMain]);
    const missing = await pushToA([{ old: ZERO_OID, new: oidOf('commit', cf), ref: 'refs/heads/stolen-blob' }], pack([whole('tree', fake), whole('commit', cf)]));
    const stolen = await pushToA([{ old: ZERO_OID, new: oidOf('commit', c1), ref: 'refs/heads/stolen-blob' }], pack([whole('tree', tree1), whole('commit', c1)]));
    expect(masked(stolen, secret.blob, oidOf('commit', c1))).toBe(masked(missing, unknown, oidOf('commit', cf)));

    for (const path of ['stolen-blob/secret.txt', `${oidOf('commit', c1)}/secret.txt`, 'stolen-dir/private/secret.txt']) {
      const r = await api('GET', `/v1/repos/${NS}/${a.name}/blob/${path}`, { token: a.token });
      expect(r.status, path).toBe(404);
      expect(r.text).not.toContain('secret');
    }
    await expectAUnchanged();
  });

  test('thin pack: a REF_DELTA whose base is a sibling blob is a missing base, whatever the delta says', async () => {
    // The delta copies the whole base: the result IS B's blob, which a tree then names.
    const tree = treeData([['100644', 'copy.txt', secret.blob]]);
    const c = commitData(oidOf('tree', tree), [aMain]);
    const tip = oidOf('commit', c);
    const entries = (base: string, baseSize: number) => [refDelta(base, copyDelta(baseSize, secret.size)), whole('tree', tree), whole('commit', c)];
    const stolen = await pushToA([{ old: ZERO_OID, new: tip, ref: 'refs/heads/thin' }], pack(entries(secret.blob, secret.size)));
    expect(stolen.unpack).toBe(`missing delta base ${secret.blob}`);
    expect(stolen.ng['refs/heads/thin']).toBe('unpacker error');
    // A wrong base size must not be told apart either (it would be an oracle for the size).
    const wrongSize = await pushToA([{ old: ZERO_OID, new: tip, ref: 'refs/heads/thin' }], pack(entries(secret.blob, secret.size + 1)));
    const unknown = randomOid();
    const missing = await pushToA([{ old: ZERO_OID, new: tip, ref: 'refs/heads/thin' }], pack(entries(unknown, secret.size)));
    expect(masked(stolen, secret.blob)).toBe(masked(missing, unknown));
    expect(masked(wrongSize, secret.blob)).toBe(masked(missing, unknown));
    const r = await api('GET', `/v1/repos/${NS}/${a.name}/blob/thin/copy.txt`, { token: a.token });
    expect(r.status).toBe(404);
    await expectAUnchanged();
  });

  test('commit API: a sibling commit as start point is unknown; expectedHead compares, never reads', async () => {
    const body = (extra: Record<string, unknown>) => ({
      branch: 'from-secret',
      message: 'm',
      author: { name: 'M', email: 'm@x.y' },
      changes: [{ action: 'create', path: 'm.txt', content: 'm\n' }],
      ...extra,
    });
    const unknown = randomOid();
    const stolen = await api('POST', `/v1/repos/${NS}/${a.name}/commits`, { token: a.token, body: body({ createBranchFrom: secret.commit }) });
    const missing = await api('POST', `/v1/repos/${NS}/${a.name}/commits`, { token: a.token, body: body({ createBranchFrom: unknown }) });
    expect(stolen.status, stolen.text).toBe(404);
    expect(stolen.text.split(secret.commit).join('<oid>')).toBe(missing.text.split(unknown).join('<oid>'));
    for (const rev of [secret.commit.slice(0, 12), `${secret.commit}~0`, `${secret.commit}^{tree}`]) {
      const r = await api('POST', `/v1/repos/${NS}/${a.name}/commits`, { token: a.token, body: body({ createBranchFrom: rev }) });
      expect(r.status, rev).toBe(404);
    }
    const cas = await api('POST', `/v1/repos/${NS}/${a.name}/commits`, { token: a.token, body: body({ expectedHead: secret.commit }) });
    expect(cas.status, cas.text).toBe(409);
    await expectAUnchanged();
  });

  test('fetch: a sibling commit is neither wanted nor acknowledged as a have', async () => {
    const { dir } = await cloneRepo(a.remote, { token: a.token, label: 'fr-fetch' });
    const want = await git(['fetch', 'origin', secret.commit], { cwd: dir, token: a.token, allowFail: true });
    expect(want.code).not.toBe(0);
    expect(want.stderr).toMatch(/not our ref/);

    const v2 = (lines: string[]) =>
      rawService(a.remote, 'git-upload-pack', Buffer.concat([pkt('command=fetch\n'), DELIM, ...lines.map((l) => pkt(l + '\n')), FLUSH]), { token: a.token, protocol: 2 });
    const unknown = randomOid();
    const ackSecret = await v2([`want ${aMain}`, `have ${secret.commit}`]);
    const ackUnknown = await v2([`want ${aMain}`, `have ${unknown}`]);
    expect(ackSecret.text).toContain('NAK');
    expect(ackSecret.text.split(secret.commit).join('<oid>')).toBe(ackUnknown.text.split(unknown).join('<oid>'));
    const own = await revParse(dir, 'HEAD~1');
    expect((await v2([`want ${aMain}`, `have ${own}`])).text).toContain(`ACK ${own}`);

    // With `done`, a sibling's have must not prune the pack (that would reveal its history).
    const full = packObjectCountOf((await v2([`want ${aMain}`, 'done'])).body);
    expect(full).toBeGreaterThan(0);
    for (const h of [secret.commit, secret.tree, secret.blob]) {
      expect(packObjectCountOf((await v2([`want ${aMain}`, `have ${h}`, 'done'])).body), h).toBe(full);
    }
    // v0 with multi_ack_detailed: the same silence.
    const v0 = (have: string) =>
      rawService(a.remote, 'git-upload-pack', Buffer.concat([pkt(`want ${aMain} multi_ack_detailed side-band-64k ofs-delta\n`), FLUSH, pkt(`have ${have}\n`), FLUSH]), { token: a.token });
    const v0Secret = await v0(secret.commit);
    const v0Unknown = await v0(unknown);
    expect(v0Secret.text).not.toContain('ACK');
    expect(v0Secret.text.split(secret.commit).join('<oid>')).toBe(v0Unknown.text.split(unknown).join('<oid>'));
    // A shallow line naming the sibling's commit changes nothing either.
    const deep = packObjectCountOf((await v2([`want ${aMain}`, `shallow ${secret.commit}`, 'deepen 1', 'done'])).body);
    const deepUnknown = packObjectCountOf((await v2([`want ${aMain}`, `shallow ${unknown}`, 'deepen 1', 'done'])).body);
    expect(deep).toBe(deepUnknown);
  });

  test('after every refusal A is unchanged and fsck-clean; its own work still pushes and commits', async () => {
    await expectAUnchanged();
    const { dir } = await cloneRepo(a.remote, { token: a.token, label: 'fr-final', args: ['--mirror'] });
    await fsckStrict(dir);
    expect((await git(['cat-file', '-e', secret.blob], { cwd: dir, allowFail: true })).code).not.toBe(0);
    expect((await git(['cat-file', '-e', secret.commit], { cwd: dir, allowFail: true })).code).not.toBe(0);

    // A thin push from a real git client (deltas against what A's refs reach) goes through.
    const { dir: work } = await cloneRepo(a.remote, { token: a.token, label: 'fr-work' });
    await commitFiles(work, { 'src/a.txt': 'a2 changed by A\n', 'docs/guide.md': 'guide by A\n' }, 'A works');
    await git(['push', 'origin', 'main'], { cwd: work, token: a.token });
    // The commit API may write content that B happens to have too (A knows it, so nothing leaks).
    const same = await api('POST', `/v1/repos/${NS}/${a.name}/commits`, {
      token: a.token,
      body: { branch: 'main', message: 'same bytes', author: { name: 'A', email: 'a@x.y' }, changes: [{ action: 'create', path: 'mine.txt', content: secret.content }] },
    });
    expect(same.status, same.text).toBe(201);
    const read = await api('GET', `/v1/repos/${NS}/${a.name}/blob/main/mine.txt`, { token: a.token });
    expect(read.status, read.text).toBe(200);
    const { dir: after } = await cloneRepo(a.remote, { token: a.token, label: 'fr-after', args: ['--mirror'] });
    await fsckStrict(after);
    expect(await gitOut(after, ['rev-parse', 'main:mine.txt'])).toBe(secret.blob);
  });

  test('own objects: once unreferenced, usable again by id only in a repository that shares its store with nobody', async () => {
    // In a fork network only what the refs reach counts (a deleted branch's objects are gone for
    // this repository, as they are for fetch by id); a git client always sends them again.
    const { dir } = await cloneRepo(a.remote, { token: a.token, label: 'fr-own' });
    const tip = await commitFiles(dir, { 'own.txt': 'own\n' }, 'own');
    await git(['push', 'origin', 'HEAD:refs/heads/own'], { cwd: dir, token: a.token });
    await git(['push', 'origin', ':refs/heads/own'], { cwd: dir, token: a.token });
    const again = await pushToA([{ old: ZERO_OID, new: tip, ref: 'refs/heads/own' }]);
    expect(again.ng['refs/heads/own']).toBe('missing necessary objects');
    await git(['push', 'origin', 'HEAD:refs/heads/own'], { cwd: dir, token: a.token }); // git sends the objects
    expect((await lsRemote(a.remote, { token: a.token })).join('\n')).toContain(`${tip}\trefs/heads/own`);

    // A repository alone in its store accepts them, as git does (they are in its own store).
    const solo = await createRepo('fr-solo');
    const s = await buildSampleRepo('fr-solo-src');
    await pushAll(s, solo.remote, solo.token);
    const soloTip = await commitFiles(s, { 'x.txt': 'x\n' }, 'x');
    await git(['push', solo.remote, 'HEAD:refs/heads/x'], { cwd: s, token: solo.token });
    await git(['push', solo.remote, ':refs/heads/x'], { cwd: s, token: solo.token });
    const r = await rawService(solo.remote, 'git-receive-pack', receivePackBody([{ old: ZERO_OID, new: soloTip, ref: 'refs/heads/x' }]), { token: solo.token });
    expect(parseReportStatus(r.body).ok).toEqual(['refs/heads/x']);
  });
});
