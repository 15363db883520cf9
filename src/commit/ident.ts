// Author/committer lines and commit messages, formatted exactly as git writes them, so a commit
// made here hashes to the same oid as `git commit` with the same tree, idents, dates and message.
import { badInput } from './errors';

export interface IdentInput {
  name: string;
  email: string;
  /** Unix seconds, "@<seconds> [+-]HHMM", or an ISO 8601 date (its offset becomes the timezone). */
  date?: string | number;
  /** "+HHMM" / "-HHMM"; overrides the offset of `date`. Default +0000. */
  timezone?: string;
}

export interface Ident {
  name: string;
  email: string;
  timestamp: number;
  timezone: string;
}

// git's ident.c crud(): characters stripped from both ends of a name or email.
function crud(c: number): boolean {
  return c <= 32 || c === 0x2c || c === 0x3a || c === 0x3b || c === 0x3c || c === 0x3e || c === 0x22 || c === 0x5c || c === 0x27;
}

/** git's strbuf_addstr_without_crud: trims crud at the ends, drops '\n', '<' and '>' inside. */
export function withoutCrud(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && crud(s.charCodeAt(a))) a++;
  while (b > a && crud(s.charCodeAt(b - 1))) b--;
  return s.slice(a, b).replace(/[\n<>]/g, '');
}

const TZ_RE = /^[+-]\d{4}$/;

function parseDate(date: string | number | undefined, what: string, nowMs: number): { timestamp: number; timezone: string | null } {
  if (date === undefined || date === null) return { timestamp: Math.floor(nowMs / 1000), timezone: null };
  if (typeof date === 'number') {
    if (!Number.isSafeInteger(date) || date < 0) throw badInput(`${what}.date must be a non-negative integer (unix seconds)`);
    return { timestamp: date, timezone: null };
  }
  if (typeof date !== 'string') throw badInput(`${what}.date must be a string or a number`);
  let m = /^@?(\d{1,15})(?: ([+-]\d{4}))?$/.exec(date.trim());
  if (m) return { timestamp: Number(m[1]), timezone: m[2] ?? null };
  const ms = Date.parse(date);
  if (Number.isNaN(ms)) throw badInput(`${what}.date is not a valid date: '${date.slice(0, 60)}'`);
  if (ms < 0) throw badInput(`${what}.date is before 1970`);
  let tz: string | null = null;
  m = /(Z|[+-]\d{2}:?\d{2})$/i.exec(date.trim());
  if (m) tz = m[1].toUpperCase() === 'Z' ? '+0000' : m[1].replace(':', '');
  return { timestamp: Math.floor(ms / 1000), timezone: tz };
}

export function parseIdentInput(v: unknown, what: string, nowMs: number): Ident {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw badInput(`${what} must be an object {name, email}`);
  const o = v as Record<string, unknown>;
  if (typeof o.name !== 'string' || typeof o.email !== 'string') throw badInput(`${what}.name and ${what}.email must be strings`);
  if (o.name.length > 1024 || o.email.length > 1024) throw badInput(`${what}.name/email is too long`);
  if (o.name.includes('\0') || o.email.includes('\0')) throw badInput(`${what} contains a NUL character`);
  const name = withoutCrud(o.name);
  const email = withoutCrud(o.email);
  if (name === '') throw badInput(`${what}.name is empty`);
  if (email === '') throw badInput(`${what}.email is empty`);
  const d = parseDate(o.date as string | number | undefined, what, nowMs);
  let timezone = d.timezone ?? '+0000';
  if (o.timezone !== undefined) {
    if (typeof o.timezone !== 'string' || !TZ_RE.test(o.timezone)) throw badInput(`${what}.timezone must look like +0100 or -0530`);
    timezone = o.timezone;
  }
  if (!TZ_RE.test(timezone)) throw badInput(`${what}: invalid timezone ${timezone}`);
  return { name, email, timestamp: d.timestamp, timezone };
}

export function formatIdent(i: Ident): string {
  return `${i.name} <${i.email}> ${i.timestamp} ${i.timezone}`;
}

/**
 * git's default cleanup for `git commit -m` ("whitespace"): trailing whitespace removed from every
 * line, leading and trailing blank lines dropped, runs of blank lines collapsed, final newline.
 */
export function cleanupMessage(msg: string): string {
  const out: string[] = [];
  let blank = false;
  for (const raw of msg.split('\n')) {
    const line = raw.replace(/[ \t\r\n]+$/, '');
    if (line === '') {
      if (out.length > 0) blank = true;
      continue;
    }
    if (blank) out.push('');
    blank = false;
    out.push(line);
  }
  return out.length ? out.join('\n') + '\n' : '';
}

/** The commit object body, byte for byte as git writes it. */
export function commitBody(tree: string, parents: string[], author: Ident, committer: Ident, message: string): string {
  let s = `tree ${tree}\n`;
  for (const p of parents) s += `parent ${p}\n`;
  s += `author ${formatIdent(author)}\ncommitter ${formatIdent(committer)}\n\n${message}`;
  return s;
}
