// src/service/names.ts: namespace and repository names (DESIGN.md): 1-63 characters of
// [A-Za-z0-9._-], starting with a letter or digit, not ending in .git.
import { describe, expect, it } from 'vitest';
import { nameProblem, repoKey } from '../../../src/service/names';

describe('names', () => {
  it('accepts what the contract allows and refuses the rest with a reason', () => {
    for (const ok of ['a', 'A1', 'my-repo', 'x.y_z', '9lives', 'a'.repeat(63)]) expect(nameProblem('repository', ok)).toBeNull();
    for (const bad of ['', '-x', '.x', '_x', 'a/b', 'a b', 'é', 'a'.repeat(64), 'repo.git', 'REPO.GIT']) {
      expect(nameProblem('repository', bad)).toMatch(/^invalid repository name/);
    }
    expect(nameProblem('namespace', 'x y')).toMatch(/^invalid namespace name/);
  });

  it('a repository key is ns/name', () => {
    expect(repoKey('acme', 'tools')).toBe('acme/tools');
  });
});
