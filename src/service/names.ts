// Namespace and repository names: the rule lives with the schemas (src/schema/params.ts).
export { nameProblem } from '../schema/params';

/** The Durable Object name for a repository (namespaces and names cannot contain '/'). */
export function repoKey(ns: string, name: string): string {
  return `${ns}/${name}`;
}
