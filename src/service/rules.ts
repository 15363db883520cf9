// Branch protection for the control plane (REST and RPC alike): validates the rules, then has
// the repository's Durable Object store them. See src/storage/rules.ts for what they mean.
import type { Env } from '../env';
import { badRequest } from '../http/errors';
import { MAX_RULES, patternProblem, type BranchRule } from '../storage/rules';
import { unwrap } from './errors';
import { repoKey } from './names';
import { checkNames, repoStub } from './repos';

const FLAGS = ['allowForcePush', 'allowDeletion', 'mergeOnly'] as const;

/** `{"rules":[{pattern, allowForcePush?, allowDeletion?, mergeOnly?}]}` → the rules (defaults: false). */
export function checkRulesInput(input: unknown): BranchRule[] {
  const usage = 'the body must be {"rules":[{"pattern":"refs/heads/main","allowForcePush"?,"allowDeletion"?,"mergeOnly"?}]}';
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw badRequest(usage);
  const list = (input as Record<string, unknown>).rules;
  if (!Array.isArray(list)) throw badRequest(usage);
  if (list.length > MAX_RULES) throw badRequest(`at most ${MAX_RULES} rules per repository (got ${list.length})`);
  const seen = new Set<string>();
  return list.map((raw, i) => {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw badRequest(`rules[${i}] must be an object`);
    const r = raw as Record<string, unknown>;
    for (const k of Object.keys(r)) if (k !== 'pattern' && !(FLAGS as readonly string[]).includes(k)) throw badRequest(`rules[${i}]: unknown field "${k.slice(0, 40)}"`);
    if (typeof r.pattern !== 'string') throw badRequest(`rules[${i}].pattern must be a string such as "refs/heads/main" or "refs/heads/release/*"`);
    const problem = patternProblem(r.pattern);
    if (problem) throw badRequest(`rules[${i}].pattern ${problem}`);
    if (seen.has(r.pattern)) throw badRequest(`rules[${i}]: pattern ${r.pattern} is given twice`);
    seen.add(r.pattern);
    for (const k of FLAGS) if (r[k] !== undefined && typeof r[k] !== 'boolean') throw badRequest(`rules[${i}].${k} must be true or false`);
    return { pattern: r.pattern, allowForcePush: r.allowForcePush === true, allowDeletion: r.allowDeletion === true, mergeOnly: r.mergeOnly === true };
  });
}

export async function getRules(env: Env, ns: string, name: string): Promise<BranchRule[]> {
  return unwrap(await repoStub(env, ns, name).getRules(repoKey(ns, name)));
}

/** Replaces every rule of the repository (an empty list removes protection); answers the rules. */
export async function setRules(env: Env, ns: string, name: string, input: unknown): Promise<BranchRule[]> {
  checkNames(ns, name);
  const rules = checkRulesInput(input);
  return unwrap(await repoStub(env, ns, name).setRules(repoKey(ns, name), rules));
}
