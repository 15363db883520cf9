// Streaming ingest of an incoming pack (push, import): the bytes go to a DOFS file chunk by
// chunk as they arrive while the parser hashes whole objects on the fly; deltas whose base is
// at hand are resolved immediately, the rest after the last byte. Every object is hashed,
// fsck-checked and its references recorded, so connectivity can be judged before any ref moves.
// Nothing is indexed until commit(): an aborted or failed ingest leaves no visible object.
// This file is the stream and the per-object checks; delta resolution is ingest-resolve.ts (the
// base class), the reference bookkeeping and connectivity ingest-refs.ts, the result ingested.ts.
import type { DOFS, DofsWriteStream } from '../../dofs';
import { PackParser, parseCommit, parseTag, SpecialFiles, validateObject, type ValidateOptions } from '../pack';
import { accel, bytesToHex } from '../codec';
import type { PackEntry } from '../pack';
import { IngestError } from './ingest-error';
import { DeltaResolution } from './ingest-resolve';
import { PackReferences } from './ingest-refs';
import { type IngestedPack, ingestedPack, objectsView } from './ingested';
import { type ObjectStore, TYPE_NAMES } from './object-store';
import { packPath } from './pack-files';
import { MAX_OBJECT_BYTES } from './delta-limits';
import type { PackObjects } from './reach-guide';

export { MAX_OBJECT_BYTES } from './delta-limits';
export { IngestError } from './ingest-error';
export type { IngestedPack } from './ingested';
const MAX_DELTA_DEPTH = 4095;
const COALESCE = 256 * 1024;
const NO_OPTIONS: ValidateOptions = {};
/** Entries whose columns are allocated up front from the pack header's count (PackEntries.reserve). */
const RESERVE_ENTRIES = 1 << 16;

export class PackIngest extends DeltaResolution {
  /** lendData: entries' data are views valid until the next write (resolved() and keep() copy what stays). */
  private readonly parser = new PackParser({ maxObjectSize: MAX_OBJECT_BYTES, lendData: true });
  private readonly stream: DofsWriteStream;
  /** What trees of the pack name .gitmodules/.gitattributes: checked once all is resolved. */
  private readonly special = new SpecialFiles();
  /** What the pack references and holds, judged by finish() (ingest-refs.ts). */
  private readonly refs = new PackReferences(this.special);
  /** Runs once every object is resolved, before the references are checked (reach-guide.ts). */
  guide: ((pack: PackObjects) => void) | null = null;
  /** Commits whose parents the pack leaves out on purpose (a shallow fetch's boundary). */
  shallow: ReadonlySet<string> = new Set();
  /** Tags of the pack -> the object each names (advertisements peel tags with it). */
  private readonly tagTargets = new Map<string, string>();
  private deltaEntries = 0;
  private bytes = 0;
  private closed = false;
  /** Sees every parsed entry (CRC-32 included) before it is indexed: the idx benchmark's tap. */
  onParsed: ((e: PackEntry) => void) | null = null;
  /** Gathers small pieces (grown up to COALESCE bytes: a commit's pack is a few hundred). */
  private pending = new Uint8Array(0);
  private fill = 0;

  constructor(
    store: ObjectStore,
    private readonly fs: DOFS,
    packId: number,
    private readonly maxPackBytes = Number.POSITIVE_INFINITY,
    private readonly onDone: () => void = () => {},
  ) {
    super(store, packId);
    this.stream = fs.createWriteStream(packPath(packId));
  }

  get received(): number {
    return this.bytes;
  }

  get objectsSeen(): number {
    return this.entries.count;
  }

  /** The object count the pack's header declares, -1 until the header has been parsed. */
  get objectsDeclared(): number {
    return this.parser.objectCount;
  }

  /** Entries parsed so far that are deltas (ofs or ref): git's "Resolving deltas" total. */
  get deltasSeen(): number {
    return this.deltaEntries;
  }

  /**
   * Takes the next piece of the pack. Request bodies arrive in ~4 KB pieces (20k of them for
   * an 80 MB pack); each piece handed on costs a SHA-1 update, a DOFS append and, whenever an
   * entry straddles it, a failed inflate that throws. So pieces are gathered into
   * COALESCE-byte runs first (measured: about a fifth of a big push's ingest time).
   */
  write(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxPackBytes) throw new IngestError(`pack exceeds the ${this.maxPackBytes}-byte limit`);
    if (chunk.length >= COALESCE / 2) {
      // a big piece goes on as it is, after what was gathered before it (fed after it, those
      // bytes came out of order: a valid pack refused as "corrupt zlib stream")
      this.flushPending();
      this.feed(chunk);
      return;
    }
    if (this.fill + chunk.length > COALESCE) this.flushPending();
    if (this.fill + chunk.length > this.pending.length) {
      const grown = new Uint8Array(Math.min(COALESCE, Math.max(this.pending.length * 2, this.fill + chunk.length, 4096)));
      grown.set(this.pending.subarray(0, this.fill));
      this.pending = grown;
    }
    this.pending.set(chunk, this.fill);
    this.fill += chunk.length;
  }

  private flushPending(): void {
    if (this.fill === 0) return;
    const run = this.pending.subarray(0, this.fill);
    this.fill = 0; // the parser and DOFS copy what they keep, so the buffer can be reused
    this.feed(run);
  }

  private feed(bytes: Uint8Array): void {
    this.stream.write(bytes);
    let entries: PackEntry[];
    try {
      entries = this.parser.push(bytes);
    } catch (e) {
      throw new IngestError((e as Error).message);
    }
    for (const e of entries) this.onEntry(e);
  }

  abort(): void {
    this.onDone();
    if (!this.closed) {
      this.closed = true;
      this.stream.abort();
    }
  }

  /**
   * Ends the stream: verifies the trailer, resolves deferred deltas, checks that every
   * referenced object exists here or in the store. `tick` is called now and then so the caller
   * can send progress (long resolutions must keep the connection alive).
   */
  async finish(tick?: (done: number, total: number) => Promise<void>): Promise<IngestedPack> {
    let checksum: string;
    try {
      this.flushPending();
      const tail = this.parser.end();
      for (const e of tail.entries) this.onEntry(e);
      checksum = tail.checksum;
    } catch (e) {
      this.abort();
      throw new IngestError((e as Error).message);
    }
    this.stream.close();
    this.closed = true;
    try {
      await this.resolveDeferred(tick);
      await this.settle(() => this.guide?.(this.objectsView()));
      await this.settle(() => this.refs.lookUp(this.usable, this.store));
      this.refs.check(this.usable, this.store);
      // After connectivity: a blob named .gitmodules must be one this push may reference.
      const problem = await this.settle(() => this.special.finish((oid) => this.objectFor(oid)));
      if (problem) throw new IngestError(problem);
      this.resolvedAll = true;
    } catch (e) {
      this.discardFile();
      throw e instanceof IngestError ? e : new IngestError((e as Error).message);
    }
    return ingestedPack({
      entries: this.entries, packId: this.packId, checksum, size: this.bytes, roots: this.refs.roots,
      warnings: this.special.warnings, store: this.store, tagTargets: this.tagTargets, usable: this.usable,
      view: this.objectsView(),
    });
  }

  /** The resolved objects of the pack, by id. */
  private objectsView(): PackObjects {
    return objectsView(this.entries, (i) => this.reread(i, true));
  }

  /** Removes the pack file (the ingest failed or nothing needed it). */
  discardFile(): void {
    this.abort();
    try {
      this.fs.rmrf(packPath(this.packId));
    } catch {
      /* already gone */
    }
  }

  private onEntry(e: PackEntry): void {
    this.onParsed?.(e);
    const E = this.entries;
    // The header's count, bounded: a header may lie, and 64k entries' columns are ~3.5 MB.
    if (E.count === 0) E.reserve(Math.min(this.parser.objectCount, RESERVE_ENTRIES));
    const i = E.add(e.offset, e.dataOffset, e.end, e.type, e.size);
    if (e.type >= 1 && e.type <= 4) {
      this.resolved(i, e.type, e.data, 0, undefined, e.id);
      return;
    }
    this.deltaEntries++;
    if (e.type === 6) {
      E.base[i] = E.atOffset(e.baseOffset!);
      if (E.base[i] < 0) throw new IngestError(`delta base offset ${e.baseOffset} is not an object in this pack`);
    } else {
      E.refBase.set(i, e.baseOid!);
    }
    this.deltaArrived(i, e.data);
  }

  protected resolved(i: number, type: number, data: Uint8Array, depth: number, copiedFrom?: ValidateOptions['copiedFrom'], known?: Uint8Array): void {
    const E = this.entries;
    if (depth > MAX_DELTA_DEPTH) throw new IngestError(`delta chain deeper than ${MAX_DELTA_DEPTH} at offset ${E.offset[i]}`);
    if (data.length > MAX_OBJECT_BYTES) throw new IngestError(`object at offset ${E.offset[i]} exceeds ${MAX_OBJECT_BYTES} bytes`);
    const name = TYPE_NAMES[type];
    // Ids are made raw (the walker's, or accel.objectId's): a blob's id as text is only needed
    // for messages, and most objects of a pack are blobs.
    const id = known ?? accel.objectId(name, data);
    const oid = type === 3 || type === 2 ? '' : bytesToHex(id); // trees: hex only for a message
    // A tree's entries are recorded as referenced while it is validated (one pass over it).
    let problem: string | null;
    if (type === 2) {
      this.special.treeId = id;
      const checks = this.refs.treeChecks;
      checks.copiedFrom = copiedFrom;
      problem = validateObject(type, data, checks);
      checks.copiedFrom = undefined;
      if (!problem) this.treeStarts.set(i, checks.entryStarts!.offsets.subarray(0, checks.entryStarts!.count)); // copied in
    } else {
      problem = validateObject(type, data, NO_OPTIONS);
    }
    if (problem) throw new IngestError(`invalid ${name} ${oid || bytesToHex(id)}: ${problem}`);
    this.refs.throwConflict();
    E.type[i] = type;
    E.size[i] = data.length;
    E.depth[i] = depth;
    this.deltas.delete(i);
    if (E.setOidBytes(i, id)) this.refs.holds(E.oids, i * 20, type);
    if (type === 1) {
      const parents = this.shallow.size === 0 || !this.shallow.has(oid);
      if (!this.refs.expectCommit(data, parents)) {
        const c = parseCommit(data);
        this.refs.expectHex(c.tree, 2);
        if (parents) for (const p of c.parents) this.refs.expectHex(p, 1);
      }
    } else if (type === 4) {
      const t = parseTag(data);
      const declared = ({ commit: 1, tree: 2, blob: 3, tag: 4 } as Record<string, number>)[t.type];
      if (!declared) throw new IngestError(`tag ${t.tag}: unknown object type '${t.type.slice(0, 20)}'`);
      this.refs.expectHex(t.object, declared);
      this.tagTargets.set(oid, t.object);
    }
    this.keep(i, data);
  }

  /** An object of this pack (resolved) or of the store, for the .gitmodules checks. */
  private objectFor(oid: string): { type: number; size: number; data(): Uint8Array } | null {
    const i = this.entries.find(oid);
    if (i >= 0) return { type: this.entries.type[i], size: this.entries.size[i], data: () => this.reread(i, true) };
    const row = this.usable(oid) ? this.store.row(oid) : null; // what this repository may not use counts as absent
    return row ? { type: row.type, size: row.size, data: () => this.store.read(oid).data } : null;
  }
}
