// fsck-style checks of commit and tag objects (their header blocks), as git's fsck.c makes them
// at "error" level; validate.ts's validateObject calls them. Trees are checked in validate.ts.

// ---------------------------------------------------------------- commits and tags

/** Cursor over the header bytes; mirrors the skip_prefix/parse_oid_hex style of fsck.c. */
class Cursor {
  constructor(readonly d: Uint8Array, public p = 0) {}
  get atEnd(): boolean {
    return this.p >= this.d.length;
  }
  at(i = 0): number {
    const q = this.p + i;
    return q < this.d.length ? this.d[q] : 0; // fsck relies on a NUL terminator; 0 plays that part
  }
  skip(prefix: string): boolean {
    for (let i = 0; i < prefix.length; i++) if (this.at(i) !== prefix.charCodeAt(i)) return false;
    this.p += prefix.length;
    return true;
  }
  /** 40 hex digits followed by '\n'. */
  oidLine(): boolean {
    for (let i = 0; i < 40; i++) {
      const c = this.at(i);
      const hex = (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
      if (!hex) return false;
    }
    if (this.at(40) !== 0x0a) return false;
    this.p += 41;
    return true;
  }
  lineEnd(): number {
    const i = this.d.indexOf(0x0a, this.p);
    return i < 0 ? this.d.length : i;
  }
}

/** No NUL before the end of the header block, and the last header line is terminated. */
function verifyHeaders(d: Uint8Array): string | null {
  for (let i = 0; i < d.length; i++) {
    const c = d[i];
    if (c === 0) return `has a NUL byte in its header at offset ${i}`;
    if (c === 0x0a && i + 1 < d.length && d[i + 1] === 0x0a) return null;
  }
  if (d.length > 0 && d[d.length - 1] === 0x0a) return null;
  return 'has an unterminated header';
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
/** One decoder for all (a TextDecoder per ident line was ~1.5% of a big push's ingest, profiled). */
const utf8 = new TextDecoder();

/** Checks "Name <email> <seconds> <+-hhmm>\n" and moves past the line (fsck_ident). */
function checkIdent(c: Cursor, what: string): string | null {
  const d = c.d;
  const end = c.lineEnd();
  let p = c.p;
  c.p = end < d.length ? end + 1 : end;
  const at = (i: number) => (i < d.length ? d[i] : 0);
  const bad = (why: string) => `has a bad ${what} line: ${why}`;
  if (at(p) === 0x3c) return bad('missing name before email');
  while (p < end && d[p] !== 0x3c && d[p] !== 0x3e) p++;
  if (at(p) === 0x3e) return bad('bad name');
  if (p >= end || d[p] !== 0x3c) return bad('missing email');
  if (at(p - 1) !== 0x20) return bad('missing space before email');
  p++;
  while (p < end && d[p] !== 0x3c && d[p] !== 0x3e) p++;
  if (p >= end || d[p] !== 0x3e) return bad('bad email');
  p++;
  if (at(p) !== 0x20) return bad('missing space before date');
  p++;
  while (at(p) === 0x20 || at(p) === 0x09) p++;
  if (!isDigit(at(p))) return bad('bad date');
  if (at(p) === 0x30 && at(p + 1) !== 0x20) return bad('zero-padded date');
  const dateStart = p;
  while (isDigit(at(p))) p++;
  // git stores timestamps as uintmax_t and rejects values past its time_t range.
  if (p - dateStart > 19 || Number(utf8.decode(d.subarray(dateStart, p))) > 2 ** 63) {
    return bad('date causes integer overflow');
  }
  if (at(p) !== 0x20) return bad('bad date');
  p++;
  const sign = at(p);
  if ((sign !== 0x2b && sign !== 0x2d) || !isDigit(at(p + 1)) || !isDigit(at(p + 2)) ||
      !isDigit(at(p + 3)) || !isDigit(at(p + 4)) || at(p + 5) !== 0x0a) {
    return bad('bad time zone');
  }
  return null;
}

export function validateCommit(d: Uint8Array): string | null {
  const h = verifyHeaders(d);
  if (h) return `commit ${h}`;
  const c = new Cursor(d);
  if (!c.skip('tree ')) return "commit has no 'tree' line";
  if (!c.oidLine()) return "commit has a bad 'tree' line (bad sha1)";
  while (c.skip('parent ')) {
    if (!c.oidLine()) return "commit has a bad 'parent' line (bad sha1)";
  }
  let authors = 0;
  while (c.skip('author ')) {
    authors++;
    const e = checkIdent(c, 'author');
    if (e) return `commit ${e}`;
  }
  if (authors === 0) return "commit has no 'author' line";
  if (authors > 1) return "commit has multiple 'author' lines";
  if (!c.skip('committer ')) return "commit has no 'committer' line";
  const e = checkIdent(c, 'committer');
  return e ? `commit ${e}` : null;
}

export function validateTag(d: Uint8Array): string | null {
  const h = verifyHeaders(d);
  if (h) return `tag ${h}`;
  const c = new Cursor(d);
  if (!c.skip('object ')) return "tag has no 'object' line";
  if (!c.oidLine()) return "tag has a bad 'object' line (bad sha1)";
  if (!c.skip('type ')) return "tag has no 'type' line";
  let eol = c.lineEnd();
  if (eol >= d.length) return "tag ends after the 'type' line";
  const type = utf8.decode(d.subarray(c.p, eol));
  if (type !== 'commit' && type !== 'tree' && type !== 'blob' && type !== 'tag') {
    return `tag has a bad 'type' value ${JSON.stringify(type)}`;
  }
  c.p = eol + 1;
  if (!c.skip('tag ')) return "tag has no 'tag' line";
  eol = c.lineEnd();
  if (eol >= d.length) return "tag ends after the 'tag' line";
  c.p = eol + 1;
  if (c.skip('tagger ')) {
    const e = checkIdent(c, 'tagger');
    if (e) return `tag ${e}`;
  }
  return null;
}
