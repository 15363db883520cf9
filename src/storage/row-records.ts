// A just-ingested pack's object-index rows as fixed-width records in one bound BLOB per
// statement, split back into rows inside SQLite (a recursive CTE steps through the blob, substr()
// cuts each field, CAST reads it): ~13k rows per statement instead of ~700, and no SQL text to
// build, parse and compile per row. Profiled on a 142k-object pack, the SQL-text rows
// (row-sql.ts) spent ~60% of the index phase in SQLite parsing and compiling the VALUES lists and
// ~30% in JS building the text. Nothing of the pack reaches the SQL text: the statement is
// constant, the values are bound. The blob is a BLOB (not TEXT) because substr() on TEXT counts
// characters from the start (quadratic over a 2 MB value), on a BLOB it jumps to the byte.
// json_each over one bound JSON array was tried before and was slower than the SQL text. The
// CTE's rows count as rows read (cursor.rowsRead): one per object, beside the rows written.
import type { PackEntries } from './entries';
import { UPSERT_DYING } from './dying';

/** One row: the field layout (byte offset, width); ids are lowercase hex, numbers zero-padded decimal. */
const OID = 0; // 40
const OFFSET = 40; // 12
const DATA_OFFSET = 52; // 12
const END = 64; // 12
const TYPE = 76; // 1
const SIZE = 77; // 10
const RAW_TYPE = 87; // 1
const RAW_SIZE = 88; // 10
const BASE = 98; // 40, spaces when there is no base
const DEPTH = 138; // 5
export const RECORD_BYTES = 143;
/** Rows per blob: under the platform's 2 MB per value. */
export const RECORDS_PER_BLOB = Math.floor(1_900_000 / RECORD_BYTES);

const f = (at: number, width: number, cast = 'INTEGER') => `CAST(substr(?1, i + ${at}, ${width}) AS ${cast})`;
/** ?1 the records, ?2 their byte length, ?3 the pack id. */
export const INSERT_RECORDS_SQL =
  `INSERT INTO objects (oid, pack_id, offset, data_offset, end_offset, type, size, raw_type, raw_size, base_oid, depth) ` +
  `WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + ${RECORD_BYTES} FROM r WHERE i + ${RECORD_BYTES} <= ?2) ` +
  `SELECT ${f(OID, 40, 'TEXT')}, ?3, ${f(OFFSET, 12)}, ${f(DATA_OFFSET, 12)}, ${f(END, 12)}, ${f(TYPE, 1)}, ${f(SIZE, 10)}, ` +
  `${f(RAW_TYPE, 1)}, ${f(RAW_SIZE, 10)}, NULLIF(${f(BASE, 40, 'TEXT')}, '${' '.repeat(40)}'), ${f(DEPTH, 5)} FROM r WHERE true` + // (an upsert's SELECT needs a WHERE: SQLite's parsing)
  UPSERT_DYING;

const HEX = new TextEncoder().encode('0123456789abcdef');
const SPACE = 0x20;
const ZERO = 0x30;

/**
 * The rows of an ingested pack's first copies, in id order (`order`: E.ownersInOidOrder()),
 * RECORDS_PER_BLOB per blob. `reuse`: every full blob is the same buffer, rewritten for the next
 * (for a caller that binds each before asking for the next): the large bench pack's 142k rows
 * were 20 MB of blobs, garbage at the end of a push.
 */
export function* packRecords(E: PackEntries, order = E.ownersInOidOrder(), reuse = false): Generator<ArrayBuffer> {
  const oids = E.oids;
  let full: Uint8Array<ArrayBuffer> | null = null;
  for (let from = 0; from < order.length; from += RECORDS_PER_BLOB) {
    const n = Math.min(RECORDS_PER_BLOB, order.length - from);
    const out = reuse && n === RECORDS_PER_BLOB ? (full ??= new Uint8Array(n * RECORD_BYTES)).fill(ZERO) : new Uint8Array(n * RECORD_BYTES).fill(ZERO);
    for (let k = 0; k < n; k++) {
      const i = order[from + k];
      const r = k * RECORD_BYTES;
      hex(out, r + OID, oids, i * 20);
      const offset = E.offset[i];
      digits(out, r + OFFSET, 12, offset);
      digits(out, r + DATA_OFFSET, 12, E.dataOffset(i));
      digits(out, r + END, 12, E.end[i]);
      digits(out, r + TYPE, 1, E.type[i]);
      digits(out, r + SIZE, 10, E.size[i]);
      const rawType = E.rawType[i];
      digits(out, r + RAW_TYPE, 1, rawType);
      digits(out, r + RAW_SIZE, 10, E.rawSize[i]);
      if (rawType === 6) hex(out, r + BASE, oids, E.base[i] * 20);
      else if (rawType === 7) hexText(out, r + BASE, E.refBase.get(i)!);
      else out.fill(SPACE, r + BASE, r + BASE + 40);
      digits(out, r + DEPTH, 5, E.depth[i]);
    }
    yield out.buffer;
  }
}

function hex(out: Uint8Array, at: number, src: Uint8Array, from: number): void {
  for (let j = 0; j < 20; j++) {
    const b = src[from + j];
    out[at + 2 * j] = HEX[b >> 4];
    out[at + 2 * j + 1] = HEX[b & 15];
  }
}

/** A ref-delta's base id (kept as text): only 40 lowercase hex digits may go into the record. */
function hexText(out: Uint8Array, at: number, oid: string): void {
  if (oid.length !== 40) throw new Error(`not an object id: ${JSON.stringify(oid.slice(0, 50))}`);
  for (let j = 0; j < 40; j++) {
    const c = oid.charCodeAt(j);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) throw new Error(`not an object id: ${JSON.stringify(oid.slice(0, 50))}`);
    out[at + j] = c;
  }
}

const LIMIT = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12];

/**
 * n as `width` decimal digits over the record's '0's (written from the right, only as many as
 * n has: most values are short); a value that does not fit is refused, never cut.
 */
function digits(out: Uint8Array, at: number, width: number, n: number): void {
  if (!(n >= 0 && n < LIMIT[width] && Number.isInteger(n))) throw new Error(`row value ${String(n)} does not fit ${width} digits`);
  let j = at + width - 1;
  if (n <= 0x7fffffff) {
    for (let v = n | 0; v !== 0; j--) {
      const q = (v / 10) | 0;
      out[j] = 0x30 + v - q * 10;
      v = q;
    }
    return;
  }
  for (let v = n; v !== 0; j--) {
    const q = Math.floor(v / 10);
    out[j] = 0x30 + (v - q * 10);
    v = q;
  }
}
