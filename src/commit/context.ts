// What the service functions work on: one repository's store (and, for abbreviated object ids,
// the SQL handle of its Durable Object).
import type { RepoStore } from '../storage/repo-store';

export interface RepoContext {
  store: RepoStore;
  /** Used only to look up abbreviated object ids by prefix. */
  sql?: SqlStorage;
}
