// info/refs responses: the v0/v1 ref advertisement (upload-pack and receive-pack) and the v2
// capability advertisement.
import { V2_CAPABILITIES, RECEIVE_PACK_CAPS, uploadPackV1Caps } from './capabilities';
import { FLUSH, pkt } from './pktline';

export interface AdvertisedRef {
  name: string;
  oid: string;
  peeled?: string; // for annotated tags: the object the tag finally points at
}

const ZERO = '0000000000000000000000000000000000000000';

export function serviceHeader(service: string): Uint8Array[] {
  return [pkt(`# service=${service}\n`), FLUSH];
}

/** v0/v1 advertisement. `head` is HEAD's oid when born; `version1` adds the "version 1" line. */
export function advertiseRefs(
  service: 'git-upload-pack' | 'git-receive-pack',
  refs: AdvertisedRef[],
  head: { target: string; oid: string | null },
  version1: boolean,
  shallows: string[] = [], // a shallow repository's boundary, told to v0/v1 fetchers
): Uint8Array[] {
  const out: Uint8Array[] = [];
  if (version1) out.push(pkt('version 1\n'));
  const caps = service === 'git-upload-pack' ? uploadPackV1Caps(head.oid ? head.target : null) : RECEIVE_PACK_CAPS;
  const lines: string[] = [];
  if (service === 'git-upload-pack' && head.oid) lines.push(`${head.oid} HEAD`);
  for (const r of refs) {
    lines.push(`${r.oid} ${r.name}`);
    if (service === 'git-upload-pack' && r.peeled) lines.push(`${r.peeled} ${r.name}^{}`);
  }
  if (lines.length === 0) lines.push(`${ZERO} capabilities^{}`);
  if (service === 'git-upload-pack') for (const s of shallows) lines.push(`shallow ${s}`);
  lines.forEach((l, i) => out.push(pkt(i === 0 ? `${l}\0${caps.join(' ')}\n` : `${l}\n`)));
  out.push(FLUSH);
  return out;
}

export function advertiseV2(): Uint8Array[] {
  return [...V2_CAPABILITIES.map((c) => pkt(c + '\n')), FLUSH];
}
