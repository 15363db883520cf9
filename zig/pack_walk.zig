// Pack walker: turns a window of a pack stream into entries in one call.
//
// For each complete entry at the front of in[0..len) it parses the type/size
// header and the delta base (ofs distance or ref id), inflates the zlib data
// into `out`, takes the CRC-32 of the raw entry bytes (what .idx v2 stores)
// and, for whole objects up to hash_max bytes, the object id. One call walks
// as many entries as the window, the output buffer and the record table
// hold, so the host crosses into Wasm once per batch instead of three times
// per entry (inflate, CRC, hash), and copies the input in once.
//
// It only walks what it can finish exactly like the TS parser
// (src/pack/parser.ts readEntry): anything unusual (a bad header, a size
// over walk_max or max_obj, a zlib error, a size mismatch) stops the walk
// with `fallback` at that entry, and the host lets the TS parser take that
// one entry, so errors keep their exact text. `need` means the entry at the
// stop is incomplete; nums[2] then says how many window bytes (from the
// entry's start) to wait for, by the TS parser's retry rule (first try once
// half the declared size arrived, then doubling), so large entries arriving
// in small pieces are not inflated over and over.
//
// Memory is the caller's: in[0..len) followed by inflate.PAD writable bytes,
// out[0..out_cap), recs[0..max_recs * REC) f64s, ids[0..max_recs * 20).
const inflate_mod = @import("inflate.zig");
const crc = @import("crc32.zig");
const object_id = @import("object_id.zig");

pub const Status = enum(u32) { done = 0, need = 1, fallback = 2, full = 3 };

/// f64s per record: rel_offset, header_len, entry_len, type (+16 when ids
/// holds its id), size, ofs distance, crc32, position of its data in out.
pub const REC: usize = 8;

/// Results besides the status: entries walked, bytes consumed, retry size.
pub const Nums = [4]f64;

const FIRST_TRY_CAP: u64 = 4 << 20;
const MAX_SAFE: u64 = 1 << 53;

fn deflateBound(n: u64) u64 {
    return n + (n + 1023) / 1024 + 64;
}

pub fn walk(
    in: [*]u8,
    len: usize,
    remaining: usize,
    walk_max: usize,
    hash_max: usize,
    max_obj: f64,
    out: [*]u8,
    out_cap: usize,
    recs: [*]f64,
    max_recs: usize,
    ids: [*]u8,
    nums: *Nums,
) Status {
    var s: usize = 0; // start of the current entry
    var count: usize = 0;
    var out_pos: usize = 0;
    var res: inflate_mod.Result = .{ .consumed = 0, .produced = 0 };
    const st: Status = blk: while (count < remaining) {
        if (s >= len) break :blk .done;
        const have = len - s;
        var p = s;
        // Type and size: 3 type bits and 4 size bits, then 7 size bits per byte.
        var c = in[p];
        p += 1;
        const typ: u32 = (c >> 4) & 7;
        var size: u64 = c & 15;
        var shift: u6 = 4;
        while (c & 0x80 != 0) {
            if (p >= len) {
                nums[2] = @floatFromInt(have + 1);
                break :blk .need;
            }
            c = in[p];
            p += 1;
            size += @as(u64, c & 0x7f) << shift;
            shift += 7;
            if (shift > 53) break :blk .fallback; // "size header is too long" and the like
        }
        if (typ == 0 or typ == 5) break :blk .fallback;
        if (@as(f64, @floatFromInt(size)) > max_obj or size > walk_max) break :blk .fallback;
        var dist: u64 = 0;
        if (typ == 6) {
            if (p >= len) {
                nums[2] = @floatFromInt(have + 1);
                break :blk .need;
            }
            c = in[p];
            p += 1;
            dist = c & 0x7f;
            while (c & 0x80 != 0) {
                if (p >= len) {
                    nums[2] = @floatFromInt(have + 1);
                    break :blk .need;
                }
                c = in[p];
                p += 1;
                dist = (dist + 1) * 128 + (c & 0x7f);
                if (dist > MAX_SAFE) break :blk .fallback;
            }
        } else if (typ == 7) {
            if (p + 20 > len) {
                nums[2] = @floatFromInt(have + 1);
                break :blk .need;
            }
            p += 20;
        }
        const n: usize = @intCast(size); // <= walk_max
        const hdr: u64 = p - s;
        const bound = hdr + deflateBound(size);
        const first_try = @min(bound, hdr + @min(size / 2, FIRST_TRY_CAP));
        if (have < first_try) {
            nums[2] = @floatFromInt(first_try);
            break :blk .need;
        }
        if (count == max_recs or out_pos + n + 1 + 16 > out_cap) break :blk .full;
        const o = out + out_pos;
        const z = inflate_mod.inflate(in + p, len - p, o, n + 1, &res);
        switch (z) {
            .ok => {},
            .truncated => {
                const h: u64 = have;
                nums[2] = @floatFromInt(if (bound > h) @min(2 * h, bound) else 2 * h);
                break :blk .need;
            },
            else => break :blk .fallback,
        }
        if (res.produced != n) break :blk .fallback;
        const entry_len = (p - s) + res.consumed;
        var t: u32 = typ;
        if (typ <= 4 and n <= hash_max) {
            object_id.hash(typ, o, n, ids + count * 20);
            t |= 16;
        }
        const r = recs + count * REC;
        r[0] = @floatFromInt(s);
        r[1] = @floatFromInt(hdr);
        r[2] = @floatFromInt(entry_len);
        r[3] = @floatFromInt(t);
        r[4] = @floatFromInt(size);
        r[5] = @floatFromInt(dist);
        r[6] = @floatFromInt(crc.crc32(0, in + s, entry_len));
        r[7] = @floatFromInt(out_pos);
        out_pos += n;
        count += 1;
        s += entry_len;
    } else .done;
    nums[0] = @floatFromInt(count);
    nums[1] = @floatFromInt(s);
    return st;
}
