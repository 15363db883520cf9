// Loose objects written through a repository's git directory view, before a ref uses them.
//
// isomorphic-git writes a commit's blobs, trees and the commit as loose files, then the ref.
// Each object is checked when it is written (hash, fsck) and kept here as the loose bytes it
// was written as, in DOFS files of the repository's own (`/views/<repo>/objects/ab/cdef…`), so
// the view can serve it back at once; a ref write then moves everything the new tip needs into
// the object store as ONE pack (promote.ts). Like git's unreachable loose objects, what no ref
// ever uses stays here: sweepPending() removes what is older than a grace period, and deleting
// the repository removes all of it. Objects here are this repository's alone (a fork does not
// see another fork's pending objects).
import type { DOFS } from '../../../dofs';

export const VIEWS_DIR = '/views';

/** The DOFS directory holding repository `repo`'s view data. */
export function viewDir(repo: string): string {
  return `${VIEWS_DIR}/${repo === '' ? '-' : repo}`;
}

export class PendingObjects {
  private readonly root: string;

  constructor(
    private readonly fs: DOFS,
    repo: string,
  ) {
    this.root = `${viewDir(repo)}/objects`;
  }

  private path(oid: string): string {
    return `${this.root}/${oid.slice(0, 2)}/${oid.slice(2)}`;
  }

  has(oid: string): boolean {
    return this.fs.existsSync(this.path(oid));
  }

  /** The loose bytes as written, or null. */
  read(oid: string): Uint8Array | null {
    try {
      return this.fs.readFileSync(this.path(oid));
    } catch {
      return null;
    }
  }

  size(oid: string): number | null {
    try {
      return this.fs.statSync(this.path(oid)).size;
    } catch {
      return null;
    }
  }

  write(oid: string, loose: Uint8Array): void {
    const dir = `${this.root}/${oid.slice(0, 2)}`;
    if (!this.fs.existsSync(dir)) this.fs.mkdirSync(dir, { recursive: true });
    this.fs.writeFileSync(this.path(oid), loose);
  }

  /** Ids of pending objects whose first two hex digits are `dir`. */
  list(dir: string): string[] {
    try {
      return this.fs.readdirSync(`${this.root}/${dir}`).map((rest) => dir + rest);
    } catch {
      return [];
    }
  }

  /** First-two-digit directories that hold pending objects. */
  dirs(): string[] {
    try {
      return this.fs.readdirSync(this.root);
    } catch {
      return [];
    }
  }

  remove(oids: Iterable<string>): void {
    for (const oid of oids) this.fs.rmrf(this.path(oid));
  }

  /** Removes pending objects last written before `before` (ms since epoch); returns how many. */
  sweep(before: number): number {
    let n = 0;
    for (const d of this.dirs()) {
      for (const oid of this.list(d)) {
        if (this.fs.statSync(this.path(oid)).mtimeMs < before) {
          this.fs.rmrf(this.path(oid));
          n++;
        }
      }
      if (this.list(d).length === 0) this.fs.rmrf(`${this.root}/${d}`);
    }
    return n;
  }
}

/** Removes everything a repository's view kept (the repository is being deleted). */
export function dropViewData(fs: DOFS, repo: string): void {
  fs.rmrf(viewDir(repo));
}
