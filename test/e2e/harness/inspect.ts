// Inspecting repositories: fsck, ls-remote, refs, trees, objects and packs.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { GitError, GitOptions, git, gitOut } from './git';

/** `git fsck --strict --full`; throws with the output on any problem. */
export async function fsckStrict(dir: string): Promise<string> {
  const r = await git(['fsck', '--strict', '--full', '--no-dangling', '--no-progress'], { cwd: dir, allowFail: true });
  if (r.code !== 0) throw new GitError(r, dir);
  return r.stdout + r.stderr;
}

export interface RefLine { oid: string; ref: string }

export function parseRefLines(out: string): RefLine[] {
  return out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [oid, ref] = l.split('\t');
      return { oid: oid.trim(), ref: (ref ?? '').trim() };
    });
}

/** `git ls-remote` lines ("<oid>\t<ref>"), sorted. */
export async function lsRemote(
  remote: string,
  opts: GitOptions & { args?: string[] } = {},
): Promise<string[]> {
  const r = await git(['ls-remote', ...(opts.args ?? []), remote], opts);
  return r.stdout.split('\n').filter((l) => l.trim() !== '').sort();
}

/**
 * The ls-remote lines a server holding exactly the local branches and tags of `dir` should
 * advertise: HEAD (as `main`, when main exists), every branch and tag, and `^{}` peeled
 * lines for annotated tags. Sorted.
 */
export async function expectedRefLines(dir: string, opts: { head?: string | false } = {}): Promise<string[]> {
  const out = await gitOut(dir, ['for-each-ref', '--format=%(objectname) %(objecttype) %(refname)', 'refs/heads', 'refs/tags']);
  const rows = out.split('\n').filter(Boolean).map((l) => l.split(' ') as [string, string, string]);
  const tagRefs = rows.filter(([, type]) => type === 'tag').map(([, , ref]) => ref);
  // Fully peeled (a tag of a tag peels to the commit), as ls-remote shows it.
  const peeled = tagRefs.length ? (await gitOut(dir, ['rev-parse', ...tagRefs.map((r) => `${r}^{}`)])).split('\n') : [];
  const lines: string[] = [];
  const headRef = opts.head === false ? undefined : `refs/heads/${opts.head ?? 'main'}`;
  for (const [oid, , ref] of rows) {
    lines.push(`${oid}\t${ref}`);
    if (ref === headRef) lines.push(`${oid}\tHEAD`);
  }
  tagRefs.forEach((ref, i) => lines.push(`${peeled[i]}\t${ref}^{}`));
  return lines.sort();
}

/** Map of ref -> oid from ls-remote style lines. */
export function refMap(lines: string[]): Record<string, string> {
  const m: Record<string, string> = {};
  for (const { oid, ref } of parseRefLines(lines.join('\n'))) m[ref] = oid;
  return m;
}

/**
 * The work tree of `dir` (without .git) as { path: "<mode> <sha256>" }:
 * mode 100644/100755 for files, 120000 for symlinks (hash of the target).
 */
export async function treeOf(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(rel: string): Promise<void> {
    const entries = await fs.readdir(path.join(dir, rel), { withFileTypes: true });
    for (const e of entries) {
      if (rel === '' && e.name === '.git') continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      const p = path.join(dir, r);
      const st = await fs.lstat(p);
      if (st.isSymbolicLink()) {
        out[r] = `120000 ${sha256(await fs.readlink(p))}`;
      } else if (st.isDirectory()) {
        await walk(r);
      } else {
        const mode = st.mode & 0o100 ? '100755' : '100644';
        out[r] = `${mode} ${sha256(await fs.readFile(p))}`;
      }
    }
  }
  await walk('');
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** All objects reachable from all refs, sorted (for comparing two repos' content). */
export async function allObjects(dir: string): Promise<string[]> {
  const out = await gitOut(dir, ['rev-list', '--objects', '--all']);
  return out.split('\n').filter(Boolean).map((l) => l.slice(0, 40)).sort();
}

/** `git count-objects -v` as numbers. */
export async function countObjects(dir: string): Promise<Record<string, number>> {
  const out = await gitOut(dir, ['count-objects', '-v']);
  const m: Record<string, number> = {};
  for (const l of out.split('\n')) {
    const [k, v] = l.split(':');
    if (k && v !== undefined) m[k.trim()] = Number(v.trim());
  }
  return m;
}

/** Pack files (name -> size) under dir's object store. */
export async function packFiles(dir: string): Promise<Record<string, number>> {
  const gitDir = path.resolve(dir, await gitOut(dir, ['rev-parse', '--git-dir']));
  const packDir = path.join(gitDir, 'objects', 'pack');
  const out: Record<string, number> = {};
  if (!existsSync(packDir)) return out;
  for (const f of await fs.readdir(packDir)) {
    if (f.endsWith('.pack')) out[f] = (await fs.stat(path.join(packDir, f))).size;
  }
  return out;
}

/** Number of objects in a pack, via its .idx. */
export async function packObjectCount(dir: string, packName: string): Promise<number> {
  const gitDir = path.resolve(dir, await gitOut(dir, ['rev-parse', '--git-dir']));
  const idx = path.join(gitDir, 'objects', 'pack', packName.replace(/\.pack$/, '.idx'));
  const r = await git(['show-index'], { cwd: dir, input: await fs.readFile(idx) });
  return r.stdout.split('\n').filter(Boolean).length;
}
