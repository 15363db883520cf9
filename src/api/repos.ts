// Control plane: repository lifecycle and tokens. Thin: validate, then call the repo's DO.
import type { IRequest } from 'itty-router';
import type { Env } from '../env';
import { HttpError, badRequest, jsonResponse } from '../http/errors';
import { requireAdmin } from '../http/admin';
import type { RpcResult } from '../repo/repo-object';
import { nameProblem, repoKey } from './names';

export const DEFAULT_TOKEN_TTL = 86_400;
export const MIN_TOKEN_TTL = 60;
export const MAX_TOKEN_TTL = 31_536_000;

function target(req: IRequest, env: Env) {
  requireAdmin(req, env.ARBOR_ADMIN_TOKEN);
  const ns = decodeURIComponent(req.params.ns);
  const name = decodeURIComponent(req.params.name);
  const problem = nameProblem('namespace', ns) ?? nameProblem('repository', name);
  if (problem) throw badRequest(problem);
  return { ns, name, stub: env.REPO.get(env.REPO.idFromName(repoKey(ns, name))) };
}

function unwrap<T>(r: RpcResult<T>): T {
  if (!r.ok) throw new HttpError(r.status, r.code, r.message);
  return r.value;
}

export function remoteUrl(req: Request, ns: string, name: string): string {
  return `${new URL(req.url).origin}/git/${ns}/${name}.git`;
}

async function jsonBody(req: Request): Promise<Record<string, unknown>> {
  const text = await req.text();
  if (!text.trim()) return {};
  try {
    const v = JSON.parse(text);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* fall through */
  }
  throw badRequest('request body must be a JSON object');
}

function ttlFrom(body: Record<string, unknown>): number {
  const ttl = body.ttlSeconds ?? DEFAULT_TOKEN_TTL;
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < MIN_TOKEN_TTL || ttl > MAX_TOKEN_TTL) {
    throw badRequest(`ttlSeconds must be an integer from ${MIN_TOKEN_TTL} to ${MAX_TOKEN_TTL}`);
  }
  return ttl;
}

export async function createRepo(req: IRequest, env: Env): Promise<Response> {
  const { ns, name, stub } = target(req, env);
  const body = await jsonBody(req);
  const info = unwrap(await stub.create(ns, name, DEFAULT_TOKEN_TTL));
  void body;
  return jsonResponse({ ...info, remote: remoteUrl(req, ns, name) }, 201);
}

export async function getRepo(req: IRequest, env: Env): Promise<Response> {
  const { ns, name, stub } = target(req, env);
  const info = unwrap(await stub.get());
  return jsonResponse({ ...info, remote: remoteUrl(req, ns, name) });
}

export async function deleteRepo(req: IRequest, env: Env): Promise<Response> {
  const { stub } = target(req, env);
  unwrap(await stub.destroy());
  return new Response(null, { status: 204 });
}

export async function createToken(req: IRequest, env: Env): Promise<Response> {
  const { stub } = target(req, env);
  const body = await jsonBody(req);
  const scope = body.scope ?? 'write';
  if (scope !== 'read' && scope !== 'write') throw badRequest(`scope must be "read" or "write"`);
  const t = unwrap(await stub.createToken(scope, ttlFrom(body)));
  return jsonResponse(t, 201);
}
