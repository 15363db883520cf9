// Rename detection as git's diffcore_rename (default -M50%, no copies): exact renames, unique
// basenames, then similar contents; and the bounded reader of file contents it (and the patch
// text) use.
import type { RepoContext } from './context';
import { ServiceError } from './errors';
import { readObject } from './rev';
import { MIN_SCORE, MAX_SCORE, similarity, spanHash, type SpanCounts } from './similarity';
import { isGitlinkMode } from './tree-edit';
import { fileType, type Pair } from './tree-diff';

/** Upper bound on the bytes of file content read for one comparison. */
export const MAX_COMPARE_BYTES = 64 * 1024 * 1024;
/** git's default diff.renameLimit. */
const RENAME_LIMIT = 1000;

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

export class Contents {
  private readonly cache = new Map<string, Uint8Array>();
  private readonly spans = new Map<string, SpanCounts>();
  bytes = 0;
  constructor(private readonly ctx: RepoContext) {}

  get(oid: string): Uint8Array {
    let d = this.cache.get(oid);
    if (!d) {
      d = readObject(this.ctx, oid).data;
      this.bytes += d.length;
      if (this.bytes > MAX_COMPARE_BYTES) {
        throw new ServiceError(413, 'too_large', `the comparison needs more than ${MAX_COMPARE_BYTES} bytes of file content`);
      }
      this.cache.set(oid, d);
    }
    return d;
  }

  size(oid: string): number {
    const r = this.ctx.store.objects.row(oid);
    return r ? r.size : this.get(oid).length;
  }

  span(oid: string): SpanCounts {
    let s = this.spans.get(oid);
    if (!s) {
      s = spanHash(this.get(oid));
      this.spans.set(oid, s);
    }
    return s;
  }
}

/** git's diffcore_rename (default -M50%, no copies): exact renames, unique basenames, then similar ones. */
export function detectRenames(pairs: Pair[], contents: Contents): Pair[] {
  const dsts = pairs.filter((p) => p.status === 'A' && !isGitlinkMode(p.two!.mode));
  const srcs = pairs.filter((p) => p.status === 'D' && !isGitlinkMode(p.one!.mode));
  if (dsts.length === 0 || srcs.length === 0) return pairs;
  const renameOf = new Map<Pair, Pair>(); // dst pair -> src pair
  const used = new Set<Pair>();
  // Exact: same blob and the same kind of file; prefer a source with the same basename.
  const byOid = new Map<string, Pair[]>();
  for (const s of srcs) {
    const l = byOid.get(s.one!.oid) ?? [];
    l.push(s);
    byOid.set(s.one!.oid, l);
  }
  for (const d of dsts) {
    const cands = (byOid.get(d.two!.oid) ?? []).filter((s) => !used.has(s) && fileType(s.one!.mode) === fileType(d.two!.mode));
    if (cands.length === 0) continue;
    const pick = cands.find((s) => basename(s.one!.path) === basename(d.two!.path)) ?? cands[0];
    used.add(pick);
    renameOf.set(d, pick);
    d.score = MAX_SCORE;
  }
  // Unique basenames first (git >= 2.33): a file moved to another directory keeping its name
  // pairs with its namesake if they are at least 75% similar.
  const leftD = dsts.filter((d) => !renameOf.has(d));
  const leftS = srcs.filter((s) => !used.has(s));
  const unique = (list: Pair[], side: 'one' | 'two') => {
    const m = new Map<string, Pair | null>();
    for (const p of list) {
      const b = basename(p[side]!.path);
      m.set(b, m.has(b) ? null : p);
    }
    return m;
  };
  const srcByBase = unique(leftS, 'one');
  const dstByBase = unique(leftD, 'two');
  const minBasename = MIN_SCORE + (MAX_SCORE - MIN_SCORE) / 2;
  for (const s of leftS) {
    const b = basename(s.one!.path);
    const d = dstByBase.get(b);
    if (!d || srcByBase.get(b) !== s || renameOf.has(d)) continue;
    if (fileType(s.one!.mode) !== 0o100000 || fileType(d.two!.mode) !== 0o100000) continue;
    const score = similarity(contents.size(s.one!.oid), contents.size(d.two!.oid), () => contents.span(s.one!.oid), () => contents.span(d.two!.oid), minBasename);
    if (score < minBasename) continue;
    used.add(s);
    renameOf.set(d, s);
    d.score = score;
  }
  // Inexact: regular files only, within git's rename limit.
  const restD = dsts.filter((d) => !renameOf.has(d) && fileType(d.two!.mode) === 0o100000);
  const restS = srcs.filter((s) => !used.has(s) && fileType(s.one!.mode) === 0o100000);
  if (restD.length && restS.length && restD.length * restS.length <= RENAME_LIMIT * RENAME_LIMIT) {
    const cands: { d: number; s: number; score: number; name: number }[] = [];
    restD.forEach((d, di) => {
      const dSize = contents.size(d.two!.oid);
      const best: { d: number; s: number; score: number; name: number }[] = [];
      restS.forEach((s, si) => {
        const sSize = contents.size(s.one!.oid);
        const score = similarity(sSize, dSize, () => contents.span(s.one!.oid), () => contents.span(d.two!.oid));
        if (score < MIN_SCORE) return;
        best.push({ d: di, s: si, score, name: basename(s.one!.path) === basename(d.two!.path) ? 1 : 0 });
      });
      best.sort((x, y) => y.score - x.score || y.name - x.name);
      cands.push(...best.slice(0, 4));
    });
    cands.sort((x, y) => y.score - x.score || y.name - x.name || x.d - y.d || x.s - y.s);
    for (const c of cands) {
      const d = restD[c.d];
      const s = restS[c.s];
      if (renameOf.has(d) || used.has(s)) continue;
      used.add(s);
      renameOf.set(d, s);
      d.score = c.score;
    }
  }
  const out: Pair[] = [];
  for (const p of pairs) {
    if (used.has(p)) continue;
    const src = renameOf.get(p);
    if (src) out.push({ status: 'R', one: src.one, two: p.two, score: p.score });
    else out.push(p);
  }
  return out;
}
