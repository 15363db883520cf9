// What the service functions work on: one repository's store (never SQL directly).
import type { RepoStore } from '../storage/repo-store';

export interface RepoContext {
  store: RepoStore;
}
