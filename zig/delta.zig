// Git delta application (pack-format.txt, "Deltified representation") with
// the validation of src/codec/delta.ts, in two passes so that nothing is
// allocated or written for a delta that will be rejected:
//   check(): walks the header and every instruction, with the same checks in
//            the same order as applyDelta() in delta.ts, and reports the first
//            failure (or the exact result size). Sizes are accumulated in f64
//            exactly as the TS code does, so even absurd headers produce the
//            same numbers in the error messages.
//   run():   executes an already checked delta, without checks.
const mem = @import("mem.zig");

pub const Status = enum(u32) {
    ok = 0,
    base_header_truncated = 1,
    result_header_truncated = 2,
    base_header_too_long = 3,
    result_header_too_long = 4,
    base_size_mismatch = 5, // nums[0] = declared base size
    result_too_large = 6, // nums[1] = declared result size
    copy_truncated = 7,
    copy_out_of_base = 8, // nums[2] = offset, nums[3] = size
    writes_past_result = 9, // nums[1] = declared result size
    insert_past_end = 10,
    reserved_opcode = 11, // nums[2] = position of the 0 byte
    size_mismatch = 12, // nums[2] = bytes produced, nums[1] = declared result size
};

/// Where check() leaves its numbers: 0 base size, 1 result size,
/// 2 first instruction offset (on success) or error detail, 3 error detail.
pub const Nums = [4]f64;

const SizeErr = enum { ok, truncated, too_long };

fn readSize(d: [*]const u8, n: usize, pos: *usize, out: *f64) SizeErr {
    var value: f64 = 0;
    var mul: f64 = 1;
    var p = pos.*;
    while (true) {
        if (p >= n) return .truncated;
        const c = d[p];
        p += 1;
        value += @as(f64, @floatFromInt(c & 0x7f)) * mul;
        if (c & 0x80 == 0) break;
        mul *= 128;
        if (mul > 562949953421312.0) return .too_long; // 2^49
    }
    pos.* = p;
    out.* = value;
    return .ok;
}

inline fn at(d: [*]const u8, n: usize, p: usize) u32 {
    return if (p < n) d[p] else 0;
}

pub fn check(d: [*]const u8, n: usize, base_len: f64, max_result: f64, nums: *Nums) Status {
    var p: usize = 0;
    var base_size: f64 = 0;
    switch (readSize(d, n, &p, &base_size)) {
        .truncated => return .base_header_truncated,
        .too_long => return .base_header_too_long,
        .ok => {},
    }
    nums[0] = base_size;
    if (base_size != base_len) return .base_size_mismatch;
    var result_size: f64 = 0;
    switch (readSize(d, n, &p, &result_size)) {
        .truncated => return .result_header_truncated,
        .too_long => return .result_header_too_long,
        .ok => {},
    }
    nums[1] = result_size;
    if (result_size > max_result) return .result_too_large;
    const start = p;
    var o: u64 = 0;
    while (p < n) {
        const op = d[p];
        p += 1;
        if (op & 0x80 != 0) {
            var off: u64 = 0;
            var size: u64 = 0;
            if (op & 0x01 != 0) {
                off = at(d, n, p);
                p += 1;
            }
            if (op & 0x02 != 0) {
                off |= @as(u64, at(d, n, p)) << 8;
                p += 1;
            }
            if (op & 0x04 != 0) {
                off |= @as(u64, at(d, n, p)) << 16;
                p += 1;
            }
            if (op & 0x08 != 0) {
                off |= @as(u64, at(d, n, p)) << 24;
                p += 1;
            }
            if (op & 0x10 != 0) {
                size = at(d, n, p);
                p += 1;
            }
            if (op & 0x20 != 0) {
                size |= @as(u64, at(d, n, p)) << 8;
                p += 1;
            }
            if (op & 0x40 != 0) {
                size |= @as(u64, at(d, n, p)) << 16;
                p += 1;
            }
            if (p > n) return .copy_truncated;
            if (size == 0) size = 0x10000;
            if (@as(f64, @floatFromInt(off + size)) > base_len) {
                nums[2] = @floatFromInt(off);
                nums[3] = @floatFromInt(size);
                return .copy_out_of_base;
            }
            if (@as(f64, @floatFromInt(o + size)) > result_size) return .writes_past_result;
            o += size;
        } else if (op != 0) {
            if (p + op > n) return .insert_past_end;
            if (@as(f64, @floatFromInt(o + op)) > result_size) return .writes_past_result;
            p += op;
            o += op;
        } else {
            nums[2] = @floatFromInt(p - 1);
            return .reserved_opcode;
        }
    }
    if (@as(f64, @floatFromInt(o)) != result_size) {
        nums[2] = @floatFromInt(o);
        return .size_mismatch;
    }
    nums[2] = @floatFromInt(start);
    return .ok;
}

/// Applies a delta that check() accepted, starting at instruction offset
/// `start`. base and out must be followed by 16 bytes of slack (small copies
/// move whole words and may overshoot; later instructions overwrite it).
pub fn run(base: [*]const u8, d: [*]const u8, start: usize, n: usize, out: [*]u8) void {
    var p = start;
    var o: usize = 0;
    while (p < n) {
        const op = d[p];
        p += 1;
        if (op & 0x80 != 0) {
            var off: usize = 0;
            var size: usize = 0;
            if (op & 0x01 != 0) {
                off = d[p];
                p += 1;
            }
            if (op & 0x02 != 0) {
                off |= @as(usize, d[p]) << 8;
                p += 1;
            }
            if (op & 0x04 != 0) {
                off |= @as(usize, d[p]) << 16;
                p += 1;
            }
            if (op & 0x08 != 0) {
                off |= @as(usize, d[p]) << 24;
                p += 1;
            }
            if (op & 0x10 != 0) {
                size = d[p];
                p += 1;
            }
            if (op & 0x20 != 0) {
                size |= @as(usize, d[p]) << 8;
                p += 1;
            }
            if (op & 0x40 != 0) {
                size |= @as(usize, d[p]) << 16;
                p += 1;
            }
            if (size == 0) size = 0x10000;
            copy(out + o, base + off, size);
            o += size;
        } else {
            copy(out + o, d + p, op);
            p += op;
            o += op;
        }
    }
}

inline fn copy(dst: [*]u8, src: [*]const u8, n: usize) void {
    if (n <= 16) {
        mem.store64(dst, mem.load64(src));
        mem.store64(dst + 8, mem.load64(src + 8));
    } else {
        @memcpy(dst[0..n], src[0..n]);
    }
}
