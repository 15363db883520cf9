// Differential test: a repository made and packed by the real git CLI (3,000+ commits, merges,
// renames, tags, a tag of a tag; test/fixtures/isogit/make-repo.mjs) is pushed through the
// Worker's receive-pack; then isomorphic-git reads it through the git directory view inside
// the repository's Durable Object, and every answer must equal what git said about the same
// repository (recorded when the fixture was made).
import { env, exports } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import git from 'isomorphic-git';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { openGitView } from '../../../src/storage/git-view';
import { RepoStore } from '../../../src/storage/repo-store';
import { body } from '../protocol/wire';
import { concat } from './helpers';

declare module 'vitest' {
  interface ProvidedContext {
    isogitFixture: string;
  }
}

const worker = (exports as unknown as { default: { fetch(input: string, init?: RequestInit): Promise<Response> } }).default;
const ADMIN = 'Bearer test-admin-token';
const NS = 'unit-isogit';
const ZERO = '0'.repeat(40);

type Answers = any; // the JSON make-repo.mjs writes (see gitAnswers there)
let answers: Answers;
let key = '';
let stub: DurableObjectStub;

function b64(s: string): Uint8Array {
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

beforeAll(async () => {
  const fixture = JSON.parse(inject('isogitFixture')) as { answers: Answers; pack: string };
  answers = fixture.answers;
  const name = `diff-${crypto.randomUUID().slice(0, 8)}`;
  key = `${NS}/${name}`;
  const created = await worker.fetch(`http://x/v1/repos/${key}`, { method: 'POST', headers: { authorization: ADMIN } });
  expect(created.status).toBe(201);
  // The push real git would make: every ref created, one pack of everything.
  const cmds = Object.entries(answers.refs as Record<string, string>).map(([ref, oid], i) => `${ZERO} ${oid} ${ref}${i === 0 ? '\0report-status' : ''}`);
  const res = await worker.fetch(`http://x/git/${key}.git/git-receive-pack`, {
    method: 'POST',
    headers: { authorization: ADMIN, 'content-type': 'application/x-git-receive-pack-request' },
    body: concat([body(...cmds, null), b64(fixture.pack)]),
  });
  const report = new TextDecoder().decode(await res.arrayBuffer());
  expect(report).toContain('unpack ok');
  expect(report).not.toContain(' ng ');
  const ns = (env as unknown as { REPO: DurableObjectNamespace }).REPO;
  stub = ns.get(ns.idFromName(key));
}, 120_000);

/** Runs isomorphic-git on the repository's view inside its Durable Object. */
function inView<T>(fn: (fs: any, gitdir: string, state: DurableObjectState) => Promise<T>): Promise<T> {
  return runInDurableObject(stub, async (_i, state) => {
    const { fs, gitdir } = openGitView(new RepoStore(state.storage).forRepo(key));
    return fn(fs, gitdir, state);
  });
}

const mode = (m: number) => m.toString(8).padStart(6, '0');

describe('isomorphic-git through the view answers as git does', () => {
  it('refs: listBranches, listTags, listRefs, currentBranch, resolveRef, getConfig', () =>
    inView(async (fs, gitdir) => {
      expect(await git.listBranches({ fs, gitdir })).toEqual(answers.branches);
      expect(await git.listTags({ fs, gitdir })).toEqual(answers.tags);
      expect((await git.listRefs({ fs, gitdir, filepath: 'refs/heads' })).sort()).toEqual(answers.branches);
      expect(await git.currentBranch({ fs, gitdir })).toBe(answers.currentBranch);
      expect(await git.resolveRef({ fs, gitdir, ref: 'HEAD', depth: 2 })).toBe(answers.head);
      for (const [ref, oid] of Object.entries(answers.resolve)) expect([ref, await git.resolveRef({ fs, gitdir, ref })]).toEqual([ref, oid]);
      for (const [path, value] of Object.entries(answers.config)) expect(String(await git.getConfig({ fs, gitdir, path }))).toBe(value);
    }));

  it('log: the whole of main (3,000+ commits, merges) and log({depth: 100}), every field', () =>
    inView(async (fs, gitdir) => {
      const log = await git.log({ fs, gitdir, ref: 'main' });
      expect(log.length).toBe(answers.log.length);
      const shape = log.map((e: any) => ({ oid: e.oid, commit: { message: e.commit.message, tree: e.commit.tree, parent: e.commit.parent, author: e.commit.author, committer: e.commit.committer } }));
      expect(shape).toEqual(answers.log);
      const topic = await git.log({ fs, gitdir, ref: 'topic/new', depth: 100 });
      expect(topic.map((e: any) => e.oid)).toEqual(answers.logTopic100);
    }));

  it('objects: readCommit, readTree, readBlob, readTag, readObject, hashBlob, listFiles, expandOid', () =>
    inView(async (fs, gitdir) => {
      const byOid = new Map(answers.log.map((e: any) => [e.oid, e.commit]));
      for (const t of Object.values(answers.trees) as any[]) {
        const c = await git.readCommit({ fs, gitdir, oid: t.commit });
        expect({ message: c.commit.message, tree: c.commit.tree, parent: c.commit.parent, author: c.commit.author, committer: c.commit.committer }).toEqual(byOid.get(t.commit));
        const root = await git.readTree({ fs, gitdir, oid: t.commit });
        expect(root.oid).toBe(t.tree);
        expect(root.tree).toEqual(t.entries);
        const sub = await git.readTree({ fs, gitdir, oid: t.commit, filepath: 'src/net' });
        expect(sub.oid).toBe(t.subOid);
        expect(sub.tree).toEqual(t.sub);
      }
      for (const [path, b] of Object.entries(answers.blobs) as [string, any][]) {
        const got = await git.readBlob({ fs, gitdir, oid: answers.resolve.main, filepath: path });
        expect(got.oid).toBe(b.oid);
        expect(Buffer.from(got.blob).toString('base64')).toBe(b.base64);
        expect((await git.hashBlob({ object: got.blob })).oid).toBe(b.oid);
        const raw = await git.readObject({ fs, gitdir, oid: b.oid, format: 'content' });
        expect(raw.type).toBe('blob');
      }
      for (const t of Object.values(answers.tagObjects) as any[]) {
        const got = await git.readTag({ fs, gitdir, oid: t.oid });
        const { object, type, tag, tagger, message } = got.tag;
        expect({ object, type, tag, tagger, message }).toEqual(t.tag);
      }
      expect(await git.listFiles({ fs, gitdir, ref: 'main' })).toEqual(answers.files.main);
      expect(await git.listFiles({ fs, gitdir, ref: answers.trees.old.commit })).toEqual(answers.files.old);
      for (const [short, full] of Object.entries(answers.expand)) expect(await git.expandOid({ fs, gitdir, oid: short })).toBe(full);
    }));

  it('history: findMergeBase, isDescendent', () =>
    inView(async (fs, gitdir) => {
      for (const m of answers.mergeBases) expect((await git.findMergeBase({ fs, gitdir, oids: [m.a, m.b] })).sort()).toEqual([...m.bases].sort());
      for (const d of answers.descendent) expect([d, await git.isDescendent({ fs, gitdir, oid: d.oid, ancestor: d.ancestor, depth: -1 })]).toEqual([d, d.result]);
    }));

  it('walk over whole trees (a merge commit, the tip, an old commit): every path, type, id and mode', () =>
    inView(async (fs, gitdir) => {
      for (const [name, expected] of Object.entries(answers.walk) as [string, string[][]][]) {
        const rows: string[][] = [];
        await git.walk({
          fs,
          gitdir,
          trees: [git.TREE({ ref: answers.trees[name].commit })],
          map: async (filepath: string, [e]: any[]) => {
            if (filepath !== '.') rows.push([filepath, await e.type(), await e.oid(), mode(await e.mode())]);
            return true;
          },
        });
        const byPath = (a: string[], b: string[]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
        expect([name, rows.sort(byPath)]).toEqual([name, [...expected].sort(byPath)]);
      }
    }));
});
