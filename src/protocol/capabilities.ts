// What we tell clients we can do. Keep in step with what the handlers implement.
export const AGENT = 'agent=arbor/0.1';

export function uploadPackV1Caps(headTarget: string | null): string[] {
  const caps = [
    'multi_ack', 'multi_ack_detailed', 'thin-pack', 'side-band', 'side-band-64k', 'ofs-delta',
    'shallow', 'deepen-since', 'deepen-not', 'deepen-relative', 'no-progress', 'include-tag', 'no-done',
    'allow-tip-sha1-in-want', 'allow-reachable-sha1-in-want', 'filter', 'object-format=sha1', AGENT,
  ];
  if (headTarget) caps.push(`symref=HEAD:${headTarget}`);
  return caps;
}

export const RECEIVE_PACK_CAPS = [
  'report-status', 'report-status-v2', 'delete-refs', 'side-band-64k', 'quiet', 'atomic', 'ofs-delta',
  'push-options', 'object-format=sha1', AGENT,
];

export const V2_CAPABILITIES = [
  'version 2',
  AGENT,
  'ls-refs=unborn',
  'fetch=shallow filter wait-for-done ref-in-want',
  'server-option',
  'object-format=sha1',
];
