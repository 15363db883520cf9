// Adler-32 (RFC 1950): the zlib trailer checksum. Sums are reduced mod 65521
// once per NMAX bytes (the most that cannot overflow 32 bits).
//
// The bulk runs 16 bytes at a time in SIMD (v128) lanes. Over a group of at
// most 16 blocks of 16 bytes, u16 lanes hold, per byte position i:
//   s1[i] = the sum of byte i of each block so far,
//   s2[i] = the sum of (16 - i) * byte i of each block so far,
//   p[i]  = the sum, over blocks, of s1[i] before that block was added;
// none of them can overflow 16 bits within a group. For a group of m blocks
// starting from sums (a, b):
//   a' = a + sum(s1)
//   b' = b + 16 m a + 16 sum(p) + sum(s2)
// since every byte of block j is counted once in a for each later position.
const BASE: u32 = 65521;
const NMAX: usize = 5552;
const GROUP: usize = 256; // 16 blocks of 16 bytes
const RUN: usize = (NMAX / GROUP) * GROUP; // whole groups between reductions

const V8 = @Vector(16, u8);
const V16 = @Vector(16, u16);
const V32 = @Vector(16, u32);
const weights: V16 = .{ 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1 };

inline fn sum16(v: V16) u32 {
    return @reduce(.Add, @as(V32, v));
}

pub fn adler32(prev: u32, data: [*]const u8, len: usize) u32 {
    var a: u32 = prev & 0xffff;
    var b: u32 = prev >> 16;
    var p = data;
    var n = len;
    while (n >= GROUP) {
        var k: usize = @min(n, RUN) / GROUP;
        n -= k * GROUP;
        while (k != 0) : (k -= 1) {
            var s1: V16 = @splat(0);
            var s2: V16 = @splat(0);
            var pre: V16 = @splat(0);
            inline for (0..16) |j| {
                const x: V16 = @as(*align(1) const V8, @ptrCast(p + 16 * j)).*;
                pre +%= s1;
                s1 +%= x;
                s2 +%= x *% weights;
            }
            b +%= (a << 8) +% (sum16(pre) << 4) +% sum16(s2);
            a +%= sum16(s1);
            p += GROUP;
        }
        a %= BASE;
        b %= BASE;
    }
    // The tail (< 256 bytes): scalar.
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
