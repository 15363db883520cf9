// When housekeeping starts by itself: a big pushed pack stored whole is due for a deltifying
// repack, the same content pushed already deltified (git's pack-objects ran its window search
// on the client) is not: repacking it all again only re-finds those deltas, for minutes.
import { describe, expect, it } from 'vitest';
import { dueRequest } from '../../../../src/storage/housekeeping/policy';
import { blob, buildPack, commit, pushPack, tree, withStore } from '../helpers';
import { housekeeper } from './helpers';

/** 600 random 14 KiB blobs (8.4 MiB, over the fresh-bytes threshold) and an edited copy of each. */
function versions(): { base: ReturnType<typeof blob>; edit: ReturnType<typeof blob> }[] {
  const out = [];
  for (let i = 0; i < 600; i++) {
    const a = crypto.getRandomValues(new Uint8Array(14 << 10));
    const b = a.slice();
    b[100] ^= 0xff;
    out.push({ base: blob(a), edit: blob(b) });
  }
  return out;
}

async function due(label: string, deltified: boolean) {
  return withStore(label, async (store, state) => {
    const v = versions();
    const entries = v.flatMap((x, i) => [
      { mode: '100644', name: `a${i}`, oid: x.base.oid },
      { mode: '100644', name: `b${i}`, oid: x.edit.oid },
    ]);
    const t = tree(entries);
    const c = commit({ tree: t.oid, time: 1 });
    // bases and their deltas interleaved, as git writes them
    const items = v.flatMap((x) => [x.base, deltified ? { obj: x.edit, ofsDelta: x.base } : x.edit]);
    await pushPack(store, buildPack([c, t, ...items]), { 'refs/heads/main': c.oid });
    const hk = housekeeper(store, state);
    // automatic runs serve registered repositories (a bare test store has none)
    state.storage.sql.exec(`INSERT OR IGNORE INTO repos (key, created) VALUES ('t/policy', 0)`);
    return dueRequest(state.storage.sql, hk.state, Date.now());
  });
}

describe('automatic housekeeping policy', () => {
  it('deltifies a big pack pushed with every object whole', async () => {
    const req = await due('hk-policy-whole', false);
    expect(req?.mode).toBe('all');
    expect(req?.reason).toMatch(/not yet deltified/);
  });

  it('leaves alone a big pack the client already deltified', async () => {
    expect(await due('hk-policy-deltified', true)).toBeNull();
  });
});
