// src/registry/registry-object.ts: a namespace's name index. Keyset pages in name order that stay
// stable while names come and go; counts kept as names are added and removed.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { RegistryObject } from '../../../src/registry/registry-object';

const REGISTRY = (env as unknown as { REGISTRY: DurableObjectNamespace<RegistryObject> }).REGISTRY;
const fresh = () => REGISTRY.get(REGISTRY.idFromName(`unit-registry-${crypto.randomUUID()}`));

describe('registry', () => {
  it('adds once, removes once, counts', async () => {
    const r = fresh();
    expect(await r.add('b')).toEqual({ added: true, count: 1 });
    expect(await r.add('b')).toEqual({ added: false, count: 1 });
    expect(await r.addMany(['a', 'c', 'b'])).toBe(2);
    expect(await r.size()).toBe(3);
    expect(await r.has('c')).toBe(true);
    expect(await r.remove('c')).toEqual({ removed: true, count: 2 });
    expect(await r.remove('c')).toEqual({ removed: false, count: 2 });
  });

  it('pages in name order with a cursor that survives inserts and deletes', async () => {
    const r = fresh();
    await r.addMany(Array.from({ length: 25 }, (_, i) => `repo-${String(i).padStart(2, '0')}`));
    const p1 = await r.list(10, null);
    expect(p1.entries.map((e) => e.name)).toEqual(Array.from({ length: 10 }, (_, i) => `repo-${String(i).padStart(2, '0')}`));
    expect(p1.cursor).toBe('repo-09');
    await r.remove('repo-10'); // the next page's first name goes away
    await r.add('repo-05x'); // a name before the cursor comes
    const p2 = await r.list(10, p1.cursor);
    expect(p2.entries[0].name).toBe('repo-11');
    const p3 = await r.list(10, p2.cursor);
    expect(p3.entries.map((e) => e.name)).toEqual(['repo-21', 'repo-22', 'repo-23', 'repo-24']);
    expect(p3.cursor).toBeNull();
  });
});
