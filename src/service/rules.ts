// Branch protection for the control plane (REST and RPC alike): validates the rules, then has
// the repository's Durable Object store them. See src/storage/rules.ts for what they mean.
import type { Env } from '../env';
import { badRequest } from '../http/errors';
import { patternProblem, type BranchRule } from '../storage/rules';
import { RulesBody } from '../schema/control';
import { parseArgs } from '../schema/validate';
import { unwrap } from './errors';
import { repoKey } from './names';
import { checkNames, repoStub } from './repos';

/** `{"rules":[{pattern, allowForcePush?, allowDeletion?, mergeOnly?}]}` → the rules (defaults: false). */
export function checkRulesInput(input: unknown): BranchRule[] {
  const list = parseArgs(RulesBody(), input).rules; // the shape; what follows are the rules about patterns
  const seen = new Set<string>();
  return list.map((r, i) => {
    const problem = patternProblem(r.pattern);
    if (problem) throw badRequest(`rules[${i}].pattern ${problem}`);
    if (seen.has(r.pattern)) throw badRequest(`rules[${i}]: pattern ${r.pattern} is given twice`);
    seen.add(r.pattern);
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
