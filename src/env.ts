import type { RepoObject } from './repo/repo-object';

export interface Env {
  REPO: DurableObjectNamespace<RepoObject>;
  /** Admin secret for the control plane (wrangler secret / .dev.vars / --var). */
  ARBOR_ADMIN_TOKEN?: string;
}
