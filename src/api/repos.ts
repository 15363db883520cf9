// Control plane REST handlers: repository lifecycle, listing, tokens and events. Thin: admin
// auth, path/query parameters by the schemas, call src/service (shared with the RPC binding, it
// checks bodies with the same schemas), shape the response.
import type { IRequest } from 'itty-router';
import type { Env } from '../env';
import { jsonResponse } from '../http/errors';
import { readJsonObject } from '../http/body';
import { requireAdmin } from '../http/admin';
import * as svc from '../service/repos';
import * as hk from '../service/maintenance';
import * as schema from '../schema/control';
import { parseBody } from '../schema/validate';
import { requestParams } from './params';

/** Admin auth, then the path and query parameters, checked by the operation's schemas (./params.ts). */
function params(req: IRequest, env: Env) {
  requireAdmin(req, env.ARBOR_ADMIN_TOKEN);
  const { path, query } = requestParams<{ ns: string; name?: string; id?: string }>(req);
  return { ns: path.ns, name: path.name ?? '', id: path.id ?? '', query, origin: new URL(req.url).origin };
}

/** Control-plane bodies are small JSON objects (webhook, fork, import, token settings). */
const MAX_JSON_BYTES = 64 * 1024;

const jsonBody = (req: Request) => readJsonObject(req, MAX_JSON_BYTES, { optional: true });

export async function createRepo(req: IRequest, env: Env): Promise<Response> {
  const { ns, name, origin } = params(req, env);
  parseBody(schema.CreateRepoBody(), await jsonBody(req)); // no options yet: any field is unknown
  return jsonResponse(await svc.createRepo(env, origin, ns, name), 201);
}

/** POST /v1/repos/:ns/:name/fork {"name","namespace"?,"readOnly"?,"defaultBranchOnly"?} → 201 like create. */
export async function forkRepo(req: IRequest, env: Env): Promise<Response> {
  const { ns, name, origin } = params(req, env);
  return jsonResponse(await svc.forkRepo(env, origin, ns, name, await jsonBody(req)), 201); // checked by the service (REST and RPC)
}

/** POST /v1/repos/:ns/:name/import {url, branch?, depth?, headers?}: a new repository from a remote. */
export async function importRepo(req: IRequest, env: Env): Promise<Response> {
  const { ns, name, origin } = params(req, env);
  return jsonResponse(await svc.importRepo(env, origin, ns, name, await jsonBody(req)), 201);
}

export async function getRepo(req: IRequest, env: Env): Promise<Response> {
  const { ns, name, origin } = params(req, env);
  return jsonResponse(await svc.getRepo(env, origin, ns, name));
}

export async function deleteRepo(req: IRequest, env: Env): Promise<Response> {
  const { ns, name } = params(req, env);
  await svc.deleteRepo(env, ns, name);
  return new Response(null, { status: 204 });
}

export async function listRepos(req: IRequest, env: Env): Promise<Response> {
  const { ns, origin, query } = params(req, env);
  return jsonResponse(await svc.listRepos(env, origin, ns, query));
}

export async function listNamespaces(req: IRequest, env: Env): Promise<Response> {
  requireAdmin(req, env.ARBOR_ADMIN_TOKEN);
  return jsonResponse(await svc.listNamespaces(env, requestParams(req).query));
}

export async function createToken(req: IRequest, env: Env): Promise<Response> {
  const { ns, name } = params(req, env);
  const body = parseBody(schema.TokenBody(), await jsonBody(req));
  return jsonResponse(await svc.createToken(env, ns, name, body.scope ?? 'write', body.ttlSeconds ?? svc.DEFAULT_TOKEN_TTL, body.name), 201);
}

export async function listTokens(req: IRequest, env: Env): Promise<Response> {
  const { ns, name } = params(req, env);
  return jsonResponse({ tokens: await svc.listTokens(env, ns, name) });
}

export async function revokeToken(req: IRequest, env: Env): Promise<Response> {
  const { ns, name, id } = params(req, env);
  await svc.revokeToken(env, ns, name, id);
  return new Response(null, { status: 204 });
}

export async function listEvents(req: IRequest, env: Env): Promise<Response> {
  const { ns, name, query } = params(req, env);
  const page = await svc.listEvents(env, ns, name, query);
  return jsonResponse({ repo: `${ns}/${name}`, ...page });
}

export async function createWebhook(req: IRequest, env: Env): Promise<Response> {
  const { ns, name } = params(req, env);
  return jsonResponse(await svc.createWebhook(env, ns, name, await jsonBody(req)), 201);
}

export async function listWebhooks(req: IRequest, env: Env): Promise<Response> {
  const { ns, name } = params(req, env);
  return jsonResponse({ webhooks: await svc.listWebhooks(env, ns, name) });
}

export async function deleteWebhook(req: IRequest, env: Env): Promise<Response> {
  const { ns, name, id } = params(req, env);
  await svc.deleteWebhook(env, ns, name, id);
  return new Response(null, { status: 204 });
}

/** POST .../maintenance {"tasks":["repack","gc"],"prune"?} → 202 with the status (the run is queued). */
export async function requestMaintenance(req: IRequest, env: Env): Promise<Response> {
  const { ns, name } = params(req, env);
  return jsonResponse(await hk.requestMaintenance(env, ns, name, await jsonBody(req)), 202);
}

export async function getMaintenance(req: IRequest, env: Env): Promise<Response> {
  const { ns, name } = params(req, env);
  return jsonResponse(await hk.getMaintenance(env, ns, name));
}

export async function updateMaintenance(req: IRequest, env: Env): Promise<Response> {
  const { ns, name } = params(req, env);
  return jsonResponse(await hk.updateMaintenance(env, ns, name, await jsonBody(req)));
}

export async function listDeliveries(req: IRequest, env: Env): Promise<Response> {
  const { ns, name, id, query } = params(req, env);
  return jsonResponse({ deliveries: await svc.listDeliveries(env, ns, name, id, query) });
}

/** GET /v1/repos/:ns/:name/stats: the repository's Durable Object and how many requests it served. */
export async function getRequestCount(req: IRequest, env: Env): Promise<Response> {
  const { ns, name } = params(req, env);
  return jsonResponse(await svc.requestCount(env, ns, name));
}
