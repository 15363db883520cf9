// Which hosts an outbound request (an import, a webhook delivery) may go to. A URL that names an
// address on a loopback, private, link-local, CGNAT, multicast or otherwise special network is
// refused, however it is spelled: the WHATWG URL parser already turns "2130706433", "0x7f.1",
// "0177.0.0.1" and "127.1" into "127.0.0.1" and "[::ffff:127.0.0.1]" into "[::ffff:7f00:1]"; the
// parsers below accept those spellings too, in case a hostname reaches them unnormalized.
//
// Limits: a DNS name that resolves to a private address cannot be caught here (a Worker has no
// DNS API; a "127.0.0.1.nip.io" passes). On Cloudflare, fetch() from a Worker does not reach
// private networks anyway; the check matters for literal addresses, local runs and other hosts.

/** Special-purpose IPv4 ranges (IANA registry) that are not globally reachable: [a.b.c.d, bits]. */
const V4_BLOCKED: [string, number, string][] = [
  ['0.0.0.0', 8, 'unspecified ("this network")'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared (CGNAT)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

/** Special-purpose IPv6 ranges: [prefix, bits, why]. Mapped and compatible IPv4 are refused whole. */
const V6_BLOCKED: [string, number, string][] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['::ffff:0:0', 96, 'IPv4-mapped'],
  ['::', 96, 'IPv4-compatible'],
  ['64:ff9b:1::', 48, 'local NAT64'],
  ['100::', 64, 'discard-only'],
  ['2001::', 32, 'Teredo'],
  ['2001:2::', 48, 'benchmarking'],
  ['2001:10::', 28, 'ORCHID'],
  ['2001:db8::', 32, 'documentation'],
  ['fc00::', 7, 'unique local (private)'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
];

/** Host names that name this machine or a local network by definition (RFC 6761, 6762, 8375). */
const LOCAL_NAMES = ['localhost', 'localhost.localdomain', 'ip6-localhost', 'ip6-loopback'];
const LOCAL_SUFFIXES = ['.localhost', '.local', '.internal', '.home.arpa'];

/** One part of an inet_aton-style IPv4 address: decimal, 0-octal or 0x-hex; NaN if none. */
function v4Part(s: string): number {
  if (/^0[xX][0-9a-fA-F]*$/.test(s)) return s.length === 2 ? 0 : parseInt(s.slice(2), 16);
  if (/^0[0-7]+$/.test(s)) return parseInt(s, 8);
  if (/^(0|[1-9][0-9]*)$/.test(s)) return Number(s);
  return NaN;
}

/** The address of an IPv4 host in any inet_aton spelling (1 to 4 parts), or null. */
export function parseIPv4(host: string): number | null {
  const parts = host.replace(/\.$/, '').split('.');
  if (parts.length < 1 || parts.length > 4) return null;
  const nums = parts.map(v4Part);
  if (nums.some((n) => !Number.isFinite(n))) return null;
  const last = nums[nums.length - 1];
  const head = nums.slice(0, -1);
  if (head.some((n) => n > 255) || last >= 256 ** (5 - nums.length)) return null;
  let v = 0;
  for (const n of head) v = v * 256 + n;
  return v * 256 ** (5 - nums.length) + last;
}

/** The 8 words of an IPv6 address (brackets optional, "::" and a dotted IPv4 tail allowed), or null. */
export function parseIPv6(host: string): number[] | null {
  let s = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return null;
  let tail: number[] = [];
  if (s.includes('.')) {
    const i = s.lastIndexOf(':');
    const quad = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s.slice(i + 1));
    if (i < 0 || !quad) return null;
    const [a, b, c, d] = quad.slice(1).map(Number);
    if (a > 255 || b > 255 || c > 255 || d > 255) return null;
    tail = [(a << 8) | b, (c << 8) | d];
    s = s.slice(0, i + 1);
    if (!s.endsWith('::')) s = s.slice(0, -1);
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const words = (x: string) => (x === '' ? [] : x.split(':').map((w) => (/^[0-9a-fA-F]{1,4}$/.test(w) ? parseInt(w, 16) : NaN)));
  const left = words(halves[0]);
  const right = halves.length === 2 ? words(halves[1]) : [];
  const count = left.length + right.length + tail.length;
  if ([...left, ...right].some((w) => Number.isNaN(w))) return null;
  if (halves.length === 2 ? count > 7 : count !== 8) return null;
  return [...left, ...new Array<number>(8 - count).fill(0), ...right, ...tail];
}

function v4InRange(addr: number, base: string, bits: number): boolean {
  const b = parseIPv4(base)!;
  const size = 2 ** (32 - bits);
  return Math.floor(addr / size) === Math.floor(b / size);
}

function v6InRange(words: number[], base: string, bits: number): boolean {
  const b = parseIPv6(base)!;
  for (let i = 0; i < 8 && bits > 0; i++, bits -= 16) {
    const mask = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;
    if ((words[i] & mask) !== (b[i] & mask)) return false;
  }
  return true;
}

function v4Problem(addr: number): string | null {
  if (addr === 0xffffffff) return 'broadcast';
  for (const [base, bits, why] of V4_BLOCKED) if (v4InRange(addr, base, bits)) return why;
  return null;
}

/**
 * Why a request must not go to this host (a URL's hostname: lower-case, IPv6 in brackets), or
 * null if it may. Names are refused only when they are local by definition (see above).
 */
export function hostProblem(hostname: string): string | null {
  const host = hostname.toLowerCase().replace(/\.+$/, '');
  if (host === '') return 'no host';
  if (host.startsWith('[') || host.includes(':')) {
    const w = parseIPv6(host);
    if (!w) return 'not a valid IPv6 address';
    for (const [base, bits, why] of V6_BLOCKED) if (v6InRange(w, base, bits)) return `${why} address`;
    // 6to4 (2002::/16) and NAT64 (64:ff9b::/96) carry an IPv4 address: judge that one.
    if (w[0] === 0x2002) return v4Problem(w[1] * 65536 + w[2]) && '6to4 address of a non-public IPv4 address';
    if (v6InRange(w, '64:ff9b::', 96)) return v4Problem(w[6] * 65536 + w[7]) && 'NAT64 address of a non-public IPv4 address';
    return null;
  }
  const v4 = /^[0-9a-fx.]+$/.test(host) ? parseIPv4(host) : null;
  if (v4 !== null) {
    const why = v4Problem(v4);
    return why && `${why} address`;
  }
  if (LOCAL_NAMES.includes(host) || LOCAL_SUFFIXES.some((s) => host.endsWith(s))) return 'local host name';
  return null;
}
