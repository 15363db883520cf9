// Git delta encoder: a byte-for-byte port of DeltaIndex / createDelta in
// src/codec/delta.ts (same hash, same bucket order, same candidate limits, same
// instruction choices), so both produce identical deltas.
//
// Like git's diff-delta: index the base by a hash of every aligned 16-byte
// block, slide a rolling hash over the target, and at each position look the
// hash up; a hit is verified and extended forwards (and backwards over bytes
// not yet emitted) into the longest copy, anything else becomes inserts.
const mem = @import("mem.zig");

const BLOCK: usize = 16;
const HASH_MUL: u32 = 0x01000193;
const MAX_CHAIN: u32 = 64;
const GOOD_ENOUGH: usize = 4096;
const MAX_COPY: usize = 0x10000;
const BUCKET_MUL: u32 = 0x9e3779b1;

const OUT_MUL: u32 = blk: {
    var m: u32 = 1;
    for (0..BLOCK - 1) |_| m *%= HASH_MUL;
    break :blk m;
};

inline fn blockHash(d: [*]const u8, p: usize) u32 {
    var h: u32 = 0;
    inline for (0..BLOCK) |i| h = h *% HASH_MUL +% d[p + i];
    return h;
}

/// Bytes of scratch the index of a base of base_len bytes needs (head, then next).
pub fn indexBytes(base_len: usize) usize {
    return (@as(usize, 4) << indexBits(base_len)) + 4 * @max(base_len / BLOCK, 1);
}

/// Index sizes for a base of base_len bytes: returns the bucket bits.
pub fn indexBits(base_len: usize) u5 {
    const blocks = base_len / BLOCK;
    var bits: u5 = 4;
    while ((@as(usize, 1) << bits) < blocks and bits < 24) bits += 1;
    return bits;
}

/// Builds the index into head[0..1<<bits) and next[0..max(blocks,1)) (both zeroed here).
pub fn buildIndex(base: [*]const u8, base_len: usize, bits: u5, head: [*]u32, next: [*]u32) void {
    const blocks = base_len / BLOCK;
    const shift: u5 = @intCast(32 - @as(u6, bits));
    @memset(head[0 .. @as(usize, 1) << bits], 0);
    @memset(next[0..@max(blocks, 1)], 0);
    var prev_hash: u32 = 0;
    var prev_block: isize = -1;
    var b: isize = @as(isize, @intCast(blocks)) - 1;
    while (b >= 0) : (b -= 1) {
        const ub: usize = @intCast(b);
        const h = blockHash(base, ub * BLOCK);
        if (prev_block >= 0 and h == prev_hash and sameBlock(base, ub, @intCast(prev_block))) {
            // Block `from` (the head of its bucket) is replaced by the identical, earlier block `to`.
            const from: u32 = @intCast(prev_block);
            const bucket = (h *% BUCKET_MUL) >> shift;
            if (head[bucket] == from + 1) {
                next[ub] = next[from];
            } else {
                next[ub] = head[bucket];
            }
            head[bucket] = @intCast(ub + 1);
        } else {
            const bucket = (h *% BUCKET_MUL) >> shift;
            next[ub] = head[bucket];
            head[bucket] = @intCast(ub + 1);
        }
        prev_hash = h;
        prev_block = b;
    }
}

/// Length of the common prefix of a and b, at most max: 8 bytes at a time.
inline fn matchLen(a: [*]const u8, b: [*]const u8, max: usize) usize {
    var len: usize = 0;
    while (len + 8 <= max) {
        const x = mem.load64(a + len) ^ mem.load64(b + len);
        if (x != 0) return len + (@ctz(x) >> 3);
        len += 8;
    }
    while (len < max and a[len] == b[len]) len += 1;
    return len;
}

fn sameBlock(d: [*]const u8, a: usize, b: usize) bool {
    for (0..BLOCK) |i| if (d[a * BLOCK + i] != d[b * BLOCK + i]) return false;
    return true;
}

const Out = struct {
    buf: [*]u8,
    o: usize,
    max: f64, // maxSize (f64: the TS code compares doubles; Infinity allowed)

    inline fn reserve(w: *Out, k: usize) bool {
        return !(@as(f64, @floatFromInt(w.o + k)) > w.max);
    }

    fn insert(w: *Out, t: [*]const u8, from0: usize, to: usize) bool {
        var from = from0;
        while (from < to) {
            const len: usize = @min(127, to - from);
            if (!w.reserve(len + 1)) return false;
            w.buf[w.o] = @intCast(len);
            w.o += 1;
            for (0..len) |k| w.buf[w.o + k] = t[from + k];
            w.o += len;
            from += len;
        }
        return true;
    }

    fn copy(w: *Out, off0: usize, len0: usize) bool {
        var off = off0;
        var len = len0;
        while (len > 0) {
            const size: usize = @min(len, MAX_COPY);
            if (!w.reserve(8)) return false;
            const at = w.o;
            w.o += 1;
            var op: u8 = 0x80;
            if (off & 0xff != 0) {
                w.put(@truncate(off));
                op |= 0x01;
            }
            if (off & 0xff00 != 0) {
                w.put(@truncate(off >> 8));
                op |= 0x02;
            }
            if (off & 0xff0000 != 0) {
                w.put(@truncate(off >> 16));
                op |= 0x04;
            }
            if (off >= 0x1000000) {
                w.put(@truncate(off >> 24));
                op |= 0x08;
            }
            if (size != 0x10000) {
                if (size & 0xff != 0) {
                    w.put(@truncate(size));
                    op |= 0x10;
                }
                if (size & 0xff00 != 0) {
                    w.put(@truncate(size >> 8));
                    op |= 0x20;
                }
                if (size & 0xff0000 != 0) {
                    w.put(@truncate(size >> 16));
                    op |= 0x40;
                }
            }
            w.buf[at] = op;
            off += size;
            len -= size;
        }
        return true;
    }

    inline fn put(w: *Out, b: u8) void {
        w.buf[w.o] = b;
        w.o += 1;
    }

    fn putSize(w: *Out, v0: u64) void {
        var v = v0;
        while (v >= 0x80) {
            w.put(@as(u8, @truncate(v & 0x7f)) | 0x80);
            v >>= 7;
        }
        w.put(@truncate(v));
    }
};

/// Upper bound of the delta for a target of tlen bytes (out must hold this).
pub fn bound(tlen: usize) usize {
    // Header <= 20; every target byte is inserted at most once, plus one
    // length byte per 127 and per run of inserts; each copy instruction
    // (<= 8 bytes) covers >= 16 target bytes (all but the last piece of a
    // long copy cover 64 KiB), and runs of inserts sit between copies.
    return 20 + tlen + tlen / 127 + (tlen / 16 + 2) * 9;
}

/// Encodes target as a delta against the indexed base. Returns the delta
/// length, or -1 if it would exceed max_size (as `delta()` returning null).
pub fn encode(base: [*]const u8, blen: usize, bits: u5, head: [*]const u32, next: [*]const u32, target: [*]const u8, tlen: usize, max_size: f64, out: [*]u8) i64 {
    const shift: u5 = @intCast(32 - @as(u6, bits));
    var w = Out{ .buf = out, .o = 0, .max = max_size };
    if (!w.reserve(20)) return -1;
    w.putSize(blen);
    w.putSize(tlen);

    var pending: usize = 0;
    var i: usize = 0;
    var h: u32 = if (tlen >= BLOCK) blockHash(target, 0) else 0;
    while (i + BLOCK <= tlen) {
        var best_len: usize = 0;
        var best_off: usize = 0;
        var chain: u32 = 0;
        var c = head[(h *% BUCKET_MUL) >> shift];
        while (c != 0 and chain < MAX_CHAIN) : ({
            c = next[c - 1];
            chain += 1;
        }) {
            const bo = (c - 1) * BLOCK;
            const max = @min(blen - bo, tlen - i);
            if (max <= best_len or base[bo + best_len] != target[i + best_len]) continue;
            const len = matchLen(base + bo, target + i, max);
            if (len > best_len) {
                best_len = len;
                best_off = bo;
                if (len == max or len >= GOOD_ENOUGH) break;
            }
        }
        if (best_len >= BLOCK) {
            var s = i;
            while (s > pending and best_off > 0 and base[best_off - 1] == target[s - 1]) {
                s -= 1;
                best_off -= 1;
                best_len += 1;
            }
            if (!w.insert(target, pending, s) or !w.copy(best_off, best_len)) return -1;
            i = s + best_len;
            pending = i;
            if (i + BLOCK <= tlen) h = blockHash(target, i);
        } else {
            if (i + BLOCK < tlen) {
                h = (h -% target[i] *% OUT_MUL) *% HASH_MUL +% target[i + BLOCK];
            }
            i += 1;
        }
    }
    if (!w.insert(target, pending, tlen)) return -1;
    return @intCast(w.o);
}
