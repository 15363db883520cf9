// SHA-1 (FIPS 180-4), hand-unrolled: the 80 rounds and the 16-word rolling
// message schedule are expanded at compile time (`inline for`), so every
// round is straight-line code over wasm locals with constant shifts. No std.
const mem = @import("mem.zig");

/// Streaming state. Lives in linear memory at an address the host chooses,
/// so the host can keep many hashes going and copy the 96 bytes in and out.
pub const Ctx = extern struct {
    h: [5]u32,
    buflen: u32,
    total: u64,
    buf: [64]u8,
};

pub fn init(c: *Ctx) void {
    c.h = .{ 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0 };
    c.buflen = 0;
    c.total = 0;
}

inline fn be(p: [*]const u8) u32 {
    return @byteSwap(mem.load32(p));
}

/// Compresses `nblocks` consecutive 64-byte blocks into h.
pub fn blocks(h: *[5]u32, data: [*]const u8, nblocks: usize) void {
    var a0 = h[0];
    var b0 = h[1];
    var c0 = h[2];
    var d0 = h[3];
    var e0 = h[4];
    var p = data;
    var n = nblocks;
    while (n != 0) : (n -= 1) {
        var w: [16]u32 = undefined;
        inline for (0..16) |i| w[i] = be(p + 4 * i);
        var a = a0;
        var b = b0;
        var c = c0;
        var d = d0;
        var e = e0;
        inline for (0..80) |i| {
            if (i >= 16) {
                w[i & 15] = mem.rotl32(w[(i + 13) & 15] ^ w[(i + 8) & 15] ^ w[(i + 2) & 15] ^ w[i & 15], 1);
            }
            const f = switch (i / 20) {
                0 => d ^ (b & (c ^ d)),
                1 => b ^ c ^ d,
                2 => (b & c) | (d & (b | c)),
                else => b ^ c ^ d,
            };
            const k: u32 = switch (i / 20) {
                0 => 0x5A827999,
                1 => 0x6ED9EBA1,
                2 => 0x8F1BBCDC,
                else => 0xCA62C1D6,
            };
            const t = mem.rotl32(a, 5) +% f +% e +% k +% w[i & 15];
            e = d;
            d = c;
            c = mem.rotl32(b, 30);
            b = a;
            a = t;
        }
        a0 +%= a;
        b0 +%= b;
        c0 +%= c;
        d0 +%= d;
        e0 +%= e;
        p += 64;
    }
    h[0] = a0;
    h[1] = b0;
    h[2] = c0;
    h[3] = d0;
    h[4] = e0;
}

pub fn update(c: *Ctx, data: [*]const u8, len: usize) void {
    var p = data;
    var n = len;
    c.total +%= n;
    if (c.buflen != 0) {
        const take = @min(64 - c.buflen, n);
        @memcpy(c.buf[c.buflen..][0..take], p[0..take]);
        c.buflen += @intCast(take);
        p += take;
        n -= take;
        if (c.buflen < 64) return;
        blocks(&c.h, &c.buf, 1);
        c.buflen = 0;
    }
    const nb = n >> 6;
    if (nb != 0) {
        blocks(&c.h, p, nb);
        p += nb << 6;
        n -= nb << 6;
    }
    if (n != 0) {
        @memcpy(c.buf[0..n], p[0..n]);
        c.buflen = @intCast(n);
    }
}

pub fn final(c: *Ctx, out: [*]u8) void {
    const bits = c.total << 3;
    var i = c.buflen;
    c.buf[i] = 0x80;
    i += 1;
    if (i > 56) {
        @memset(c.buf[i..64], 0);
        blocks(&c.h, &c.buf, 1);
        i = 0;
    }
    @memset(c.buf[i..56], 0);
    mem.store32be(c.buf[56..].ptr, @truncate(bits >> 32));
    mem.store32be(c.buf[60..].ptr, @truncate(bits));
    blocks(&c.h, &c.buf, 1);
    inline for (0..5) |j| mem.store32be(out + 4 * j, c.h[j]);
}
