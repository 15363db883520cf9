// What an ingesting pack references, and whether the repository can satisfy it (git fsck's
// connectivity and type rules). Kept apart from the parsing and delta resolution of ingest.ts:
// this part only sees ids and the types they are claimed to have, recorded as objects resolve,
// and is judged once, after the whole pack is resolved and before any ref moves.
import { bytesToHex, type SpecialFiles, type ValidateOptions } from '../pack';
import { IngestError } from './ingest-error';
import { type ObjectStore, TYPE_NAMES, TYPE_NUMBERS } from './object-store';
import { OidTable } from './oid-table';

const GITLINK = 0o160000; // submodule commits live in another repository
const WANT = 7; // the referrers' field of an id's value
const HAVE_SHIFT = 3;

export class PackReferences {
  /**
   * Every object id the pack mentions, with two 3-bit fields: bits 0-2 the type its referrers
   * say it has (commit 1, tree 2, blob 3, tag 4; 0 if nothing in the pack references it),
   * bits 3-5 its type if the pack holds it (0 if not). One table for both keeps the memory of
   * a big push down (most ids are both) and lets the connectivity check run on raw ids.
   */
  private readonly referenced = new OidTable(1024); // grows with the pack: a commit's few ids need no 340 KB table
  /** Objects of the pack that no object in the pack references (filled by check()). */
  readonly roots: string[] = [];
  private conflict: string | null = null;
  /**
   * Validation options for trees: each valid entry records that its object must exist with
   * the type its mode says. A type conflict is kept and reported after the tree's own checks
   * (so a tree that is both malformed and conflicting is refused as malformed).
   */
  readonly treeChecks: ValidateOptions;

  constructor(special: SpecialFiles) {
    this.treeChecks = {
      // Not called for entries copied whole from a checked base: their references are recorded.
      onTreeEntry: (d, mode, oidAt) => {
        if (mode === GITLINK) return; // submodule commits live in another repository
        const type = mode === 0o40000 ? 2 : 3;
        const prev = this.referenced.or(d, oidAt, type) & WANT;
        if (prev !== 0 && prev !== type && this.conflict === null) {
          this.conflict = `object ${bytesToHex(d, oidAt)} is referenced both as a ${TYPE_NAMES[prev]} and as a ${TYPE_NAMES[type]}`;
        }
      },
      entryStarts: { offsets: new Int32Array(1024), count: 0 },
      onDotfile: (kinds, mode, d, oidAt) => special.entry(kinds, mode, bytesToHex(d, oidAt)),
    };
  }

  /** Throws the type conflict a tree's entries recorded, if any. */
  throwConflict(): void {
    if (this.conflict !== null) throw new IngestError(this.conflict);
  }

  /** Records that the pack holds the object whose raw id is at ids[at..at+20], of `type`. */
  holds(ids: Uint8Array, at: number, type: number): void {
    this.referenced.or(ids, at, type << HAVE_SHIFT);
  }

  /** Records that an object of the pack names `oid` as an object of `type`. */
  expectHex(oid: string, type: number): void {
    const prev = this.referenced.orHex(oid, type) & WANT;
    if (prev !== 0 && prev !== type) {
      throw new IngestError(`object ${oid} is referenced both as a ${TYPE_NAMES[prev]} and as a ${TYPE_NAMES[type]}`);
    }
  }

  /**
   * Records what a commit that passed validateCommit names, read in place: its tree (the first
   * line) and the parent lines right after it (unless `parents` is false: a shallow boundary).
   * Returns false, having recorded nothing, when another header line is named parent (parseCommit
   * counts those too): the caller then goes through parseCommit. parseCommit built every header
   * and the message as strings, ~2% of a big push's ingest (profiled).
   */
  expectCommit(d: Uint8Array, parents: boolean): boolean {
    let p = 46; // "tree " + 40 hex digits + "\n", checked by validateCommit
    while (d[p] === 0x70 && d[p + 6] === 0x20 && startsParent(d, p)) p += 48; // "parent " + id + "\n", checked too
    const first = p;
    // The other header lines, up to the blank line that ends them (a continuation line starts with ' ').
    for (let q = p; q < d.length && d[q] !== 0x0a; ) {
      if (d[q] === 0x70 && startsParent(d, q) && (q + 6 === d.length || d[q + 6] === 0x20 || d[q + 6] === 0x0a)) return false;
      const eol = d.indexOf(0x0a, q);
      if (eol < 0) break;
      q = eol + 1;
    }
    this.expectAt(d, 5, 2);
    if (parents) for (let q = 46; q < first; q += 48) this.expectAt(d, q + 7, 1);
    return true;
  }

  /** expectHex for the 40 hex digits (either case) at d[at..]. */
  private expectAt(d: Uint8Array, at: number, type: number): void {
    const id = this.scratch;
    for (let i = 0; i < 20; i++) id[i] = (hexValue(d[at + 2 * i]) << 4) | hexValue(d[at + 2 * i + 1]);
    const prev = this.referenced.or(id, 0, type) & WANT;
    if (prev !== 0 && prev !== type) {
      throw new IngestError(`object ${bytesToHex(id)} is referenced both as a ${TYPE_NAMES[prev]} and as a ${TYPE_NAMES[type]}`);
    }
  }

  private readonly scratch = new Uint8Array(20);

  /**
   * The stored type (TYPE_NUMBERS, 0: absent or not usable) of each object the pack references
   * but does not carry, found by lookUp() for check(): an incremental push's new trees name
   * every unchanged entry beside the changed one (~1,200 ids for 10 commits in the large bench
   * repository), and asking twice per id was ~40% of that push's time in the DO.
   */
  private stored: Map<string, number> | null = null;

  /** Asks the repository about every object the pack references but does not carry (walks, under settle()). */
  lookUp(usable: (oid: string) => boolean, store: ObjectStore): void {
    const stored = new Map<string, number>();
    this.referenced.forEach((ids, at, v) => {
      if ((v & WANT) !== 0 && v >> HAVE_SHIFT === 0) {
        const oid = bytesToHex(ids, at);
        const type = usable(oid) ? store.typeOf(oid) : null;
        stored.set(oid, type ? TYPE_NUMBERS[type] : 0);
      }
    });
    this.stored = stored;
  }

  /** Judges connectivity and types, collects the roots, and frees the table. */
  check(usable: (oid: string) => boolean, store: ObjectStore): void {
    // Connectivity and types: a commit's tree must be a tree, a tree entry's mode must match
    // its object, a tag's object must have the type the tag declares (git fsck's rules).
    this.referenced.forEach((ids, at, v) => {
      const want = v & WANT;
      let have = v >> HAVE_SHIFT;
      if (want === 0) {
        // Roots: objects of this pack nothing in it points at. If every root becomes a ref
        // tip, everything in the pack is reachable (object graphs have no cycles).
        this.roots.push(bytesToHex(ids, at));
        return;
      }
      if (have === 0) {
        const oid = bytesToHex(ids, at);
        // its type only if usable (as lookUp() found it, when it ran)
        const known = this.stored?.get(oid);
        const type = known === undefined && usable(oid) ? store.typeOf(oid) : null;
        const stored = known ?? (type ? TYPE_NUMBERS[type] : 0);
        if (!stored) throw new IngestError(`missing object ${oid} referenced by the pack`);
        have = stored;
      }
      if (have !== want) {
        throw new IngestError(`object ${bytesToHex(ids, at)} is a ${TYPE_NAMES[have]} but is referenced as a ${TYPE_NAMES[want]}`);
      }
    });
    this.referenced.clear();
    this.stored = null;
  }
}

/** "parent" at d[p..p+6). */
function startsParent(d: Uint8Array, p: number): boolean {
  return d[p] === 0x70 && d[p + 1] === 0x61 && d[p + 2] === 0x72 && d[p + 3] === 0x65 && d[p + 4] === 0x6e && d[p + 5] === 0x74;
}

/** A hex digit's value (the caller knows it is one: 0-9, a-f, A-F). */
function hexValue(c: number): number {
  return c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57;
}
