// The commit API caches its new commit and trees before the ref update (which reads the commit
// back): a refused update must still leave nothing readable, and the same objects committed
// later are stored and read back as they are.
import { describe, expect, it } from 'vitest';
import { call, commit, commitOk, create, newRepo, storageState } from './helpers';

describe('objects cached before a refused ref update', () => {
  it('are not served, and a later commit of the same objects stores them', async () => {
    const a = await newRepo('refused-a');
    const b = await newRepo('refused-b');
    const first = [create('big/a.txt', 'a\n'), create('big/b.txt', 'b\n')];
    const parent = await commitOk(a, first);
    expect(await commitOk(b, first)).toBe(parent); // same content, author and date: same ids

    expect((await call(a, 'POST', 'refs', { body: { name: 'refs/heads/prod', sha: parent } })).status).toBe(201);
    const rules = await call(a, 'PUT', 'rules', { body: { rules: [{ pattern: 'refs/heads/prod', mergeOnly: true }] } });
    expect(rules.status, rules.text).toBe(200);
    const before = await storageState(a);
    const change = [create('big/c.txt', 'c\n')];
    const refused = await commit(a, change, { branch: 'prod' });
    expect(refused.status, refused.text).toBe(403);
    expect(refused.json.error.code).toBe('protected_branch');
    expect(await storageState(a)).toEqual(before);

    // The ids the refused commit had (the same commit made where it is allowed).
    const made = await commit(b, change);
    expect(made.status, made.text).toBe(201);
    const { commit: id, tree } = made.json;
    expect((await call(a, 'GET', `commits/${id}`)).status).toBe(404);
    expect((await call(a, 'GET', `objects/${id}`)).status).toBe(404);
    expect((await call(a, 'GET', `objects/${tree}`)).status).toBe(404);

    const again = await commit(a, change); // on main, same parent: the same commit
    expect(again.status, again.text).toBe(201);
    expect(again.json.commit).toBe(id);
    expect((await call(a, 'GET', `objects/${id}`)).status).toBe(200);
    const listing = await call(a, 'GET', 'tree/main/big');
    expect(listing.status).toBe(200);
    expect(listing.json.entries.map((e: { path: string }) => e.path)).toEqual(['big/a.txt', 'big/b.txt', 'big/c.txt']);
    expect((await call(a, 'GET', 'blob/main/big/c.txt')).text).toBe('c\n');
  });
});
