// Adler-32 (RFC 1950): the zlib trailer checksum. Sums are reduced mod 65521
// once per NMAX bytes (the most that cannot overflow 32 bits), and the inner
// loop handles 16 bytes per iteration.
const BASE: u32 = 65521;
const NMAX: usize = 5552;

pub fn adler32(prev: u32, data: [*]const u8, len: usize) u32 {
    var a: u32 = prev & 0xffff;
    var b: u32 = prev >> 16;
    var p = data;
    var n = len;
    while (n != 0) {
        var k: usize = @min(n, NMAX);
        n -= k;
        while (k >= 16) : (k -= 16) {
            inline for (0..16) |i| {
                a += p[i];
                b += a;
            }
            p += 16;
        }
        while (k != 0) : (k -= 1) {
            a += p[0];
            b += a;
            p += 1;
        }
        a %= BASE;
        b %= BASE;
    }
    return (b << 16) | a;
}
