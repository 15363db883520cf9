// Object-index rows as SQL value tuples, for ObjectStore.insertTuples (why the values go into
// the SQL text rather than bound parameters: see there). Two makers: rowTuple checks every value
// of a row object; packTuples writes a just-ingested pack's rows straight from its entry columns
// (storage/entries.ts), where an id is hex made from raw bytes and every column but the offsets
// is an integer typed array, so only the offsets and the few ref-delta base ids need a check.
// Profiled on a 20k-object push: the row objects, their hex ids and the regex that re-checked
// those ids were ~a third of the JS time of the index phase.
import { bytesToHex } from '../codec';
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

/** The rows of an ingested pack's first copies, in id order, as rowTuple writes them. */
export function* packTuples(E: PackEntries, packId: number): Generator<string> {
  const pack = int(packId);
  const oids = E.oids;
  for (const i of E.ownersInOidOrder()) {
    const rawType = E.rawType[i];
    const base = rawType === 6 ? `'${bytesToHex(oids, E.base[i] * 20)}'` : rawType === 7 ? `'${oidLiteral(E.refBase.get(i)!)}'` : 'NULL';
    const offset = int(E.offset[i]);
    yield `('${bytesToHex(oids, i * 20)}',${pack},${offset},${int(E.dataOffset(i))},${int(E.end[i])},${E.type[i]},${E.size[i]},${rawType},${E.rawSize[i]},${base},${E.depth[i]})`;
  }
}
