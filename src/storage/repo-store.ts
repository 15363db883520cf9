// One repository's storage: DOFS (pack files, isomorphic-git's files), the object index and
// the refs. Protocol and API code use this facade and never touch SQL themselves.
import { DOFS } from '../../dofs';
import { parseTag } from '../pack';
import { migrate } from './schema';
import { IngestError, PackIngest, type IngestedPack } from './ingest';
import { PACK_DIR } from './pack-files';
import { ObjectStore, TYPE_NAMES, TYPE_NUMBERS } from './object-store';
import { RefStore, ZERO_OID, isValidRefName, type RefUpdate, type RefUpdateResult } from './refs';

export interface DoStorage {
  sql: SqlStorage;
  transactionSync<T>(fn: () => T): T;
  deleteAll(): Promise<void>;
}

export class RepoStore {
  readonly fs: DOFS;
  readonly objects: ObjectStore;
  readonly refs: RefStore;

  constructor(private readonly storage: DoStorage) {
    migrate(storage.sql);
    this.fs = new DOFS(storage);
    this.fs.sweepOrphans(); // pack uploads cut off by an eviction or a dropped connection
    this.objects = new ObjectStore(storage.sql, this.fs);
    this.refs = new RefStore(storage.sql, (fn) => storage.transactionSync(fn));
  }

  meta(key: string): string | null {
    const r = this.storage.sql.exec<{ value: string }>(`SELECT value FROM repo_meta WHERE key = ?`, key).toArray()[0];
    return r?.value ?? null;
  }

  setMeta(key: string, value: string): void {
    this.storage.sql.exec(
      `INSERT INTO repo_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
      key,
      value,
    );
  }

  /** Starts receiving a pack; the caller writes chunks and then calls finish() or abort(). */
  beginPack(maxBytes?: number): PackIngest {
    if (!this.fs.existsSync(PACK_DIR)) this.fs.mkdirSync(PACK_DIR);
    const id = Number(this.meta('next_pack_id') ?? '1');
    this.setMeta('next_pack_id', String(id + 1));
    return new PackIngest(this.objects, this.fs, id, maxBytes);
  }

  /**
   * Validates ref updates against the (optional) new pack, then in ONE transaction indexes the
   * pack's objects and applies the updates with compare-and-swap. Objects are indexed only if
   * at least one ref moves (or the push only carried objects the repo lacked before).
   */
  commitPush(pack: IngestedPack | null, updates: RefUpdate[], atomic: boolean): RefUpdateResult[] {
    const has = (oid: string) => (pack ? pack.has(oid) : this.objects.has(oid));
    const typeOf = (oid: string) => (pack ? pack.typeOf(oid) : this.typeNumber(oid));
    const pre: (RefUpdateResult | null)[] = updates.map((u) => {
      if (!isValidRefName(u.name)) return { name: u.name, ok: false, error: 'funny refname' };
      if (u.newOid === ZERO_OID) return null;
      if (!has(u.newOid)) return { name: u.name, ok: false, error: 'missing necessary objects' };
      if (u.name.startsWith('refs/heads/') && typeOf(u.newOid) !== 1) {
        return { name: u.name, ok: false, error: 'trying to write non-commit object to branch' };
      }
      return null;
    });
    if (atomic && pre.some((p) => p !== null)) {
      return updates.map((u, i) => pre[i] ?? { name: u.name, ok: false, error: 'atomic transaction failed' });
    }
    const live = updates.filter((_, i) => pre[i] === null);
    return this.storage.transactionSync(() => {
      const results = this.refs.update(live, atomic);
      if (pack && (results.some((r) => r.ok) || updates.length === 0)) {
        this.objects.insert(pack.rows);
        this.storage.sql.exec(
          `INSERT INTO packs (id, path, size, checksum, objects, created) VALUES (?, ?, ?, ?, ?, ?)`,
          pack.packId,
          `pack-${pack.packId}`,
          pack.size,
          pack.checksum,
          pack.objectCount,
          Date.now(),
        );
      }
      let k = 0;
      return updates.map((u, i) => pre[i] ?? results[k++]);
    });
  }

  private typeNumber(oid: string): number | null {
    const t = this.objects.typeOf(oid);
    return t ? TYPE_NUMBERS[t] : null;
  }

  /** Annotated tags: tag oid -> the object it finally points at. */
  peeled(oid: string): string | null {
    const row = this.objects.row(oid);
    if (!row || TYPE_NAMES[row.type] !== 'tag') return null;
    let cur = oid;
    for (let i = 0; i < 50; i++) {
      const obj = this.objects.read(cur);
      if (obj.type !== 'tag') return cur;
      cur = parseTag(obj.data).object;
      if (!this.objects.has(cur)) return cur;
    }
    return cur;
  }

  /** Removes every byte of this repository. */
  async destroy(): Promise<void> {
    this.objects.clearCaches();
    await this.storage.deleteAll();
  }
}

export { IngestError, ZERO_OID };
