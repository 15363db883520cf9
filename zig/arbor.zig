// Arbor's Wasm accelerator: the exported host interface.
//
// Memory model: the module owns its linear memory. Everything the host hands
// over goes into one scratch arena starting at arena_base(); before each call
// the host asks for the room it needs with arena_reserve(n) (which grows the
// memory, up to the --max-memory the build sets, or returns 0), copies its
// input there, calls a function with pointers and lengths inside the arena,
// and copies the output back out. Nothing outlives a call except the small
// tables in static data, so there is nothing to free: the next call reuses the
// arena. Results beyond a status code are written to result_ptr() (a small
// static block of u32s) and nums_ptr() (f64s).
const sha1 = @import("sha1.zig");
const crc = @import("crc32.zig");
const adler = @import("adler32.zig");
const inflate_mod = @import("inflate.zig");
const delta = @import("delta.zig");
const delta_encode = @import("delta_encode.zig");
const deflate_mod = @import("deflate.zig");
const object_id = @import("object_id.zig");
const pack_walk = @import("pack_walk.zig");

extern var __heap_base: u8;

var result: inflate_mod.Result = .{ .consumed = 0, .produced = 0 };
var nums: delta.Nums = .{ 0, 0, 0, 0 };

export fn arena_base() usize {
    return (@intFromPtr(&__heap_base) + 15) & ~@as(usize, 15);
}

/// Makes [arena_base(), arena_base() + n) usable; returns arena_base() or 0 if
/// the memory cannot grow that far.
export fn arena_reserve(n: usize) usize {
    const base = arena_base();
    const need: u64 = @as(u64, base) + n;
    const have: u64 = @as(u64, @wasmMemorySize(0)) << 16;
    if (need > have) {
        const pages = (need - have + 0xffff) >> 16;
        if (pages > 0xffff) return 0;
        if (@wasmMemoryGrow(0, @intCast(pages)) < 0) return 0;
    }
    return base;
}

export fn result_ptr() usize {
    return @intFromPtr(&result);
}

export fn nums_ptr() usize {
    return @intFromPtr(&nums);
}

// ---------------------------------------------------------------- SHA-1

export fn sha1_init(ctx: *sha1.Ctx) void {
    sha1.init(ctx);
}

export fn sha1_update(ctx: *sha1.Ctx, data: [*]const u8, len: usize) void {
    sha1.update(ctx, data, len);
}

export fn sha1_final(ctx: *sha1.Ctx, out: [*]u8) void {
    sha1.final(ctx, out);
}

/// One-shot SHA-1 of data[0..len) into out[0..20).
export fn sha1_digest(data: [*]const u8, len: usize, out: [*]u8) void {
    var c: sha1.Ctx = undefined;
    sha1.init(&c);
    sha1.update(&c, data, len);
    sha1.final(&c, out);
}

/// Git object id: SHA-1 of "<type> <len>\0" followed by the content.
/// type: 1 commit, 2 tree, 3 blob, 4 tag. Returns 0, or 1 for a bad type.
export fn git_hash(typ: u32, data: [*]const u8, len: usize, out: [*]u8) u32 {
    if (typ < 1 or typ > 4) return 1;
    object_id.hash(typ, data, len, out);
    return 0;
}

// ---------------------------------------------------------------- checksums

export fn crc32(prev: u32, data: [*]const u8, len: usize) u32 {
    return crc.crc32(prev, data, len);
}

export fn adler32(prev: u32, data: [*]const u8, len: usize) u32 {
    return adler.adler32(prev, data, len);
}

// ---------------------------------------------------------------- inflate

/// Bytes of zeroed padding inflate() needs after its input (it writes them).
export fn inflate_pad() usize {
    return inflate_mod.PAD;
}

/// Inflates the zlib stream in[0..in_len) into out[0..cap) (out needs 16
/// bytes of slack after cap). Returns a status (see inflate.zig); result_ptr() then
/// holds {consumed input bytes, produced output bytes}.
export fn inflate(in: [*]u8, in_len: usize, out: [*]u8, cap: usize) u32 {
    return @intFromEnum(inflate_mod.inflate(in, in_len, out, cap, &result));
}

// ---------------------------------------------------------------- delta

/// Validates a delta against a base of base_len bytes (see delta.zig).
export fn delta_check(d: [*]const u8, n: usize, base_len: f64, max_result: f64) u32 {
    return @intFromEnum(delta.check(d, n, base_len, max_result, &nums));
}

/// delta_check, then, if the result fits in out[0..out_cap) (plus 16 bytes of
/// slack), delta_run: one call for the common case. Returns delta_check's
/// status, or 255 if the delta is valid but needs a bigger output buffer
/// (nums[1] = its size, nums[2] = start, for delta_run).
export fn delta_apply(base: [*]const u8, base_len: usize, d: [*]const u8, n: usize, max_result: f64, out: [*]u8, out_cap: usize) u32 {
    const st = delta.check(d, n, @floatFromInt(base_len), max_result, &nums);
    if (st != .ok) return @intFromEnum(st);
    if (nums[1] > @as(f64, @floatFromInt(out_cap))) return 255;
    delta.run(base, d, @intFromFloat(nums[2]), n, out);
    return 0;
}

/// Applies a delta that delta_check accepted; `start` is nums[2] from it.
export fn delta_run(base: [*]const u8, d: [*]const u8, start: usize, n: usize, out: [*]u8) void {
    delta.run(base, d, start, n, out);
}

/// Scratch bytes delta_create needs for its index of a base of base_len bytes.
export fn delta_index_bytes(base_len: usize) usize {
    return delta_encode.indexBytes(base_len);
}

/// Largest delta delta_create can write for a target of target_len bytes.
export fn delta_bound(target_len: usize) usize {
    return delta_encode.bound(target_len);
}

/// Encodes target as a git delta against base, exactly as createDelta in
/// src/codec/delta.ts. work: delta_index_bytes(base_len) scratch bytes (4-byte
/// aligned); out: delta_bound(target_len) bytes. Returns the delta's length,
/// or -1 if it would exceed max_size.
export fn delta_create(base: [*]const u8, base_len: usize, target: [*]const u8, target_len: usize, max_size: f64, work: [*]u32, out: [*]u8) i32 {
    const bits = delta_encode.indexBits(base_len);
    const head = work;
    const next = work + (@as(usize, 1) << bits);
    delta_encode.buildIndex(base, base_len, bits, head, next);
    return @intCast(delta_encode.encode(base, base_len, bits, head, next, target, target_len, max_size, out));
}

// ---------------------------------------------------------------- deflate

/// Scratch bytes deflate needs for an input of n bytes (4-byte aligned).
export fn deflate_work_bytes(n: usize) usize {
    return deflate_mod.workBytes(n);
}

/// Largest zlib stream deflate writes for n input bytes (out needs 8 more).
export fn deflate_bound(n: usize) usize {
    return deflate_mod.bound(n);
}

/// zlib-compresses in[0..n) (followed by 8 readable bytes) at level 0-9 into
/// out; work: deflate_work_bytes(n) bytes. Returns the stream's length.
export fn deflate(in: [*]const u8, n: usize, level: u32, work: [*]u32, out: [*]u8) usize {
    return deflate_mod.deflate(in, n, level, work, out);
}

// ---------------------------------------------------------------- pack walker

/// f64s per record pack_walk writes (see pack_walk.zig).
export fn pack_walk_rec() usize {
    return pack_walk.REC;
}

/// Walks the complete pack entries at the front of in[0..len) (followed by
/// inflate_pad() writable bytes): see pack_walk.zig. nums_ptr() then holds
/// {entries walked, bytes consumed, bytes to wait for (status 1)}.
export fn pack_walk_run(in: [*]u8, len: usize, remaining: usize, walk_max: usize, hash_max: usize, max_obj: f64, out: [*]u8, out_cap: usize, recs: [*]f64, max_recs: usize, ids: [*]u8) u32 {
    return @intFromEnum(pack_walk.walk(in, len, remaining, walk_max, hash_max, max_obj, out, out_cap, recs, max_recs, ids, &nums));
}
