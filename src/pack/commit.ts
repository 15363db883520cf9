// Commit and tag object parsing (the header block, then a blank line, then the message).
import { PackError } from '../codec/errors';

export interface Ident {
  name: string;
  email: string;
  /** Seconds since the epoch, as written. */
  timestamp: number;
  /** As written, e.g. '+0100'. */
  timezone: string;
  /** The whole header value, e.g. 'A U Thor <a@example.com> 1700000000 +0000'. */
  raw: string;
}

export interface Commit {
  tree: string;
  parents: string[];
  author: Ident;
  committer: Ident;
  /** Committer timestamp in seconds: what date-ordered walks sort by. */
  committerTime: number;
  /** Everything after the first blank line. */
  message: string;
  /** Every header in order (continuation lines joined with '\n'), including tree/parent/author/committer. */
  headers: [string, string][];
}

export interface Tag {
  object: string;
  type: string;
  tag: string;
  tagger?: Ident;
  message: string;
  headers: [string, string][];
}

const utf8 = new TextDecoder('utf-8');

/** Splits an object into headers and message. Header lines starting with ' ' continue the previous value. */
function splitHeaders(data: Uint8Array): { headers: [string, string][]; message: string } {
  let sep = -1;
  for (let i = data.indexOf(0x0a); i >= 0 && i + 1 < data.length; i = data.indexOf(0x0a, i + 1)) {
    if (data[i + 1] === 0x0a) {
      sep = i;
      break;
    }
  }
  const headText = utf8.decode(sep < 0 ? data : data.subarray(0, sep));
  const message = sep < 0 ? '' : utf8.decode(data.subarray(sep + 2));
  const headers: [string, string][] = [];
  for (const line of headText.split('\n')) {
    if (line === '') continue;
    if (line.charCodeAt(0) === 0x20 && headers.length > 0) {
      headers[headers.length - 1][1] += '\n' + line.slice(1);
      continue;
    }
    const sp = line.indexOf(' ');
    headers.push(sp < 0 ? [line, ''] : [line.slice(0, sp), line.slice(sp + 1)]);
  }
  return { headers, message };
}

const IDENT_RE = /^(.*?) ?<([^<>]*)>\s*(\d+)?\s*([+-]\d{4})?/s;

/** Parses "Name <email> 1700000000 +0000" leniently (missing parts become ''/0). */
export function parseIdent(raw: string): Ident {
  const m = IDENT_RE.exec(raw);
  if (!m) return { name: raw, email: '', timestamp: 0, timezone: '+0000', raw };
  return {
    name: m[1],
    email: m[2],
    timestamp: m[3] ? Number(m[3]) : 0,
    timezone: m[4] ?? '+0000',
    raw,
  };
}

/** Parses a commit; throws PackError if the tree or committer header is missing. */
export function parseCommit(data: Uint8Array): Commit {
  const { headers, message } = splitHeaders(data);
  let tree: string | undefined;
  let author: Ident | undefined;
  let committer: Ident | undefined;
  const parents: string[] = [];
  for (const [k, v] of headers) {
    if (k === 'tree' && tree === undefined) tree = v.toLowerCase();
    else if (k === 'parent') parents.push(v.toLowerCase());
    else if (k === 'author' && author === undefined) author = parseIdent(v);
    else if (k === 'committer' && committer === undefined) committer = parseIdent(v);
  }
  if (tree === undefined) throw new PackError('malformed commit: no tree header');
  if (committer === undefined) throw new PackError('malformed commit: no committer header');
  return {
    tree,
    parents,
    author: author ?? committer,
    committer,
    committerTime: committer.timestamp,
    message,
    headers,
  };
}

/** Parses an annotated tag; throws PackError if object/type/tag headers are missing. */
export function parseTag(data: Uint8Array): Tag {
  const { headers, message } = splitHeaders(data);
  const get = (k: string) => headers.find((h) => h[0] === k)?.[1];
  const object = get('object');
  const type = get('type');
  const tag = get('tag');
  if (object === undefined || type === undefined || tag === undefined) {
    throw new PackError('malformed tag: missing object, type or tag header');
  }
  const tagger = get('tagger');
  return {
    object: object.toLowerCase(),
    type,
    tag,
    tagger: tagger === undefined ? undefined : parseIdent(tagger),
    message,
    headers,
  };
}
