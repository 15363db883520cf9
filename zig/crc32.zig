// CRC-32 (IEEE, reflected, poly 0xEDB88320), slicing-by-8: eight table
// lookups per 8 input bytes. The 8 KiB of tables are built at compile time.
const mem = @import("mem.zig");

const tables: [8][256]u32 = blk: {
    @setEvalBranchQuota(100000);
    var t: [8][256]u32 = undefined;
    for (0..256) |n| {
        var c: u32 = n;
        for (0..8) |_| c = if (c & 1 != 0) 0xEDB88320 ^ (c >> 1) else c >> 1;
        t[0][n] = c;
    }
    for (0..256) |n| {
        var c = t[0][n];
        for (1..8) |k| {
            c = t[0][c & 0xff] ^ (c >> 8);
            t[k][n] = c;
        }
    }
    break :blk t;
};

/// CRC-32 of data, continuing from `prev` (0 to start).
pub fn crc32(prev: u32, data: [*]const u8, len: usize) u32 {
    var c = ~prev;
    var p = data;
    var n = len;
    const t = &tables;
    while (n >= 8) {
        const a = c ^ mem.load32(p);
        const b = mem.load32(p + 4);
        c = t[7][a & 0xff] ^ t[6][(a >> 8) & 0xff] ^ t[5][(a >> 16) & 0xff] ^ t[4][a >> 24] ^
            t[3][b & 0xff] ^ t[2][(b >> 8) & 0xff] ^ t[1][(b >> 16) & 0xff] ^ t[0][b >> 24];
        p += 8;
        n -= 8;
    }
    while (n != 0) : (n -= 1) {
        c = t[0][(c ^ p[0]) & 0xff] ^ (c >> 8);
        p += 1;
    }
    return ~c;
}
