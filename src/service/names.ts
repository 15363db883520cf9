// Namespace and repository names (DESIGN.md): 1–63 chars of [A-Za-z0-9._-], starting with a
// letter or digit, not ending in ".git" (the suffix belongs to the remote URL).
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export function nameProblem(kind: 'namespace' | 'repository', name: string): string | null {
  if (!NAME_RE.test(name)) {
    return `invalid ${kind} name '${name.slice(0, 80)}': use 1-63 characters from [A-Za-z0-9._-], starting with a letter or digit`;
  }
  if (name.toLowerCase().endsWith('.git')) return `invalid ${kind} name '${name}': must not end in .git`;
  return null;
}

/** The Durable Object name for a repository (namespaces and names cannot contain '/'). */
export function repoKey(ns: string, name: string): string {
  return `${ns}/${name}`;
}
