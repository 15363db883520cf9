// The client package's RPC types (client/src/rpc.ts, written without server imports) match the
// server's ArborService and RepoHandle: every method the client declares exists on the server,
// the server accepts the client's arguments, and the server's answers fit the client's types.
// The checks are types: `npm run typecheck` fails when the two drift; the test body only makes
// the file a test.
import { describe, expect, test } from 'vitest';
import type { ArborService as ServerService, RepoHandle as ServerHandle } from '../../../src/rpc/arbor-service';
import type { ArborService as ClientService, RepoHandle as ClientHandle } from '../../../client/src';
import { ARBOR_ERROR_NAMES } from '../../../client/src';
import { errorName } from '../../../src/service/errors';

type Fn = (...args: never[]) => unknown;
type Brands = keyof Rpc.WorkerEntrypointBranded | keyof Rpc.RpcTargetBranded;
type Methods<T> = Exclude<{ [K in keyof T]: T[K] extends Fn ? K : never }[keyof T], Brands>;

/** `true` when the server's method takes the client's arguments and answers what the client says. */
type Fits<S, C> = S extends (...a: infer SA) => infer SR
  ? C extends (...a: infer CA) => infer CR
    ? CA extends SA
      ? Awaited<SR> extends Awaited<CR>
        ? true
        : ['answer differs', Awaited<SR>, Awaited<CR>]
      : ['arguments differ', CA, SA]
    : false
  : false;

type Check<S, C> = { [K in Methods<C> & keyof S]: Fits<S[K], C[K]> };
type AllTrue<T> = { [K in keyof T]: T[K] extends true ? true : T[K] };
type Missing<S, C> = Exclude<Methods<C>, keyof S>;

// repo(): the server answers its RepoHandle class, the client an interface: compared below.
const service: AllTrue<Check<Omit<ServerService, 'repo'>, Omit<ClientService, 'repo'>>> = {
  create: true, fork: true, import: true, get: true, list: true, namespaces: true, delete: true,
};
// fs(): the server's GitFs is an RpcTarget; the client sees it as RemoteFs (checked by the e2e tests).
const handle: AllTrue<Check<Omit<ServerHandle, 'fs'>, Omit<ClientHandle, 'fs'>>> = {
  fork: true, info: true, createToken: true, listTokens: true, revokeToken: true, events: true, delete: true,
  createWebhook: true, listWebhooks: true, deleteWebhook: true, webhookDeliveries: true, rules: true, setRules: true,
  requestMaintenance: true, maintenance: true, updateMaintenance: true, commit: true, readFile: true, readTree: true,
  log: true, merge: true, writeRef: true, deleteRef: true, createTag: true,
};
const none: [Missing<ServerService, ClientService>, Missing<ServerHandle, ClientHandle>] = [undefined as never, undefined as never];

describe('client RPC types', () => {
  test('every client method is checked against the server (by the type checker)', () => {
    expect(Object.keys(service)).toHaveLength(7);
    expect(Object.keys(handle)).toHaveLength(24);
    expect(none).toHaveLength(2);
  });

  test('every error name the server maps a status to is one the client knows', () => {
    for (const s of [400, 401, 403, 404, 409, 413, 422, 500, 502, 504]) expect(ARBOR_ERROR_NAMES).toContain(errorName(s));
  });
});
