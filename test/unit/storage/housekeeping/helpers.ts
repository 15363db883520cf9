// Helpers for the housekeeping tests: a Housekeeper over a test store, running it to the end,
// and what a store looks like from outside (every object's content, refs, packs, files).
import type { RepoStore } from '../../../../src/storage/repo-store';
import { Housekeeper, type StepResult } from '../../../../src/storage/housekeeping/run';
import type { MaintenanceRequest } from '../../../../src/storage/housekeeping/state';
import type { Traffic } from '../../../../src/storage/housekeeping/traffic';

export function housekeeper(store: RepoStore, state: DurableObjectState, traffic?: Traffic): Housekeeper {
  return new Housekeeper({
    traffic,
    sql: state.storage.sql,
    transaction: (fn) => state.storage.transactionSync(fn),
    objects: store.objects,
    uploads: () => store.uploadsInFlight(),
    allocatePackId: () => store.allocatePackId(),
  });
}

/** Steps until idle; returns how many steps it took. Throws on 'wait' unless allowed. */
export function runToEnd(hk: Housekeeper, opts: { allowWait?: boolean; maxSteps?: number } = {}): number {
  for (let i = 1; i <= (opts.maxSteps ?? 100_000); i++) {
    const r: StepResult = hk.step();
    if (r === 'idle') return i;
    if (r === 'wait' && !opts.allowWait) throw new Error(`housekeeping waits (${JSON.stringify(hk.status().running)})`);
  }
  throw new Error('housekeeping did not finish');
}

export function run(hk: Housekeeper, req: Omit<MaintenanceRequest, 'trigger'>): number {
  hk.request({ trigger: 'request', ...req });
  return runToEnd(hk);
}

/** Every indexed object's type and content hash, and the store's refs (what must never change). */
export function contentSnapshot(store: RepoStore, sql: SqlStorage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of sql.exec<{ oid: string }>(`SELECT oid FROM objects ORDER BY oid`).toArray()) {
    const o = store.objects.read(r.oid);
    out[r.oid] = `${o.type}:${o.data.length}:${fnv(o.data)}`;
  }
  return out;
}

function fnv(d: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < d.length; i++) h = Math.imul(h ^ d[i], 0x01000193) >>> 0;
  return h;
}

export function packIds(sql: SqlStorage): number[] {
  return sql.exec<{ id: number }>(`SELECT id FROM packs ORDER BY id`).toArray().map((r) => r.id);
}

export function packFiles(store: RepoStore): string[] {
  return store.fs.existsSync('/packs') ? store.fs.readdirSync('/packs').sort() : [];
}
