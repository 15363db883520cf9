// Branch protection: per-repository rules on ref patterns, kept in the repository's SQLite and
// enforced where every ref update passes (RepoStore.commitPush: push, commit API, and any later
// writer). A rule protects the existing refs its pattern matches: by default no non-fast-forward
// update and no deletion; `mergeOnly` also refuses every other change except through the merge
// route. Creating a ref is never refused by a rule (there is no history to protect yet). The
// rules bind every caller, the admin token included; the admin changes them with PUT .../rules.
import { ZERO_OID, type RefUpdate } from './refs';

export interface BranchRule {
  /** A ref pattern: `*` matches within one path component, `**` across them, `?` one character. */
  pattern: string;
  allowForcePush: boolean;
  allowDeletion: boolean;
  /** Changes only through the merge API (push and the commit API are refused). */
  mergeOnly: boolean;
}

/** Who is moving the ref: a git push, the commit API, or the merge API. */
export type WriteRoute = 'push' | 'commit' | 'merge';

export const MAX_RULES = 100;
export const MAX_PATTERN_LENGTH = 255;

/** Why a pattern is not acceptable, or null (ref-name rules, with `*` and `?` allowed). */
export function patternProblem(p: string): string | null {
  if (!p.startsWith('refs/') || p.length > MAX_PATTERN_LENGTH) return `must start with "refs/" and be at most ${MAX_PATTERN_LENGTH} characters`;
  if (p.endsWith('/') || p.includes('//') || p.includes('..') || p.includes('@{')) return 'is not a valid ref pattern';
  for (let i = 0; i < p.length; i++) {
    const c = p.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || ' ~^:[\\'.includes(p[i])) return `contains the character ${JSON.stringify(p[i])}`;
  }
  return null;
}

/** The pattern as a regular expression over whole ref names. */
export function patternRegExp(p: string): RegExp {
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '*' && p[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+()|{}$^\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The rules in force for a batch of updates: the reason each update is refused, if any. */
export class RuleSet {
  private readonly compiled: { rule: BranchRule; re: RegExp }[];
  constructor(rules: BranchRule[]) {
    this.compiled = rules.map((rule) => ({ rule, re: patternRegExp(rule.pattern) }));
  }

  get empty(): boolean {
    return this.compiled.length === 0;
  }

  /**
   * Why `u` may not happen through `via` (git's wording for `ng`), or null. `fastForward` is
   * asked only when it matters (it may read objects).
   */
  refusal(u: RefUpdate, via: WriteRoute, fastForward: () => boolean): string | null {
    if (u.oldOid === ZERO_OID) return null; // a creation
    const rules = this.compiled.filter((c) => c.re.test(u.name)).map((c) => c.rule);
    if (rules.length === 0) return null;
    if (via !== 'merge' && rules.some((r) => r.mergeOnly)) return 'protected branch: changes only through the merge API';
    if (u.newOid === ZERO_OID) return rules.some((r) => !r.allowDeletion) ? 'protected branch: deletion refused' : null;
    if (rules.some((r) => !r.allowForcePush) && !fastForward()) return 'protected branch: force-push refused';
    return null;
  }
}

/** Whether a ref update failed on a branch protection rule. */
export function isProtectionRefusal(error: string | undefined): boolean {
  return !!error && error.startsWith('protected branch: ');
}

/** One repository's rules (the `branch_rules` table). */
export class RuleStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly repo: string,
  ) {}

  list(): BranchRule[] {
    return this.sql
      .exec<{ pattern: string; allow_force_push: number; allow_deletion: number; merge_only: number }>(
        `SELECT pattern, allow_force_push, allow_deletion, merge_only FROM branch_rules WHERE repo = ? ORDER BY pattern`,
        this.repo,
      )
      .toArray()
      .map((r) => ({ pattern: r.pattern, allowForcePush: r.allow_force_push === 1, allowDeletion: r.allow_deletion === 1, mergeOnly: r.merge_only === 1 }));
  }

  /** Replaces every rule (the caller validated them and runs this in a transaction). */
  replace(rules: BranchRule[]): void {
    this.clear();
    for (const r of rules) {
      this.sql.exec(
        `INSERT INTO branch_rules (repo, pattern, allow_force_push, allow_deletion, merge_only) VALUES (?, ?, ?, ?, ?)`,
        this.repo,
        r.pattern,
        r.allowForcePush ? 1 : 0,
        r.allowDeletion ? 1 : 0,
        r.mergeOnly ? 1 : 0,
      );
    }
  }

  clear(): void {
    this.sql.exec(`DELETE FROM branch_rules WHERE repo = ?`, this.repo);
  }

  set(): RuleSet {
    return new RuleSet(this.list());
  }
}
