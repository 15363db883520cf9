// Branch protection REST handlers (admin): GET and PUT /v1/repos/:ns/:name/rules. Thin: admin
// auth, read the body, call src/service/rules.ts (shared with the RPC binding).
import type { IRequest } from 'itty-router';
import type { Env } from '../env';
import { jsonResponse } from '../http/errors';
import { readJsonObject } from '../http/body';
import { requireAdmin } from '../http/admin';
import * as svc from '../service/rules';
import { requestParams } from './params';

function params(req: IRequest, env: Env) {
  requireAdmin(req, env.ARBOR_ADMIN_TOKEN);
  return requestParams<{ ns: string; name: string }>(req).path;
}

/** GET → {"rules":[{pattern,allowForcePush,allowDeletion,mergeOnly}]} */
export async function getRules(req: IRequest, env: Env): Promise<Response> {
  const { ns, name } = params(req, env);
  return jsonResponse({ rules: await svc.getRules(env, ns, name) });
}

/** PUT {"rules":[...]} replaces every rule → the rules now in force. */
export async function putRules(req: IRequest, env: Env): Promise<Response> {
  const { ns, name } = params(req, env);
  return jsonResponse({ rules: await svc.setRules(env, ns, name, await readJsonObject(req as unknown as Request, 64 * 1024)) });
}
