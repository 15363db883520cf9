// Linear-memory helpers shared by the Zig modules: unaligned little/big-endian
// loads and stores (wasm32 is little-endian and allows unaligned access).

pub inline fn load64(p: [*]const u8) u64 {
    return @as(*align(1) const u64, @ptrCast(p)).*;
}

pub inline fn store64(p: [*]u8, v: u64) void {
    @as(*align(1) u64, @ptrCast(p)).* = v;
}

pub const V128 = @Vector(16, u8);

pub inline fn load128(p: [*]const u8) V128 {
    return @as(*align(1) const [16]u8, @ptrCast(p)).*;
}

pub inline fn store128(p: [*]u8, v: V128) void {
    @as(*align(1) [16]u8, @ptrCast(p)).* = v;
}

pub inline fn load32(p: [*]const u8) u32 {
    return @as(*align(1) const u32, @ptrCast(p)).*;
}

pub inline fn store32(p: [*]u8, v: u32) void {
    @as(*align(1) u32, @ptrCast(p)).* = v;
}

pub inline fn load32be(p: [*]const u8) u32 {
    return (@as(u32, p[0]) << 24) | (@as(u32, p[1]) << 16) | (@as(u32, p[2]) << 8) | @as(u32, p[3]);
}

pub inline fn store32be(p: [*]u8, v: u32) void {
    p[0] = @truncate(v >> 24);
    p[1] = @truncate(v >> 16);
    p[2] = @truncate(v >> 8);
    p[3] = @truncate(v);
}

pub inline fn rotl32(x: u32, comptime n: u5) u32 {
    if (n == 0) return x;
    return (x << n) | (x >> (32 - @as(u6, n)));
}
