// The import through the Workers RPC binding: the same service function as REST, with its
// errors as named ArborErrors; a failed import leaves no repository.
import { exports } from 'cloudflare:workers';
import { describe, expect, test } from 'vitest';
import type { ArborService } from '../../../src/rpc/arbor-service';
import { arborErrorName } from '../../../src/rpc/errors';

const rpc = (exports as unknown as { ArborService: Service<ArborService> }).ArborService;

async function nameOf(p: Promise<unknown>): Promise<string | null> {
  try {
    await p;
  } catch (e) {
    return arborErrorName(e);
  }
  return null;
}

describe('ArborService.import', () => {
  test('bad input is BadRequest, an unreachable remote is Upstream; nothing is created', async () => {
    const ns = `imp-${crypto.randomUUID().slice(0, 8)}`;
    expect(await nameOf(rpc.import(ns, 'a', { url: 'ftp://example.com/r.git' }))).toBe('BadRequest');
    expect(await nameOf(rpc.import(ns, 'a', { url: 'https://u:p@example.com/r.git' }))).toBe('BadRequest');
    expect(await nameOf(rpc.import(ns, 'bad name', { url: 'https://example.com/r.git' }))).toBe('BadRequest');
    // production setting here (no ARBOR_ALLOW_PRIVATE_NETWORKS): private destinations are bad input
    expect(await nameOf(rpc.import(ns, 'a', { url: 'http://127.0.0.1:1/r.git' }))).toBe('BadRequest');
    expect(await nameOf(rpc.import(ns, 'a', { url: 'https://example.invalid/r.git' }))).toBe('Upstream'); // never resolves
    expect(await nameOf(rpc.get(ns, 'a'))).toBe('NotFound');
    expect((await rpc.list(ns)).repos).toEqual([]);
  });

  test('an existing name is a Conflict', async () => {
    const ns = `imp-${crypto.randomUUID().slice(0, 8)}`;
    await rpc.create(ns, 'taken');
    expect(await nameOf(rpc.import(ns, 'taken', { url: 'https://example.invalid/r.git' }))).toBe('Conflict');
  });
});
