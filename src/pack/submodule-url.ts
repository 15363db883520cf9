// What git's fsck refuses in a `.gitmodules` entry (submodule-config.c: check_submodule_name,
// check_submodule_url; path.c: looks_like_command_line_option; urlmatch.c: url_normalize),
// re-implemented so a push is judged as `transfer.fsckObjects` would judge it:
//  - a name with a ".." path component escapes .git/modules/ (CVE-2018-11235);
//  - a url or path starting with '-' reaches `git clone` as an option (CVE-2018-17456);
//  - a relative or git:// url that decodes to a newline, or climbs out of its root with
//    "../" into the host part; an http(s)/ftp(s) url that does not normalize or whose
//    normalized form decodes to a newline (credential leaks, CVE-2020-5260/11008);
//  - an `update = !command` setting (a command run by `git submodule update`).
// Strings are "binary strings" (one char per byte, from src/pack/gitconfig.ts).

const isSep = (c: string | undefined) => c === '/' || c === '\\';

export function looksLikeOption(s: string): boolean {
  return s.charCodeAt(0) === 0x2d;
}

/** Empty, or ".." as a path component ('/' and '\' both separate, on every platform). */
export function badSubmoduleName(name: string): boolean {
  if (name === '') return true;
  for (let i = 0; i <= name.length; i++) {
    if (i === 0 || isSep(name[i - 1])) {
      if (name[i] === '.' && name[i + 1] === '.' && (i + 2 === name.length || isSep(name[i + 2]))) return true;
    }
  }
  return false;
}

const dotSlashAt = (s: string, i: number) => s[i] === '.' && isSep(s[i + 1]);
const dotDotSlashAt = (s: string, i: number) => s[i] === '.' && s[i + 1] === '.' && isSep(s[i + 2]);

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** The byte of "%XX" at s[i+1..i+3), or -1 (git's hex2chr). */
function hex2(s: string, i: number): number {
  if (i + 2 > s.length) return -1;
  const a = hexVal(s.charCodeAt(i));
  const b = hexVal(s.charCodeAt(i + 1));
  return a < 0 || b < 0 ? -1 : (a << 4) | b;
}

/** git's url_decode: the part before the first ':' as is, then %XX decoded (never %00). */
function urlDecode(url: string): string {
  const colon = url.indexOf(':');
  let out = colon > 0 ? url.slice(0, colon) : '';
  for (let i = colon > 0 ? colon : 0; i < url.length; i++) {
    const c = url[i];
    if (c === '%' && i + 3 <= url.length) {
      const v = hex2(url, i + 1);
      if (v > 0) {
        out += String.fromCharCode(v);
        i += 2;
        continue;
      }
    }
    out += c;
  }
  return out;
}

const ALPHA_DIGIT = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const SCHEME_CHARS = ALPHA_DIGIT + '+.-';
const HOST_CHARS = ALPHA_DIGIT + '.-_[:]';
const UNSAFE = ' <>"%{}|\\^`';
const RESERVED = ':/?#[]@' + "!$&'()*+,;=";

function span(s: string, from: number, set: string): number {
  let i = from;
  while (i < s.length && set.includes(s[i])) i++;
  return i - from;
}

function firstOf(s: string, from: number, set: string): number {
  let i = from;
  while (i < s.length && !set.includes(s[i])) i++;
  return i;
}

/** Appends s with %-escapes normalized (git's append_normalized_escapes); null: a bad escape. */
function normEscapes(s: string, escOk: string): string | null {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    let ch = s.charCodeAt(i);
    let wasEsc = false;
    if (ch === 0x25) {
      if (s.length - i - 1 < 2) return null;
      ch = hex2(s, i + 1);
      if (ch < 0) return null;
      i += 2;
      wasEsc = true;
    }
    const c = String.fromCharCode(ch);
    if (ch <= 0x1f || ch >= 0x7f || UNSAFE.includes(c) || (wasEsc && escOk.includes(c))) {
      out += '%' + ch.toString(16).toUpperCase().padStart(2, '0');
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * git's url_normalize for a URL with a host (scheme://[user@]host[:port][/path][?#rest]):
 * the normalized URL, or null where git finds it invalid.
 */
export function normalizeUrl(url: string): string | null {
  const scheme = span(url, 0, SCHEME_CHARS);
  if (!scheme || !/[A-Za-z]/.test(url[0]) || scheme + 3 > url.length || url.slice(scheme, scheme + 3) !== '://') return null;
  let norm = url.slice(0, scheme + 3).toLowerCase();
  let rest = url.slice(scheme + 3);
  let slash = firstOf(rest, 0, '/?#');
  const atSign = rest.indexOf('@');
  if (atSign >= 0 && atSign < slash) {
    if (atSign > 0) {
      const user = normEscapes(rest.slice(0, atSign), RESERVED);
      if (user === null) return null;
      norm += user;
    }
    norm += '@';
    rest = rest.slice(atSign + 1);
    slash -= atSign + 1;
  }
  if (rest.length === 0 || ':/?#'.includes(rest[0])) return null; // no host (only file: may do that)
  let colon = slash - 1;
  while (colon > 0 && rest[colon] !== ':' && rest[colon] !== ']') colon--;
  if (rest[colon] !== ':') colon = slash;
  if (span(rest, 0, HOST_CHARS) < colon) return null;
  norm += rest.slice(0, colon).toLowerCase();
  let i = colon;
  if (colon < slash) {
    i++;
    while (rest[i] === '0') i++;
    if (i === slash && rest[i - 1] === '0') i--;
    const port = rest.slice(i, slash);
    const isDefault = port === '' || (port === '80' && norm.startsWith('http:')) || (port === '443' && norm.startsWith('https:'));
    if (!isDefault) {
      if (span(port, 0, '0123456789') < port.length) return null;
      const n = port.length <= 5 ? Number(port) : 0;
      if (n === 0 || n > 65535) return null;
      norm += ':' + port;
    }
    i = slash;
  }
  // The path: dot segments resolved (after unescaping), never above the root.
  const pathOff = norm.length;
  norm += '/';
  if (rest[i] === '/') i++;
  for (;;) {
    const segOff = norm.length;
    const next = firstOf(rest, i, '/?#');
    const seg = normEscapes(rest.slice(i, next), RESERVED);
    if (seg === null) return null;
    norm += seg;
    let skipSlash = false;
    if (seg === '.') {
      if (segOff === pathOff + 1) {
        norm = norm.slice(0, -1);
        skipSlash = true;
      } else {
        norm = norm.slice(0, -2);
      }
    } else if (seg === '..') {
      let prev = norm.length - 3;
      if (prev === pathOff) return null;
      do prev--; while (norm[prev] !== '/');
      if (prev === pathOff) {
        norm = norm.slice(0, prev + 1);
        skipSlash = true;
      } else {
        norm = norm.slice(0, prev);
      }
    }
    i = next;
    if (rest[i] !== '/') break;
    i++;
    if (!skipSlash) norm += '/';
  }
  if (i < rest.length) {
    const tail = normEscapes(rest.slice(i), RESERVED);
    if (tail === null) return null;
    norm += tail;
  }
  return norm;
}

/** The URL curl would get ("http::x" is a remote-helper spelling of "x"), or null for others. */
function curlUrl(url: string): string | null {
  for (const p of ['http::', 'https::', 'ftp::', 'ftps::']) if (url.startsWith(p)) return url.slice(p.length);
  for (const p of ['http://', 'https://', 'ftp://', 'ftps://']) if (url.startsWith(p)) return url;
  return null;
}

/** Would git refuse this submodule url (check_submodule_url)? */
export function badSubmoduleUrl(url: string): boolean {
  if (looksLikeOption(url)) return true;
  if (dotSlashAt(url, 0) || dotDotSlashAt(url, 0) || url.startsWith('git://')) {
    // It could be appended to an http URL and decoded: no newlines, even encoded.
    if (urlDecode(url).includes('\n')) return true;
    // "../" past the root can rewrite the host part ("../../:host", "..//host").
    let i = 0;
    let dotdots = 0;
    for (;;) {
      if (dotDotSlashAt(url, i)) {
        dotdots++;
        i += 3;
      } else if (dotSlashAt(url, i)) {
        i += 2;
      } else {
        break;
      }
    }
    return dotdots > 0 && (url[i] === ':' || url[i] === '/');
  }
  const curl = curlUrl(url);
  if (curl !== null) {
    const normalized = normalizeUrl(curl);
    return normalized === null || urlDecode(normalized).includes('\n');
  }
  return false;
}

/** `update = !command` runs a command on `git submodule update`. */
export function badSubmoduleUpdate(value: string): boolean {
  return value.startsWith('!');
}
