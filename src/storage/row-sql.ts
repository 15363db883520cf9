// Object-index rows as SQL value tuples, for ObjectStore.insertTuples (why the values go into
// the SQL text rather than bound parameters: see there). Two makers: rowTuple checks every value
// of a row object; packTupleRuns writes a just-ingested pack's rows straight from its entry columns
// (storage/entries.ts), where an id is hex made from raw bytes and every column but the offsets
// is an integer typed array, so only the offsets and the few ref-delta base ids need a check.
// Profiled on a 20k-object push: the row objects, their hex ids and the regex that re-checked
// those ids were ~a third of the JS time of the index phase.
import type { PackEntries } from './entries';
import type { ObjectRow } from './object-store';

const OID_RE = /^[0-9a-f]{40}$/;

/** An object id that is safe to write into SQL text between quotes. */
export function oidLiteral(oid: string): string {
  if (!OID_RE.test(oid)) throw new Error(`not an object id: ${JSON.stringify(String(oid).slice(0, 50))}`);
  return oid;
}

/** A number that is safe to write into SQL text. */
export function int(n: number): number {
  if (!Number.isSafeInteger(n)) throw new Error(`not an integer: ${String(n)}`);
  return n;
}

/** The tuple of the columns (oid, pack_id, offset, data_offset, end_offset, type, size, raw_type, raw_size, base_oid, depth). */
export function rowTuple(r: ObjectRow): string {
  return `('${oidLiteral(r.oid)}',${int(r.pack_id)},${int(r.offset)},${int(r.data_offset)},${int(r.end_offset)},${int(r.type)},${int(r.size)},${int(r.raw_type)},${int(r.raw_size)},${r.base_oid === null ? 'NULL' : `'${oidLiteral(r.base_oid)}'`},${int(r.depth)})`;
}

/**
 * At most this many characters of tuples per string packTupleRuns yields: under ObjectStore's
 * statement cap (90,000 with its INSERT head), so each run is one statement.
 */
export const TUPLE_RUN_CHARS = 88_000;

const HEX_CODES = new TextEncoder().encode('0123456789abcdef');
const COMMA = 44, QUOTE = 39, OPEN = 40, CLOSE = 41;
const NULL_CODES = new TextEncoder().encode('NULL');
/** The longest tuple with its leading comma: 2 quoted ids, 9 safe integers (sign and <= 16 digits), 11 commas, 2 parens. */
const TUPLE_MAX = 2 * 42 + 9 * 17 + 13;

/**
 * The rows of an ingested pack's first copies, in id order, as rowTuple writes them, joined by
 * commas into runs of at most `maxChars` characters (a run is a valid tail of a VALUES list, so
 * insertTuples takes a run where it takes a tuple). Written as bytes into one buffer and decoded
 * once per run: a 20k-object push built ~20 strings per row here (hex ids, the template, cons
 * strings), ~29 MiB of V8 heap garbage for a 7 MiB pack in a sampled allocation profile, the
 * largest part of what the push indexer allocated on the JS heap.
 */
export function* packTupleRuns(E: PackEntries, packId: number, maxChars = TUPLE_RUN_CHARS): Generator<string> {
  const pack = int(packId);
  const oids = E.oids;
  const buf = new Uint8Array(Math.max(maxChars, TUPLE_MAX) + TUPLE_MAX);
  const decoder = new TextDecoder();
  let pos = 0;
  const id = (src: Uint8Array, off: number) => {
    buf[pos++] = QUOTE;
    for (let j = off, end = off + 20; j < end; j++) {
      const b = src[j];
      buf[pos++] = HEX_CODES[b >> 4];
      buf[pos++] = HEX_CODES[b & 15];
    }
    buf[pos++] = QUOTE;
  };
  /** A safe integer's decimal digits (checked: nothing else may reach the SQL text). */
  const num = (n: number) => {
    int(n);
    if (n < 0) {
      buf[pos++] = 45; // '-'
      n = -n;
    }
    let digits = 1;
    for (let t = n; t >= 10; t = Math.floor(t / 10)) digits++;
    pos += digits;
    for (let k = pos - 1; k >= pos - digits; k--) {
      const q = Math.floor(n / 10);
      buf[k] = 48 + (n - q * 10);
      n = q;
    }
  };
  for (const i of E.ownersInOidOrder()) {
    const start = pos;
    if (pos > 0) buf[pos++] = COMMA;
    buf[pos++] = OPEN;
    id(oids, i * 20);
    buf[pos++] = COMMA;
    num(pack);
    buf[pos++] = COMMA;
    num(E.offset[i]);
    buf[pos++] = COMMA;
    num(E.dataOffset(i));
    buf[pos++] = COMMA;
    num(E.end[i]);
    buf[pos++] = COMMA;
    num(E.type[i]);
    buf[pos++] = COMMA;
    num(E.size[i]);
    buf[pos++] = COMMA;
    const rawType = E.rawType[i];
    num(rawType);
    buf[pos++] = COMMA;
    num(E.rawSize[i]);
    buf[pos++] = COMMA;
    if (rawType === 6) id(oids, E.base[i] * 20);
    else if (rawType === 7) {
      const hex = oidLiteral(E.refBase.get(i)!);
      buf[pos++] = QUOTE;
      for (let j = 0; j < 40; j++) buf[pos++] = hex.charCodeAt(j);
      buf[pos++] = QUOTE;
    } else {
      buf.set(NULL_CODES, pos);
      pos += 4;
    }
    buf[pos++] = COMMA;
    num(E.depth[i]);
    buf[pos++] = CLOSE;
    if (pos > maxChars && start > 0) {
      // this tuple does not fit: the run ends before its comma, and it starts the next one
      yield decoder.decode(buf.subarray(0, start));
      buf.copyWithin(0, start + 1, pos);
      pos -= start + 1;
    }
  }
  if (pos > 0) yield decoder.decode(buf.subarray(0, pos));
}
