// What a run must not step on: pack streams reading rows in storage order or files a run would
// delete (clones), and uploads being received (a push or commit may have found an old object it
// is about to reference, so nothing is pruned under it). Both are watched with a staleness limit:
// a consumer that went away, or a client that never finished, does not hold housekeeping forever.
import type { ObjectStore } from '../object-store';

/** A pack stream silent for this long is taken as abandoned (its consumer went away). */
const READER_IDLE_MS = 5 * 60_000;
/** An upload registered for this long is taken as abandoned (a client that never finished). */
const UPLOAD_STALE_MS = 60 * 60_000;

export class Activity {
  private readonly uploadsSeen = new Map<number, number>();

  constructor(
    private readonly objects: ObjectStore,
    private readonly uploads: () => ReadonlySet<number>,
  ) {}

  readersActive(): boolean {
    const now = Date.now();
    for (const last of this.objects.readers.values()) if (now - last < READER_IDLE_MS) return true;
    return false;
  }

  uploadsActive(): boolean {
    const now = Date.now();
    const live = this.uploads();
    for (const id of [...this.uploadsSeen.keys()]) if (!live.has(id)) this.uploadsSeen.delete(id);
    let active = false;
    for (const id of live) {
      const first = this.uploadsSeen.get(id) ?? now;
      this.uploadsSeen.set(id, first);
      if (now - first < UPLOAD_STALE_MS) active = true;
    }
    return active;
  }
}
